// A view of the Flux objects of some categories (sources, workloads, ...): per context, the
// context's problems as message nodes ("unreachable: ...", "forbidden: ...", "not installed"),
// then the view's groups. Sources and Workloads differ only in how they group.

import { FLUX_KINDS, type FluxKind, type KindCategory } from '../../cluster/kinds';
import { isFiltering } from './filter';
import type { ContextNode, MessageNode, Node } from './nodes';
import type { ObjectView } from './present';
import type { SessionView, ViewState } from './state';
import { TreeModel } from './treeModel';

export abstract class ObjectTreeModel extends TreeModel {
  protected readonly kinds: readonly FluxKind[];

  constructor(state: ViewState, viewId: string, categories: readonly KindCategory[]) {
    super(state, viewId);
    this.kinds = FLUX_KINDS.filter((k) => categories.includes(k.category));
  }

  protected showsKind(kind: string): boolean {
    return this.kinds.some((k) => k.kind === kind);
  }

  /** The view's kinds that have listed completely in this session (the others show "listing ..."). */
  protected syncedKinds(s: SessionView): FluxKind[] {
    return this.memo(`synced\u0000${s.name}`, () => this.computeSynced(s));
  }

  private computeSynced(s: SessionView): FluxKind[] {
    const synced = new Set(
      s
        .kindStates()
        .filter((st) => st.scopes.length > 0 && st.scopes.every((sc) => sc.synced))
        .map((st) => st.kind.kind),
    );
    return this.kinds.filter((k) => synced.has(k.kind));
  }

  /** The view's cached objects of synced kinds, by a key (namespace, or kind), kept for the batch. */
  protected bucket(s: SessionView, by: 'namespace' | 'kind'): Map<string, ObjectView[]> {
    return this.memo(`${by}\u0000${s.name}`, () => {
      const m = new Map<string, ObjectView[]>();
      for (const k of this.syncedKinds(s))
        for (const o of s.list({ kind: k })) {
          const key = by === 'namespace' ? o.namespace : o.kind.kind;
          let list = m.get(key);
          if (!list) m.set(key, (list = []));
          list.push(o);
        }
      return m;
    });
  }

  /** The groups of one context (namespaces, or kinds). */
  protected abstract groups(parent: ContextNode | undefined, s: SessionView): Node[];

  protected message(
    parent: Node | undefined,
    key: string,
    m: Omit<MessageNode, 'type' | 'id' | 'parent'>,
  ): MessageNode {
    return this.intern<MessageNode>({
      type: 'message',
      id: `${this.viewId}|${parent?.id ?? ''}|msg:${key}`,
      ...(parent ? { parent } : {}),
      ...m,
    });
  }

  protected contextChildren(parent: ContextNode | undefined, s: SessionView): Node[] {
    const p = s.phase;
    if (p.phase === 'connecting')
      return [
        this.message(parent, 'connecting', {
          severity: 'info',
          text: `connecting to ${s.context.server ?? s.name}…`,
        }),
      ];
    if (p.phase === 'error') {
      const exec = s.context.user?.body['exec'] !== undefined;
      if (exec && !this.state.trusted)
        return [
          this.message(parent, 'restricted', {
            severity: 'warning',
            text: `Restricted Mode: context ${s.name} needs its exec credential plugin, which runs only in a trusted workspace`,
            detail: p.message,
            action: { kind: 'trust' },
          }),
        ];
      const retry = p.retryAt
        ? ` (retrying in ${Math.max(1, Math.round((p.retryAt - this.state.now()) / 1000))} s)`
        : '';
      return [
        this.message(parent, 'error', {
          severity: 'error',
          text: `${p.message}${retry}`,
          detail: `${p.message}\n\nClick to retry now.`,
          action: { kind: 'retry', context: s.name },
        }),
      ];
    }
    if (p.phase === 'stopped') return [];
    const out: Node[] = [];
    const states = s.kindStates().filter((st) => this.kinds.some((k) => k.kind === st.kind.kind));
    for (const st of states) {
      if (!st.served) continue;
      const cluster = st.scopes.find((sc) => sc.namespace === undefined);
      const nsScopes = st.scopes.filter((sc) => sc.namespace !== undefined);
      for (const sc of st.scopes) {
        const ph = sc.phase;
        const key = `${st.kind.kind}:${sc.namespace ?? '*'}`;
        if (ph.phase === 'forbidden') {
          const fallback =
            sc === cluster && nsScopes.length
              ? ` — showing namespace${nsScopes.length > 1 ? 's' : ''} ${nsScopes.map((n) => n.namespace).join(', ')}`
              : '';
          out.push(
            this.message(parent, key, {
              severity: fallback ? 'warning' : 'error',
              text: `${ph.message}${fallback}`,
              detail: `${ph.message}. Ask for list and watch rights, or set fluxWorkbench.explorer.namespaces to the namespaces you may read. Click to retry now.`,
              action: { kind: 'retry', context: s.name },
            }),
          );
        } else if (ph.phase === 'backoff' || ph.phase === 'unauthorized') {
          const text = ph.phase === 'backoff' ? ph.error : ph.message;
          out.push(
            this.message(parent, key, {
              severity: 'error',
              text: `${text} (retrying)`,
              detail: `${text}\n\nShown objects may be stale. Click to retry now.`,
              action: { kind: 'retry', context: s.name },
            }),
          );
        } else if (ph.phase === 'listing' && !sc.synced) {
          out.push(this.message(parent, key, { severity: 'info', text: `listing ${st.kind.plural}…` }));
        }
      }
    }
    const groups = this.groups(parent, s);
    out.push(...groups);
    const missing = states.filter((st) => !st.served).map((st) => st.kind.kind);
    if (missing.length)
      out.push(
        this.message(parent, 'notInstalled', {
          severity: 'info',
          text: `not installed: ${missing.join(', ')}`,
          detail: `Context ${s.name} serves no CRD for ${missing.join(', ')}. They appear here when installed.`,
        }),
      );
    if (groups.length === 0 && isFiltering(this.state.filter))
      out.push(
        this.message(parent, 'filtered', {
          severity: 'info',
          text: 'nothing matches the filter',
          action: { kind: 'clearFilters' },
        }),
      );
    return out;
  }
}
