// Workloads: Kustomizations and HelmReleases by namespace. The namespaces are the ones the cached
// objects are in, so no right to list namespaces is needed. Each object's children (message,
// source, dependsOn, inventory, history) come from the shared TreeModel.

import { isFailing } from '../../cluster/status';
import { ObjectTreeModel } from '../shared/objectTree';
import { CONTEXT_VALUE, type ContextNode, type GroupNode, type ItemSpec, type Node } from '../shared/nodes';
import type { ObjectView } from '../shared/present';
import type { SessionView, ViewState } from '../shared/state';

export const WORKLOADS_VIEW = 'fluxWorkbench.workloads';

/** Expand namespace groups by default when the whole view is at most this big. */
const EXPAND_UP_TO = 200;

const SHORT: Record<string, string> = { Kustomization: 'ks', HelmRelease: 'hr' };

export class WorkloadsModel extends ObjectTreeModel {
  /** Decided once per group: VS Code keeps the user's expansion afterwards. */
  private readonly expand = new Map<string, boolean>();

  constructor(state: ViewState) {
    super(state, WORKLOADS_VIEW, ['workload']);
  }

  private objects(s: SessionView, namespace?: string): ObjectView[] {
    const by = this.bucket(s, 'namespace');
    if (namespace !== undefined) return by.get(namespace) ?? [];
    return this.memo(`all\u0000${s.name}`, () => [...by.values()].flat());
  }

  protected groupIdOf(ctx: string, o: ObjectView): string {
    return `${this.viewId}|${ctx}|ns:${o.namespace}`;
  }

  protected groups(parent: ContextNode | undefined, s: SessionView): Node[] {
    const seen: string[] = [];
    for (const [ns, list] of this.bucket(s, 'namespace')) if (this.countShown(list) > 0) seen.push(ns);
    return seen.sort().map((ns) =>
      this.intern<GroupNode>({
        type: 'group',
        id: `${this.viewId}|${s.name}|ns:${ns}`,
        ...(parent ? { parent } : {}),
        context: s.name,
        by: 'namespace',
        key: ns,
      }),
    );
  }

  protected groupChildren(g: GroupNode, s: SessionView): Node[] {
    return this.filtered(this.objects(s, g.key), g.id).map((o) =>
      this.objectNode(g, s.name, { kind: o.kind.kind, namespace: o.namespace, name: o.name }, 'primary'),
    );
  }

  protected groupItem(g: GroupNode, s: SessionView): ItemSpec {
    const all = this.objects(s, g.key);
    const shown = this.countShown(all);
    const failing = all.filter((o) => isFailing(o.status)).length;
    const parts = [shown === all.length ? String(all.length) : `${shown} of ${all.length}`];
    if (failing) parts.push(`${failing} failing`);
    return {
      label: g.key,
      description: parts.join(' · '),
      icon: { id: failing ? 'folder-opened' : 'folder', ...(failing ? { color: 'charts.red' } : {}) },
      contextValue: CONTEXT_VALUE.group,
      collapsible: this.expanded(g, s) ? 'expanded' : 'collapsed',
    };
  }

  private expanded(g: GroupNode, s: SessionView): boolean {
    let e = this.expand.get(g.id);
    if (e === undefined) this.expand.set(g.id, (e = this.objects(s).length <= EXPAND_UP_TO));
    return e;
  }

  protected kindPrefix(o: ObjectView): string | undefined {
    return SHORT[o.kind.kind] ?? o.kind.kind;
  }
}
