// What the language server asks of a cluster (issue 12): one substituteFrom ConfigMap or Secret
// (Secret values replaced by placeholders unless the caller masks them itself), and the CRDs the
// cluster serves (for the schema registry). One request each, through the context's transport.

import { isRecord } from '../cluster/object';
import type { Transport } from '../cluster/transport';
import {
  secretPlaceholder,
  type ClusterObjectParams,
  type ClusterObjectResult,
} from '../../../server/src/protocol';

/** The HTTP status and Status message of a failed read, in words with the verb and resource. */
export function describeFailure(
  status: number,
  error: string | undefined,
  verb: string,
  resource: string,
  namespace?: string,
): string {
  const where = namespace ? ` in namespace ${namespace}` : ' at the cluster scope';
  if (status === 403) return `forbidden: ${verb} ${resource}${where} (RBAC)`;
  if (status === 0) return error ?? 'unreachable';
  return `${verb} ${resource}${where} failed: ${error ?? `HTTP ${status}`}`;
}

/** Reads one ConfigMap or Secret for substitution; never throws for expected failures. */
export async function readVariableObject(
  transport: Transport,
  p: ClusterObjectParams,
  signal?: AbortSignal,
): Promise<ClusterObjectResult> {
  const plural = p.kind === 'Secret' ? 'secrets' : 'configmaps';
  const res = await transport.request(
    'GET',
    `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/${plural}/${encodeURIComponent(p.name)}`,
    signal ? { signal } : {},
  );
  if (res.status === 404) return { status: 'not-found' };
  if (res.status !== 200 || !isRecord(res.body))
    return { status: 'error', message: describeFailure(res.status, res.error, 'get', plural, p.namespace) };
  const data: Record<string, string> = {};
  const body = res.body;
  if (p.kind === 'ConfigMap') {
    if (isRecord(body['data'])) for (const [k, v] of Object.entries(body['data'])) data[k] = String(v ?? '');
    return { status: 'found', data, secretKeys: [] };
  }
  if (isRecord(body['data']))
    for (const [k, v] of Object.entries(body['data']))
      data[k] = p.reveal ? Buffer.from(String(v ?? ''), 'base64').toString('utf8') : secretPlaceholder(k);
  return { status: 'found', data, secretKeys: Object.keys(data) };
}

/** Every CRD the cluster serves (full objects, for schemas), or why they cannot be read. */
export async function readCrds(
  transport: Transport,
  signal?: AbortSignal,
): Promise<{ crds: unknown[] } | { error: string }> {
  const res = await transport.request(
    'GET',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    signal ? { signal } : {},
  );
  if (res.status !== 200 || !isRecord(res.body) || !Array.isArray(res.body['items']))
    return { error: describeFailure(res.status, res.error, 'list', 'customresourcedefinitions') };
  // List items carry no apiVersion/kind; managedFields and status are of no use to schemas.
  const crds = res.body['items'].filter(isRecord).map((item) => {
    const md = isRecord(item['metadata']) ? { ...item['metadata'] } : {};
    delete md['managedFields'];
    const rest: Record<string, unknown> = { ...item };
    delete rest['status'];
    return { ...rest, apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: md };
  });
  return { crds };
}
