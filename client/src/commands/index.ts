import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { liveEditorCommands } from '../editor/register';
import { buildPreviewCommands } from '../preview/buildPreview';
import type { Node } from '../views/shared/nodes';
import { runActionCommand } from './actions';
import { pickContexts, retry } from './contexts';
import { docUri, EVENTS_SCHEME, LIVE_SCHEME } from './documents';
import { clearFilters, filterNamespace, filterText, setFailingOnly } from './filters';
import { anyTarget, describeRef } from './targets';
import { traceCommand } from './trace';
import { locationCommands } from './locations';

/** Every command, by id (without the `fluxWorkbench.` prefix), made from the context. */
type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

async function openDocument(ctx: Ctx, scheme: string, args: unknown[], title: string): Promise<void> {
  const t = await anyTarget(ctx.live, args, scheme === LIVE_SCHEME ? 'showLiveYaml' : 'showEvents', title);
  if (!t) return;
  const doc = await vscode.workspace.openTextDocument(docUri(scheme, t));
  if (scheme === LIVE_SCHEME && doc.languageId !== 'yaml')
    await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
  await vscode.window.showTextDocument(doc, { preview: false });
}

const commands: Record<string, CommandFactory> = {
  ...buildPreviewCommands,
  ...locationCommands,
  ...liveEditorCommands,
  showOutput: (ctx) => () => ctx.log.show(true),
  restartServer: (ctx) => async () => {
    if (!ctx.client) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Restarting the Flux language server' },
      () => ctx.client!.restart(),
    );
  },
  // The live explorer.
  focus: () => () => vscode.commands.executeCommand('workbench.view.extension.flux'),
  pickContexts: (ctx) => () => pickContexts(ctx),
  retry:
    (ctx) =>
    (...args) =>
      retry(ctx, args),
  reloadKubeconfig: (ctx) => () => ctx.live.restart(),
  reconcile:
    (ctx) =>
    (...args) =>
      runActionCommand(ctx, 'reconcile', args),
  reconcileWithSource:
    (ctx) =>
    (...args) =>
      runActionCommand(ctx, 'reconcileWithSource', args),
  suspend:
    (ctx) =>
    (...args) =>
      runActionCommand(ctx, 'suspend', args),
  resume:
    (ctx) =>
    (...args) =>
      runActionCommand(ctx, 'resume', args),
  forceHelmRelease:
    (ctx) =>
    (...args) =>
      runActionCommand(ctx, 'forceHelmRelease', args),
  resetHelmRelease:
    (ctx) =>
    (...args) =>
      runActionCommand(ctx, 'resetHelmRelease', args),
  showEvents:
    (ctx) =>
    (...args) =>
      openDocument(ctx, EVENTS_SCHEME, args, 'Show Events'),
  showLiveYaml:
    (ctx) =>
    (...args) =>
      openDocument(ctx, LIVE_SCHEME, args, 'Show Live YAML'),
  trace:
    (ctx) =>
    (...args) =>
      traceCommand(ctx, args),
  copyName:
    (ctx) =>
    async (...args) => {
      const node = args[0] as Node | undefined;
      let name: string | undefined;
      if (node?.type === 'context') name = node.context;
      else if (node?.type === 'inventory') name = node.entry.name;
      else {
        const t = await anyTarget(ctx.live, args, 'copyName', 'Copy Name');
        name = t?.name;
        if (t) ctx.log.info(`copied the name of ${describeRef(t)}`);
      }
      if (name === undefined) return;
      await vscode.env.clipboard.writeText(name);
      vscode.window.setStatusBarMessage(`$(copy) Copied “${name}”`, 3000);
    },
  filterFailing: (ctx) => () => setFailingOnly(ctx, true),
  filterShowAll: (ctx) => () => setFailingOnly(ctx, false),
  filterNamespace: (ctx) => () => filterNamespace(ctx),
  filterText: (ctx) => () => filterText(ctx),
  clearFilters: (ctx) => () => clearFilters(ctx),
};

/** The command ids this table registers (package.json must contribute exactly these). */
export const COMMAND_IDS = Object.keys(commands).map((c) => `fluxWorkbench.${c}`);

export function registerCommands(ctx: Ctx, extra: Record<string, CommandFactory> = {}): void {
  for (const [name, factory] of Object.entries({ ...commands, ...extra })) {
    ctx.push(vscode.commands.registerCommand(`fluxWorkbench.${name}`, factory(ctx)));
  }
}
