// Between a live object and its file (issue 12): "Go to Definition" from a tree item (a Flux object
// or an inventory entry) opens the file and line the workspace defines it at, asking the language
// server's workspace model (flux/locateObject; an inventory entry through the Kustomization that
// applied it); "Show in Flux View" selects an object's item in the Flux views.

import * as vscode from 'vscode';
import { findKind } from '../cluster/kinds';
import type { Ctx } from '../ctx';
import type { Node, ObjectNode } from '../views/shared/nodes';
import {
  LocateObjectRequest,
  type FileObjectsResult,
  type LocateObjectParams,
  type LocateObjectResult,
  FileObjectsRequest,
} from '../../../server/src/protocol';
import { fluxKindOf } from '../live/match';

/** A plain reference, as the live lenses pass it. */
interface Ref {
  context?: string;
  kind: string;
  namespace: string;
  name: string;
}

function isRef(v: unknown): v is Ref {
  const r = v as Partial<Ref> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    !('type' in r) &&
    typeof r.kind === 'string' &&
    typeof r.name === 'string'
  );
}

/** What to ask the server for a tree node or a reference. */
function locateParams(ctx: Ctx, arg: unknown): LocateObjectParams | string {
  const node = arg as Node | undefined;
  if (node?.type === 'object' || isRef(arg)) {
    const r = node?.type === 'object' ? node : (arg as Ref);
    const k = findKind(r.kind);
    return {
      kind: k?.kind ?? r.kind,
      ...(k ? { group: k.group } : {}),
      namespace: r.namespace,
      name: r.name,
    };
  }
  if (node?.type === 'inventory') {
    const e = node.entry;
    // The Kustomization (or HelmRelease) whose inventory lists the entry: the item's parent section's owner.
    let p: Node | undefined = node.parent;
    while (p && !(p.type === 'section' && p.owner)) p = p.parent;
    const owner = p?.type === 'section' ? p.owner : undefined;
    return {
      kind: e.kind,
      group: e.group,
      namespace: e.namespace,
      name: e.name,
      ...(owner?.kind === 'Kustomization' ? { owner: { namespace: owner.namespace, name: owner.name } } : {}),
    };
  }
  void ctx;
  return 'Go to Definition works on a Flux object or an inventory entry of the Flux views.';
}

export async function goToDefinition(ctx: Ctx, args: unknown[]): Promise<void> {
  const params = locateParams(ctx, args[0]);
  if (typeof params === 'string') return void vscode.window.showInformationMessage(`Flux: ${params}`);
  const client = ctx.client;
  if (!client)
    return void vscode.window.showWarningMessage(
      'Flux: the language server is not running (see "Flux: Show Output").',
    );
  const what = `${params.kind} ${params.namespace ? `${params.namespace}/` : ''}${params.name}`;
  const r = await client.sendRequest<LocateObjectResult>(LocateObjectRequest, params);
  if (r.locations.length === 0)
    return void vscode.window.showInformationMessage(
      `Flux: ${what} is not defined in this workspace${r.message ? `: ${r.message}` : '.'}`,
    );
  let loc = r.locations[0]!;
  if (r.locations.length > 1) {
    const pick = await vscode.window.showQuickPick(
      r.locations.map((l) => ({
        label: vscode.workspace.asRelativePath(vscode.Uri.parse(l.uri)),
        description: `line ${l.range.start.line + 1}`,
        detail: l.why,
        l,
      })),
      { title: `${what} is defined in ${r.locations.length} places${r.message ? ` (${r.message})` : ''}` },
    );
    if (!pick) return;
    loc = pick.l;
  }
  const range = new vscode.Range(
    loc.range.start.line,
    loc.range.start.character,
    loc.range.end.line,
    loc.range.end.character,
  );
  await vscode.window.showTextDocument(vscode.Uri.parse(loc.uri), { selection: range, preview: false });
  ctx.log.info(`Go to Definition: ${what} -> ${loc.uri}:${loc.range.start.line + 1} (${loc.why})`);
}

/** The Flux object at the editor's cursor, as the server sees the file. */
async function refAtCursor(ctx: Ctx): Promise<Ref | string> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== 'file') return 'open a file with a Flux object first';
  if (!ctx.client) return 'the language server is not running';
  const { objects, problem } = await ctx.client.sendRequest<FileObjectsResult>(FileObjectsRequest, {
    uri: editor.document.uri.toString(),
  });
  const line = editor.selection.active.line;
  const here = objects.filter((o) => o.range.start.line <= line).pop();
  if (!here) return problem ?? 'no Kubernetes object at the cursor';
  if (!fluxKindOf(here))
    return `${here.kind} ${here.name} is not a Flux object (the Flux views list Flux objects)`;
  const ns = here.appliedNamespaces.length === 1 ? here.appliedNamespaces[0] : undefined;
  if (!ns) return `the namespace of ${here.kind} ${here.name} is not certain here`;
  return { kind: here.kind, namespace: ns, name: here.name };
}

/** Finds an object's primary item in the Flux views (the tree is searched down to objects). */
function findNode(ctx: Ctx, ref: Ref): { viewId: string; node: ObjectNode } | undefined {
  for (const p of ctx.views?.providers ?? []) {
    let level: Node[] = p.getChildren();
    for (let depth = 0; depth < 3 && level.length; depth++) {
      const next: Node[] = [];
      for (const n of level) {
        if (
          n.type === 'object' &&
          n.role === 'primary' &&
          n.kind === ref.kind &&
          n.namespace === ref.namespace &&
          n.name === ref.name &&
          (!ref.context || n.context === ref.context)
        )
          return { viewId: p.model.viewId, node: n };
        if (n.type === 'context' || n.type === 'group') next.push(...p.getChildren(n));
      }
      level = next;
    }
  }
  return undefined;
}

export async function revealInFluxView(ctx: Ctx, args: unknown[]): Promise<void> {
  const ref = args.find(isRef) ?? (await refAtCursor(ctx));
  if (typeof ref === 'string') return void vscode.window.showInformationMessage(`Flux: ${ref}.`);
  await vscode.commands.executeCommand('workbench.view.extension.flux');
  if (!ctx.live.started) await ctx.live.start();
  const found = findNode(ctx, ref);
  const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
  if (!found) {
    const filtered = ctx.live.filter.failingOnly || ctx.live.filter.text || ctx.live.filter.namespace;
    return void vscode.window.showInformationMessage(
      filtered
        ? `Flux: ${what} is hidden by the view's filter (Flux: Clear Filters shows it).`
        : `Flux: ${what} is not in the Flux views${ref.context ? ` of ${ref.context}` : ''} (not in the cluster, or not visible to you).`,
    );
  }
  await ctx.views?.treeViews
    .get(found.viewId)
    ?.reveal(found.node, { select: true, focus: true, expand: true });
}
