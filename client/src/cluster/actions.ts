// Actions as API-native patches, judged by the verdict rule of research section 4.3: patch with our
// own token, wait (on the live watch, not by polling) until the controller has handled exactly
// that token (lastHandledReconcileAt, and lastHandledForceAt / lastHandledResetAt for force and
// reset), then report the state: the applied revision, "blocked by X", or the failure message as
// soon as the run ends. A suspended object is refused with the reason (it would echo the token
// without doing anything). Cancellable; every step of a with-source chain is reported as it ends.

import { findKind, kindKey, type FluxKind } from './kinds';
import { conditionOf, isRecord, statusString, type KubeObject } from './object';
import { resourcePath } from './reflector';
import type { CachedObject, ContextSession } from './session';
import { fluxStatus, isStatic, isSuspended, type FluxState } from './status';

/** A reference to one Flux object. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

export type ActionName = 'reconcile' | 'suspend' | 'resume';

export interface ActionOptions {
  /** Reconcile the source first (and wait for it). */
  withSource?: boolean;
  /** HelmRelease: a one-off install/upgrade (reconcile.fluxcd.io/forceAt). */
  force?: boolean;
  /** HelmRelease: reset the failure counters (reconcile.fluxcd.io/resetAt). */
  reset?: boolean;
  signal?: AbortSignal;
  /** Give up waiting after this long (the request stays with the controller). */
  timeoutMs?: number;
  /** Each step as it ends: the source of a with-source chain, then the object itself. */
  onStep?: (step: StepResult) => void;
  /** Progress while waiting (the controller's live step messages). */
  onProgress?: (ref: ObjectRef, state: FluxState) => void;
}

/** The outcome of one step. */
export interface StepResult {
  ref: ObjectRef;
  outcome: 'succeeded' | 'failed' | 'blocked' | 'refused' | 'cancelled' | 'timeout';
  /** What to tell the user: "applied revision main@sha1:...", "blocked by Kustomization x/y", the failure message. */
  message: string;
  state?: FluxState;
  /** The token we wrote (requestedAt), when a request was sent. */
  token?: string;
  /** Milliseconds from the patch to the verdict. */
  ms?: number;
}

/** The verdict of a whole action: the last step decides. */
export interface Verdict {
  ok: boolean;
  steps: StepResult[];
  message: string;
}

const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const FORCE_AT = 'reconcile.fluxcd.io/forceAt';
const RESET_AT = 'reconcile.fluxcd.io/resetAt';
const OPERATOR_RECONCILE = 'fluxcd.controlplane.io/reconcile';

