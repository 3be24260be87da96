// The filters of the Flux object views (shared by all of them): failing only, one namespace, a text.

import * as vscode from 'vscode';
import type { Ctx } from '../ctx';

function changed(ctx: Ctx): void {
  ctx.live.emit('all');
}

export function setFailingOnly(ctx: Ctx, on: boolean): void {
  ctx.live.filter.failingOnly = on;
  changed(ctx);
}

export async function filterNamespace(ctx: Ctx): Promise<void> {
  const namespaces = new Set<string>();
  for (const s of ctx.live.explorer.sessionList())
    for (const o of s.list()) if (o.namespace) namespaces.add(o.namespace);
  const all = '$(clear-all) All namespaces';
  const items = [all, ...[...namespaces].sort()];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Flux: Filter by Namespace',
    placeHolder: ctx.live.filter.namespace
      ? `now: ${ctx.live.filter.namespace}`
      : 'namespaces of the objects in the cache',
  });
  if (picked === undefined) return;
  if (picked === all) delete ctx.live.filter.namespace;
  else ctx.live.filter.namespace = picked;
  changed(ctx);
}

export async function filterText(ctx: Ctx): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: 'Flux: Filter by Text',
    prompt: 'Objects whose kind, namespace/name, state or message contains this text (empty: no text filter)',
    value: ctx.live.filter.text ?? '',
  });
  if (text === undefined) return;
  if (text.trim()) ctx.live.filter.text = text.trim();
  else delete ctx.live.filter.text;
  changed(ctx);
}

export function clearFilters(ctx: Ctx): void {
  ctx.live.filter.failingOnly = false;
  delete ctx.live.filter.namespace;
  delete ctx.live.filter.text;
  changed(ctx);
}
