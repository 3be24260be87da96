// Optional notifications when a Flux object turns failing (Failed or Stalled) while you watch
// (setting fluxWorkbench.explorer.notifyOnFailure, off by default). The engine's changes carry the
// state before and after each batch; the tracker remembers each object's last state outside a run,
// so a failing object's retries are not announced again (shared/turnedFailing.ts). An object already
// failing when first listed is not announced. Several in one batch make one notification.

import * as vscode from 'vscode';
import { findKind } from '../cluster';
import { readExplorerConfig } from '../config';
import type { ExplorerService } from '../explorerService';
import { stateWords } from './shared/present';
import { TurnedFailingTracker } from './shared/turnedFailing';

export function registerFailureAlerts(service: ExplorerService): vscode.Disposable {
  let enabled = readExplorerConfig().notifyOnFailure;
  const cfg = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('fluxWorkbench.explorer.notifyOnFailure'))
      enabled = readExplorerConfig().notifyOnFailure;
  });
  // Fed every batch, also while off: turned on later, it knows which objects were failing already.
  const tracker = new TurnedFailingTracker();
  const sub = service.onDidChange((e) => {
    if (e === 'all' || !Array.isArray(e)) return;
    const batch = tracker.update(e);
    if (!enabled) return;
    const turned: { context: string; kind: string; namespace: string; name: string; text: string }[] = [];
    for (const t of batch) {
      const k = findKind(t.kind.slice(0, t.kind.indexOf('.')));
      const co = k ? service.explorer.session(t.context)?.get(k, t.namespace, t.name) : undefined;
      if (!co) continue;
      turned.push({
        context: t.context,
        kind: co.kind.kind,
        namespace: t.namespace,
        name: t.name,
        text: `${co.kind.kind} ${t.namespace}/${t.name} ${stateWords(co.status)}: ${co.status.message}`,
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
