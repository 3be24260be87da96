// The dependsOn graph (issue 12): Kustomizations and HelmReleases with their dependsOn edges and
// the sources they read, from a cluster's cache (with live states) or from the workspace (when no
// cluster is connected), and "why blocked": from a waiting object, the chain of dependencies to the
// first one that is not Ready, with its message. Pure; the webview draws it.

import { findKind } from '../cluster/kinds';
import { isRecord, type KubeObject } from '../cluster/object';
import type { CachedObject, ContextSession } from '../cluster/session';
import type { FluxStateName } from '../cluster/status';
import type { WorkspaceGraphResult } from '../../../server/src/protocol';

export interface GraphNode {
  /** "Kind/namespace/name". */
  id: string;
  kind: string;
  namespace: string;
  name: string;
  /** Sources are drawn smaller, above what reads them. */
  role: 'source' | 'workload';
  /** Live state (cluster graphs); undefined in a workspace graph or when the object is not in the cache. */
  state?: FluxStateName;
  message?: string;
  revision?: string;
  /** The engine's reading of a waiting object's status: "Kind namespace/name" it waits for. */
  blockedBy?: string;
  /** Named by an edge but not found (not in the cluster, or not in the workspace). */
  missing?: boolean;
  /** Where the workspace defines it (workspace graphs). */
  uri?: string;
  line?: number;
}

export interface GraphEdge {
  /** The dependency or source (drawn above)… */
  from: string;
  /** …and the object that waits for it or reads it. */
  to: string;
  type: 'dependsOn' | 'source';
}

export interface BlockedChain {
  /** From the waiting object's first blocker to the root cause, ids. */
  chain: string[];
  /** The first object of the chain that is not waiting itself, and why it is not Ready. */
  root: string;
  message: string;
}

export interface GraphModel {
  title: string;
  origin: 'cluster' | 'workspace';
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Per waiting node id: why it is blocked. */
  blocked: Record<string, BlockedChain>;
}

const idOf = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
const WORKLOADS = ['Kustomization', 'HelmRelease'];

function refOf(
  v: unknown,
  defaultKind: string,
  ns: string,
): { kind: string; namespace: string; name: string } | undefined {
  if (!isRecord(v) || typeof v['name'] !== 'string') return undefined;
  const kind = typeof v['kind'] === 'string' ? v['kind'] : defaultKind;
  const namespace = typeof v['namespace'] === 'string' && v['namespace'] ? v['namespace'] : ns;
  return { kind: findKind(kind)?.kind ?? kind, namespace, name: v['name'] };
}

/** The sources an object reads: Kustomization sourceRef; HelmRelease chartRef or chart.spec.sourceRef. */
function sourcesOf(o: KubeObject): Array<{ kind: string; namespace: string; name: string }> {
  const ns = o.metadata.namespace ?? '';
  const spec = o.spec ?? {};
  const out = [];
  if (o.kind === 'Kustomization') out.push(refOf(spec['sourceRef'], 'GitRepository', ns));
  if (o.kind === 'HelmRelease') {
    out.push(refOf(spec['chartRef'], 'OCIRepository', ns));
    const chart =
      isRecord(spec['chart']) && isRecord(spec['chart']['spec']) ? spec['chart']['spec'] : undefined;
    out.push(refOf(chart?.['sourceRef'], 'HelmRepository', ns));
  }
  return out.filter((r): r is NonNullable<typeof r> => r !== undefined);
}

function dependsOf(o: KubeObject): Array<{ kind: string; namespace: string; name: string }> {
  const list = o.spec?.['dependsOn'];
  if (!Array.isArray(list)) return [];
  return list
    .map((d) => refOf(d, o.kind ?? '', o.metadata.namespace ?? ''))
    .filter((r): r is NonNullable<typeof r> => r !== undefined);
}

