// The bookkeeping under every Flux tree view: nodes kept by id (VS Code refreshes an element by
// identity, so the same node object must come back), which children each parent last showed, which
// rendered nodes show an object, what each node last looked like, and values derived from the
// cache for one batch. Pure.

import type { ItemSpec, Node } from './nodes';
import type { ObjectView } from './present';

/** "context\0Kind\0namespace/name": how rendered object nodes are found from a change. */
export function objectKey(context: string, kind: string, namespace: string, name: string): string {
  return `${context}\u0000${kind}\u0000${namespace}/${name}`;
}

export class NodeStore {
  protected readonly nodes = new Map<string, Node>();
  /** Rendered children, by parent id ('' = root), in order and as a set. */
  protected readonly kids = new Map<string, string[]>();
  protected readonly kidSets = new Map<string, Set<string>>();
  /** Rendered object nodes, by objectKey. */
  protected readonly byObject = new Map<string, Set<string>>();
  /** What each rendered node looked like (to refresh only what changed). */
  protected readonly rendered = new Map<string, string>();
  /** The last item of each object node, with what it was made from. */
  protected readonly objectItems = new Map<
    string,
    { o: ObjectView; second: number; readonly: boolean; spec: ItemSpec }
  >();
  /** Derived data (objects by namespace, synced kinds) valid until the next batch of changes. */
  protected readonly memos = new Map<string, unknown>();

  /** The node with this id, if it was rendered. */
  find(id: string): Node | undefined {
    return this.nodes.get(id);
  }

  /** Node ids of the rendered children of a parent ('' = root). */
  protected renderedChildren(parentId: string): readonly string[] | undefined {
    return this.kids.get(parentId);
  }

  /** Keeps node objects by id so that VS Code gets the same object back. */
  protected intern<T extends Node>(fresh: T): T {
    const old = this.nodes.get(fresh.id);
    if (old && old.type === fresh.type) {
      // An object, group, section or context node is all in its id; the others carry data
      // (a message, a fact, a history entry) that may have changed.
      if (old.type === 'message' || old.type === 'info' || old.type === 'history' || old.type === 'inventory')
        Object.assign(old, fresh);
      return old as T;
    }
    this.nodes.set(fresh.id, fresh);
    if (fresh.type === 'object') {
      const key = objectKey(fresh.context, fresh.kind, fresh.namespace, fresh.name);
      let set = this.byObject.get(key);
      if (!set) this.byObject.set(key, (set = new Set()));
      set.add(fresh.id);
    }
    return fresh;
  }

  /** Records a parent's children and forgets the nodes that are gone (with their descendants). */
  protected remember(parentId: string, list: Node[]): void {
    const now = list.map((n) => n.id);
    const before = this.kids.get(parentId);
    const keep = new Set(now);
    this.kids.set(parentId, now);
    this.kidSets.set(parentId, keep);
    if (!before) return;
    for (const id of before) if (!keep.has(id)) this.forget(id);
  }

  protected forget(id: string): void {
    const n = this.nodes.get(id);
    for (const child of this.kids.get(id) ?? []) this.forget(child);
    this.kids.delete(id);
    this.kidSets.delete(id);
    this.objectItems.delete(id);
    this.nodes.delete(id);
    this.rendered.delete(id);
    if (n?.type === 'object')
      this.byObject.get(objectKey(n.context, n.kind, n.namespace, n.name))?.delete(id);
  }

  /**
   * A value derived from the cache (e.g. the objects of each namespace), computed once and kept
   * until the next batch of changes: a batch and the drawing that follows read one snapshot, and
   * no group scans every object again.
   */
  protected memo<T>(key: string, make: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const v = make();
    this.memos.set(key, v);
    return v;
  }

  /** The cache changed outside a batch (the explorer was rebuilt, a filter changed). */
  invalidate(): void {
    this.memos.clear();
  }

  /** Forget everything (the view is refreshed as a whole). */
  reset(): void {
    this.memos.clear();
    this.objectItems.clear();
    this.nodes.clear();
    this.kids.clear();
    this.kidSets.clear();
    this.byObject.clear();
    this.rendered.clear();
  }

  /** Records what a node looks like as drawn. */
  protected drawn(node: Node, spec: ItemSpec): void {
    this.rendered.set(node.id, signature(spec));
  }

  /** True when the node was drawn and `now` looks different. */
  protected looksDifferent(node: Node, now: ItemSpec): boolean {
    const before = this.rendered.get(node.id);
    return before !== undefined && before !== signature(now);
  }
}

const signatures = new WeakMap<ItemSpec, string>();

/** What an item looks like, as one string (kept per item object: reused items cost nothing). */
function signature(spec: ItemSpec): string {
  let sig = signatures.get(spec);
  if (sig === undefined) signatures.set(spec, (sig = sigOf(spec)));
  return sig;
}

function sigOf(spec: ItemSpec): string {
  return `${spec.label}\u0000${spec.description ?? ''}\u0000${spec.icon?.id ?? ''}\u0000${spec.icon?.color ?? ''}\u0000${spec.contextValue}\u0000${spec.collapsible}`;
}
