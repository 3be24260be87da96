// The part every Flux tree view shares, pure and synchronous: nodes kept by id (VS Code refreshes
// an element by identity, so the same node object must come back), the children of an object
// (its message, blockers, source, dependsOn, inventory, history), and the mapping from the
// engine's batched changes to the few nodes whose rendering really changed. Rendering reads the
// cache only; nothing here touches the network.

import { sourceOf } from '../../cluster/actions';
import { findKind, type FluxKind } from '../../cluster/kinds';
import type { Change } from '../../cluster/session';
import { blockingChain, dependsOnOf, historyOf, inventoryOf } from '../../cluster/relations';
import { isFiltering, matches } from './filter';
import {
  CONTEXT_VALUE,
  objectContextValue,
  type ContextNode,
  type GroupNode,
  type ItemSpec,
  type MessageNode,
  type Node,
  type ObjectNode,
  type SectionNode,
} from './nodes';
import { describe, objectClass, stateIcon, stateWords, tooltip, type ObjectView } from './present';
import type { SessionView, ViewState } from './state';
import { ago } from './time';
import { NodeStore, objectKey } from './nodeStore';

/** Inventories longer than this show their first entries and a "... more" node. */
export const INVENTORY_LIMIT = 1000;

export abstract class TreeModel extends NodeStore {
  constructor(
    protected readonly state: ViewState,
    /** The view id, e.g. "fluxWorkbench.workloads". */
    readonly viewId: string,
  ) {
    super();
  }

  // ---- what each view defines -------------------------------------------------------------------

  /** The children of one context in this view (the root when only one context is shown). */
  protected abstract contextChildren(ctx: ContextNode | undefined, s: SessionView): Node[];
  protected abstract groupChildren(g: GroupNode, s: SessionView): Node[];
  protected abstract groupItem(g: GroupNode, s: SessionView): ItemSpec;
  /** Does this view show objects of this kind (its primary nodes)? */
  protected abstract showsKind(kind: string): boolean;
  /** The group a primary object node of this view sits in. */
  protected abstract groupIdOf(ctx: string, o: ObjectView): string;

  // ---- the tree ----------------------------------------------------------------------------------

  /** The root nodes (undefined) or the children of a node, as VS Code asks for them. */
  children(node?: Node): Node[] {
    const list = node ? this.childrenOf(node) : this.roots();
    this.remember(node?.id ?? '', list);
    return list;
  }

  parent(node: Node): Node | undefined {
    return node.parent;
  }

  protected roots(): Node[] {
    const sessions = this.state.explorer.sessionList();
    if (sessions.length === 1) return this.contextChildren(undefined, sessions[0]!);
    return sessions.map((s) =>
      this.intern<ContextNode>({ type: 'context', id: `ctx:${s.name}`, context: s.name }),
    );
  }

  private childrenOf(node: Node): Node[] {
    switch (node.type) {
      case 'context': {
        const s = this.state.explorer.session(node.context);
        return s ? this.contextChildren(node, s) : [];
      }
      case 'group': {
        const s = this.state.explorer.session(node.context);
        return s ? this.groupChildren(node, s) : [];
      }
      case 'object':
        return node.role === 'primary' ? this.objectChildren(node) : [];
      case 'section':
        return this.sectionChildren(node);
      default:
        return [];
    }
  }

  // ---- items ---------------------------------------------------------------------------------------

  /** The item of a node (what VS Code draws); remembered, so changes refresh only what differs. */
  item(node: Node): ItemSpec {
    const spec = this.itemOf(node);
    this.drawn(node, spec);
    return spec;
  }

  /** The Markdown tooltip of a node (resolved lazily, when hovered). */
  tooltip(node: Node): string | undefined {
    if (node.type === 'object') {
      const found = this.lookup(node);
      if (!found) return undefined;
      return tooltip(found.o, this.state.now(), this.unavailable(node.context, found.o));
    }
    if (node.type === 'message') return node.detail;
    if (node.type === 'info') return node.tooltip;
    if (node.type === 'history') return node.entry.detail || undefined;
    if (node.type === 'inventory')
      return `${node.entry.kind} ${node.entry.namespace}/${node.entry.name} (${node.entry.group || 'core'}/${node.entry.version ?? '?'})`;
    return undefined;
  }