/** The graph of one context's cache. */
export function clusterGraph(session: Pick<ContextSession, 'name' | 'list' | 'get'>): GraphModel {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const add = (c: CachedObject, role: GraphNode['role']): GraphNode => {
    const id = idOf(c.kind.kind, c.namespace, c.name);
    let n = nodes.get(id);
    if (!n) {
      n = {
        id,
        kind: c.kind.kind,
        namespace: c.namespace,
        name: c.name,
        role,
        state: c.status.state,
        message: c.status.message,
        ...(c.status.revision ? { revision: c.status.revision } : {}),
        ...(c.status.blockedBy ? { blockedBy: c.status.blockedBy } : {}),
      };
      nodes.set(id, n);
    }
    return n;
  };
  const named = (r: { kind: string; namespace: string; name: string }, role: GraphNode['role']): string => {
    const k = findKind(r.kind);
    const c = k ? session.get(k, r.namespace, r.name) : undefined;
    if (c) return add(c, role).id;
    const id = idOf(r.kind, r.namespace, r.name);
    if (!nodes.has(id))
      nodes.set(id, { ...r, id, role, missing: true, message: `not found in ${session.name}` });
    return id;
  };
  for (const kind of WORKLOADS) {
    const k = findKind(kind)!;
    for (const c of session.list({ kind: k })) {
      const me = add(c, 'workload').id;
      for (const s of sourcesOf(c.obj)) edges.push({ from: named(s, 'source'), to: me, type: 'source' });
      for (const d of dependsOf(c.obj)) edges.push({ from: named(d, 'workload'), to: me, type: 'dependsOn' });
    }
  }
  const model: GraphModel = {
    title: `Flux dependencies in ${session.name}`,
    origin: 'cluster',
    nodes: [...nodes.values()],
    edges,
    blocked: {},
  };
  for (const n of model.nodes)
    if (n.state === 'WaitingForDependency') {
      const why = whyBlocked(model, n.id);
      if (why) model.blocked[n.id] = why;
    }
  return model;
}

/** The graph of the workspace's files (no states), from the language server's answer. */
export function workspaceGraph(w: WorkspaceGraphResult): GraphModel {
  const nodes = new Map<string, GraphNode>();
  for (const o of w.objects)
    nodes.set(idOf(o.kind, o.namespace, o.name), {
      id: idOf(o.kind, o.namespace, o.name),
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      role: WORKLOADS.includes(o.kind) ? 'workload' : 'source',
      uri: o.uri,
      line: o.line,
    });
  const edges: GraphEdge[] = [];
  const ensure = (r: { kind: string; namespace: string; name: string }, role: GraphNode['role']): string => {
    const id = idOf(r.kind, r.namespace, r.name);
    if (!nodes.has(id))
      nodes.set(id, { ...r, id, role, missing: true, message: 'not defined in the workspace' });
    return id;
  };
  for (const o of w.objects) {
    const me = idOf(o.kind, o.namespace, o.name);
    for (const s of o.sources) edges.push({ from: ensure(s, 'source'), to: me, type: 'source' });
    for (const d of o.dependsOn) edges.push({ from: ensure(d, 'workload'), to: me, type: 'dependsOn' });
  }
  return {
    title: 'Flux dependencies in the workspace',
    origin: 'workspace',
    nodes: [...nodes.values()],
    edges,
    blocked: {},
  };
}

/**
 * Why a waiting object waits: follow its dependencies (the one its status names, as the engine
 * reads it into blockedBy, else the
 * first that is not Ready) until one that is not waiting itself: failed, suspended, reconciling,
 * missing. Cycles stop the walk.
 */
export function whyBlocked(model: GraphModel, id: string): BlockedChain | undefined {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const deps = new Map<string, string[]>();
  for (const e of model.edges)
    if (e.type === 'dependsOn') deps.set(e.to, [...(deps.get(e.to) ?? []), e.from]);
  const chain: string[] = [];
  const seen = new Set([id]);
  let cur = byId.get(id);
  while (cur) {
    const candidates = (deps.get(cur.id) ?? []).map((d) => byId.get(d)!).filter(Boolean);
    const named = cur.blockedBy;
    const blocker =
      candidates.find((d) => named === `${d.kind} ${d.namespace}/${d.name}` && d.state !== 'Ready') ??
      candidates.find((d) => d.state !== 'Ready');
    if (!blocker || seen.has(blocker.id)) break;
    seen.add(blocker.id);
    chain.push(blocker.id);
    if (blocker.state !== 'WaitingForDependency') {
      const what = blocker.missing ? 'missing' : (blocker.state ?? 'state unknown');
      return {
        chain,
        root: blocker.id,
        message: `${blocker.id} is ${what}${blocker.message ? `: ${blocker.message}` : ''}`,
      };
    }
    cur = blocker;
  }
  if (chain.length === 0) return undefined;
  const last = byId.get(chain[chain.length - 1]!)!;
  return {
    chain,
    root: last.id,
    message: `${last.id} waits in a cycle or on an object not in view: ${last.message ?? ''}`.trim(),
  };
}
