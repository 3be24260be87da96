// Fixtures for the view-model tests: Flux objects as the API server sends them, and a test double
// of a session's read side (the real ContextSession needs a cluster; the views only read its cache
// through the SessionView interface, which this double implements over a Map). The models under
// test are the real ones.
import { FLUX_KINDS, kindKey, type FluxKind } from '../../client/src/cluster/kinds';
import type { KubeObject } from '../../client/src/cluster/object';
import { fluxStatus, isFailing } from '../../client/src/cluster/status';
import type { Change } from '../../client/src/cluster/session';
import { emptyFilter, type Filter } from '../../client/src/views/shared/filter';
import type { Permission } from '../../client/src/cluster/rbac';
import type { ExplorerView, SessionView, ViewState } from '../../client/src/views/shared/state';

export const NOW = Date.parse('2026-12-01T12:00:00Z');
const REV = 'main@sha1:0123456789abcdef0123456789abcdef01234567';

export const ready = (gen = 1, message = `Applied revision: ${REV}`) => ({
  observedGeneration: gen,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message,
      observedGeneration: gen,
      lastTransitionTime: '2026-12-01T11:50:00Z',
    },
  ],
});

export function ks(name: string, namespace = 'flux-system', extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace, generation: 1 },
    spec: {
      interval: '10m',
      retryInterval: '1m',
      path: `./${name}`,
      sourceRef: { kind: 'GitRepository', name: 'flux-repo', namespace: 'flux-system' },
    },
    status: {
      ...ready(),
      lastAppliedRevision: REV,
      lastAttemptedRevision: REV,
      history: [
        {
          digest: 'sha256:1',
          lastReconciled: '2026-12-01T11:57:00Z',
          lastReconciledStatus: 'ReconciliationSucceeded',
          metadata: { revision: REV },
          totalReconciliations: 3,
        },
      ],
      inventory: { entries: [{ id: `${namespace}_${name}-config__ConfigMap`, v: 'v1' }] },
    },
    ...extra,
  };
}

export function failed(
  o: KubeObject,
  message = 'kustomize build failed: accumulating resources',
): KubeObject {
  return {
    ...o,
    status: {
      ...o.status,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'BuildFailed',
          message,
          lastTransitionTime: '2026-12-01T11:59:00Z',
        },
      ],
    },
  };
}

export function gitRepo(name: string, namespace = 'flux-system'): KubeObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace, generation: 1 },
    spec: { interval: '1m', url: 'http://127.0.0.1/git/x.git' },
    status: {
      ...ready(1, `stored artifact for revision '${REV}'`),
      artifact: { revision: REV, lastUpdateTime: '2026-12-01T11:40:00Z' },
    },
  };
}

const cached = (context: string, obj: KubeObject) => {
  const k = FLUX_KINDS.find((f) => f.kind === obj.kind)!;
  return {
    context,
    kind: { ...k, version: obj.apiVersion!.split('/')[1]!, servedVersions: [], namespaced: true },
    obj,
    status: fluxStatus(obj),
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
};

/** Test double of a ContextSession's read side, over fixture objects. */
export class FakeSession implements SessionView {
  phase: SessionView['phase'] = { phase: 'ready' };
  readonly objects = new Map<string, ReturnType<typeof cached>>();
  readonly context;
  discovery: SessionView['discovery'];

  constructor(
    readonly name: string,
    objs: KubeObject[] = [],
    served: readonly string[] = [
      'GitRepository',
      'HelmRepository',
      'HelmChart',
      'Kustomization',
      'HelmRelease',
    ],
  ) {
    this.context = {
      name,
      file: '/kubeconfig',
      key: `/kubeconfig\u0000${name}`,
      server: 'https://127.0.0.1:6443',
      problems: [],
    };
    this.discovery = {
      kinds: FLUX_KINDS.filter((k) => served.includes(k.kind)).map((k) => ({
        ...k,
        version: k.versions[0]!,
        servedVersions: [k.versions[0]!],
        namespaced: true,
      })),
      missing: FLUX_KINDS.filter((k) => !served.includes(k.kind)),
      fluxVersion: 'v2.9.4',
      fluxNamespace: 'flux-system',
      crdNames: [],
    };
    for (const o of objs) this.put(o);
  }

  /** Adds or replaces an object; returns the Change the engine would batch. */
  put(obj: KubeObject): Change {
    const key = `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
    const had = this.objects.has(key);
    this.objects.set(key, cached(this.name, obj));
    const k = FLUX_KINDS.find((f) => f.kind === obj.kind)!;
    return {
      context: this.name,
      what: 'object',
      kind: kindKey(k),
      key: `${obj.metadata.namespace}/${obj.metadata.name}`,
      type: had ? 'MODIFIED' : 'ADDED',
    };
  }

  remove(kind: string, namespace: string, name: string): Change {
    this.objects.delete(`${kind} ${namespace}/${name}`);
    const k = FLUX_KINDS.find((f) => f.kind === kind)!;
    return {
      context: this.name,
      what: 'object',
      kind: kindKey(k),
      key: `${namespace}/${name}`,
      type: 'DELETED',
    };
  }

  kindStates() {
    return FLUX_KINDS.map((k) => {
      const served = this.discovery!.kinds.find((s) => s.kind === k.kind);
      return {
        kind: k,
        ...(served ? { served } : {}),
        scopes: served ? [{ phase: { phase: 'watching' as const }, synced: true }] : [],
        count: [...this.objects.values()].filter((o) => o.kind.kind === k.kind).length,
      };
    });
  }

  list(filter: { kind?: FluxKind; namespace?: string } = {}) {
    return [...this.objects.values()].filter(
      (o) =>
        (!filter.kind || o.kind.kind === filter.kind.kind) &&
        (!filter.namespace || o.namespace === filter.namespace),
    );
  }

  get(kind: Pick<FluxKind, 'kind' | 'group'>, namespace: string, name: string) {
    return this.objects.get(`${kind.kind} ${namespace}/${name}`);
  }

  counts() {
    const c = { total: 0, ready: 0, failing: 0, inProgress: 0, suspended: 0 };
    for (const o of this.objects.values()) {
      c.total++;
      if (o.status.state === 'Ready') c.ready++;
      else if (isFailing(o.status)) c.failing++;
      else if (o.status.state === 'Suspended') c.suspended++;
      else c.inProgress++;
    }
    return c;
  }

  controllers() {
    return [
      { controller: 'kustomize-controller', state: 'running' as const, detail: 'Lease renewed 1 s ago' },
    ];
  }
}

/** A ViewState over fake sessions, with a settable permission table ("context kind ns" -> allowed). */
export function viewState(
  sessions: FakeSession[],
  opts: { denied?: string[]; filter?: Filter } = {},
): ViewState & { filter: Filter } {
  const explorer: ExplorerView = {
    kubeconfig: { files: ['/kubeconfig'], contexts: sessions.map((s) => s.context), problems: [] },
    sessionList: () => sessions,
    session: (n) => sessions.find((s) => s.name === n),
  };
  return {
    explorer,
    filter: opts.filter ?? emptyFilter(),
    permissions: {
      patch: (context, kind, namespace): Permission | undefined =>
        opts.denied?.includes(`${context} ${kind.plural} ${namespace}`)
          ? {
              allowed: false,
              reason: `you may not patch ${kind.plural}.${kind.group} in namespace ${namespace} (RBAC)`,
            }
          : { allowed: true },
    },
    now: () => NOW,
    trusted: true,
  };
}
