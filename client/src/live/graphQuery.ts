// Questions the dependency graph's page asks about a drawn model (issue 12, readable at 300 nodes):
// which nodes a search names, a node's whole dependency chain (what it waits for and what waits for
// it), and the part of the graph one namespace needs. Pure; the panel answers the page with them.

import type { GraphModel, GraphNode } from './graph';

/**
 * The nodes a search names, best first. Every word of the query must occur in
 * "kind namespace/name" (case-insensitive); an exact name, then "namespace/name", then a name
 * that starts with the query rank first; ties by role (objects before sources), namespace/name.
 */
export function searchNodes(model: GraphModel, query: string): string[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const q = words.join(' ');
  const rank = (n: GraphNode): number => {
    const name = n.name.toLowerCase();
    const full = `${n.namespace}/${n.name}`.toLowerCase();
    if (name === q || full === q) return 0;
    if (name.startsWith(q) || full.startsWith(q)) return 1;
    return 2;
  };
  return (
    model.nodes
      .filter((n) => {
        const hay = `${n.kind} ${n.namespace}/${n.name}`.toLowerCase();
        return words.every((w) => hay.includes(w));
      })
      // On a tie, a Kustomization or HelmRelease before a source of the same name.
      .map((n) => ({
        n,
        r: rank(n),
        key: `${n.role === 'source' ? 1 : 0}/${n.namespace}/${n.name}/${n.kind}`,
      }))
      .sort((a, b) => a.r - b.r || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((x) => x.n.id)
  );
}

export interface Lineage {
  /** Everything the node waits for, directly or through others: dependencies and sources. */
  up: string[];
  /** Everything that waits for the node, directly or through others. */
  down: string[];
}

/** A node's dependency chain both ways, over dependsOn and source edges. */
export function lineage(model: GraphModel, id: string): Lineage {
  const ins = new Map<string, string[]>();
  const outs = new Map<string, string[]>();
  for (const e of model.edges) {
    if (e.from === e.to) continue;
    ins.set(e.to, [...(ins.get(e.to) ?? []), e.from]);
    outs.set(e.from, [...(outs.get(e.from) ?? []), e.to]);
  }
  const walk = (next: Map<string, string[]>): string[] => {
    const seen = new Set([id]);
    const todo = [id];
    const out: string[] = [];
    for (let cur = todo.pop(); cur !== undefined; cur = todo.pop())
      for (const n of next.get(cur) ?? [])
        if (!seen.has(n)) {
          seen.add(n);
          out.push(n);
          todo.push(n);
        }
    return out;
  };
  return { up: walk(ins), down: walk(outs) };
}

/** The namespaces of a model with their node counts, by name. */
export function namespacesOf(model: GraphModel): Array<{ name: string; count: number }> {
  const counts = new Map<string, number>();
  for (const n of model.nodes) counts.set(n.namespace, (counts.get(n.namespace) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, count]) => ({ name, count }));
}

/**
 * The part of the graph one namespace needs: its nodes, and the nodes of other namespaces one
 * edge away (what they wait for, what waits for them), with the edges among those.
 */
export function namespaceGraph(model: GraphModel, namespace: string): GraphModel {
  const keep = new Set(model.nodes.filter((n) => n.namespace === namespace).map((n) => n.id));
  const near = new Set(keep);
  for (const e of model.edges) {
    if (keep.has(e.to)) near.add(e.from);
    if (keep.has(e.from)) near.add(e.to);
  }
  const blocked: GraphModel['blocked'] = {};
  for (const [id, b] of Object.entries(model.blocked)) if (near.has(id)) blocked[id] = b;
  return {
    ...model,
    title: `${model.title}, namespace ${namespace}`,
    nodes: model.nodes.filter((n) => near.has(n.id)),
    edges: model.edges.filter((e) => near.has(e.from) && near.has(e.to)),
    blocked,
  };
}
