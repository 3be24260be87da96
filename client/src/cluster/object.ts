// The shape of Kubernetes objects as the explorer stores them: plain JSON, read defensively
// (a cluster may serve anything, including fields of a Flux version we do not know).

/** Metadata the explorer reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: unknown;
  [key: string]: unknown;
}

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A status condition (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The conditions of an object (only well-formed entries). */
export function conditionsOf(obj: KubeObject): Condition[] {
  const list = obj.status?.['conditions'];
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition => isRecord(c) && typeof c['type'] === 'string' && typeof c['status'] === 'string',
  );
}

export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/** A string field of status, or undefined. */
export function statusString(obj: KubeObject, field: string): string | undefined {
  const v = obj.status?.[field];
  return typeof v === 'string' ? v : undefined;
}

/** "namespace/name", or "name" for cluster-scoped objects. */
export function objectRef(obj: { metadata: { name: string; namespace?: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}