/** A token unique to this request: RFC3339 with nanoseconds, as the flux CLI writes. */
export function newToken(now = Date.now()): string {
  const iso = new Date(now).toISOString(); // ...sss Z
  const nanos = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, -1)}${nanos}Z`;
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

function served(session: ContextSession, kindName: string): (FluxKind & { version: string }) | undefined {
  const k = findKind(kindName);
  if (!k) return undefined;
  return session.discovery?.kinds.find((s) => kindKey(s) === kindKey(k));
}

/** The source to reconcile first, for --with-source (Kustomization sourceRef; HelmRelease chartRef or its HelmChart). */
export function sourceOf(obj: KubeObject): ObjectRef | undefined {
  const ns = obj.metadata.namespace ?? '';
  const spec = obj.spec ?? {};
  const ref = (r: unknown): ObjectRef | undefined =>
    isRecord(r) && typeof r['kind'] === 'string' && typeof r['name'] === 'string'
      ? {
          kind: r['kind'],
          name: r['name'],
          namespace: typeof r['namespace'] === 'string' && r['namespace'] ? r['namespace'] : ns,
        }
      : undefined;
  if (obj.kind === 'Kustomization') return ref(spec['sourceRef']);
  if (obj.kind === 'HelmRelease') {
    const chartRef = ref(spec['chartRef']);
    if (chartRef) return chartRef;
    const chart =
      isRecord(spec['chart']) && isRecord(spec['chart']['spec']) ? spec['chart']['spec'] : undefined;
    if (chart) {
      const srcNs =
        isRecord(chart['sourceRef']) && typeof chart['sourceRef']['namespace'] === 'string'
          ? chart['sourceRef']['namespace']
          : ns;
      return { kind: 'HelmChart', namespace: srcNs, name: `${ns}-${obj.metadata.name}` };
    }
  }
  if (obj.kind === 'HelmChart') return ref(spec['sourceRef']);
  if (obj.kind === 'ResourceSet' || obj.kind === 'ArtifactGenerator') return undefined;
  return undefined;
}

async function current(
  session: ContextSession,
  ref: ObjectRef,
): Promise<{ obj?: KubeObject; error?: string }> {
  const k = served(session, ref.kind);
  if (!k) return { error: `${ref.kind} is not served by context ${session.name}` };
  const cached = session.get(k, ref.namespace, ref.name);
  if (cached) return { obj: cached.obj };
  const res = await session.transport!.request<KubeObject>('GET', resourcePath(k, ref.namespace, ref.name));
  if (res.status === 200) return { obj: res.body };
  if (res.status === 404) return { error: `${describe(ref)} not found` };
  if (res.status === 403) return { error: `forbidden: get ${k.plural} in namespace ${ref.namespace}` };
  return { error: res.error ?? `HTTP ${res.status}` };
}

async function patch(
  session: ContextSession,
  ref: ObjectRef,
  body: unknown,
): Promise<{ obj?: KubeObject; error?: string }> {
  const k = served(session, ref.kind)!;
  const res = await session.transport!.request<KubeObject>(
    'PATCH',
    resourcePath(k, ref.namespace, ref.name),
    {
      body,
      contentType: 'application/merge-patch+json',
    },
  );
  if (res.status === 200) return { obj: res.body };
  if (res.status === 403) return { error: `forbidden: patch ${k.plural} in namespace ${ref.namespace}` };
  if (res.status === 404) return { error: `${describe(ref)} not found` };
  return { error: res.error ?? `HTTP ${res.status}` };
}

/** Runs one action and resolves its verdict. Never throws for expected failures. */
export async function runAction(
  session: ContextSession,
  action: ActionName,
  ref: ObjectRef,
  opts: ActionOptions = {},
): Promise<Verdict> {
  if (session.phase.phase !== 'ready' || !session.transport)
    return fail(
      ref,
      'refused',
      `context ${session.name} is not connected${session.phase.phase === 'error' ? `: ${session.phase.message}` : ''}`,
    );
  const k = served(session, ref.kind);
  if (!k) return fail(ref, 'refused', `${ref.kind} is not a Flux kind served by context ${session.name}`);
  ref = { ...ref, kind: k.kind };
  if ((opts.force || opts.reset) && k.kind !== 'HelmRelease')
    return fail(ref, 'refused', `--force and --reset apply to HelmReleases only, not to ${k.kind}`);
  if (action === 'suspend') return suspendOrResume(session, ref, true, opts);
  if (action === 'resume') return suspendOrResume(session, ref, false, opts);

  const steps: StepResult[] = [];
  const got = await current(session, ref);
  if (!got.obj) return fail(ref, 'refused', got.error!);
  if (opts.withSource) {
    const chain: ObjectRef[] = [];
    for (let src = sourceOf(got.obj); src && chain.length < 3; ) {
      chain.unshift(src);
      const s = await current(session, src);
      src = s.obj ? sourceOf(s.obj) : undefined;
    }
    for (const src of chain) {
      const step = await reconcileOne(session, src, {}, opts);
      steps.push(step);
      opts.onStep?.(step);
      if (step.outcome !== 'succeeded')
        return { ok: false, steps, message: `source ${describe(src)}: ${step.message}` };
    }
  }
  const step = await reconcileOne(session, ref, { force: opts.force, reset: opts.reset }, opts);
  steps.push(step);
  opts.onStep?.(step);
  return { ok: step.outcome === 'succeeded', steps, message: step.message };
}

function fail(ref: ObjectRef, outcome: StepResult['outcome'], message: string): Verdict {
  return { ok: false, steps: [{ ref, outcome, message }], message };
}

/** A state after which the controller will not change its mind without a new event. */
function terminal(s: FluxState): boolean {
  return (
    s.state === 'Ready' || s.state === 'Failed' || s.state === 'Stalled' || s.state === 'WaitingForDependency'
  );
}

function judged(ref: ObjectRef, s: FluxState, token: string | undefined, ms: number): StepResult {
  const base = { ref, state: s, ...(token ? { token } : {}), ms };
  if (s.state === 'Ready')
    return {
      ...base,
      outcome: 'succeeded',
      message: s.static
        ? 'static object: nothing to reconcile'
        : s.revision
          ? `applied revision ${s.revision}`
          : s.message || 'ready',
    };
  if (s.state === 'WaitingForDependency')
    return { ...base, outcome: 'blocked', message: s.blockedBy ? `blocked by ${s.blockedBy}` : s.message };
  return { ...base, outcome: 'failed', message: `${s.reason}: ${s.message}` };
}

/** Wait on the cache until `done` says so, the signal aborts or the timeout passes. */
function waitOn(
  session: ContextSession,
  ref: ObjectRef,
  opts: ActionOptions,
  done: (o: CachedObject | undefined) => StepResult | undefined,
  started: number,
): Promise<StepResult> {
  const k = served(session, ref.kind)!;
  return new Promise((resolve) => {
    let finished = false;
    // Set once observe() returns; observe calls back at once, possibly finishing before that.
    const held: { sub?: { dispose(): void } } = {};
    const finish = (r: StepResult) => {
      if (finished) return;
      finished = true;
      held.sub?.dispose();
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = () =>
      finish({
        ref,
        outcome: 'cancelled',
        message: 'cancelled: the request was sent; the controller still handles it',
        ms: Date.now() - started,
      });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          const o = session.get(k, ref.namespace, ref.name);
          finish({
            ref,
            outcome: 'timeout',
            message: `no verdict within ${Math.round(opts.timeoutMs! / 1000)} s${o ? ` (now ${o.status.state}: ${o.status.message})` : ''}`,
            ...(o ? { state: o.status } : {}),
            ms: Date.now() - started,
          });
        }, opts.timeoutMs)
      : undefined;
    timer?.unref();
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    held.sub = session.observe(k, ref.namespace, ref.name, (o) => {
      if (finished) return;
      if (o) opts.onProgress?.(ref, o.status);
      const r = done(o);
      if (r) finish(r);
    });
    if (finished) held.sub.dispose();
  });
}

async function reconcileOne(
  session: ContextSession,
  ref: ObjectRef,
  extra: { force?: boolean | undefined; reset?: boolean | undefined },
  opts: ActionOptions,
): Promise<StepResult> {
  const got = await current(session, ref);
  if (!got.obj) return { ref, outcome: 'refused', message: got.error! };
  if (isSuspended(got.obj))
    return {
      ref,
      outcome: 'refused',
      message: `${describe(ref)} is suspended: resume it first (a suspended object acknowledges requests without reconciling)`,
      state: fluxStatus(got.obj),
    };
  if (isStatic(got.obj))
    return {
      ref,
      outcome: 'succeeded',
      message: 'static object: the controller does not reconcile it',
      state: fluxStatus(got.obj),
    };
  const token = newToken();
  const annotations: Record<string, string> = { [REQUESTED_AT]: token };
  if (extra.force) annotations[FORCE_AT] = token;
  if (extra.reset) annotations[RESET_AT] = token;
  const started = Date.now();
  const p = await patch(session, ref, { metadata: { annotations } });
  if (!p.obj) return { ref, outcome: 'refused', message: p.error! };
  return waitOn(
    session,
    ref,
    opts,
    (o) => {
      if (!o)
        return {
          ref,
          outcome: 'failed',
          message: `${describe(ref)} was deleted`,
          token,
          ms: Date.now() - started,
        };
      if (isSuspended(o.obj))
        return {
          ref,
          outcome: 'refused',
          message: `${describe(ref)} was suspended meanwhile`,
          token,
          ms: Date.now() - started,
        };
      if (statusString(o.obj, 'lastHandledReconcileAt') !== token) return undefined;
      if (extra.force && statusString(o.obj, 'lastHandledForceAt') !== token) return undefined;
      if (extra.reset && statusString(o.obj, 'lastHandledResetAt') !== token) return undefined;
      // Our run ended; a state still in progress (HelmRelease remediation) is waited out.
      return terminal(o.status) ? judged(ref, o.status, token, Date.now() - started) : undefined;
    },
    started,
  );
}

async function suspendOrResume(
  session: ContextSession,
  ref: ObjectRef,
  suspend: boolean,
  opts: ActionOptions,
): Promise<Verdict> {
  const got = await current(session, ref);
  if (!got.obj) return fail(ref, 'refused', got.error!);
  const operator = served(session, ref.kind)!.group === 'fluxcd.controlplane.io';
  const started = Date.now();
  if (suspend) {
    if (isSuspended(got.obj))
      return {
        ok: true,
        steps: [{ ref, outcome: 'succeeded', message: 'already suspended' }],
        message: 'already suspended',
      };
    const body = operator
      ? { metadata: { annotations: { [OPERATOR_RECONCILE]: 'disabled' } } }
      : { spec: { suspend: true } };
    const p = await patch(session, ref, body);
    if (!p.obj) return fail(ref, 'refused', p.error!);
    const step = await waitOn(
      session,
      ref,
      opts,
      (o) =>
        o && isSuspended(o.obj)
          ? { ref, outcome: 'succeeded', message: 'suspended', state: o.status, ms: Date.now() - started }
          : undefined,
      started,
    );
    opts.onStep?.(step);
    return { ok: step.outcome === 'succeeded', steps: [step], message: step.message };
  }
  // Resume: drop the suspension and ask for a run with our token, so the verdict is that run's.
  const token = newToken();
  const body = operator
    ? { metadata: { annotations: { [OPERATOR_RECONCILE]: null, [REQUESTED_AT]: token } } }
    : { spec: { suspend: null }, metadata: { annotations: { [REQUESTED_AT]: token } } };
  const p = await patch(session, ref, body);
  if (!p.obj) return fail(ref, 'refused', p.error!);
  const generation = p.obj.metadata.generation ?? 0;
  const step = await waitOn(
    session,
    ref,
    opts,
    (o) => {
      if (!o)
        return {
          ref,
          outcome: 'failed',
          message: `${describe(ref)} was deleted`,
          token,
          ms: Date.now() - started,
        };
      if (isSuspended(o.obj)) return undefined;
      if (statusString(o.obj, 'lastHandledReconcileAt') !== token) return undefined;
      const ready = conditionOf(o.obj, 'Ready');
      if (ready && typeof ready.observedGeneration === 'number' && ready.observedGeneration < generation)
        return undefined;
      return terminal(o.status) ? judged(ref, o.status, token, Date.now() - started) : undefined;
    },
    started,
  );
  opts.onStep?.(step);
  return { ok: step.outcome === 'succeeded', steps: [step], message: step.message };
}
