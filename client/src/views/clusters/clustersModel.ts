// Clusters: one node per shown context with its Flux version, controllers (from their
// leader-election Leases or Deployments), served kinds and the counts ready / failing / in
// progress / suspended. Problems of the kubeconfig files come first, as message nodes.

import { formatProblem } from '../../cluster/kubeconfig';
import type { ControllerLiveness } from '../../cluster/liveness';
import {
  CONTEXT_VALUE,
  type ContextNode,
  type GroupNode,
  type InfoNode,
  type ItemSpec,
  type MessageNode,
  type Node,
  type SectionNode,
} from '../shared/nodes';
import type { ObjectView } from '../shared/present';
import type { SessionView, ViewState } from '../shared/state';
import { countsText, TreeModel } from '../shared/treeModel';
import { waitsForTrust } from '../shared/summary';

export const CLUSTERS_VIEW = 'fluxWorkbench.clusters';

export class ClustersModel extends TreeModel {
  constructor(state: ViewState) {
    super(state, CLUSTERS_VIEW);
  }

  protected roots(): Node[] {
    const out: Node[] = [];
    const kc = this.state.explorer.kubeconfig;
    kc.problems.forEach((p, i) =>
      out.push(
        this.intern<MessageNode>({
          type: 'message',
          id: `kubeconfig:${i}`,
          severity: 'error',
          text: formatProblem(p),
          detail: `${formatProblem(p)}\n\nThe other kubeconfig files are still read. The file is never written.`,
        }),
      ),
    );
    if (kc.contexts.length === 0)
      out.push(
        this.intern<MessageNode>({
          type: 'message',
          id: 'kubeconfig:none',
          severity: 'info',
          text: `no contexts in ${kc.files.join(', ') || 'the kubeconfig'}`,
          detail:
            'Set KUBECONFIG, create ~/.kube/config, or name kubeconfig files in the setting fluxWorkbench.explorer.kubeconfig.',
        }),
      );
    for (const s of this.state.explorer.sessionList())
      out.push(this.intern<ContextNode>({ type: 'context', id: `ctx:${s.name}`, context: s.name }));
    return out;
  }

  protected contextItem(node: ContextNode): ItemSpec {
    const base = super.contextItem(node);
    const s = this.state.explorer.session(node.context);
    // Not an error of the cluster: the workspace is not trusted to run the context's plugin.
    if (s && s.phase.phase === 'error' && waitsForTrust(s, this.state.trusted))
      return {
        ...base,
        description: 'Restricted Mode: not connected',
        icon: { id: 'workspace-untrusted', color: 'charts.yellow' },
      };
    if (!s || s.phase.phase !== 'ready') return { ...base, description: s?.phase.phase ?? 'not shown' };
    const version = s.discovery?.fluxVersion ? `Flux ${s.discovery.fluxVersion}` : 'Flux version unknown';
    return { ...base, description: `${version} · ${countsText(s)}` };
  }

  private info(parent: Node, key: string, n: Omit<InfoNode, 'type' | 'id' | 'parent'>): InfoNode {
    return this.intern<InfoNode>({ type: 'info', id: `${parent.id}>${key}`, parent, ...n });
  }

  protected contextChildren(ctx: ContextNode | undefined, s: SessionView): Node[] {
    const parent = ctx!;
    const p = s.phase;
    if (p.phase === 'connecting')
      return [
        this.info(parent, 'connecting', {
          label: `connecting to ${s.context.server ?? '?'}…`,
          icon: { id: 'sync~spin' },
        }),
      ];
    if (p.phase === 'error') {
      const restricted = waitsForTrust(s, this.state.trusted);
      return [
        this.intern<MessageNode>({
          type: 'message',
          id: `${parent.id}>error`,
          parent,
          severity: restricted ? 'warning' : 'error',
          text: restricted
            ? `Restricted Mode: the exec credential plugin of ${s.name} is not run`
            : p.message,
          detail: `${p.message}${restricted ? '\n\nTrust the workspace to use this context.' : '\n\nClick to retry now.'}`,
          action: restricted ? { kind: 'trust' } : { kind: 'retry', context: s.name },
        }),
        this.info(parent, 'server', {
          label: 'Server',
          description: s.context.server ?? '?',
          icon: { id: 'globe' },
        }),
      ];
    }
    if (p.phase === 'stopped') return [];
    const d = s.discovery;
    return [
      this.info(parent, 'flux', {
        label: d?.fluxVersion ? `Flux ${d.fluxVersion}` : 'Flux version unknown',
        description: d?.fluxVersion ? `namespace ${d.fluxNamespace}` : (d?.fluxVersionWhy ?? ''),
        icon: { id: 'versions' },
        tooltip: d?.fluxVersion
          ? `From the labels of the Flux CRDs (app.kubernetes.io/version); Flux runs in namespace ${d.fluxNamespace}.`
          : (d?.fluxVersionWhy ?? 'The Flux CRDs carry no version label.'),
      }),
      this.info(parent, 'server', {
        label: 'Server',
        description: s.context.server ?? '?',
        icon: { id: 'globe' },
        tooltip: `Kubeconfig ${s.context.file}${s.context.namespace ? `, namespace ${s.context.namespace}` : ''}`,
      }),
      this.intern<SectionNode>({
        type: 'section',
        id: `${parent.id}>controllers`,
        parent,
        context: s.name,
        section: 'controllers',
      }),
      this.intern<SectionNode>({
        type: 'section',
        id: `${parent.id}>kinds`,
        parent,
        context: s.name,
        section: 'kinds',
      }),
    ];
  }

