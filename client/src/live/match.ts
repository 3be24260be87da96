// Which live object a document of the editor is (issue 12): matched by kind, name and the
// namespace Flux applies it in (as the language server's workspace model says), in one context's
// cache. A match that is not certain says so and names the candidates; it never picks one. Plain
// manifests are matched against the inventories of the Kustomizations that applied them.

import { FLUX_KINDS, kindKey, type FluxKind } from '../cluster/kinds';
import type { CachedObject, ContextSession } from '../cluster/session';
import type { FileObject } from '../../../server/src/protocol';
import { InventoryIndex, inventoryId } from './inventoryIndex';

/** The read side of a session that matching needs (a ContextSession has it). */
export type SessionView = Pick<
  ContextSession,
  'name' | 'phase' | 'get' | 'list' | 'kindStates' | 'discovery'
>;

export type LiveMatch =
  /** The live Flux object. `ownedBy`: the Kustomization its ownership labels name. */
  | { type: 'object'; object: CachedObject; ownedBy?: string }
  /** Several live objects could be it (the namespace is not known, or the file is applied in several). */
  | { type: 'candidates'; objects: CachedObject[]; why: string }
  /** A plain manifest in a Kustomization's inventory (`applied`) or not. */
  | { type: 'inventory'; entries: InventoryMatch[] }
  /** Nothing live; `why` says where it was looked for. */
  | { type: 'absent'; why: string }
  /** The context cannot say now (connecting, forbidden, kind not served, loading). */
  | { type: 'unknown'; why: string };

export interface InventoryMatch {
  /** The Kustomization whose inventory was read ("flux-system/apps"), live. */
  ks: CachedObject;
  applied: boolean;
}

const FLUX_BY_GROUP_KIND = new Map(FLUX_KINDS.map((k) => [`${k.group}/${k.kind}`, k]));

/** The Flux kind of a document (by API group and kind), if it is one. */
export function fluxKindOf(o: Pick<FileObject, 'group' | 'kind'>): FluxKind | undefined {
  return FLUX_BY_GROUP_KIND.get(`${o.group}/${o.kind}`);
}

/** The live counterpart of `o` in `session`. Cheap: map lookups only (safe in a CodeLens provider). */
export function matchObject(o: FileObject, session: SessionView, inventories: InventoryIndex): LiveMatch {
  const where = `in ${session.name}`;
  if (session.phase.phase === 'connecting') return { type: 'unknown', why: `connecting to ${session.name}` };
  if (session.phase.phase === 'error')
    return { type: 'unknown', why: `${session.name}: ${session.phase.message}` };
  if (session.phase.phase === 'stopped')
    return { type: 'unknown', why: `no cluster (${session.name} stopped)` };
  if (!o.name) return { type: 'unknown', why: 'the document has no metadata.name' };
  if (o.renamed)
    return {
      type: 'unknown',
      why: `renamed by a namePrefix/nameSuffix of ${o.renderedBy.map((k) => k.name).join(', ')}: the live name is not ${o.name}`,
    };
  const fk = fluxKindOf(o);
  if (fk) return matchFlux(o, fk, session, where);
  return matchInventory(o, session, inventories, where);
}

function kindProblem(session: SessionView, fk: FluxKind): string | undefined {
  const st = session.kindStates().find((s) => kindKey(s.kind) === kindKey(fk));
  if (!st?.served) return `${fk.kind} is not served by ${session.name} (its CRD is not installed)`;
  const scopes = st.scopes;
  if (scopes.length && scopes.every((s) => !s.synced)) {
    const p = scopes[0]!.phase;
    if (p.phase === 'forbidden' || p.phase === 'unauthorized') return p.message;
    if (p.phase === 'backoff') return `cannot list ${fk.plural} in ${session.name}: ${p.error}`;
    return `loading ${fk.plural} from ${session.name}`;
  }
  return undefined;
}

