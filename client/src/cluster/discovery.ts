// Which Flux kinds a cluster serves, in which version, and which Flux it is. One aggregated
// discovery request (/apis as APIGroupDiscoveryList, Kubernetes >= 1.30) or, from older servers,
// the per-group documents. A kind is used in the version the server prefers among those it serves,
// so an older Flux (v1beta2 sources, helm v2beta1, ...) works with what it has. The Flux version
// and namespace come from the labels `flux install` puts on the CRDs.

import { FLUX_KINDS, type FluxKind } from './kinds';
import { isRecord } from './object';
import type { Transport } from './transport';

/** A Flux kind as this cluster serves it. */
export interface ServedKind extends FluxKind {
  /** The version used for list, watch and patch. */
  readonly version: string;
  /** Every version the cluster serves for it, preferred first. */
  readonly servedVersions: readonly string[];
  readonly namespaced: boolean;
}

export interface Discovery {
  /** Served Flux kinds, in FLUX_KINDS order. */
  readonly kinds: readonly ServedKind[];
  /** Flux kinds this cluster does not serve. */
  readonly missing: readonly FluxKind[];
  /** "v2.9.4", or undefined with `fluxVersionWhy` saying why it is not known. */
  readonly fluxVersion?: string;
  readonly fluxVersionWhy?: string;
  /** The namespace Flux is installed in (CRD label app.kubernetes.io/instance), else flux-system. */
  readonly fluxNamespace: string;
  /** Names of the Flux CRDs seen (for the CRD watch). */
  readonly crdNames: readonly string[];
}

type Served = Map<string, { versions: string[]; resources: Map<string, { namespaced: boolean }> }>;

const AGGREGATED =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const FLUX_GROUPS = [...new Set(FLUX_KINDS.map((k) => k.group))];

/** Runs discovery; resolves an error string for failures (unreachable, 401, ...). */
export async function discover(
  t: Transport,
  signal?: AbortSignal,
): Promise<Discovery | { error: string; status: number }> {
  const res = await t.request('GET', '/apis', { accept: AGGREGATED, ...(signal ? { signal } : {}) });
  if (res.status !== 200 || !isRecord(res.body))
    return { error: res.error ?? `discovery failed (HTTP ${res.status})`, status: res.status };
  let served: Served;
  if (res.body['kind'] === 'APIGroupDiscoveryList') served = fromAggregated(res.body);
  else {
    const legacy = await fromLegacy(t, res.body, signal);
    if ('error' in legacy) return legacy;
    served = legacy;
  }
  const kinds: ServedKind[] = [];
  const missing: FluxKind[] = [];
  for (const k of FLUX_KINDS) {
    const g = served.get(k.group);
    const versions = g?.versions.filter((v) => g.resources.has(`${v}/${k.plural}`)) ?? [];
    if (versions.length === 0) {
      missing.push(k);
      continue;
    }
    const version = versions[0]!;
    kinds.push({
      ...k,
      version,
      servedVersions: versions,
      namespaced: g!.resources.get(`${version}/${k.plural}`)!.namespaced,
    });
  }
  const labels = await crdLabels(t, signal);
  return { kinds, missing, ...labels };
}

function fromAggregated(body: Record<string, unknown>): Served {
  const served: Served = new Map();
  for (const item of Array.isArray(body['items']) ? body['items'] : []) {
    if (!isRecord(item) || !isRecord(item['metadata'])) continue;
    const group = item['metadata']['name'];
    if (typeof group !== 'string' || !FLUX_GROUPS.includes(group)) continue;
    const entry = { versions: [] as string[], resources: new Map<string, { namespaced: boolean }>() };
    for (const v of Array.isArray(item['versions']) ? item['versions'] : []) {
      if (!isRecord(v) || typeof v['version'] !== 'string') continue;
      entry.versions.push(v['version']);
      for (const r of Array.isArray(v['resources']) ? v['resources'] : [])
        if (isRecord(r) && typeof r['resource'] === 'string')
          entry.resources.set(`${v['version']}/${r['resource']}`, { namespaced: r['scope'] !== 'Cluster' });
    }
    served.set(group, entry);
  }
  return served;
}

