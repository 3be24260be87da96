import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { LiveDocuments } from './commands/documents';
import { attachLiveEditor, liveEditor } from './editor/register';
import { registerBuildPreview } from './preview/buildPreview';
import { registerFailureAlerts } from './views/failureAlerts';
import { registerViews } from './views/register';
import { registerStatusBar } from './views/statusBar';

let ctx: Ctx | undefined;

/** Thin: build the context, register commands and views, start the language server. */
export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(extension);
  registerCommands(ctx);
  registerBuildPreview(ctx);
  ctx.views = registerViews(ctx.live, ctx.log);
  ctx.push(
    ctx.views,
    new LiveDocuments(ctx.live),
    registerStatusBar(ctx.live),
    registerFailureAlerts(ctx.live),
  );
  liveEditor(ctx);
  try {
    await ctx.startLanguageClient();
    attachLiveEditor(ctx);
  } catch (err) {
    ctx.log.error(`The Flux language server failed to start: ${(err as Error).stack ?? String(err)}`);
    const choice = await vscode.window.showErrorMessage(
      `Flux Workbench: the language server failed to start (${(err as Error).message}).`,
      'Show Output',
    );
    if (choice) ctx.log.show();
  }
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
