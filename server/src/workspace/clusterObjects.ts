import type { ClusterObjectsParams, LatestImage } from '../protocol';
import type { Definition, ObjectSource } from './resolver';

/**
 * The Flux objects of one connected cluster, as the client's live explorer last listed them, as a
 * place references resolve in (issue 12): a `sourceRef` to a GitRepository that only the cluster has
 * (created by `flux bootstrap`, or by another repository) is not missing.
 */
export class ClusterObjects implements ObjectSource {
  readonly label: string;
  private byKindName = new Map<string, Definition[]>();
  private byKind = new Map<string, Definition[]>();

  constructor(readonly context: string) {
    this.label = `cluster ${context}`;
  }

  /** Replaces what is known (a full list from the client). */
  set(objects: ClusterObjectsParams['objects']): void {
    const byKindName = new Map<string, Definition[]>();
    const byKind = new Map<string, Definition[]>();
    for (const o of objects) {
      if (typeof o?.kind !== 'string' || typeof o.name !== 'string') continue;
      const d: Definition = {
        kind: o.kind,
        name: o.name,
        namespaces: [typeof o.namespace === 'string' && o.namespace ? o.namespace : undefined],
        origin: { type: 'cluster', context: this.context },
      };
      const image = latestImageOf(o.latestImage);
      if (image && d.origin.type === 'cluster') d.origin.latestImage = image;
      push(byKindName, `${o.kind}/${o.name}`, d);
      push(byKind, o.kind, d);
    }
    this.byKindName = byKindName;
    this.byKind = byKind;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byKind.values()) n += l.length;
    return n;
  }

  definitions(kind: string, name: string): Definition[] {
    return this.byKindName.get(`${kind}/${name}`) ?? [];
  }

  list(kind: string): Definition[] {
    return this.byKind.get(kind) ?? [];
  }
}

/** A well-formed latest image, or undefined (the client's data is read defensively). */
function latestImageOf(v: unknown): LatestImage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { name, tag, digest } = v as Record<string, unknown>;
  if (typeof name !== 'string' || !name) return undefined;
  return {
    name,
    ...(typeof tag === 'string' && tag ? { tag } : {}),
    ...(typeof digest === 'string' && digest ? { digest } : {}),
  };
}

function push<V>(map: Map<string, V[]>, key: string, v: V): void {
  const l = map.get(key);
  if (l) l.push(v);
  else map.set(key, [v]);
}