  protected itemOf(node: Node): ItemSpec {
    switch (node.type) {
      case 'context':
        return this.contextItem(node);
      case 'group': {
        const s = this.state.explorer.session(node.context);
        return s
          ? this.groupItem(node, s)
          : { label: node.key, contextValue: CONTEXT_VALUE.group, collapsible: 'none' };
      }
      case 'object':
        return this.objectItem(node);
      case 'section':
        return this.sectionItem(node);
      case 'inventory':
        return {
          label: `${node.entry.kind} ${node.entry.namespace ? `${node.entry.namespace}/` : ''}${node.entry.name}`,
          icon: { id: 'symbol-file', color: 'descriptionForeground' },
          contextValue: CONTEXT_VALUE.inventoryEntry,
          collapsible: 'none',
        };
      case 'history': {
        const e = node.entry;
        const t = e.time ? Date.parse(e.time) : NaN;
        return {
          label: e.label,
          description: [e.status, Number.isNaN(t) ? undefined : ago(t, this.state.now())]
            .filter(Boolean)
            .join(' · '),
          icon: { id: 'history', color: 'descriptionForeground' },
          contextValue: CONTEXT_VALUE.history,
          collapsible: 'none',
        };
      }
      case 'info':
        return {
          label: node.label,
          ...(node.description ? { description: node.description } : {}),
          ...(node.icon ? { icon: node.icon } : {}),
          contextValue: CONTEXT_VALUE.info,
          collapsible: 'none',
        };
      case 'message':
        return messageItem(node);
    }
  }

  protected contextItem(node: ContextNode): ItemSpec {
    const s = this.state.explorer.session(node.context);
    const p = s?.phase.phase ?? 'stopped';
    return {
      label: node.context,
      ...(s && p === 'ready' ? { description: countsText(s) } : {}),
      icon:
        p === 'ready'
          ? { id: 'server-environment' }
          : p === 'error'
            ? { id: 'error', color: 'charts.red' }
            : { id: 'sync~spin' },
      contextValue: CONTEXT_VALUE.context,
      collapsible: 'expanded',
    };
  }

  /** The session and cached object of an object node (undefined: not in the cache). */
  protected lookup(node: ObjectNode): { s: SessionView; o: ObjectView; k: FluxKind } | undefined {
    const s = this.state.explorer.session(node.context);
    const k = findKind(node.kind);
    const o = s && k ? s.get(k, node.namespace, node.name) : undefined;
    return s && k && o ? { s, o, k } : undefined;
  }

  /** Why the actions of this object are greyed out (RBAC), when known. */
  protected unavailable(context: string, o: ObjectView): string | undefined {
    const k = findKind(o.kind.kind);
    if (!k) return undefined;
    const p = this.state.permissions.patch(context, k, o.namespace);
    return p && !p.allowed ? (p.reason ?? 'you may not patch it') : undefined;
  }

  private objectItem(node: ObjectNode): ItemSpec {
    const found = this.lookup(node);
    const title = `${node.kind} ${node.namespace ? `${node.namespace}/` : ''}${node.name}`;
    if (!found)
      return {
        label: node.role === 'primary' ? node.name : title,
        description: `${node.role === 'primary' ? '' : `${node.role} · `}not in the cache: not found, or not visible to you`,
        icon: { id: 'question', color: 'descriptionForeground' },
        contextValue: CONTEXT_VALUE.message,
        collapsible: 'none',
      };
    const { o } = found;
    const now = this.state.now();
    const readonly = this.unavailable(node.context, o) !== undefined;
    // The engine makes a new cached object for every change: an unchanged object drawn again in
    // the same second (its group was refreshed) looks the same, so its item is reused.
    const second = Math.floor(now / 1000);
    const hit = this.objectItems.get(node.id);
    if (hit && hit.o === o && hit.second === second && hit.readonly === readonly) return hit.spec;
    const primary = node.role === 'primary';
    const prefix = primary ? this.kindPrefix(o) : node.role === 'inventory' ? undefined : node.role;
    const description = describe(o, now, prefix ? { kindPrefix: prefix } : {});
    const spec: ItemSpec = {
      label: primary ? this.primaryLabel(o) : title,
      description,
      icon: stateIcon(o.status),
      contextValue: objectContextValue(objectClass(o), o.status.state === 'Suspended', readonly),
      collapsible: primary ? 'collapsed' : 'none',
    };
    this.objectItems.set(node.id, { o, second, readonly, spec });
    return spec;
  }

