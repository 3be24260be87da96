// The status function (research/live-explorer.md section 4.3): one state per Flux object, from
// its conditions, generation and spec, in a fixed order. It never calls "anything not Ready" an
// error: a dependency wait, a run in progress and a spec not yet applied each have their own state.

import { conditionOf, conditionsOf, statusString, type Condition, type KubeObject } from './object';

/** The states, as `flux-workbench get -o json` prints them. */
export type FluxStateName =
  | 'Ready'
  | 'Failed'
  | 'Stalled'
  | 'Reconciling'
  | 'WaitingForDependency'
  | 'Suspended'
  | 'Pending'
  | 'Updating'
  | 'Terminating'
  | 'Unknown';

/** What the status function says about one object. */
export interface FluxState {
  state: FluxStateName;
  /** The condition reason behind the state (e.g. "BuildFailed"), or a fixed word ("Static", "Suspended"). */
  reason: string;
  /** The controller's message, or ours when there is none ("not reconciled yet"). */
  message: string;
  /** The revision applied (Kustomization, HelmRelease) or fetched (sources), when known. */
  revision?: string;
  /** The revision last attempted, when it differs from the applied one. */
  attemptedRevision?: string;
  /** "Kustomization flux-system/infrastructure": the object a WaitingForDependency state waits on. */
  blockedBy?: string;
  /** HelmRelease: `Drifted=True` (Ready, drift detected). */
  drifted?: boolean;
  /** A Stalled HelmRelease that a reset (`reconcile.fluxcd.io/resetAt`) can retry (RetriesExceeded). */
  resetSuggested?: boolean;
  /** Suspended: who suspended it (annotation `fluxcd.controlplane.io/suspendedBy`), when recorded. */
  suspendedBy?: string;
  /** Suspended: the state it would have without the suspension (its last Ready condition). */
  lastReady?: { status: string; reason?: string; message?: string };
  /** An object that the controller never reconciles (OCI HelmRepository, Alert/Provider v1beta3). */
  static?: boolean;
}

const SUSPEND_ANNOTATION = 'fluxcd.controlplane.io/reconcile';
const SUSPENDED_BY_ANNOTATION = 'fluxcd.controlplane.io/suspendedBy';

/** True when the object is suspended (spec.suspend, or the Flux Operator's annotation). */
export function isSuspended(obj: KubeObject): boolean {
  return obj.spec?.['suspend'] === true || obj.metadata.annotations?.[SUSPEND_ANNOTATION] === 'disabled';
}

/** Objects the controllers never reconcile, so they never get a Ready condition. */
export function isStatic(obj: KubeObject): boolean {
  const kind = obj.kind;
  if (kind === 'HelmRepository') return obj.spec?.['type'] === 'oci';
  if (kind === 'Alert' || kind === 'Provider') {
    // Since v1beta3 these have no status at all; older versions had conditions.
    const version = (obj.apiVersion ?? '').split('/')[1] ?? '';
    return !/^v1beta[12]$/.test(version) && conditionsOf(obj).length === 0;
  }
  return false;
}

/** The revision an object has applied (workloads) or fetched (sources). */
export function appliedRevision(obj: KubeObject): string | undefined {
  const applied = statusString(obj, 'lastAppliedRevision');
  if (applied) return applied;
  const artifact = obj.status?.['artifact'];
  if (
    artifact &&
    typeof artifact === 'object' &&
    typeof (artifact as { revision?: unknown }).revision === 'string'
  )
    return (artifact as { revision: string }).revision;
  if (obj.kind === 'HelmRelease') {
    // helm v2 keeps the chart version in the newest history snapshot.
    const history = obj.status?.['history'];
    if (Array.isArray(history) && history[0] && typeof history[0].chartVersion === 'string')
      return history[0].chartVersion as string;
  }
  return undefined;
}

/**
 * The generation the Ready condition speaks for: its own observedGeneration, or when that is 0 or
 * missing, status.observedGeneration (flux CLI `isObjectReady`); -1 when neither is set.
 */
function readyGeneration(obj: KubeObject, ready: Condition): number {
  if (typeof ready.observedGeneration === 'number' && ready.observedGeneration > 0)
    return ready.observedGeneration;
  const og = obj.status?.['observedGeneration'];
  return typeof og === 'number' ? og : -1;
}

/** The object a DependencyNotReady message names: "dependency 'ns/name' is not ready". */
function blocker(obj: KubeObject, message: string): string | undefined {
  const m = /dependency '([^']+)'/.exec(message) ?? /'([^'/\s]+\/[^'\s]+)'/.exec(message);
  if (!m) return undefined;
  const ref = m[1]!.includes('/') ? m[1]! : `${obj.metadata.namespace ?? ''}/${m[1]}`;
  return `${obj.kind ?? 'object'} ${ref}`;
}