async function fromLegacy(
  t: Transport,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Served | { error: string; status: number }> {
  const served: Served = new Map();
  const groups = (Array.isArray(body['groups']) ? body['groups'] : []).filter(
    (g): g is Record<string, unknown> =>
      isRecord(g) && typeof g['name'] === 'string' && FLUX_GROUPS.includes(g['name']),
  );
  for (const g of groups) {
    const preferred = isRecord(g['preferredVersion']) ? g['preferredVersion']['version'] : undefined;
    const versions = (Array.isArray(g['versions']) ? g['versions'] : [])
      .map((v) => (isRecord(v) ? v['version'] : undefined))
      .filter((v): v is string => typeof v === 'string')
      .sort((a, b) => (a === preferred ? -1 : b === preferred ? 1 : 0));
    const entry = { versions, resources: new Map<string, { namespaced: boolean }>() };
    for (const v of versions) {
      const r = await t.request('GET', `/apis/${g['name'] as string}/${v}`, signal ? { signal } : {});
      if (r.status !== 200 || !isRecord(r.body))
        return { error: r.error ?? `discovery of ${g['name'] as string}/${v} failed`, status: r.status };
      for (const res of Array.isArray(r.body['resources']) ? r.body['resources'] : [])
        if (isRecord(res) && typeof res['name'] === 'string' && !res['name'].includes('/'))
          entry.resources.set(`${v}/${res['name']}`, { namespaced: res['namespaced'] !== false });
    }
    served.set(g['name'] as string, entry);
  }
  return served;
}

/** Metadata-only list of the CRDs, for the labels `flux install` sets. */
async function crdLabels(
  t: Transport,
  signal?: AbortSignal,
): Promise<Pick<Discovery, 'fluxVersion' | 'fluxVersionWhy' | 'fluxNamespace' | 'crdNames'>> {
  const res = await t.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 200 || !isRecord(res.body))
    return {
      fluxVersionWhy: `cannot read the CRDs to learn the Flux version: ${res.status === 403 ? 'forbidden: list customresourcedefinitions at the cluster scope' : (res.error ?? `HTTP ${res.status}`)}`,
      fluxNamespace: 'flux-system',
      crdNames: [],
    };
  const names: string[] = [];
  const versions = new Map<string, number>();
  let namespace: string | undefined;
  for (const item of Array.isArray(res.body['items']) ? res.body['items'] : []) {
    const md = isRecord(item) && isRecord(item['metadata']) ? item['metadata'] : undefined;
    const name = md?.['name'];
    if (typeof name !== 'string' || !FLUX_GROUPS.some((g) => name.endsWith(`.${g}`))) continue;
    names.push(name);
    const labels = isRecord(md!['labels']) ? (md!['labels'] as Record<string, string>) : {};
    const v = labels['app.kubernetes.io/version'];
    if (typeof v === 'string' && labels['app.kubernetes.io/part-of'] === 'flux')
      versions.set(v, (versions.get(v) ?? 0) + 1);
    if (!namespace && typeof labels['app.kubernetes.io/instance'] === 'string')
      namespace = labels['app.kubernetes.io/instance'];
  }
  // The version most CRDs carry (a half-finished upgrade shows both in fluxVersionWhy).
  const sorted = [...versions.entries()].sort((a, b) => b[1] - a[1]);
  return {
    ...(sorted[0] ? { fluxVersion: sorted[0][0] } : {}),
    ...(sorted.length > 1
      ? {
          fluxVersionWhy: `CRDs carry several Flux versions: ${sorted.map(([v, n]) => `${v} (${n})`).join(', ')}`,
        }
      : sorted.length === 0
        ? {
            fluxVersionWhy: names.length
              ? 'the Flux CRDs carry no app.kubernetes.io/version label'
              : 'no Flux CRDs installed',
          }
        : {}),
    fluxNamespace: namespace ?? 'flux-system',
    crdNames: names,
  };
}
