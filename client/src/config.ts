import * as vscode from 'vscode';

/** Typed access to the client-side settings; defaults live in package.json. */
export interface ClientConfig {
  showStatusItem: boolean;
}

export function readClientConfig(): ClientConfig {
  const c = vscode.workspace.getConfiguration('fluxWorkbench');
  return { showStatusItem: c.get<boolean>('statusBar.show', true) };
}