/** The status function of research section 4.3, applied in its order. */
export function fluxStatus(obj: KubeObject): FluxState {
  const revision = appliedRevision(obj);
  const attempted = statusString(obj, 'lastAttemptedRevision');
  const base = {
    ...(revision ? { revision } : {}),
    ...(attempted && attempted !== revision ? { attemptedRevision: attempted } : {}),
  };
  const ready = conditionOf(obj, 'Ready');
  const stalled = conditionOf(obj, 'Stalled');
  const reconciling = conditionOf(obj, 'Reconciling');

  // 1. Deleted, waiting for finalizers.
  if (obj.metadata.deletionTimestamp)
    return {
      ...base,
      state: 'Terminating',
      reason: 'Terminating',
      message: `deleted at ${obj.metadata.deletionTimestamp}`,
    };
  // 2. Suspended wins over every condition: the controller does nothing with it.
  if (isSuspended(obj)) {
    const by = obj.metadata.annotations?.[SUSPENDED_BY_ANNOTATION];
    return {
      ...base,
      state: 'Suspended',
      reason: 'Suspended',
      message: by ? `suspended by ${by}` : 'reconciliation is suspended',
      ...(by ? { suspendedBy: by } : {}),
      ...(ready ? { lastReady: { status: ready.status, reason: ready.reason, message: ready.message } } : {}),
    };
  }
  // 3. Static objects have no conditions and are never reconciled.
  if (isStatic(obj))
    return {
      ...base,
      state: 'Ready',
      reason: 'Static',
      message: 'static object: not reconciled by a controller',
      static: true,
    };
  // 4. Not seen by the controller yet (kstatus would wrongly say Current here).
  if (!ready && !stalled)
    return { ...base, state: 'Pending', reason: 'NotReconciled', message: 'not reconciled yet' };
  // 5. Stalled: the controller gave up until something changes.
  if (stalled?.status === 'True') {
    const reason = stalled.reason ?? 'Stalled';
    return {
      ...base,
      state: 'Stalled',
      reason,
      message: stalled.message ?? ready?.message ?? '',
      ...(obj.kind === 'HelmRelease' && reason === 'RetriesExceeded' ? { resetSuggested: true } : {}),
    };
  }
  // 6. A run in progress: show the controller's live step message.
  if (reconciling?.status === 'True' && reconciling.reason === 'Progressing')
    return {
      ...base,
      state: 'Reconciling',
      reason: 'Progressing',
      message: reconciling.message ?? ready?.message ?? '',
    };
  if (ready?.status === 'False') {
    const message = ready.message ?? '';
    // 7. Waiting for a dependency is not a failure of this object.
    if (ready.reason === 'DependencyNotReady') {
      const by = blocker(obj, message);
      return {
        ...base,
        state: 'WaitingForDependency',
        reason: ready.reason,
        message,
        ...(by ? { blockedBy: by } : {}),
      };
    }
    // 8. Failed (the controller retries; Reconciling=True/ProgressingWithRetry says so too).
    return { ...base, state: 'Failed', reason: ready.reason ?? 'Failed', message };
  }
  if (ready?.status === 'True') {
    // 9. Ready, but for an older generation: the new spec is not applied yet.
    const generation = obj.metadata.generation;
    if (typeof generation === 'number' && readyGeneration(obj, ready) !== generation)
      return {
        ...base,
        state: 'Updating',
        reason: 'NewGeneration',
        message: `generation ${generation} not applied yet (Ready is for ${readyGeneration(obj, ready)})`,
      };
    // 10. Ready at the current generation.
    const drifted = obj.kind === 'HelmRelease' && conditionOf(obj, 'Drifted')?.status === 'True';
    return {
      ...base,
      state: 'Ready',
      reason: ready.reason ?? 'Ready',
      message: drifted
        ? `drift detected: ${conditionOf(obj, 'Drifted')?.message ?? ''}`
        : (ready.message ?? ''),
      ...(drifted ? { drifted: true } : {}),
    };
  }
  // 11. Ready=Unknown: a run is in progress.
  if (ready?.status === 'Unknown')
    return {
      ...base,
      state: 'Reconciling',
      reason: ready.reason ?? 'Progressing',
      message: ready.message ?? '',
    };
  return {
    ...base,
    state: 'Unknown',
    reason: ready?.reason ?? 'Unknown',
    message: ready?.message ?? stalled?.message ?? '',
  };
}

/** States the UI counts as failing (the "failing only" filter, `--status failing`). */
export function isFailing(s: FluxState): boolean {
  return s.state === 'Failed' || s.state === 'Stalled';
}
