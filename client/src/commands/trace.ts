// Trace: from any object (a Flux object or an inventory entry) to the Flux object that applied it
// (its ownership labels), that object's source and revision, and so on up to the root, each with
// its live state. Shown as a Quick Pick; picking a step opens its live YAML.

import * as vscode from 'vscode';
import { findKind, trace, type TraceStep } from '../cluster';
import type { Ctx } from '../ctx';
import { shortRevision, stateIcon, stateWords } from '../views/shared/present';
import { docUri, LIVE_SCHEME } from './documents';
import { anyTarget, describeRef } from './targets';

const ROLE: Record<TraceStep['role'], string> = {
  object: 'object',
  owner: 'applied by',
  source: 'from source',
};

export async function traceCommand(ctx: Ctx, args: unknown[]): Promise<TraceStep[] | undefined> {
  const t = await anyTarget(ctx.live, args, 'trace', 'Trace');
  if (!t) return undefined;
  const what = describeRef(t);
  const steps = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Tracing ${what}` },
    () => trace(t.session, { apiVersion: t.apiVersion, kind: t.kind, namespace: t.namespace, name: t.name }),
  );
  ctx.log.info(
    `trace ${what}: ${steps.map((s) => `${ROLE[s.role]} ${describeRef(s.ref)}${s.problem ? ` (${s.problem})` : ''}`).join(' <- ')}`,
  );
  const items = steps.map((s, i) => ({
    label: `${i ? '$(arrow-up) ' : ''}$(${s.state ? stateIcon(s.state).id.replace('~spin', '') : s.problem ? 'warning' : 'symbol-file'}) ${ROLE[s.role]}: ${describeRef(s.ref)}`,
    description: [
      s.state ? stateWords(s.state) : undefined,
      s.revision ? shortRevision(s.revision) : undefined,
      s.problem,
    ]
      .filter(Boolean)
      .join(' · '),
    ...(s.via ? { detail: `found by ${s.via}` } : {}),
    step: s,
  }));
  if (steps.length === 1 && !steps[0]!.problem)
    items.push({
      label: '$(info) no Flux owner',
      description: 'it carries no kustomize.toolkit.fluxcd.io or helm.toolkit.fluxcd.io ownership labels',
      step: steps[0]!,
    });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Flux: Trace ${what} (context ${t.session.name})`,
    placeHolder: 'Pick a step to open its live YAML',
  });
  if (picked && !picked.step.problem) {
    const s = picked.step;
    // Owners and sources are Flux kinds: their served version comes from discovery.
    const k = s.role === 'object' ? undefined : findKind(s.ref.kind);
    const served = k && t.session.discovery?.kinds.find((x) => x.kind === k.kind && x.group === k.group);
    const uri = docUri(LIVE_SCHEME, {
      session: t.session,
      apiVersion: served ? `${served.group}/${served.version}` : t.apiVersion,
      kind: s.ref.kind,
      namespace: s.ref.namespace,
      name: s.ref.name,
    });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
  }
  return steps;
}
