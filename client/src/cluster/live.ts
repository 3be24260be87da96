// Live YAML of any object (read-only: managedFields hidden, Secret data masked) and the trace walk
// from any object to the Flux objects that apply it, their sources and revisions, up to the root.

import { stringify } from 'yaml';
import { sourceOf, type ObjectRef } from './actions';
import { findKind, kindKey } from './kinds';
import { isRecord, type KubeObject } from './object';
import { resourcePath } from './reflector';
import type { ContextSession } from './session';
import type { FluxState } from './status';

/** Masks Secret values (data, stringData) and drops managedFields; returns a copy. */
export function sanitize(obj: KubeObject): KubeObject {
  const copy = JSON.parse(JSON.stringify(obj)) as KubeObject;
  if (isRecord(copy.metadata)) {
    delete copy.metadata.managedFields;
    const ann = copy.metadata.annotations;
    // kubectl apply keeps the whole last applied object here, Secret data included.
    if (copy.kind === 'Secret' && ann && ann['kubectl.kubernetes.io/last-applied-configuration'])
      ann['kubectl.kubernetes.io/last-applied-configuration'] = '(hidden: it holds the Secret data)';
  }
  if (copy.kind === 'Secret')
    for (const f of ['data', 'stringData'])
      if (isRecord(copy[f]))
        for (const k of Object.keys(copy[f] as object)) (copy[f] as Record<string, string>)[k] = '***';
  return copy;
}

/** Resolves the API path of a kind by asking discovery (for objects that are not Flux kinds). */
async function pathOf(
  session: ContextSession,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<string | { error: string }> {
  const fk = findKind(kind);
  const served = fk && session.discovery?.kinds.find((k) => kindKey(k) === kindKey(fk));
  if (served && apiVersion.startsWith(`${served.group}/`))
    return resourcePath(served, namespace || undefined, name);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const res = await session.transport!.request(
    'GET',
    group ? `/apis/${group}/${version}` : `/api/${version}`,
  );
  if (res.status !== 200 || !isRecord(res.body)) return { error: res.error ?? `${apiVersion} is not served` };
  const r = (Array.isArray(res.body['resources']) ? res.body['resources'] : []).find(
    (x) => isRecord(x) && x['kind'] === kind && typeof x['name'] === 'string' && !x['name'].includes('/'),
  ) as { name: string; namespaced: boolean } | undefined;
  if (!r) return { error: `${kind} is not served in ${apiVersion}` };
  return resourcePath(
    { group: group!, version: version!, plural: r.name },
    r.namespaced ? namespace : undefined,
    name,
  );
}

/** Fetches an object now and renders it as YAML (read-only view). */
export async function liveYaml(
  session: ContextSession,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<{ yaml?: string; error?: string }> {
  if (!session.transport) return { error: `context ${session.name} is not connected` };
  const p = await pathOf(session, apiVersion, kind, namespace, name);
  if (typeof p !== 'string') return p;
  const res = await session.transport.request<KubeObject>('GET', p);
  if (res.status !== 200)
    return {
      error:
        res.status === 403
          ? `forbidden: get ${kind} ${namespace}/${name}`
          : (res.error ?? `HTTP ${res.status}`),
    };
  return { yaml: stringify(sanitize(res.body), { lineWidth: 0 }) };
}

/** One link of a trace. */
export interface TraceStep {
  role: 'object' | 'owner' | 'source';
  ref: ObjectRef;
  state?: FluxState;
  revision?: string;
  /** How this step was found ("labels kustomize.toolkit.fluxcd.io/name|namespace"). */
  via?: string;
  /** When the step could not be followed. */
  problem?: string;
}

const OWNER_LABELS = [
  {
    kind: 'Kustomization',
    name: 'kustomize.toolkit.fluxcd.io/name',
    namespace: 'kustomize.toolkit.fluxcd.io/namespace',
  },
  { kind: 'HelmRelease', name: 'helm.toolkit.fluxcd.io/name', namespace: 'helm.toolkit.fluxcd.io/namespace' },
];

/** The Flux owner an object's labels name, if any. */
export function ownerOf(obj: KubeObject): (ObjectRef & { via: string }) | undefined {
  const labels = obj.metadata.labels ?? {};
  for (const l of OWNER_LABELS)
    if (labels[l.name] && labels[l.namespace])
      return {
        kind: l.kind,
        name: labels[l.name]!,
        namespace: labels[l.namespace]!,
        via: `labels ${l.name}|namespace`,
      };
  return undefined;
}

/**
 * From an object to the root: the object, its owner (by the ownership labels), the owner's source
 * and revision, then the owner's own owner, and so on. Owners come from the cache; the first object
 * is fetched when it is not a cached Flux object.
 */
export async function trace(
  session: ContextSession,
  start: { apiVersion: string; kind: string; namespace: string; name: string },
): Promise<TraceStep[]> {
  const steps: TraceStep[] = [];
  const fk = findKind(start.kind);
  let obj: KubeObject | undefined = fk ? session.get(fk, start.namespace, start.name)?.obj : undefined;
  if (!obj && session.transport) {
    const p = await pathOf(session, start.apiVersion, start.kind, start.namespace, start.name);
    if (typeof p === 'string') {
      const res = await session.transport.request<KubeObject>('GET', p);
      if (res.status === 200) obj = res.body;
      else
        steps.push({
          role: 'object',
          ref: start,
          problem: res.status === 404 ? 'not found in the cluster' : (res.error ?? `HTTP ${res.status}`),
        });
    } else steps.push({ role: 'object', ref: start, problem: p.error });
    if (!obj) return steps;
  }
  if (!obj) return [{ role: 'object', ref: start, problem: `context ${session.name} is not connected` }];
  const first = fk ? session.get(fk, start.namespace, start.name) : undefined;
  steps.push({
    role: 'object',
    ref: start,
    ...(first
      ? { state: first.status, ...(first.status.revision ? { revision: first.status.revision } : {}) }
      : {}),
  });
  const seen = new Set<string>();
  let cur: KubeObject = obj;
  for (let i = 0; i < 20; i++) {
    const owner = ownerOf(cur);
    if (!owner) break;
    const key = `${owner.kind} ${owner.namespace}/${owner.name}`;
    if (seen.has(key)) break;
    seen.add(key);
    const ok = findKind(owner.kind)!;
    const co = session.get(ok, owner.namespace, owner.name);
    if (!co) {
      steps.push({
        role: 'owner',
        ref: owner,
        via: owner.via,
        problem: 'not in the cache (deleted, or not visible to you)',
      });
      break;
    }
    steps.push({
      role: 'owner',
      ref: owner,
      via: owner.via,
      state: co.status,
      ...(co.status.revision ? { revision: co.status.revision } : {}),
    });
    const src = sourceOf(co.obj);
    if (src) {
      const sk = findKind(src.kind);
      const sc = sk ? session.get(sk, src.namespace, src.name) : undefined;
      steps.push({
        role: 'source',
        ref: src,
        ...(sc
          ? { state: sc.status, ...(sc.status.revision ? { revision: sc.status.revision } : {}) }
          : { problem: 'not in the cache' }),
      });
    }
    cur = co.obj;
  }
  return steps;
}
