import * as vscode from 'vscode';
import type { Ctx } from '../ctx';

interface LspPosition {
  line: number;
  character: number;
}
interface LspLocation {
  uri: string;
  range: { start: LspPosition; end: LspPosition };
}

/**
 * `fluxWorkbench.showLocations`, run by the language server's CodeLens lines ("renders 12 files",
 * "depends on ...", "rendered by ..."): its arguments are LSP values, shown in VS Code's peek view
 * (one location opens directly).
 */
export const locationCommands = {
  showLocations: (ctx: Ctx) => async (uri: unknown, position: unknown, locations: unknown) => {
    const client = ctx.client;
    if (!client || typeof uri !== 'string' || !Array.isArray(locations)) return;
    const p2c = client.protocol2CodeConverter;
    const locs = (locations as LspLocation[]).map((l) => p2c.asLocation(l));
    if (locs.length === 1) {
      await vscode.window.showTextDocument(locs[0]!.uri, { selection: locs[0]!.range });
      return;
    }
    await vscode.commands.executeCommand(
      'editor.action.showReferences',
      vscode.Uri.parse(uri),
      p2c.asPosition(position as LspPosition),
      locs,
    );
  },
};