  protected sectionItem(node: SectionNode): ItemSpec {
    const s = this.state.explorer.session(node.context);
    if (node.section === 'controllers') {
      const cs = s?.controllers(this.state.now()) ?? [];
      const by = (st: ControllerLiveness['state']) => cs.filter((c) => c.state === st).length;
      const parts = [`${by('running')} running`];
      if (by('stopped')) parts.push(`${by('stopped')} stopped`);
      if (by('unknown')) parts.push(`${by('unknown')} unknown`);
      return {
        label: 'Controllers',
        description: parts.join(' · '),
        icon: by('stopped') ? { id: 'warning', color: 'charts.yellow' } : { id: 'server-process' },
        contextValue: CONTEXT_VALUE.section,
        collapsible: 'collapsed',
      };
    }
    if (node.section === 'kinds') {
      const served = s?.discovery?.kinds.length ?? 0;
      return {
        label: 'Kinds',
        description: `${served} served`,
        icon: { id: 'symbol-class' },
        contextValue: CONTEXT_VALUE.section,
        collapsible: 'collapsed',
      };
    }
    return super.sectionItem(node);
  }

  protected sectionChildren(node: SectionNode): Node[] {
    const s = this.state.explorer.session(node.context);
    if (!s) return [];
    if (node.section === 'controllers')
      return s.controllers(this.state.now()).map((c) =>
        this.info(node, c.controller, {
          label: c.controller,
          description: c.state,
          icon:
            c.state === 'running'
              ? { id: 'pass', color: 'charts.green' }
              : c.state === 'stopped'
                ? { id: 'error', color: 'charts.red' }
                : { id: 'question', color: 'descriptionForeground' },
          tooltip: c.detail,
        }),
      );
    if (node.section === 'kinds')
      return s.kindStates().map((st) => {
        const phases = st.scopes.map((sc) => sc.phase.phase);
        const problem = phases.find((ph) => ph !== 'watching' && ph !== 'listing' && ph !== 'starting');
        return this.info(node, st.kind.kind, {
          label: st.kind.kind,
          description: st.served
            ? `${st.served.version} · ${st.count} · ${problem ?? phases[0] ?? 'idle'}`
            : 'not installed',
          icon: !st.served
            ? { id: 'circle-slash', color: 'descriptionForeground' }
            : problem
              ? { id: 'warning', color: 'charts.yellow' }
              : { id: 'eye' },
          tooltip: st.served
            ? st.scopes
                .map((sc) => {
                  const ph = sc.phase;
                  const msg = 'message' in ph ? `: ${ph.message}` : 'error' in ph ? `: ${ph.error}` : '';
                  return `${sc.namespace ? `namespace ${sc.namespace}` : 'cluster scope'}: ${ph.phase}${msg}`;
                })
                .join('\n')
            : `The cluster serves no ${st.kind.plural}.${st.kind.group} (CRD not installed).`,
        });
      });
    return super.sectionChildren(node);
  }

  /** Liveness changed: refresh the controller nodes that look different now. */
  protected controllersChanged(context: string): Node[] | undefined {
    return this.sectionChanged(`ctx:${context}>controllers`);
  }

  /** Objects changed: the context's counts and the per-kind counts may have. */
  changed(batch: Parameters<TreeModel['changed']>[0]): Node[] | undefined {
    const out = super.changed(batch);
    if (!out) return undefined;
    const contexts = new Set(batch.filter((c) => c.what === 'object').map((c) => c.context));
    for (const c of contexts) {
      const ctx = this.find(`ctx:${c}`);
      if (ctx && this.differs(ctx)) out.push(ctx);
      out.push(...this.sectionChanged(`ctx:${c}>kinds`));
    }
    return out;
  }

  /** A section and those of its rendered children that look different now (their data re-read). */
  private sectionChanged(id: string): Node[] {
    const section = this.find(id);
    if (
      !section ||
      section.type !== 'section' ||
      !this.renderedChildren(section.parent?.id ?? '')?.includes(id)
    )
      return [];
    const out: Node[] = [];
    if (this.differs(section)) out.push(section);
    const shown = this.renderedChildren(id);
    if (!shown) return out;
    const fresh = this.sectionChildren(section); // re-reads the data into the interned nodes
    if (fresh.map((n) => n.id).join('\n') !== shown.join('\n')) return [section];
    for (const n of fresh) if (this.differs(n)) out.push(n);
    return out;
  }

  // The Clusters view has no groups or primary objects of its own.
  protected groupChildren(): Node[] {
    return [];
  }
  protected groupItem(g: GroupNode): ItemSpec {
    return { label: g.key, contextValue: CONTEXT_VALUE.group, collapsible: 'none' };
  }
  protected showsKind(): boolean {
    return false;
  }
  protected groupIdOf(ctx: string, _o: ObjectView): string {
    return `ctx:${ctx}`;
  }
}