  /** The label of an object in its own group. */
  protected primaryLabel(o: ObjectView): string {
    return o.name;
  }

  /** A word before the description of primary objects (the kind, where a group mixes kinds). */
  protected kindPrefix(_o: ObjectView): string | undefined {
    return undefined;
  }

  // ---- an object's children ------------------------------------------------------------------------

  protected objectNode(
    parent: Node | undefined,
    ctx: string,
    ref: { kind: string; namespace: string; name: string },
    role: ObjectNode['role'],
  ): ObjectNode {
    const kind = findKind(ref.kind)?.kind ?? ref.kind;
    const own = `${ctx}|${kind}|${ref.namespace}/${ref.name}`;
    return this.intern<ObjectNode>({
      type: 'object',
      id:
        role === 'primary'
          ? `${this.viewId}|${own}`
          : `${parent!.id}>${role}:${kind}|${ref.namespace}/${ref.name}`,
      ...(parent ? { parent } : {}),
      context: ctx,
      kind,
      namespace: ref.namespace,
      name: ref.name,
      role,
    });
  }

  private objectChildren(node: ObjectNode): Node[] {
    const found = this.lookup(node);
    if (!found) return [];
    const { s, o } = found;
    const out: Node[] = [];
    const st = o.status;
    if ((st.state !== 'Ready' || st.drifted) && st.message && st.state !== 'Suspended')
      out.push(
        this.intern<MessageNode>({
          type: 'message',
          id: `${node.id}>message`,
          parent: node,
          severity:
            st.state === 'Failed' || st.state === 'Stalled'
              ? 'error'
              : st.state === 'WaitingForDependency' || st.drifted
                ? 'warning'
                : 'info',
          text: st.message,
          detail: `${stateWords(st)}: ${st.message}`,
        }),
      );
    if (st.state === 'WaitingForDependency')
      for (const b of blockingChain(s, o.obj)) out.push(this.objectNode(node, node.context, b, 'blocker'));
    const src = sourceOf(o.obj);
    if (src) out.push(this.objectNode(node, node.context, src, 'source'));
    const deps = dependsOnOf(s, o.obj);
    if (deps.length) out.push(this.section(node, 'dependsOn'));
    if (inventoryOf(o.obj) !== undefined) out.push(this.section(node, 'inventory'));
    if (historyOf(o.obj).length) out.push(this.section(node, 'history'));
    return out;
  }

  private section(owner: ObjectNode, section: SectionNode['section']): SectionNode {
    return this.intern<SectionNode>({
      type: 'section',
      id: `${owner.id}>${section}`,
      parent: owner,
      context: owner.context,
      section,
      owner,
    });
  }

  protected sectionItem(node: SectionNode): ItemSpec {
    const found = node.owner ? this.lookup(node.owner) : undefined;
    const obj = found?.o.obj;
    const count = (n: number) => ({ description: String(n), collapsible: n ? 'collapsed' : 'none' }) as const;
    switch (node.section) {
      case 'dependsOn': {
        const deps = found ? dependsOnOf(found.s, obj!) : [];
        const notReady = deps.filter((d) => d.state?.state !== 'Ready').length;
        return {
          label: 'Depends on',
          ...count(deps.length),
          ...(notReady ? { description: `${deps.length} · ${notReady} not ready` } : {}),
          icon: { id: 'references' },
          contextValue: CONTEXT_VALUE.section,
        };
      }
      case 'inventory':
        return {
          label: 'Inventory',
          ...count(obj ? (inventoryOf(obj)?.length ?? 0) : 0),
          icon: { id: 'list-tree' },
          contextValue: CONTEXT_VALUE.section,
        };
      case 'history':
        return {
          label: 'History',
          ...count(obj ? historyOf(obj).length : 0),
          icon: { id: 'history' },
          contextValue: CONTEXT_VALUE.section,
        };
      default:
        return { label: node.section, contextValue: CONTEXT_VALUE.section, collapsible: 'collapsed' };
    }
  }

