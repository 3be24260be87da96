// Creates the Flux views (activity-bar container "Flux"), routes the engine's batched changes to
// the nodes that changed, keeps ages fresh while a view is visible, and sets the context keys
// the menus and `when` clauses use.

import * as vscode from 'vscode';
import { FLUX_KINDS, kindKey, type KindCategory } from '../cluster/kinds';
import type { ExplorerService } from '../explorerService';
import { ClustersModel } from './clusters/clustersModel';
import { imagesModel } from './images/imagesModel';
import { notificationsModel } from './notifications/notificationsModel';
import { operatorModel } from './operator/operatorModel';
import { describeFilter } from './shared/filter';
import { menuContextKeys, type Node } from './shared/nodes';
import type { TreeModel } from './shared/treeModel';
import { sourcesModel } from './sources/kindsModel';
import { FluxTreeProvider } from './treeView';
import { WorkloadsModel } from './workloads/workloadsModel';

/** Ages and "next in" are redrawn this often while a view is visible. */
const TICK_MS = 30_000;

export interface FluxViews extends vscode.Disposable {
  readonly providers: readonly FluxTreeProvider[];
  readonly treeViews: ReadonlyMap<string, vscode.TreeView<Node>>;
  /** The view showing a model's nodes, by view id. */
  provider(viewId: string): FluxTreeProvider | undefined;
}

export function registerViews(service: ExplorerService, log: vscode.LogOutputChannel): FluxViews {
  const models: TreeModel[] = [
    new ClustersModel(service),
    sourcesModel(service),
    new WorkloadsModel(service),
    notificationsModel(service),
    imagesModel(service),
    operatorModel(service),
  ];
  const providers = models.map((m) => new FluxTreeProvider(m));
  const disposables: vscode.Disposable[] = [];
  const treeViews = new Map<string, vscode.TreeView<Node>>();
  for (const p of providers) {
    const view = vscode.window.createTreeView(p.model.viewId, { treeDataProvider: p, showCollapseAll: true });
    treeViews.set(p.model.viewId, view);
    disposables.push(
      view,
      p,
      view.onDidChangeVisibility((e) => {
        // The first time a Flux view shows, start the explorer (not before: no surprise connections).
        if (e.visible && !service.started) void service.start().catch((err) => log.error(String(err)));
        if (e.visible) p.refresh(p.model.tick());
      }),
    );
    if (view.visible && !service.started) void service.start().catch((err) => log.error(String(err)));
  }
  if (service.remembered()?.length) void service.start().catch((err) => log.error(String(err)));

  for (const [key, values] of Object.entries(menuContextKeys()))
    void vscode.commands.executeCommand('setContext', key, values);

  const decorate = () => {
    const sessions = service.explorer.sessionList();
    const filter = describeFilter(service.filter);
    const single = sessions.length === 1 ? sessions[0]!.name : undefined;
    for (const [id, view] of treeViews) {
      view.description = single;
      view.message = id === 'fluxWorkbench.clusters' ? undefined : filter;
    }
    const failing = sessions.reduce((n, s) => n + s.counts().failing, 0);
    const workloads = treeViews.get('fluxWorkbench.workloads');
    if (workloads)
      workloads.badge = failing ? { value: failing, tooltip: `${failing} failing Flux objects` } : undefined;
    const served = (cat: KindCategory) =>
      sessions.some((s) =>
        (s.discovery?.kinds ?? []).some(
          (k) => FLUX_KINDS.find((f) => kindKey(f) === kindKey(k))?.category === cat,
        ),
      );
    for (const cat of ['notification', 'image', 'operator'] as const)
      void vscode.commands.executeCommand('setContext', `fluxWorkbench.served.${cat}`, served(cat));
    void vscode.commands.executeCommand('setContext', 'fluxWorkbench.shownContexts', sessions.length);
    void vscode.commands.executeCommand('setContext', 'fluxWorkbench.filtering', filter !== undefined);
    void vscode.commands.executeCommand(
      'setContext',
      'fluxWorkbench.failingOnly',
      service.filter.failingOnly,
    );
  };

  let lastFailing = -1;
  disposables.push(
    service.onDidChange((e) => {
      const t0 = performance.now();
      if (e === 'all') {
        for (const p of providers) {
          p.model.invalidate();
          p.refresh();
        }
        decorate();
      } else if ('permission' in e) {
        const { context, kind, namespace } = e.permission;
        for (const p of providers) p.refresh(p.model.permissionChanged(context, kind, namespace));
      } else {
        for (const p of providers) p.refresh(p.model.changed(e));
        if (e.some((c) => c.what === 'session' || c.what === 'kind' || c.context === '')) decorate();
        else {
          const failing = service.explorer.sessionList().reduce((n, s) => n + s.counts().failing, 0);
          if (failing !== lastFailing) decorate();
          lastFailing = failing;
        }
      }
      const ms = performance.now() - t0;
      if (ms > 50) log.debug(`tree refresh took ${ms.toFixed(0)} ms`);
    }),
  );

  const timer = setInterval(() => {
    for (const p of providers) if (treeViews.get(p.model.viewId)?.visible) p.refresh(p.model.tick());
  }, TICK_MS);
  disposables.push(new vscode.Disposable(() => clearInterval(timer)));

  return {
    providers,
    treeViews,
    provider: (id) => providers.find((p) => p.model.viewId === id),
    dispose: () => {
      for (const d of disposables.reverse()) d.dispose();
    },
  };
}
