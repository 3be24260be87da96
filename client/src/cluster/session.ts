// The live cache of one context: its credentials and connection, discovery, one reflector per
// served Flux kind (cluster-wide, plus the context's namespace when the cluster scope is
// forbidden), the CRDs (metadata only, so a Flux CRD installed later starts its kind without a
// reload), and the Leases/Deployments that tell whether the controllers run. Views read it
// synchronously; nothing here is fetched on behalf of rendering.

import { ContextAuth, type AuthOptions } from './auth';
import { Backoff } from './backoff';
import { discover, type Discovery, type ServedKind } from './discovery';
import { kindKey, type FluxKind, FLUX_KINDS } from './kinds';
import type { ContextInfo } from './kubeconfig';
import { controllerLiveness, type ControllerLiveness } from './liveness';
import type { KubeObject } from './object';
import {
  objectKey,
  Reflector,
  type ReflectorPhase,
  type ResourceRef,
  type WatchEventType,
} from './reflector';
import { fluxStatus, isFailing, type FluxState, type FluxStateName } from './status';
import { Transport } from './transport';

/** One Flux object in the cache, with its state already computed. */
export interface CachedObject {
  /** The context name. */
  readonly context: string;
  readonly kind: ServedKind;
  /** The object as the API server sent it, managedFields dropped. Do not mutate. */
  readonly obj: KubeObject;
  readonly status: FluxState;
  readonly namespace: string;
  readonly name: string;
}

/** One list+watch of a kind: cluster-wide, or one namespace. */
export interface KindScope {
  readonly namespace?: string;
  readonly phase: ReflectorPhase;
  /** A list completed: the scope's objects are complete (stale while phase is not 'watching'). */
  readonly synced: boolean;
}

/** Where a kind stands in this context. */
export interface KindState {
  readonly kind: FluxKind;
  /** Undefined when the cluster does not serve it ("not installed"). */
  readonly served?: ServedKind;
  readonly scopes: readonly KindScope[];
  readonly count: number;
}

export type SessionPhase =
  | { phase: 'connecting' }
  | { phase: 'ready' }
  | { phase: 'error'; message: string; retryAt?: number }
  | { phase: 'stopped' };

export interface Counts {
  total: number;
  ready: number;
  failing: number;
  inProgress: number;
  suspended: number;
}

/** What changed, for batched notifications. */
export interface Change {
  readonly context: string;
  /** 'object': one object (kind + key); 'kind': a kind's scopes; 'session': phase or discovery; 'controllers'. */
  readonly what: 'object' | 'kind' | 'session' | 'controllers';
  readonly kind?: string;
  /** "namespace/name" */
  readonly key?: string;
  readonly type?: WatchEventType;
  /** 'object': the state before the batch (absent for a new object) and after it (absent when deleted). */
  readonly from?: FluxStateName;
  readonly to?: FluxStateName;
}

export interface SessionOptions extends AuthOptions {
  requestTimeoutMs: number;
  /** Namespaces to watch when the cluster scope is forbidden (default: the context's namespace). */
  namespaces?: string[];
  env?: NodeJS.ProcessEnv;
  /** Watch only these kinds (kindKey); default every served Flux kind. */
  kinds?: readonly string[];
  /** Watch Leases and Deployments for controller liveness (default true). */
  watchControllers?: boolean;
  /** Watch the CRDs, so kinds installed later appear (default true). */
  watchCrds?: boolean;
}

const CRD: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
};
const LEASE: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' };
const DEPLOYMENT: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' };

type Waiter = (o: CachedObject | undefined) => void;

