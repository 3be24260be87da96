// The status bar item of the live explorer: the shown context(s) and the counts ready / failing /
// in progress / suspended, from the cache. Click: the Flux views.

import * as vscode from 'vscode';
import { readExplorerConfig } from '../config';
import type { ExplorerService } from '../explorerService';
import { statusBarText } from './shared/summary';

export function registerStatusBar(service: ExplorerService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem(
    'fluxWorkbench.explorer',
    vscode.StatusBarAlignment.Left,
    10,
  );
  item.name = 'Flux clusters';
  item.command = 'fluxWorkbench.focus';
  let last = '';
  const update = () => {
    const sessions = service.explorer.sessionList();
    if (!service.started || sessions.length === 0 || !readExplorerConfig().statusBar) {
      item.hide();
      last = '';
      return;
    }
    const s = statusBarText(sessions, service.trusted);
    if (s.text + s.tooltip === last) return;
    last = s.text + s.tooltip;
    item.text = s.text;
    item.tooltip = new vscode.MarkdownString(s.tooltip);
    item.backgroundColor = s.failing ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  const sub = service.onDidChange(update);
  const cfg = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('fluxWorkbench.explorer.statusBar')) update();
  });
  return vscode.Disposable.from(item, sub, cfg);
}
