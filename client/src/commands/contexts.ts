// Choosing which kubeconfig contexts the Flux views show (one or several; remembered for this
// workspace, never written to the kubeconfig), and retrying a context or kind that failed.

import * as vscode from 'vscode';
import { formatProblem } from '../cluster';
import type { Ctx } from '../ctx';
import type { Node } from '../views/shared/nodes';

export async function pickContexts(ctx: Ctx): Promise<string[] | undefined> {
  const service = ctx.live;
  if (!service.started) await service.start();
  const kc = service.explorer.kubeconfig;
  const shown = new Set(service.explorer.sessionList().map((s) => s.name));
  if (kc.contexts.length === 0) {
    const problems = kc.problems.map(formatProblem).join('; ');
    void vscode.window.showWarningMessage(
      `Flux: no contexts in ${kc.files.join(', ') || 'the kubeconfig'}${problems ? ` (${problems})` : ''}. Set KUBECONFIG or the setting fluxWorkbench.explorer.kubeconfig.`,
    );
    return undefined;
  }
  const items = kc.contexts.map((c) => ({
    label: c.name,
    description: [
      c.server,
      c.namespace ? `namespace ${c.namespace}` : undefined,
      c.name === kc.currentContext ? 'current' : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
    detail: c.problems.length ? `$(warning) ${c.problems.join('; ')}` : c.file,
    picked: shown.has(c.name),
  }));
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'Flux: Choose Kubernetes Contexts',
    placeHolder:
      'The Flux views show these contexts (remembered for this workspace; the kubeconfig is not changed)',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  const names = picked.map((p) => p.label);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Connecting to ${names.join(', ') || 'no context'}` },
    () => service.setContexts(names),
  );
  return names;
}

/** Retry now: the context's connection and every kind of it that is forbidden or failing. */
export function retry(ctx: Ctx, args: unknown[]): void {
  const node = args[0] as Node | undefined;
  const context =
    node?.type === 'message' && node.action?.kind === 'retry'
      ? node.action.context
      : node && 'context' in node && typeof node.context === 'string'
        ? node.context
        : undefined;
  const sessions = context
    ? [ctx.live.explorer.session(context)].filter((s) => s !== undefined)
    : ctx.live.explorer.sessionList();
  for (const s of sessions) {
    ctx.log.info(`retrying context ${s.name} now`);
    ctx.live.permissions.forget(s.name);
    s.retryNow();
  }
}
