// The nodes of the Flux tree views, as a tagged union, and the fixed set of contextValues the
// menus in package.json match on. Pure: the VS Code adapter (views/treeView.ts) turns an ItemSpec
// into a TreeItem and nothing else.

import type { HistoryEntry, InventoryEntry } from '../../cluster/relations';

interface Base {
  /** Stable across refreshes: VS Code keeps expansion and selection by it. */
  readonly id: string;
  readonly parent?: Node;
}

/** A kubeconfig context (root of the Clusters view; root of the other views when several are shown). */
export interface ContextNode extends Base {
  readonly type: 'context';
  readonly context: string;
}

/** A namespace (Workloads) or a kind (Sources, ...) inside one context. */
export interface GroupNode extends Base {
  readonly type: 'group';
  readonly context: string;
  readonly by: 'namespace' | 'kind';
  /** The namespace, or the kind key ("GitRepository.source.toolkit.fluxcd.io"). */
  readonly key: string;
}

/**
 * A Flux object. `role` says where it is shown: as itself in its group, or as the source,
 * dependency or inventory entry of another object (then it still shows its own live state).
 */
export interface ObjectNode extends Base {
  readonly type: 'object';
  readonly context: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly role: 'primary' | 'source' | 'dependency' | 'inventory' | 'blocker';
}

/** A folder of an object's children: its dependsOn, inventory or history; or a context's controllers and kinds. */
export interface SectionNode extends Base {
  readonly type: 'section';
  readonly context: string;
  readonly section: 'dependsOn' | 'inventory' | 'history' | 'controllers' | 'kinds';
  /** For object sections: the object. */
  readonly owner?: ObjectNode;
}

/** An object a Kustomization or HelmRelease applied that is not a Flux kind (or not served). */
export interface InventoryNode extends Base {
  readonly type: 'inventory';
  readonly context: string;
  readonly entry: InventoryEntry;
}

/** One snapshot of status.history. */
export interface HistoryNode extends Base {
  readonly type: 'history';
  readonly entry: HistoryEntry;
}

/** A fact shown as a leaf: the Flux version, a controller, a kind's watch, the controller's message. */
export interface InfoNode extends Base {
  readonly type: 'info';
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon?: Icon;
}

/** What a message node offers when clicked. */
export type MessageAction =
  | { kind: 'retry'; context: string }
  | { kind: 'pickContexts' }
  | { kind: 'trust' }
  | { kind: 'clearFilters' };

/** Errors and notices in the tree: "forbidden: ...", "unreachable: ...", "not installed". */
export interface MessageNode extends Base {
  readonly type: 'message';
  readonly severity: 'error' | 'warning' | 'info';
  readonly text: string;
  readonly detail?: string;
  readonly action?: MessageAction;
}

export type Node =
  | ContextNode
  | GroupNode
  | ObjectNode
  | SectionNode
  | InventoryNode
  | HistoryNode
  | InfoNode
  | MessageNode;

/** A codicon id and an optional theme color id. */
export interface Icon {
  readonly id: string;
  readonly color?: string;
}

/** Everything a tree item shows, in plain data (the tooltip is resolved lazily, see TreeModel). */
export interface ItemSpec {
  readonly label: string;
  readonly description?: string;
  readonly icon?: Icon;
  readonly contextValue: string;
  readonly collapsible: 'none' | 'collapsed' | 'expanded';
  /** A command run when the item is clicked. */
  readonly command?: { readonly command: string; readonly title: string };
}

// ---- contextValues ------------------------------------------------------------------------------

/** The actions of the object menus (without the `fluxWorkbench.` prefix). */
export const OBJECT_ACTIONS = [
  'reconcile',
  'reconcileWithSource',
  'suspend',
  'resume',
  'forceHelmRelease',
  'resetHelmRelease',
  'showEvents',
  'showLiveYaml',
  'copyName',
  'trace',
] as const;
export type ObjectAction = (typeof OBJECT_ACTIONS)[number];

