import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { registerBuildPreview } from './preview/buildPreview';

let ctx: Ctx | undefined;

/** Thin: build the context, register commands, start the language server. */
export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(extension);
  registerCommands(ctx);
  registerBuildPreview(ctx);
  try {
    await ctx.startLanguageClient();
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
