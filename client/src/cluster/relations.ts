// What an object points at, read from its own status and spec only (no extra requests, no Secret
// access): the inventory (status.inventory of Kustomizations, and of HelmReleases since Flux 2.8),
// the history (status.history), dependsOn with each dependency's live state from the cache.

import { kindKey, findKind } from './kinds';
import { isRecord, type KubeObject } from './object';
import type { ContextSession } from './session';
import type { FluxState } from './status';

/** One object a Kustomization or HelmRelease applied. */
export interface InventoryEntry {
  namespace: string;
  name: string;
  group: string;
  kind: string;
  version?: string;
  /** The raw id, `<namespace>_<name>_<group>_<kind>`. */
  id: string;
}

/** Parses an inventory id (`__` in a name stands for `:`, as in RBAC names). */
export function parseInventoryId(id: string, version?: string): InventoryEntry | undefined {
  const k = id.lastIndexOf('_');
  if (k <= 0) return undefined;
  const kind = id.slice(k + 1);
  const rest = id.slice(0, k);
  const g = rest.lastIndexOf('_');
  if (g < 0) return undefined;
  const group = rest.slice(g + 1);
  const nsName = rest.slice(0, g);
  const n = nsName.indexOf('_');
  if (n < 0 || !kind) return undefined;
  return {
    namespace: nsName.slice(0, n),
    name: nsName.slice(n + 1).replace(/__/g, ':'),
    group,
    kind,
    id,
    ...(version ? { version } : {}),
  };
}

/** The inventory of a Kustomization or HelmRelease; undefined when the object has none (older Flux). */
export function inventoryOf(obj: KubeObject): InventoryEntry[] | undefined {
  const inv = obj.status?.['inventory'];
  if (!isRecord(inv)) return undefined;
  const entries = Array.isArray(inv['entries']) ? inv['entries'] : [];
  const out: InventoryEntry[] = [];
  for (const e of entries)
    if (isRecord(e) && typeof e['id'] === 'string') {
      const p = parseInventoryId(e['id'], typeof e['v'] === 'string' ? e['v'] : undefined);
      if (p) out.push(p);
    }
  return out;
}

/** One snapshot of status.history, newest first. */
export interface HistoryEntry {
  /** "main@sha1:abc" (Kustomization) or "demo-chart 0.1.0 (v3)" (HelmRelease). */
  label: string;
  status: string;
  /** When it was last reconciled or deployed. */
  time?: string;
  detail: string;
}

export function historyOf(obj: KubeObject): HistoryEntry[] {
  const list = obj.status?.['history'];
  if (!Array.isArray(list)) return [];
  const out: HistoryEntry[] = [];
  for (const h of list) {
    if (!isRecord(h)) continue;
    const str = (k: string) => (typeof h[k] === 'string' ? (h[k] as string) : undefined);
    if (obj.kind === 'HelmRelease') {
      out.push({
        label: `${str('chartName') ?? '?'} ${str('chartVersion') ?? '?'}${typeof h['version'] === 'number' ? ` (v${h['version']})` : ''}`,
        status: str('status') ?? '?',
        ...(str('lastDeployed') ? { time: str('lastDeployed')! } : {}),
        detail: [str('appVersion') && `app ${str('appVersion')}`, str('action') && `action ${str('action')}`]
          .filter(Boolean)
          .join(', '),
      });
    } else {
      const md = isRecord(h['metadata']) ? (h['metadata'] as Record<string, string>) : {};
      out.push({
        label: md['revision'] ?? str('digest') ?? '?',
        status: str('lastReconciledStatus') ?? '?',
        ...(str('lastReconciled') ? { time: str('lastReconciled')! } : {}),
        detail: `${typeof h['totalReconciliations'] === 'number' ? `${h['totalReconciliations']} runs` : ''}${str('lastReconciledDuration') ? `, last took ${str('lastReconciledDuration')}` : ''}`,
      });
    }
  }
  return out;
}

/** A dependency and its live state (undefined state: not in the cache, so not found or not visible). */
export interface Dependency {
  kind: string;
  namespace: string;
  name: string;
  state?: FluxState;
}

export function dependsOnOf(session: Pick<ContextSession, 'get'>, obj: KubeObject): Dependency[] {
  const list = obj.spec?.['dependsOn'];
  if (!Array.isArray(list)) return [];
  const out: Dependency[] = [];
  for (const d of list) {
    if (!isRecord(d) || typeof d['name'] !== 'string') continue;
    const kindName = typeof d['kind'] === 'string' ? d['kind'] : (obj.kind ?? '');
    const ns =
      typeof d['namespace'] === 'string' && d['namespace'] ? d['namespace'] : (obj.metadata.namespace ?? '');
    const k = findKind(kindName);
    const cached = k ? session.get(k, ns, d['name']) : undefined;
    out.push({
      kind: k?.kind ?? kindName,
      namespace: ns,
      name: d['name'],
      ...(cached ? { state: cached.status } : {}),
    });
  }
  return out;
}

/** The chain of dependencies that blocks an object, following blockedBy through the cache. */
export function blockingChain(session: Pick<ContextSession, 'get'>, obj: KubeObject, max = 10): Dependency[] {
  const chain: Dependency[] = [];
  const seen = new Set<string>();
  let cur: KubeObject | undefined = obj;
  while (cur && chain.length < max) {
    const k = findKind(cur.kind ?? '');
    const co = k ? session.get(k, cur.metadata.namespace ?? '', cur.metadata.name) : undefined;
    const by = co?.status.blockedBy;
    if (!by) break;
    const [kindName, ref] = by.split(' ');
    const [ns, name] = (ref ?? '').split('/');
    const dk = findKind(kindName ?? '');
    if (!dk || !ns || !name || seen.has(`${kindKey(dk)} ${ref}`)) break;
    seen.add(`${kindKey(dk)} ${ref}`);
    const next = session.get(dk, ns, name);
    chain.push({ kind: dk.kind, namespace: ns, name, ...(next ? { state: next.status } : {}) });
    cur = next?.obj;
  }
  return chain;
}