  protected sectionChildren(node: SectionNode): Node[] {
    const found = node.owner ? this.lookup(node.owner) : undefined;
    if (!found) return [];
    const { s, o } = found;
    if (node.section === 'dependsOn')
      return dependsOnOf(s, o.obj).map((d) => this.objectNode(node, node.context, d, 'dependency'));
    if (node.section === 'history')
      return historyOf(o.obj).map((entry, i) =>
        this.intern({ type: 'history', id: `${node.id}>${i}`, parent: node, entry }),
      );
    if (node.section === 'inventory') {
      const entries = inventoryOf(o.obj) ?? [];
      const served = new Set((s.discovery?.kinds ?? []).map((k) => `${k.group}|${k.kind}`));
      const out: Node[] = entries.slice(0, INVENTORY_LIMIT).map((entry) =>
        served.has(`${entry.group}|${entry.kind}`)
          ? this.objectNode(node, node.context, entry, 'inventory')
          : this.intern({
              type: 'inventory',
              id: `${node.id}>${entry.id}`,
              parent: node,
              context: node.context,
              entry,
            }),
      );
      if (entries.length > INVENTORY_LIMIT)
        out.push(
          this.intern<MessageNode>({
            type: 'message',
            id: `${node.id}>more`,
            parent: node,
            severity: 'info',
            text: `${entries.length - INVENTORY_LIMIT} more entries not shown`,
            detail: 'Show live YAML of the object lists its whole status.inventory.',
          }),
        );
      return out;
    }
    return [];
  }

  /** Object nodes a view lists in a group: the cached objects that pass the filter, sorted. */
  protected filtered(objects: readonly ObjectView[], memoKey?: string): ObjectView[] {
    if (memoKey) return this.memo(`sorted\u0000${memoKey}`, () => this.filtered(objects));
    const f = this.state.filter;
    const list = isFiltering(f) ? objects.filter((o) => matches(f, o)) : [...objects];
    return list.sort(
      (a, b) => cmp(a.kind.kind, b.kind.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name),
    );
  }

  /** How many of these objects pass the filter. */
  protected countShown(objects: readonly ObjectView[]): number {
    const f = this.state.filter;
    return isFiltering(f) ? objects.filter((o) => matches(f, o)).length : objects.length;
  }

  // ---- changes -------------------------------------------------------------------------------------

  /**
   * The nodes to refresh for a batch of engine changes, or undefined to refresh the whole view.
   * Only nodes whose rendering changed are returned: a group is refreshed (which makes VS Code
   * re-read its children) only when its children or its own item changed.
   */
  changed(batch: readonly Change[]): Node[] | undefined {
    this.memos.clear();
    const out = new Map<string, Node>();
    /** Rendered nodes whose own item may have changed (group counts, section summaries): checked once. */
    const summaries = new Map<string, Node>();
    for (const c of batch) {
      if (c.what === 'session' || c.what === 'kind' || c.context === '') return undefined;
      if (c.what === 'controllers') {
        const r = this.controllersChanged(c.context);
        if (r === undefined) return undefined;
        for (const n of r) out.set(n.id, n);
        continue;
      }
      if (c.what !== 'object' || !c.kind || !c.key) continue;
      const kind = c.kind.slice(0, c.kind.indexOf('.'));
      const slash = c.key.indexOf('/');
      const namespace = c.key.slice(0, slash);
      const name = c.key.slice(slash + 1);
      for (const id of this.byObject.get(objectKey(c.context, kind, namespace, name)) ?? []) {
        const n = this.nodes.get(id);
        if (!n) continue;
        // A deleted object's own node goes with its group's refresh; references to it elsewhere
        // (a source, a dependency) stay and now say it is not in the cache.
        if (c.type === 'DELETED' && n.type === 'object' && n.role === 'primary') continue;
        out.set(id, n);
        // A reference elsewhere (source, dependency) also changes its parent section's summary.
        if (n.parent && n.parent.type === 'section') summaries.set(n.parent.id, n.parent);
      }
      if (this.showsKind(kind)) {
        const r = this.membershipChanged(c, kind, namespace, name, summaries);
        if (r === undefined) return undefined;
        for (const n of r) out.set(n.id, n);
      }
    }
    for (const [id, n] of summaries) if (!out.has(id) && this.differs(n)) out.set(id, n);
    return [...out.values()];
  }

