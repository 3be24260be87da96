// The cluster inside the editor (issue 12), wired once per extension context: live lenses or inline
// hints, what the language server learns from the clusters, Diff Build with Cluster, the
// dependency graph, Go to Definition from tree items and Show in Flux View.

import * as vscode from 'vscode';
import { findKind } from '../cluster/kinds';
import type { Ctx } from '../ctx';
import { registerBuildPreview, type PreviewTarget } from '../preview/buildPreview';
import { ClusterBridge } from './clusterBridge';
import { ClusterDiffDocuments, diffBuildWithCluster } from './clusterDiffCommand';
import { GraphPanel } from './graphPanel';
import { LiveLenses } from './liveLens';
import { goToDefinition, revealInFluxView } from './navigate';

interface LiveEditor {
  bridge: ClusterBridge;
  diffs: ClusterDiffDocuments;
  graph: GraphPanel;
  lenses: LiveLenses;
}

const editors = new WeakMap<Ctx, LiveEditor>();
const KS = findKind('Kustomization')!;

/** The context whose substituteFrom values a preview of `t` takes: the one showing it live, else the only one. */
function previewContext(ctx: Ctx, t: PreviewTarget): string | undefined {
  if (!vscode.workspace.getConfiguration('fluxWorkbench.live').get<boolean>('previewValuesFromCluster', true))
    return undefined;
  if (!ctx.live.started) return undefined;
  const ready = ctx.live.explorer.sessionList().filter((s) => s.phase.phase === 'ready');
  const holding = t.name
    ? ready.filter((s) =>
        s.list({ kind: KS }).some((o) => o.name === t.name && (!t.namespace || o.namespace === t.namespace)),
      )
    : [];
  if (holding.length === 1) return holding[0]!.name;
  return ready.length === 1 && holding.length === 0 ? ready[0]!.name : undefined;
}

/** Creates the live editor features once per context (providers registered on first use). */
export function liveEditor(ctx: Ctx): LiveEditor {
  let e = editors.get(ctx);
  if (e) return e;
  const bridge = new ClusterBridge(ctx.live, () => ctx.client, ctx.log);
  const lenses = new LiveLenses(ctx.live, () => ctx.client);
  const selector: vscode.DocumentSelector = [{ scheme: 'file', language: 'yaml' }];
  e = { bridge, lenses, diffs: new ClusterDiffDocuments(), graph: new GraphPanel(ctx) };
  editors.set(ctx, e);
  ctx.push(
    bridge,
    lenses,
    e.diffs,
    e.graph,
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.languages.registerInlayHintsProvider(selector, lenses),
  );
  registerBuildPreview(ctx).clusterContext = (t) => previewContext(ctx, t);
  return e;
}

/** After the language client started: answer its cluster questions. */
export function attachLiveEditor(ctx: Ctx): void {
  const client = ctx.client;
  if (!client) return;
  ctx.push(liveEditor(ctx).bridge.attach(client));
}

/** Command factories for the table in commands/index.ts. */
export const liveEditorCommands = {
  revealInFluxView:
    (ctx: Ctx) =>
    (...args: unknown[]) =>
      revealInFluxView(ctx, args),
  goToDefinition:
    (ctx: Ctx) =>
    (...args: unknown[]) =>
      goToDefinition(ctx, args),
  diffBuildWithCluster:
    (ctx: Ctx) =>
    (...args: unknown[]) => {
      const e = liveEditor(ctx);
      return diffBuildWithCluster(ctx, e.bridge, e.diffs, args);
    },
  showDependencyGraph: (ctx: Ctx) => () => liveEditor(ctx).graph.show(),
};
