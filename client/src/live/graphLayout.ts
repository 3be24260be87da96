// Layout and drawing of the dependsOn graph: @dagrejs/dagre ranks it (sources on the left, each
// object right of what it depends on) and this module writes the SVG: each node's name on its first
// line, its namespace (and a stripe in the namespace's colour) and state on the second, every text
// cut to fit its box. No DOM, no vscode: the
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
  /** Where each node was placed and what it says. */
  boxes: NodeBox[];
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

/** Above this many nodes the layout ranks by a tight tree (see drawGraph). */
export const LARGE_GRAPH = 100;

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

/** Font sizes of a node's two lines (px, as media/graph.css sets them). */
export const NAME_PX = 12;
export const DETAIL_PX = 11;
/** Text starts right of the namespace stripe and keeps this much room at the right edge. */
const TEXT_X = 12;
const TEXT_RIGHT = 8;

/**
 * An upper estimate of a text's width in px at a font size, per character class of the wide
 * sans-serif faces the editor uses (DejaVu Sans, Segoe UI, SF): labels are clipped to fit their
 * box by it; the e2e step measures the drawn texts against their boxes.
 */
export function textWidth(s: string, px: number): number {
  let em = 0;
  for (const c of s)
    em += /[ijl.,:;'!|]/.test(c)
      ? 0.32
      : /[ftr\-/ ·]/.test(c)
        ? 0.45
        : /[mwMW@]/.test(c)
          ? 1.0
          : /[A-Z0-9]/.test(c)
            ? 0.74
            : c === '…'
              ? 1.0
              : 0.64;
  return em * px;
}

/** The text cut (with an ellipsis) to fit a width. */
export function fitText(s: string, width: number, px: number): string {
  if (textWidth(s, px) <= width) return s;
  let cut = s;
  while (cut.length > 1 && textWidth(`${cut}…`, px) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A namespace's stripe colour: a hue of its own among 12, the same in every drawing. */
export function namespaceHue(namespace: string): number {
  let h = 0;
  for (const c of namespace) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h % 12) * 30;
}

export interface NodeBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The texts drawn in the box, with their font size. */
  lines: Array<{ text: string; px: number }>;
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
  // dagre's default ranker (network simplex) refines a tight tree; on the generated 300-object
  // fleet it gave every node the same rank as the tight tree alone, in about twice the time. Large
  // graphs take the tight tree; small ones keep the refinement, which costs nothing there.
  const ranker = model.nodes.length > LARGE_GRAPH ? 'tight-tree' : 'network-simplex';
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 70, marginx: 16, marginy: 16, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  // Inserted by namespace: dagre's first order of each rank follows it, so a namespace's objects
  // tend to stay together.
  const byNamespace = [...model.nodes].sort((a, b) =>
    a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : 1,
  );
  for (const n of byNamespace)
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
    parts.push(
      `<path class="edge ${type}" data-from="${esc(e.v)}" data-to="${esc(e.w)}" d="${d}" marker-end="url(#arrow)"/>`,
    );
  }
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const boxes: NodeBox[] = [];
  const room = NODE_WIDTH - TEXT_X - TEXT_RIGHT;
  for (const id of g.nodes()) {
    const n = byId.get(id)!;
    const box = g.node(id);
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const cls = `node ${n.role} ${stateClass(n)}${model.blocked[id] ? ' blocked' : ''}`;
    const title = `${n.kind} ${n.namespace}/${n.name}`;
    const state = n.missing
      ? (n.message ?? 'missing')
      : n.state
        ? `${n.state === 'WaitingForDependency' ? 'Waiting' : n.state}${n.revision ? ` · ${n.revision.replace(/\b(sha1|sha256):([0-9a-f]{8})[0-9a-f]+/, '$1:$2')}` : ''}`
        : n.kind;
    const source = n.role === 'source';
    const lines = [
      { text: fitText(n.name, room, NAME_PX), px: NAME_PX, cls: 'name', y: source ? 14 : 18 },
      {
        text: fitText(source ? `${n.namespace} · ${n.kind}` : `${n.namespace} · ${state}`, room, DETAIL_PX),
        px: DETAIL_PX,
        cls: 'detail',
        y: source ? 27 : 35,
      },
      ...(sourcesOf.has(id)
        ? [
            {
              text: fitText(`from ${sourcesOf.get(id)!.join(', ')}`, room, DETAIL_PX),
              px: DETAIL_PX,
              cls: 'source',
              y: 50,
            },
          ]
        : []),
    ];
    boxes.push({ id, x, y, width: box.width, height: box.height, lines });
    parts.push(
      `<g class="${cls}" data-id="${esc(id)}" data-ns="${esc(n.namespace)}" tabindex="0" role="button" transform="translate(${x.toFixed(1)},${y.toFixed(1)})">` +
        `<title>${esc(title)}${n.message ? `\n${esc(n.message)}` : ''}</title>` +
        `<rect width="${box.width}" height="${box.height}" rx="6"/>` +
        `<rect class="ns" x="1" y="1" width="5" height="${box.height - 2}" rx="2" fill="hsl(${namespaceHue(n.namespace)},60%,55%)"/>` +
        lines.map((l) => `<text class="${l.cls}" x="${TEXT_X}" y="${l.y}">${esc(l.text)}</text>`).join('') +
        `</g>`,
    );
  }
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? 0);
  const height = Math.ceil(graph.height ?? 0);
  // The page sizes the SVG to its canvas and pans and zooms the viewport group.
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" id="graph" data-width="${width}" data-height="${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    `<g id="viewport">${parts.join('')}</g>` +
    `</svg>`;
  return { svg, width, height, sourceEdges, boxes };
}

/** How many nodes of each state class a model has (the legend's counts). */
export function stateCounts(model: GraphModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of model.nodes) out[stateClass(n)] = (out[stateClass(n)] ?? 0) + 1;
  return out;
}
