// Reconcile, Reconcile with source, Suspend, Resume, HelmRelease Force and Reset: each an
// API-native patch run by the engine (runAction), under a cancellable progress notification that
// streams the controller's live step messages, and ends in the engine's verdict: the controller
// handled our own token, then "applied revision ...", "blocked by ..." or the failure message.

import * as vscode from 'vscode';
import { runAction, type ActionName, type Verdict } from '../cluster';
import { readExplorerConfig } from '../config';
import type { Ctx } from '../ctx';
import type { ObjectAction } from '../views/shared/nodes';
import { stateWords } from '../views/shared/present';
import { describeRef, objectTarget, unavailableReason } from './targets';

interface ActionSpec {
  title: string;
  /** The verb of the progress title ("Reconciling"). */
  doing: string;
  engine: ActionName;
  options?: { withSource?: boolean; force?: boolean; reset?: boolean };
}

const SPECS: Record<
  'reconcile' | 'reconcileWithSource' | 'suspend' | 'resume' | 'forceHelmRelease' | 'resetHelmRelease',
  ActionSpec
> = {
  reconcile: { title: 'Reconcile', doing: 'Reconciling', engine: 'reconcile' },
  reconcileWithSource: {
    title: 'Reconcile with Source',
    doing: 'Reconciling with its source',
    engine: 'reconcile',
    options: { withSource: true },
  },
  suspend: { title: 'Suspend', doing: 'Suspending', engine: 'suspend' },
  resume: { title: 'Resume', doing: 'Resuming', engine: 'resume' },
  forceHelmRelease: {
    title: 'Force HelmRelease',
    doing: 'Forcing a one-off install or upgrade of',
    engine: 'reconcile',
    options: { force: true },
  },
  resetHelmRelease: {
    title: 'Reset HelmRelease',
    doing: 'Resetting the failure counters of',
    engine: 'reconcile',
    options: { reset: true },
  },
};

export type ActionCommand = keyof typeof SPECS;

/** Runs one action on the node it was invoked on, or on a picked object. */
export async function runActionCommand(
  ctx: Ctx,
  action: ActionCommand,
  args: unknown[],
): Promise<Verdict | undefined> {
  const spec = SPECS[action];
  const t = await objectTarget(ctx.live, args, action as ObjectAction, spec.title);
  if (!t) return undefined;
  const { session, co } = t;
  const what = describeRef({ kind: co.kind.kind, namespace: co.namespace, name: co.name });
  const known = unavailableReason(ctx.live, t, action as ObjectAction);
  if (known) {
    void vscode.window.showWarningMessage(`Flux: cannot ${spec.title.toLowerCase()} ${what}: ${known}.`);
    return undefined;
  }
  const timeoutMs = readExplorerConfig().actionTimeoutSeconds * 1000;
  const verdict = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${spec.doing} ${what}`, cancellable: true },
    async (progress, token) => {
      // RBAC denials known from SelfSubjectAccessReview were refused above; the API server's
      // answer to the patch itself is the final word ("forbidden: patch ...").
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let lastMessage = '';
      try {
        progress.report({ message: 'request sent; waiting for the controller…' });
        ctx.log.info(`${spec.title}: ${what} (context ${session.name})`);
        return await runAction(
          session,
          spec.engine,
          { kind: co.kind.kind, namespace: co.namespace, name: co.name },
          {
            ...spec.options,
            signal: abort.signal,
            ...(timeoutMs > 0 ? { timeoutMs } : {}),
            onStep: (step) => {
              const line = `${describeRef(step.ref)}: ${step.message}`;
              ctx.log.info(`  ${step.outcome}: ${line}${step.ms !== undefined ? ` (${step.ms} ms)` : ''}`);
              progress.report({ message: line });
            },
            onProgress: (ref, state) => {
              const line = `${ref.kind} ${ref.name}: ${stateWords(state)}${state.message ? ` — ${state.message}` : ''}`;
              if (line !== lastMessage) progress.report({ message: line });
              lastMessage = line;
            },
          },
        );
      } finally {
        sub.dispose();
      }
    },
  );
  await showVerdict(ctx, session.name, spec.title, what, verdict);
  return verdict;
}

async function showVerdict(
  ctx: Ctx,
  context: string,
  title: string,
  what: string,
  v: Verdict,
): Promise<void> {
  const steps =
    v.steps.length > 1 ? ` (${v.steps.map((s) => `${describeRef(s.ref)}: ${s.message}`).join('; ')})` : '';
  const text = `${title} ${what}: ${v.message}${steps}`;
  const last = v.steps[v.steps.length - 1];
  if (v.ok) {
    ctx.log.info(text);
    void vscode.window.showInformationMessage(text);
    return;
  }
  ctx.log.warn(text);
  const show =
    last?.outcome === 'cancelled' || last?.outcome === 'blocked' || last?.outcome === 'timeout'
      ? vscode.window.showWarningMessage
      : vscode.window.showErrorMessage;
  const choice = await show(text, 'Show Events');
  if (choice && last)
    await vscode.commands.executeCommand('fluxWorkbench.showEvents', { context, ...last.ref });
}
