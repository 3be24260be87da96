import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { buildPreviewCommands } from '../preview/buildPreview';

/** Every command, by id (without the `fluxWorkbench.` prefix), made from the context. */
type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

const commands: Record<string, CommandFactory> = {
  ...buildPreviewCommands,
  showOutput: (ctx) => () => ctx.log.show(true),
  restartServer: (ctx) => async () => {
    if (!ctx.client) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Restarting the Flux language server' },
      () => ctx.client!.restart(),
    );
  },
};

export function registerCommands(ctx: Ctx, extra: Record<string, CommandFactory> = {}): void {
  for (const [name, factory] of Object.entries({ ...commands, ...extra })) {
    ctx.push(vscode.commands.registerCommand(`fluxWorkbench.${name}`, factory(ctx)));
  }
}
