// "Flux: Show Dependency Graph" (issue 12): a webview with the Kustomizations and HelmReleases of
// a shown cluster (or of the workspace when none is connected), their dependsOn edges and sources,
// coloured by live state and redrawn as the explorer's watches report changes. The host lays the
// graph out and draws it (client/src/live/graphLayout.ts); the page (media/graph.js) only inserts
// the drawing, shows a node's details and "why blocked", and asks the host to open things. The
// Content-Security-Policy allows the extension's own script and style only.

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ContextSession } from '../cluster';
import type { Ctx } from '../ctx';
import { clusterGraph, workspaceGraph, type GraphModel } from '../live/graph';
import { drawGraph, stateClass, stateCounts } from '../live/graphLayout';
import { lineage, namespaceGraph, namespacesOf, searchNodes } from '../live/graphQuery';
import { WorkspaceGraphRequest, type WorkspaceGraphResult } from '../../../server/src/protocol';

/** Redraws of a cluster graph are at most this often while its objects change. */
const REDRAW_MS = 1000;

/** What the page gets: the drawing and, per node, what the details pane shows. */
export interface GraphMessage {
  type: 'graph';
  title: string;
  origin: 'cluster' | 'workspace';
  note?: string;
  svg: string;
  sourceEdges: boolean;
  /** Nodes per state class, for the legend. */
  counts: Record<string, number>;
  /** The namespaces of the whole graph, and the one shown alone (empty: all). */
  namespaces: Array<{ name: string; count: number }>;
  namespace: string;
  nodes: Record<
    string,
    {
      kind: string;
      namespace: string;
      name: string;
      state: string;
      cls: string;
      message?: string;
      revision?: string;
      canOpen: boolean;
      canReveal: boolean;
      blocked?: { chain: string[]; root: string; message: string };
    }
  >;
  drawMs: number;
}

type PageMessage =
  | { type: 'ready' }
  | { type: 'open'; id: string }
  | { type: 'reveal'; id: string }
  | { type: 'refresh' }
  | { type: 'sourceEdges'; on: boolean }
  | { type: 'namespace'; namespace: string }
  | { type: 'search'; query: string }
  | { type: 'lineage'; id: string };