export class ContextSession {
  phase: SessionPhase = { phase: 'connecting' };
  discovery: Discovery | undefined;
  transport: Transport | undefined;
  /** Per kind key: its reflectors (cluster-wide first) and its objects. */
  private readonly kinds = new Map<
    string,
    { served: ServedKind; reflectors: Reflector[]; objects: Map<string, CachedObject> }
  >();
  private crds: Reflector | undefined;
  private leases: Reflector | undefined;
  private deployments: Reflector | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private stopped = false;
  private wake: (() => void) | undefined;
  private rediscoverTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly context: ContextInfo,
    private readonly opts: SessionOptions,
    private readonly changed: (c: Change) => void,
  ) {}

  get name(): string {
    return this.context.name;
  }

  /** Connect, discover and start watching. Resolves when the first discovery answered or failed. */
  start(): Promise<void> {
    return new Promise((resolve) => void this.connect(resolve));
  }

  private setPhase(p: SessionPhase): void {
    this.phase = p;
    this.changed({ context: this.name, what: 'session' });
  }

  private async connect(firstResult: () => void): Promise<void> {
    let auth: ContextAuth;
    try {
      auth = await ContextAuth.create(this.context, this.opts);
    } catch (err) {
      this.setPhase({ phase: 'error', message: (err as Error).message });
      firstResult();
      return;
    }
    this.transport = new Transport(this.context.server!, auth, {
      requestTimeoutMs: this.opts.requestTimeoutMs,
      ...(this.opts.env ? { env: this.opts.env } : {}),
    });
    const backoff = new Backoff(1000, 60_000);
    while (!this.stopped) {
      const d = await discover(this.transport);
      if (this.stopped) break;
      if ('error' in d) {
        const ms = backoff.next();
        this.setPhase({ phase: 'error', message: d.error, retryAt: Date.now() + ms });
        firstResult();
        await new Promise<void>((r) => {
          const t = setTimeout(r, ms);
          t.unref();
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
        continue;
      }
      this.applyDiscovery(d);
      this.setPhase({ phase: 'ready' });
      firstResult();
      return;
    }
    firstResult();
  }

  /** Retry now whatever is waiting: the connection, and every failed or forbidden kind. */
  retryNow(): void {
    this.wake?.();
    for (const k of this.kinds.values()) for (const r of k.reflectors) r.retryNow();
  }

  private applyDiscovery(d: Discovery): void {
    const t = this.transport!;
    const first = !this.discovery;
    this.discovery = d;
    const served = new Set(d.kinds.map(kindKey));
    for (const [key, k] of this.kinds) {
      if (
        served.has(key) &&
        this.kinds.get(key)!.served.version === d.kinds.find((s) => kindKey(s) === key)!.version
      )
        continue;
      for (const r of k.reflectors) r.stop();
      for (const o of [...k.objects.values()]) this.emitObject(k.served, o.obj, 'DELETED', k.objects);
      this.kinds.delete(key);
    }
    for (const sk of d.kinds) {
      if (this.kinds.has(kindKey(sk))) continue;
      if (this.opts.kinds && !this.opts.kinds.includes(kindKey(sk))) continue;
      const entry = { served: sk, reflectors: [] as Reflector[], objects: new Map<string, CachedObject>() };
      this.kinds.set(kindKey(sk), entry);
      this.addReflector(entry, undefined);
    }
    if (first && this.opts.watchCrds !== false) {
      this.crds = new Reflector(
        t,
        CRD,
        {
          onEvent: (_type, obj) => {
            if (this.crds?.synced && FLUX_KINDS.some((k) => obj.metadata.name === `${k.plural}.${k.group}`))
              this.scheduleRediscovery(500);
          },
          onPhase: (p) => {
            // Without CRD access, look again now and then for a Flux CRD installed later.
            if (p.phase === 'forbidden') this.scheduleRediscovery(300_000);
          },
        },
        { metadataOnly: true },
      );
      this.crds.start();
    }
    if (this.opts.watchControllers !== false && (first || this.leases?.namespace !== d.fluxNamespace)) {
      this.leases?.stop();
      this.deployments?.stop();
      const onLiveness = {
        onEvent: () => this.controllersChanged(),
        onPhase: () => this.controllersChanged(),
      };
      this.leases = new Reflector(t, LEASE, onLiveness, { namespace: d.fluxNamespace });
      this.deployments = new Reflector(t, DEPLOYMENT, onLiveness, { namespace: d.fluxNamespace });
      this.leases.start();
      this.deployments.start();
    }
    this.changed({ context: this.name, what: 'session' });
  }

  private scheduleRediscovery(ms: number): void {
    if (this.rediscoverTimer || this.stopped) return;
    this.rediscoverTimer = setTimeout(() => {
      this.rediscoverTimer = undefined;
      void this.rediscover();
    }, ms);
    this.rediscoverTimer.unref();
  }

  private async rediscover(): Promise<void> {
    if (!this.transport || this.stopped) return;
    const d = await discover(this.transport);
    if (this.stopped) return;
    if ('error' in d) {
      this.scheduleRediscovery(5000);
      return;
    }
    this.applyDiscovery(d);
    if (this.crds?.phase.phase === 'forbidden') this.scheduleRediscovery(300_000);
  }

  private addReflector(
    entry: { served: ServedKind; reflectors: Reflector[]; objects: Map<string, CachedObject> },
    namespace: string | undefined,
  ): void {
    const sk = entry.served;
    const ref: ResourceRef = { group: sk.group, version: sk.version, plural: sk.plural, kind: sk.kind };
    const r: Reflector = new Reflector(
      this.transport!,
      ref,
      {
        onEvent: (type, obj) => this.emitObject(sk, obj, type, entry.objects),
        onPhase: (p) => {
          this.changed({ context: this.name, what: 'kind', kind: kindKey(sk) });
          if (p.phase === 'forbidden' && namespace === undefined) this.fallBackToNamespaces(entry);
          if (p.phase === 'watching' && namespace === undefined && entry.reflectors.length > 1) {
            // The cluster scope works again: it covers the namespaces.
            for (const extra of entry.reflectors.splice(1)) extra.stop();
          }
        },
      },
      namespace ? { namespace } : {},
    );
    entry.reflectors.push(r);
    r.start();
  }

  private fallBackToNamespaces(entry: {
    served: ServedKind;
    reflectors: Reflector[];
    objects: Map<string, CachedObject>;
  }): void {
    const namespaces = this.opts.namespaces ?? (this.context.namespace ? [this.context.namespace] : []);
    for (const ns of namespaces)
      if (!entry.reflectors.some((r) => r.namespace === ns)) this.addReflector(entry, ns);
  }

  private emitObject(
    sk: ServedKind,
    obj: KubeObject,
    type: WatchEventType,
    objects: Map<string, CachedObject>,
  ): void {
    const key = objectKey(obj);
    const before = objects.get(key)?.status.state;
    let co: CachedObject | undefined;
    if (type === 'DELETED') objects.delete(key);
    else {
      co = {
        context: this.name,
        kind: sk,
        obj,
        status: fluxStatus(obj),
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name,
      };
      objects.set(key, co);
    }
    const waiters = this.waiters.get(`${kindKey(sk)} ${key}`);
    if (waiters) for (const w of [...waiters]) w(co);
    this.changed({
      context: this.name,
      what: 'object',
      kind: kindKey(sk),
      key,
      type,
      ...(before ? { from: before } : {}),
      ...(co ? { to: co.status.state } : {}),
    });
  }

  private controllersChanged(): void {
    this.changed({ context: this.name, what: 'controllers' });
    // A Lease that stops being renewed sends no event: wake up when the earliest one lapses.
    clearTimeout(this.livenessTimer);
    const next = Math.min(...this.controllers().map((c) => c.expiresAt ?? Infinity));
    if (Number.isFinite(next) && !this.stopped) {
      this.livenessTimer = setTimeout(
        () => this.controllersChanged(),
        Math.max(1000, next - Date.now() + 50),
      );
      this.livenessTimer.unref();
    }
  }

  // ---- reading the cache (synchronous, no network) -------------------------------------------

  /** Every state of every Flux kind (served or not), in FLUX_KINDS order. */
  kindStates(): KindState[] {
    return FLUX_KINDS.map((k) => {
      const e = this.kinds.get(kindKey(k));
      if (!e) return { kind: k, scopes: [], count: 0 };
      return {
        kind: k,
        served: e.served,
        scopes: e.reflectors.map((r) => ({
          ...(r.namespace ? { namespace: r.namespace } : {}),
          phase: r.phase,
          synced: r.synced,
        })),
        count: e.objects.size,
      };
    });
  }

  /** The objects of one kind (any name kubectl accepts: "Kustomization", "ks", ...), or of all kinds. */
  list(filter: { kind?: FluxKind; namespace?: string } = {}): CachedObject[] {
    const out: CachedObject[] = [];
    for (const [key, e] of this.kinds) {
      if (filter.kind && key !== kindKey(filter.kind)) continue;
      for (const o of e.objects.values())
        if (!filter.namespace || o.namespace === filter.namespace) out.push(o);
    }
    return out;
  }

  get(kind: Pick<FluxKind, 'kind' | 'group'>, namespace: string, name: string): CachedObject | undefined {
    return this.kinds.get(kindKey(kind))?.objects.get(`${namespace}/${name}`);
  }

  /** True when every served kind has listed at least once (or is forbidden/failing, so will not). */
  get settled(): boolean {
    return (
      this.phase.phase !== 'connecting' &&
      [...this.kinds.values()].every((k) =>
        k.reflectors.every((r) => r.synced || (r.phase.phase !== 'listing' && r.phase.phase !== 'starting')),
      )
    );
  }

  counts(): Counts {
    const c: Counts = { total: 0, ready: 0, failing: 0, inProgress: 0, suspended: 0 };
    for (const e of this.kinds.values())
      for (const o of e.objects.values()) {
        c.total++;
        const s = o.status;
        if (s.state === 'Ready') c.ready++;
        else if (isFailing(s)) c.failing++;
        else if (s.state === 'Suspended') c.suspended++;
        else if (s.state !== 'Terminating' && s.state !== 'Unknown') c.inProgress++;
      }
    return c;
  }

  /** Liveness of the controllers of the served kinds. */
  controllers(now = Date.now()): ControllerLiveness[] {
    const ns = this.discovery?.fluxNamespace ?? 'flux-system';
    const why = (r: Reflector | undefined, what: string) =>
      r && (r.phase.phase === 'forbidden' || r.phase.phase === 'backoff' || r.phase.phase === 'unauthorized')
        ? `cannot read ${what} in ${ns}: ${'message' in r.phase ? r.phase.message : r.phase.error}`
        : undefined;
    const leases = {
      items: this.leases?.items ?? new Map(),
      ...(why(this.leases, 'Leases') ? { why: why(this.leases, 'Leases')! } : {}),
    };
    const deps = {
      items: this.deployments?.items ?? new Map(),
      ...(why(this.deployments, 'Deployments') ? { why: why(this.deployments, 'Deployments')! } : {}),
    };
    const controllers = [...new Set((this.discovery?.kinds ?? []).map((k) => k.controller))];
    return controllers.map((c) => controllerLiveness(c, ns, leases, deps, now));
  }

  /**
   * Calls `listener` at once and on every change of one object (undefined when deleted), without
   * the batching views get: actions judge outcomes from it. Dispose to stop.
   */
  observe(
    kind: Pick<FluxKind, 'kind' | 'group'>,
    namespace: string,
    name: string,
    listener: Waiter,
  ): { dispose(): void } {
    const key = `${kindKey(kind)} ${namespace}/${name}`;
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(listener);
    listener(this.get(kind, namespace, name));
    return {
      dispose: () => {
        set!.delete(listener);
        if (set!.size === 0) this.waiters.delete(key);
      },
    };
  }

  /** The reflectors, for tests and benchmarks (stats, reconnect). */
  reflectors(kind: Pick<FluxKind, 'kind' | 'group'>): readonly Reflector[] {
    return this.kinds.get(kindKey(kind))?.reflectors ?? [];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    clearTimeout(this.rediscoverTimer);
    clearTimeout(this.livenessTimer);
    for (const k of this.kinds.values()) for (const r of k.reflectors) r.stop();
    this.crds?.stop();
    this.leases?.stop();
    this.deployments?.stop();
    this.phase = { phase: 'stopped' };
    await this.transport?.close();
  }
}
