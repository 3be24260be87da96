// A view of Flux objects grouped by kind: Sources (GitRepository, OCIRepository, HelmRepository,
// HelmChart, Bucket, ExternalArtifact, ArtifactGenerator), and in the same shape Notifications,
// Image automation and the Flux Operator's kinds. Only kinds the cluster serves get a group; the
// others are named in one "not installed" node.

import type { KindCategory } from '../../cluster/kinds';
import { kindKey } from '../../cluster/kinds';
import { isFailing } from '../../cluster/status';
import { ObjectTreeModel } from '../shared/objectTree';
import { CONTEXT_VALUE, type ContextNode, type GroupNode, type ItemSpec, type Node } from '../shared/nodes';
import type { ObjectView } from '../shared/present';
import type { SessionView, ViewState } from '../shared/state';

/** Expand kind groups by default when they hold at most this many objects. */
const EXPAND_UP_TO = 50;

export class KindsModel extends ObjectTreeModel {
  private readonly expand = new Map<string, boolean>();

  constructor(state: ViewState, viewId: string, categories: readonly KindCategory[]) {
    super(state, viewId, categories);
  }

  protected groupIdOf(ctx: string, o: ObjectView): string {
    return `${this.viewId}|${ctx}|kind:${o.kind.kind}`;
  }

  private served(s: SessionView) {
    const served = new Map((s.discovery?.kinds ?? []).map((k) => [kindKey(k), k]));
    return this.kinds.filter((k) => served.has(kindKey(k)));
  }

  protected groups(parent: ContextNode | undefined, s: SessionView): Node[] {
    const filtering =
      this.state.filter.failingOnly || !!this.state.filter.namespace || !!this.state.filter.text;
    const out: Node[] = [];
    const synced = new Set(this.syncedKinds(s).map((k) => k.kind));
    for (const k of this.served(s)) {
      // A kind still listing shows its "listing ..." message instead: its group appears complete.
      if (!synced.has(k.kind)) continue;
      const objects = this.bucket(s, 'kind').get(k.kind) ?? [];
      if (filtering && this.countShown(objects) === 0) continue;
      out.push(
        this.intern<GroupNode>({
          type: 'group',
          // An empty kind is a leaf; when its first object comes it becomes a new (folder) node.
          id: `${this.viewId}|${s.name}|kind:${k.kind}${objects.length ? '' : ':empty'}`,
          ...(parent ? { parent } : {}),
          context: s.name,
          by: 'kind',
          key: k.kind,
        }),
      );
    }
    return out;
  }

  protected groupChildren(g: GroupNode, s: SessionView): Node[] {
    return this.filtered(this.bucket(s, 'kind').get(g.key) ?? [], g.id).map((o) =>
      this.objectNode(g, s.name, { kind: o.kind.kind, namespace: o.namespace, name: o.name }, 'primary'),
    );
  }

  protected groupItem(g: GroupNode, s: SessionView): ItemSpec {
    const all = this.bucket(s, 'kind').get(g.key) ?? [];
    const shown = this.countShown(all);
    const failing = all.filter((o) => isFailing(o.status)).length;
    const parts = [shown === all.length ? String(all.length) : `${shown} of ${all.length}`];
    if (failing) parts.push(`${failing} failing`);
    let expand = this.expand.get(g.id);
    if (expand === undefined && all.length > 0) this.expand.set(g.id, (expand = all.length <= EXPAND_UP_TO));
    return {
      label: g.key,
      description: parts.join(' · '),
      icon: { id: 'symbol-class', ...(failing ? { color: 'charts.red' } : {}) },
      contextValue: CONTEXT_VALUE.group,
      collapsible: all.length === 0 ? 'none' : expand ? 'expanded' : 'collapsed',
    };
  }

  /** Objects of a kind group are labelled with their namespace (the group mixes namespaces). */
  protected primaryLabel(o: ObjectView): string {
    return o.namespace ? `${o.namespace}/${o.name}` : o.name;
  }
}

export const SOURCES_VIEW = 'fluxWorkbench.sources';

/** The Sources view. */
export function sourcesModel(state: ViewState): KindsModel {
  return new KindsModel(state, SOURCES_VIEW, ['source']);
}