export class GraphPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private model: GraphModel | undefined;
  /** The context drawn; undefined: the workspace. */
  private context: string | undefined;
  private sourceEdges: boolean | undefined;
  /** The namespace shown alone with its neighbours; '' for the whole graph. */
  private namespace = '';
  /** The model as drawn (the namespace's part of this.model when one is chosen). */
  private shown: GraphModel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      ctx.live.onDidChange(() => {
        if (this.panel && this.context !== undefined)
          this.timer ??= setTimeout(() => void this.redraw(), REDRAW_MS);
      }),
    );
  }

  /** Opens (or shows) the panel for a context, or the workspace when none is connected. */
  async show(): Promise<void> {
    const sessions = this.ctx.live.started
      ? this.ctx.live.explorer.sessionList().filter((s) => s.phase.phase === 'ready')
      : [];
    let session: ContextSession | undefined = sessions[0];
    if (sessions.length > 1) {
      const pick = await vscode.window.showQuickPick(
        [
          ...sessions.map((s) => ({ label: s.name, s })),
          { label: 'The workspace (no live state)', s: undefined },
        ],
        { title: 'Dependency graph of which cluster?' },
      );
      if (!pick) return;
      session = pick.s;
    }
    this.context = session?.name;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        'fluxWorkbench.graph',
        'Flux dependencies',
        vscode.ViewColumn.Active,
        {
          enableScripts: true,
          localResourceRoots: [vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media')],
        },
      );
      this.panel.webview.html = this.html(this.panel.webview);
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
      this.panel.webview.onDidReceiveMessage(
        (m: PageMessage) => void this.onMessage(m),
        undefined,
        this.disposables,
      );
    } else this.panel.reveal();
    await this.redraw();
  }

  private async onMessage(m: PageMessage): Promise<void> {
    if (m.type === 'ready' || m.type === 'refresh') return this.redraw();
    if (m.type === 'sourceEdges') {
      this.sourceEdges = m.on;
      return this.redraw();
    }
    if (m.type === 'namespace') {
      this.namespace = m.namespace;
      return this.redraw();
    }
    const shown = this.shown;
    if (!shown || !this.panel) return;
    if (m.type === 'search') {
      await this.panel.webview.postMessage({
        type: 'matches',
        query: m.query,
        ids: searchNodes(shown, m.query),
      });
      return;
    }
    if (m.type === 'lineage') {
      await this.panel.webview.postMessage({ type: 'lineage', id: m.id, ...lineage(shown, m.id) });
      return;
    }
    const n = this.model?.nodes.find((x) => x.id === m.id);
    if (!n) return;
    const ref = {
      ...(this.context ? { context: this.context } : {}),
      kind: n.kind,
      namespace: n.namespace,
      name: n.name,
    };
    if (m.type === 'reveal') await vscode.commands.executeCommand('fluxWorkbench.revealInFluxView', ref);
    else if (n.uri)
      await vscode.window.showTextDocument(vscode.Uri.parse(n.uri), {
        selection: new vscode.Range(n.line ?? 0, 0, n.line ?? 0, 0),
        viewColumn: vscode.ViewColumn.Beside,
      });
    else await vscode.commands.executeCommand('fluxWorkbench.goToDefinition', ref);
  }

  private async redraw(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.panel) return;
    let note: string | undefined;
    const session = this.context ? this.ctx.live.explorer.session(this.context) : undefined;
    if (this.context && !session) note = `context ${this.context} is no longer shown: the workspace is drawn`;
    if (session) this.model = clusterGraph(session);
    else {
      const client = this.ctx.client;
      if (!client) note = 'the language server is not running: nothing to draw';
      const w = client
        ? await client.sendRequest<WorkspaceGraphResult>(WorkspaceGraphRequest, {}).catch((err: unknown) => {
            note = `the workspace graph failed: ${(err as Error).message}`;
            return { objects: [] };
          })
        : { objects: [] };
      this.model = workspaceGraph(w);
      note ??= this.ctx.live.started
        ? undefined
        : 'no cluster connected: objects as the workspace defines them, without live state';
    }
    const namespaces = namespacesOf(this.model);
    if (this.namespace && !namespaces.some((n) => n.name === this.namespace)) this.namespace = '';
    const shown = (this.shown = this.namespace ? namespaceGraph(this.model, this.namespace) : this.model);
    const t0 = performance.now();
    const drawn = drawGraph(shown, this.sourceEdges === undefined ? {} : { sourceEdges: this.sourceEdges });
    const drawMs = Math.round(performance.now() - t0);
    if (drawMs > 200)
      this.ctx.log.debug(`dependency graph of ${this.model.nodes.length} nodes drawn in ${drawMs} ms`);
    const nodes: GraphMessage['nodes'] = {};
    for (const n of shown.nodes)
      nodes[n.id] = {
        kind: n.kind,
        namespace: n.namespace,
        name: n.name,
        state: n.missing ? 'missing' : (n.state ?? 'no live state'),
        cls: stateClass(n),
        ...(n.message ? { message: n.message } : {}),
        ...(n.revision ? { revision: n.revision } : {}),
        canOpen: !n.missing || !!n.uri,
        canReveal: shown.origin === 'cluster' && !n.missing,
        ...(shown.blocked[n.id] ? { blocked: shown.blocked[n.id] } : {}),
      };
    const msg: GraphMessage = {
      type: 'graph',
      title: shown.title,
      origin: shown.origin,
      ...(note ? { note } : {}),
      svg: drawn.svg,
      sourceEdges: drawn.sourceEdges,
      counts: stateCounts(shown),
      namespaces,
      namespace: this.namespace,
      nodes,
      drawMs,
    };
    this.panel.title = session ? `Flux dependencies: ${session.name}` : 'Flux dependencies: workspace';
    await this.panel.webview.postMessage(msg);
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const media = (f: string) =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', f));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${media('graph.css')}">
<title>Flux dependencies</title></head>
<body>
<header><h1 id="title">Flux dependencies</h1><span id="note"></span></header>
<nav class="tools">
<input id="search" type="search" placeholder="Find: name, namespace/name, kind (/)" aria-label="Find an object" spellcheck="false"><span id="matches" aria-live="polite"></span>
<select id="namespace" aria-label="Namespace"><option value="">all namespaces</option></select>
<button id="zoomOut" title="Zoom out (-)">−</button><button id="zoomFit" title="Fit the whole graph (0)">Fit</button><button id="zoomIn" title="Zoom in (+)">+</button><span id="zoomLevel"></span>
<label><input type="checkbox" id="sourceEdges"> source edges</label>
<button id="refresh" title="Draw again">Refresh</button></nav>
<ul id="legend" title="Click a state to go to its objects one by one"><li><button class="ready" data-cls="ready">Ready</button></li><li><button class="progress" data-cls="progress">Reconciling</button></li><li><button class="waiting" data-cls="waiting">Waiting</button></li><li><button class="failed" data-cls="failed">Failed / Stalled</button></li><li><button class="suspended" data-cls="suspended">Suspended</button></li><li><button class="missing" data-cls="missing">missing</button></li><li><button class="nostate" data-cls="nostate">no live state</button></li><li class="hint">drag: pan · wheel, + −: zoom · 0: fit · /: find · select: its chain</li></ul>
<main><div id="canvas" tabindex="0"></div><aside id="details" hidden></aside></main>
<script nonce="${nonce}" src="${media('graph.js')}"></script>
</body></html>`;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
