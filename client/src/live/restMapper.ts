import { isRecord } from '../cluster/object';
import type { Transport } from '../cluster/transport';
import { describeFailure } from './clusterReads';

/** How a kind is addressed in URLs. */
export interface Mapping {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

/**
 * Kinds to resources, from the API server's discovery of each group version asked for (one
 * APIResourceList request per group version, cached for the mapper's life: one diff).
 */
export class RestMapper {
  private readonly lists = new Map<string, Promise<Map<string, Mapping> | { error: string }>>();

  constructor(
    private readonly transport: Transport,
    private readonly signal?: AbortSignal,
  ) {}

  async map(apiVersion: string, kind: string): Promise<Mapping | { error: string }> {
    let p = this.lists.get(apiVersion);
    if (!p) this.lists.set(apiVersion, (p = this.load(apiVersion)));
    const list = await p;
    if ('error' in list) return list;
    return list.get(kind) ?? { error: `the cluster does not serve ${kind} in ${apiVersion}` };
  }

  private async load(apiVersion: string): Promise<Map<string, Mapping> | { error: string }> {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const res = await this.transport.request('GET', path, this.signal ? { signal: this.signal } : {});
    if (res.status === 404) return { error: `the cluster does not serve ${apiVersion}` };
    if (res.status !== 200 || !isRecord(res.body))
      return { error: describeFailure(res.status, res.error, 'get', `discovery of ${apiVersion}`) };
    const out = new Map<string, Mapping>();
    for (const r of Array.isArray(res.body['resources']) ? res.body['resources'] : []) {
      if (!isRecord(r) || typeof r['name'] !== 'string' || typeof r['kind'] !== 'string') continue;
      if (r['name'].includes('/')) continue; // subresources
      out.set(r['kind'], { group, version, plural: r['name'], namespaced: r['namespaced'] === true });
    }
    return out;
  }
}

/** The URL of one object (namespace ignored for cluster-scoped kinds). */
export function objectPath(m: Mapping, namespace: string | undefined, name: string): string {
  const base = m.group ? `/apis/${m.group}/${m.version}` : `/api/${m.version}`;
  const ns = m.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? '')}` : '';
  return `${base}${ns}/${m.plural}/${encodeURIComponent(name)}`;
}
