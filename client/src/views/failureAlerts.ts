// Optional notifications when a Flux object turns failing (Failed or Stalled) while you watch
// (setting fluxWorkbench.explorer.notifyOnFailure, off by default). Objects already failing when
// their kind is first listed are not announced; several in one batch make one notification.

import * as vscode from 'vscode';
import { findKind, isFailing } from '../cluster';
import { readExplorerConfig } from '../config';
import type { ExplorerService } from '../explorerService';
import { stateWords } from './shared/present';

export function registerFailureAlerts(service: ExplorerService): vscode.Disposable {
  /** Last known failing state per "context kind ns/name". */
  const failing = new Map<string, boolean>();
  let enabled = readExplorerConfig().notifyOnFailure;
  const cfg = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('fluxWorkbench.explorer.notifyOnFailure'))
      enabled = readExplorerConfig().notifyOnFailure;
  });
  const sub = service.onDidChange((e) => {
    if (e === 'all' || !Array.isArray(e)) return;
    const turned: { context: string; kind: string; namespace: string; name: string; text: string }[] = [];
    for (const c of e) {
      if (c.what !== 'object' || !c.kind || !c.key) continue;
      const id = `${c.context} ${c.kind} ${c.key}`;
      const s = service.explorer.session(c.context);
      const k = findKind(c.kind.slice(0, c.kind.indexOf('.')));
      const [namespace, name] = [c.key.slice(0, c.key.indexOf('/')), c.key.slice(c.key.indexOf('/') + 1)];
      const co = s && k ? s.get(k, namespace, name) : undefined;
      if (!co) {
        failing.delete(id);
        continue;
      }
      const now = isFailing(co.status);
      const before = failing.get(id);
      failing.set(id, now);
      // Only a transition we saw (not the first listing) is news.
      if (now && before === false)
        turned.push({
          context: c.context,
          kind: co.kind.kind,
          namespace,
          name,
          text: `${co.kind.kind} ${namespace}/${name} ${stateWords(co.status)}: ${co.status.message}`,
        });
    }
    if (!enabled || turned.length === 0) return;
    if (turned.length === 1) {
      const t = turned[0]!;
      void vscode.window
        .showWarningMessage(`Flux (${t.context}): ${t.text}`, 'Show Events')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('fluxWorkbench.showEvents', t);
        });
    } else {
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
