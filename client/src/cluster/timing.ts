// Times a node's description and tooltip show: the age of the last reconcile and when the next is
// due. Flux requeues a successful object after spec.interval and a failing one after
// spec.retryInterval (Kustomization; else the interval), counted from the end of its last run, so
// "next in" is an estimate and is labelled as one ("about").

import { conditionOf, isRecord, statusString, type KubeObject } from './object';
import type { FluxState } from './status';

/** Milliseconds of a Go duration ("1h30m", "10m", "30s", "500ms"), or undefined. */
export function parseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 0.000001,
  };
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** When the object's last run ended, as well as the status says it (epoch ms), or undefined. */
export function lastReconciled(obj: KubeObject): number | undefined {
  const history = obj.status?.['history'];
  // Kustomization history (Flux 2.7+) records each run's end; HelmRelease history the deploys.
  if (obj.kind === 'Kustomization' && Array.isArray(history) && isRecord(history[0])) {
    const t = Date.parse(String(history[0]['lastReconciled'] ?? ''));
    if (!Number.isNaN(t)) return t;
  }
  const handled = statusString(obj, 'lastHandledReconcileAt');
  const ready = conditionOf(obj, 'Ready')?.lastTransitionTime;
  const times = [ready, handled].map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

/** The next scheduled run (epoch ms, an estimate), when the object is reconciled on an interval. */
export function nextReconcile(obj: KubeObject, state: FluxState): number | undefined {
  if (state.state === 'Suspended' || state.static) return undefined;
  const spec = obj.spec ?? {};
  const failing = state.state === 'Failed' || state.state === 'WaitingForDependency';
  const every = parseGoDuration(failing ? (spec['retryInterval'] ?? spec['interval']) : spec['interval']);
  const last = lastReconciled(obj);
  if (every === undefined || last === undefined) return undefined;
  return last + every;
}

/** "3s", "5m", "2h", "4d": a short age or span, as kubectl prints ages. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.round(h / 24)}d`;
}
