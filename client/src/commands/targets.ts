// What an explorer command acts on: the tree node it was invoked on, or, from the Command Palette,
// an object picked from the cache. The picker lists every object the action applies to; those the
// state or the user's RBAC rules out are shown greyed with the reason and are not run.

import * as vscode from 'vscode';
import { findKind, type CachedObject, type ContextSession } from '../cluster';
import type { ExplorerService } from '../explorerService';
import { actionsOf, isWriteAction, type Node, type ObjectAction } from '../views/shared/nodes';
import { objectClass, stateWords } from '../views/shared/present';

/** A cached Flux object and its session. */
export interface ObjectTarget {
  readonly session: ContextSession;
  readonly co: CachedObject;
}

/** Any object (a Flux object, or an entry of an inventory). */
export interface AnyTarget {
  readonly session: ContextSession;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly co?: CachedObject;
}

export function describeRef(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function cachedOf(service: ExplorerService, node: Node): ObjectTarget | string {
  if (node.type !== 'object') return 'this item is not a Flux object';
  const session = service.explorer.session(node.context);
  if (!session) return `context ${node.context} is no longer shown`;
  const k = findKind(node.kind);
  const co = k ? session.get(k, node.namespace, node.name) : undefined;
  if (!co) return `${describeRef(node)} is not in the cache (deleted, or not visible to you)`;
  return { session, co };
}

function isNode(v: unknown): v is Node {
  return (
    typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && 'id' in v
  );
}

/** A plain reference, as notifications pass it: { context?, kind, namespace, name }. */
interface PlainRef {
  context?: string;
  kind: string;
  namespace: string;
  name: string;
}

function isRef(v: unknown): v is PlainRef {
  const r = v as Partial<PlainRef> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    !('type' in r) &&
    typeof r.kind === 'string' &&
    typeof r.namespace === 'string' &&
    typeof r.name === 'string'
  );
}

/** The object from the command's arguments, or picked in a Quick Pick. Undefined: nothing to do. */
export async function objectTarget(
  service: ExplorerService,
  args: unknown[],
  action: ObjectAction,
  title: string,
): Promise<ObjectTarget | undefined> {
  const ref = args.find(isRef);
  if (ref) {
    const sessions = ref.context ? [service.explorer.session(ref.context)] : service.explorer.sessionList();
    const k = findKind(ref.kind);
    for (const session of sessions) {
      const co = session && k ? session.get(k, ref.namespace, ref.name) : undefined;
      if (session && co) return { session, co };
    }
    void vscode.window.showWarningMessage(`Flux: ${describeRef(ref)} is not in the cache.`);
    return undefined;
  }
  const node = args.find(isNode);
  if (node) {
    const t = cachedOf(service, node);
    if (typeof t === 'string') {
      void vscode.window.showWarningMessage(`Flux: ${t}.`);
      return undefined;
    }
    return t;
  }
  return pickObject(service, action, title);
}

/** The reason an action does not apply to an object now (state or RBAC as far as known), if any. */
export function unavailableReason(
  service: ExplorerService,
  t: ObjectTarget,
  action: ObjectAction,
): string | undefined {
  const { co } = t;
  const suspended = co.status.state === 'Suspended';
  if (!actionsOf(objectClass(co), suspended).includes(action)) {
    if (
      action === 'reconcile' ||
      action === 'reconcileWithSource' ||
      action === 'forceHelmRelease' ||
      action === 'resetHelmRelease'
    )
      return suspended
        ? 'suspended: resume it first'
        : objectClass(co) === 'static'
          ? 'a static object is not reconciled'
          : `not applicable to a ${co.kind.kind}`;
    if (action === 'resume') return 'not suspended';
    if (action === 'suspend')
      return suspended ? 'already suspended' : `a ${co.kind.kind} cannot be suspended`;
    return `not applicable to a ${co.kind.kind}`;
  }
  if (isWriteAction(action)) {
    const p = service.permissions.patch(t.session.name, co.kind, co.namespace);
    if (p && !p.allowed) return p.reason ?? 'you may not patch it (RBAC)';
  }
  return undefined;
}

interface Pick extends vscode.QuickPickItem {
  target: ObjectTarget;
  reason?: string;
}

async function pickObject(
  service: ExplorerService,
  action: ObjectAction,
  title: string,
): Promise<ObjectTarget | undefined> {
  if (!service.started) await service.start();
  const sessions = service.explorer.sessionList();
  if (sessions.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      'Flux: no Kubernetes context is shown.',
      'Choose Contexts',
    );
    if (choice) await vscode.commands.executeCommand('fluxWorkbench.pickContexts');
    return undefined;
  }
  const items: Pick[] = [];
  for (const session of sessions)
    for (const co of session.list()) {
      const target = { session, co };
      const cls = objectClass(co);
      // Kinds the action never applies to (force on a Kustomization) are left out entirely.
      if (!actionsOf(cls, false).includes(action) && !actionsOf(cls, true).includes(action)) continue;
      const reason = unavailableReason(service, target, action);
      items.push({
        label: `${reason ? '$(circle-slash) ' : ''}${describeRef({ kind: co.kind.kind, namespace: co.namespace, name: co.name })}`,
        description: reason ? `unavailable: ${reason}` : stateWords(co.status),
        ...(sessions.length > 1 ? { detail: `context ${session.name}` } : {}),
        target,
        ...(reason ? { reason } : {}),
      });
    }
  items.sort((a, b) => (a.reason ? 1 : 0) - (b.reason ? 1 : 0) || a.label.localeCompare(b.label));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Flux: no object in the cache to ${title.toLowerCase()}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `Flux: ${title}`,
    placeHolder: 'Pick an object (from the live cache)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.reason) {
    const co = picked.target.co;
    void vscode.window.showWarningMessage(
      `Flux: ${title} is unavailable for ${describeRef({ kind: co.kind.kind, namespace: co.namespace, name: co.name })}: ${picked.reason}.`,
    );
    return undefined;
  }
  return picked.target;
}

/** Any object from a tree node (Flux object or inventory entry), or a Flux object picked from the cache. */
export async function anyTarget(
  service: ExplorerService,
  args: unknown[],
  action: ObjectAction,
  title: string,
): Promise<AnyTarget | undefined> {
  const node = args.find(isNode);
  if (node?.type === 'inventory') {
    const session = service.explorer.session(node.context);
    if (!session) return undefined;
    const e = node.entry;
    return {
      session,
      apiVersion: e.group ? `${e.group}/${e.version ?? ''}` : (e.version ?? 'v1'),
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
    };
  }
  const t = await objectTarget(service, args, action, title);
  if (!t) return undefined;
  return {
    session: t.session,
    apiVersion: `${t.co.kind.group}/${t.co.kind.version}`,
    kind: t.co.kind.kind,
    namespace: t.co.namespace,
    name: t.co.name,
    co: t.co,
  };
}
