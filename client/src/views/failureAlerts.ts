// Optional notifications when a Flux object turns failing (Failed or Stalled) while you watch
// (setting fluxWorkbench.explorer.notifyOnFailure, off by default). The engine's changes carry the
// state before and after each batch: an object already failing when first listed has no "before"
// and is not announced. Several in one batch make one notification.

import * as vscode from 'vscode';
import { findKind } from '../cluster';
import { readExplorerConfig } from '../config';
import type { ExplorerService } from '../explorerService';
import { stateWords } from './shared/present';

const FAILING = new Set(['Failed', 'Stalled']);

export function registerFailureAlerts(service: ExplorerService): vscode.Disposable {
  let enabled = readExplorerConfig().notifyOnFailure;
  const cfg = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('fluxWorkbench.explorer.notifyOnFailure'))
      enabled = readExplorerConfig().notifyOnFailure;
  });
  const sub = service.onDidChange((e) => {
    if (!enabled || e === 'all' || !Array.isArray(e)) return;
    const turned: { context: string; kind: string; namespace: string; name: string; text: string }[] = [];
    for (const c of e) {
      if (c.what !== 'object' || !c.kind || !c.key || !c.from || !c.to) continue;
      if (!FAILING.has(c.to) || FAILING.has(c.from)) continue;
      const slash = c.key.indexOf('/');
      const [namespace, name] = [c.key.slice(0, slash), c.key.slice(slash + 1)];
      const k = findKind(c.kind.slice(0, c.kind.indexOf('.')));
      const co = k ? service.explorer.session(c.context)?.get(k, namespace, name) : undefined;
      if (!co) continue;
      turned.push({
        context: c.context,
        kind: co.kind.kind,
        namespace,
        name,
        text: `${co.kind.kind} ${namespace}/${name} ${stateWords(co.status)}: ${co.status.message}`,
      });
    }
    if (turned.length === 1) {
      const t = turned[0]!;
      void vscode.window
        .showWarningMessage(`Flux (${t.context}): ${t.text}`, 'Show Events')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('fluxWorkbench.showEvents', t);
        });
    } else if (turned.length > 1) {
      void vscode.window
        .showWarningMessage(
          `Flux: ${turned.length} objects turned failing: ${turned.map((t) => `${t.kind} ${t.namespace}/${t.name}`).join(', ')}`,
          'Show Failing',
        )
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('fluxWorkbench.filterFailing');
        });
    }
  });
  return vscode.Disposable.from(cfg, sub);
}