  /** True when the node was rendered and would now look different. */
  protected differs(node: Node): boolean {
    return this.looksDifferent(node, this.itemOf(node));
  }

  /**
   * An object of this view changed: refresh its group when the group's children (an object came,
   * went, or entered or left the filter) or its summary changed; refresh the group's parent (or the
   * whole view) when the group itself has to appear or go.
   */
  private membershipChanged(
    c: Change,
    kind: string,
    namespace: string,
    name: string,
    summaries: Map<string, Node>,
  ): Node[] | undefined {
    const s = this.state.explorer.session(c.context);
    const k = findKind(kind);
    if (!s || !k) return [];
    const o = s.get(k, namespace, name);
    const groupId = this.groupIdOf(
      c.context,
      o ?? ({ kind: { kind, group: k.group, version: '' }, namespace, name } as ObjectView),
    );
    const group = this.nodes.get(groupId);
    const primaryId = `${this.viewId}|${c.context}|${kind}|${namespace}/${name}`;
    if (!group) {
      // The group is not rendered: it may have to appear (refresh its parent), or it is collapsed.
      const parentId = this.groupParentId(c.context);
      const siblings = this.kids.get(parentId);
      if (!siblings) return [];
      if (siblings.includes(groupId)) return []; // rendered once, collapsed: nothing to draw
      if (!o || !this.passes(o)) return [];
      return parentId === '' ? undefined : [this.nodes.get(parentId)!];
    }
    const shown = this.kidSets.get(groupId)?.has(primaryId) ?? false;
    const wanted = !!o && this.passes(o);
    if (shown !== wanted) return [group];
    summaries.set(groupId, group);
    return [];
  }

  private passes(o: ObjectView): boolean {
    return !isFiltering(this.state.filter) || matches(this.state.filter, o);
  }

  /** The id of the node that holds a context's groups ('' when a single context is the root). */
  protected groupParentId(context: string): string {
    return this.state.explorer.sessionList().length === 1 ? '' : `ctx:${context}`;
  }

  /** Liveness changed: the Clusters view refreshes its controller nodes; others ignore it. */
  protected controllersChanged(_context: string): Node[] | undefined {
    return [];
  }

  /** Every rendered node whose item would now differ (the clock moved: ages, "next in"). */
  tick(): Node[] {
    const out: Node[] = [];
    for (const id of this.rendered.keys()) {
      const n = this.nodes.get(id);
      if (n && (n.type === 'object' || n.type === 'history') && this.differs(n)) out.push(n);
    }
    return out;
  }

  /** Nodes showing objects of (context, kind, namespace): their permission became known. */
  permissionChanged(context: string, kind: string, namespace: string): Node[] {
    const out: Node[] = [];
    const prefix = `${context}\u0000${kind}\u0000${namespace}/`;
    for (const [key, ids] of this.byObject)
      if (key.startsWith(prefix))
        for (const id of ids) if (this.rendered.has(id)) out.push(this.nodes.get(id)!);
    return out;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "8 ready · 1 failing · 2 in progress · 1 suspended" */
export function countsText(s: Pick<SessionView, 'counts'>): string {
  const c = s.counts();
  return `${c.ready} ready · ${c.failing} failing · ${c.inProgress} in progress · ${c.suspended} suspended`;
}

export function messageItem(node: MessageNode): ItemSpec {
  const icon =
    node.severity === 'error'
      ? { id: 'error', color: 'charts.red' }
      : node.severity === 'warning'
        ? { id: 'warning', color: 'charts.yellow' }
        : { id: 'info', color: 'descriptionForeground' };
  const command =
    node.action?.kind === 'retry'
      ? { command: 'fluxWorkbench.retry', title: 'Retry now' }
      : node.action?.kind === 'pickContexts'
        ? { command: 'fluxWorkbench.pickContexts', title: 'Choose contexts' }
        : node.action?.kind === 'trust'
          ? { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' }
          : node.action?.kind === 'clearFilters'
            ? { command: 'fluxWorkbench.clearFilters', title: 'Clear filters' }
            : undefined;
  return {
    label: node.text,
    icon,
    contextValue: node.action?.kind === 'retry' ? CONTEXT_VALUE.retry : CONTEXT_VALUE.message,
    collapsible: 'none',
    ...(command ? { command } : {}),
  };
}
