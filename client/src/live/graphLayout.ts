// Layout and drawing of the dependsOn graph: @dagrejs/dagre ranks it (sources on the left, each
// object right of what it depends on) and this module writes the SVG. No DOM, no vscode: the
// webview inserts the text, the benchmark times it in node, tests read it.

import * as dagre from '@dagrejs/dagre';
import type { GraphModel, GraphNode } from './graph';

export const NODE_WIDTH = 230;
export const NODE_HEIGHT = 46;
const SOURCE_HEIGHT = 34;

export interface DrawnGraph {
  svg: string;
  width: number;
  height: number;
  /** False when the source edges were left out and each object names its sources instead. */
  sourceEdges: boolean;
}

export interface DrawOptions {
  /**
   * Draw an edge from each source to every object that reads it. Usually one GitRepository feeds
   * every Kustomization, so at hundreds of objects these edges cross every rank: they cost the
   * layout most of its time (dummy nodes in each rank they span) and hide the dependsOn edges.
   * Default: on up to SOURCE_EDGE_LIMIT source edges.
   */
  sourceEdges?: boolean;
}

/** Above this many source edges they are left out by default (each object names its sources). */
export const SOURCE_EDGE_LIMIT = 60;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The CSS class of a node's state (colours are in media/graph.css, by theme). */
export function stateClass(n: GraphNode): string {
  if (n.missing) return 'missing';
  switch (n.state) {
    case undefined:
      return 'nostate';
    case 'Ready':
      return 'ready';
    case 'Failed':
    case 'Stalled':
      return 'failed';
    case 'Reconciling':
    case 'Updating':
      return 'progress';
    case 'WaitingForDependency':
      return 'waiting';
    case 'Suspended':
      return 'suspended';
    default:
      return 'unknown';
  }
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Ranks and draws the graph. Edges run from a dependency (or source) to what waits on it. */
export function drawGraph(model: GraphModel, options: DrawOptions = {}): DrawnGraph {
  const sourceEdges =
    options.sourceEdges ?? model.edges.filter((e) => e.type === 'source').length <= SOURCE_EDGE_LIMIT;
  const sourcesOf = new Map<string, string[]>();
  if (!sourceEdges)
    for (const e of model.edges)
      if (e.type === 'source')
        sourcesOf.set(e.to, [...(sourcesOf.get(e.to) ?? []), e.from.split('/').pop()!]);
  const extra = sourceEdges ? 0 : 12;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 70, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of model.nodes)
    g.setNode(n.id, { width: NODE_WIDTH, height: n.role === 'source' ? SOURCE_HEIGHT : NODE_HEIGHT + extra });
  for (const e of model.edges)
    if (e.from !== e.to && (sourceEdges || e.type !== 'source')) g.setEdge(e.from, e.to, { type: e.type });
  dagre.layout(g);
  const parts: string[] = [];
  for (const e of g.edges()) {
    const pts = g.edge(e).points ?? [];
    if (pts.length < 2) continue;
    const type = (g.edge(e) as { type?: string }).type ?? 'dependsOn';
    const d = pts
      .map((p: { x: number; y: number }, i: number) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(' ');
    parts.push(`<path class="edge ${type}" d="${d}" marker-end="url(#arrow)"/>`);
  }
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  for (const id of g.nodes()) {
    const n = byId.get(id)!;
    const box = g.node(id);
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const cls = `node ${n.role} ${stateClass(n)}${model.blocked[id] ? ' blocked' : ''}`;
    const title = `${n.kind} ${n.namespace}/${n.name}`;
    const second = n.missing
      ? (n.message ?? 'missing')
      : n.state
        ? `${n.state === 'WaitingForDependency' ? 'Waiting' : n.state}${n.revision ? ` · ${n.revision.replace(/\b(sha1|sha256):([0-9a-f]{8})[0-9a-f]+/, '$1:$2')}` : ''}`
        : n.kind;
    parts.push(
      `<g class="${cls}" data-id="${esc(id)}" tabindex="0" role="button" transform="translate(${x.toFixed(1)},${y.toFixed(1)})">` +
        `<title>${esc(title)}${n.message ? `\n${esc(n.message)}` : ''}</title>` +
        `<rect width="${box.width}" height="${box.height}" rx="6"/>` +
        `<text class="name" x="10" y="${n.role === 'source' ? 14 : 18}">${esc(clip(`${n.namespace}/${n.name}`, 32))}</text>` +
        `<text class="detail" x="10" y="${n.role === 'source' ? 27 : 35}">${esc(clip(n.role === 'source' ? n.kind : second, 34))}</text>` +
        (sourcesOf.has(id)
          ? `<text class="source" x="10" y="50">${esc(clip(`from ${sourcesOf.get(id)!.join(', ')}`, 34))}</text>`
          : '') +
        `</g>`,
    );
  }
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? 0);
  const height = Math.ceil(graph.height ?? 0);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" id="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    parts.join('') +
    `</svg>`;
  return { svg, width, height, sourceEdges };
}