/**
 * What decides an object's menu: its kind's class. `static`: never reconciled (OCI HelmRepository,
 * Alert/Provider v1beta3) but can be suspended; `passive`: written by another controller
 * (ExternalArtifact), so Flux has no request for it.
 */
export type ObjectClass = 'kustomization' | 'helmRelease' | 'helmChart' | 'other' | 'static' | 'passive';

const WRITE_ACTIONS: ReadonlySet<ObjectAction> = new Set([
  'reconcile',
  'reconcileWithSource',
  'suspend',
  'resume',
  'forceHelmRelease',
  'resetHelmRelease',
]);

/** The contextValue of an object node: one of a fixed set (see objectContextValues). */
export function objectContextValue(cls: ObjectClass, suspended: boolean, readonly: boolean): string {
  return `flux.${cls}${suspended ? '.suspended' : ''}${readonly ? '.readonly' : ''}`;
}

/** The actions an object of this class and state offers (enabled or, when readonly, greyed out). */
export function actionsOf(cls: ObjectClass, suspended: boolean): ObjectAction[] {
  const out: ObjectAction[] = [];
  if (cls === 'passive') return ['showEvents', 'showLiveYaml', 'copyName', 'trace'];
  if (!suspended && cls !== 'static') out.push('reconcile');
  if (!suspended && (cls === 'kustomization' || cls === 'helmRelease' || cls === 'helmChart'))
    out.push('reconcileWithSource');
  out.push(suspended ? 'resume' : 'suspend');
  if (!suspended && cls === 'helmRelease') out.push('forceHelmRelease', 'resetHelmRelease');
  out.push('showEvents', 'showLiveYaml', 'copyName', 'trace');
  return out;
}

/** Every object contextValue, with the actions it offers. */
export function objectContextValues(): { value: string; readonly: boolean; actions: ObjectAction[] }[] {
  const out: { value: string; readonly: boolean; actions: ObjectAction[] }[] = [];
  for (const cls of ['kustomization', 'helmRelease', 'helmChart', 'other', 'static', 'passive'] as const)
    for (const suspended of cls === 'passive' ? [false] : [false, true])
      for (const readonly of [false, true])
        out.push({
          value: objectContextValue(cls, suspended, readonly),
          readonly,
          actions: actionsOf(cls, suspended),
        });
  return out;
}

/** Non-object nodes. */
export const CONTEXT_VALUE = {
  context: 'fluxContext',
  inventoryEntry: 'fluxInventoryEntry',
  retry: 'fluxRetry',
  message: 'fluxMessage',
  group: 'fluxGroup',
  section: 'fluxSection',
  history: 'fluxHistory',
  info: 'fluxInfo',
} as const;

/**
 * The context keys package.json's menus test with `viewItem in <key>`: for each action, the
 * contextValues that show it, and under `readonly`, the contextValues whose write actions are
 * shown greyed out (the user's RBAC forbids them; the tooltip says why).
 */
export function menuContextKeys(): Record<string, string[]> {
  const keys: Record<string, string[]> = {};
  const readonly: string[] = [];
  for (const c of objectContextValues()) {
    if (c.readonly) readonly.push(c.value);
    for (const a of c.actions) (keys[`fluxWorkbench.menu.${a}`] ??= []).push(c.value);
  }
  for (const a of ['showLiveYaml', 'copyName', 'trace'] as const)
    keys[`fluxWorkbench.menu.${a}`]!.push(CONTEXT_VALUE.inventoryEntry);
  keys['fluxWorkbench.menu.copyName']!.push(CONTEXT_VALUE.context);
  // Go to Definition (client/src/editor/navigate.ts): every Flux object and inventory entry.
  keys['fluxWorkbench.menu.goToDefinition'] = [
    ...objectContextValues().map((c) => c.value),
    CONTEXT_VALUE.inventoryEntry,
  ];
  keys['fluxWorkbench.menu.readonly'] = readonly;
  return keys;
}

/** True for actions that patch the object (greyed out on readonly objects). */
export function isWriteAction(a: ObjectAction): boolean {
  return WRITE_ACTIONS.has(a);
}