/** Why objects of `fk` in namespace `ns` cannot be seen (the cluster scope is forbidden, say). */
function namespaceHidden(session: SessionView, fk: FluxKind, ns: string): string | undefined {
  const st = session.kindStates().find((s) => kindKey(s.kind) === kindKey(fk));
  const scopes = st?.scopes ?? [];
  if (scopes.some((s) => s.synced && (!s.namespace || s.namespace === ns))) return undefined;
  const watched = scopes.filter((s) => s.namespace).map((s) => s.namespace);
  const first = scopes[0]?.phase;
  const reason = first && 'message' in first ? first.message : `cannot list ${fk.plural} there`;
  return `cannot see namespace ${ns} in ${session.name} (${reason}${watched.length ? `; watching ${watched.join(', ')}` : ''})`;
}

function matchFlux(o: FileObject, fk: FluxKind, session: SessionView, where: string): LiveMatch {
  const problem = kindProblem(session, fk);
  if (problem) return { type: 'unknown', why: problem };
  const known = o.appliedNamespaces.filter((n): n is string => n !== null);
  if (known.length === o.appliedNamespaces.length) {
    const hidden = known.map((ns) => namespaceHidden(session, fk, ns)).find((h) => h !== undefined);
    if (hidden && known.every((ns) => !session.get(fk, ns, o.name))) return { type: 'unknown', why: hidden };
    const found = known
      .map((ns) => session.get(fk, ns, o.name))
      .filter((c): c is CachedObject => c !== undefined);
    if (found.length === 1) return withOwner(found[0]!);
    if (found.length > 1)
      return {
        type: 'candidates',
        objects: found,
        why: `the file is applied in ${known.length} namespaces (${known.join(', ')})`,
      };
    return { type: 'absent', why: `not found ${where} (${fk.kind} ${known.join(' or ')}/${o.name})` };
  }
  // The files do not say the namespace (none written, no targetNamespace): say which exist.
  const all = session.list({ kind: fk }).filter((c) => c.name === o.name);
  if (all.length === 0) return { type: 'absent', why: `not found ${where} (no ${fk.kind} named ${o.name})` };
  return {
    type: 'candidates',
    objects: all,
    why: 'the files do not say which namespace Flux applies it in',
  };
}

function withOwner(c: CachedObject): LiveMatch {
  const labels = c.obj.metadata.labels ?? {};
  const name = labels['kustomize.toolkit.fluxcd.io/name'];
  const ns = labels['kustomize.toolkit.fluxcd.io/namespace'];
  return { type: 'object', object: c, ...(name && ns ? { ownedBy: `${ns}/${name}` } : {}) };
}

function matchInventory(
  o: FileObject,
  session: SessionView,
  inventories: InventoryIndex,
  where: string,
): LiveMatch {
  const ks = FLUX_BY_GROUP_KIND.get('kustomize.toolkit.fluxcd.io/Kustomization')!;
  const problem = kindProblem(session, ks);
  if (problem) return { type: 'unknown', why: problem };
  const namespaces = o.appliedNamespaces.map((n) => n ?? '');
  const ids = new Set<string>();
  for (const ns of namespaces) ids.add(inventoryId(ns, o.name, o.group, o.kind));
  // A cluster-scoped object is listed without a namespace, whatever the file's targetNamespace.
  ids.add(inventoryId('', o.name, o.group, o.kind));
  if (o.renderedBy.length) {
    const hidden = o.renderedBy
      .flatMap((r) => r.namespaces)
      .map((ns) => (ns === null ? undefined : namespaceHidden(session, ks, ns)))
      .find((h) => h !== undefined);
    if (hidden) return { type: 'unknown', why: hidden };
  }
  const entries = new Map<CachedObject, boolean>();
  for (const id of ids) for (const k of inventories.owners(session, id)) entries.set(k, true);
  // The Kustomizations the workspace says render the file, as live objects: in their inventory or not.
  for (const r of o.renderedBy)
    for (const ns of r.namespaces) {
      const live = ns === null ? undefined : session.get(ks, ns, r.name);
      if (live && !entries.has(live)) entries.set(live, false);
    }
  if (entries.size === 0) {
    const rendering = o.renderedBy.length
      ? `: Kustomization ${o.renderedBy.map((r) => `${r.namespaces.map((n) => n ?? '?').join('|')}/${r.name}`).join(', ')} not found ${where}`
      : ' (no Kustomization of the workspace renders this file)';
    return { type: 'absent', why: `in no inventory ${where}${rendering}` };
  }
  return { type: 'inventory', entries: [...entries].map(([k, applied]) => ({ ks: k, applied })) };
}
