// How one Flux object looks in a tree: its icon and state words from the status function, a
// one-line description (short revision, age of the last run, "next in ..."), and a Markdown
// tooltip (conditions, messages, revisions, interval, last handled request). Pure.
//
// Times are named for what they are: only a Kustomization's status.history says when the last
// reconcile ran (so only there do we say "3m ago" and "next in"); for other kinds the description
// names the event the time belongs to ("stored", "released", "changed").

import { conditionsOf, isRecord, statusString, type KubeObject } from '../../cluster/object';
import type { FluxState } from '../../cluster/status';
import { isStatic } from '../../cluster/status';
import type { Icon, ObjectClass } from './nodes';
import { parseGoDuration as parseDuration, shortDuration } from '../../cluster/timing';
import { ago, parseTime } from './time';

/** The object as the cache holds it (a structural subset of the engine's CachedObject). */
export interface ObjectView {
  readonly kind: { readonly kind: string; readonly group: string; readonly version: string };
  readonly obj: KubeObject;
  readonly status: FluxState;
  readonly namespace: string;
  readonly name: string;
}

/** The icon of a state (codicon and theme color). */
export function stateIcon(s: FluxState): Icon {
  switch (s.state) {
    case 'Ready':
      return s.drifted ? { id: 'warning', color: 'charts.yellow' } : { id: 'pass', color: 'charts.green' };
    case 'Failed':
      return { id: 'error', color: 'charts.red' };
    case 'Stalled':
      return { id: 'circle-slash', color: 'charts.red' };
    case 'Reconciling':
      return { id: 'sync~spin', color: 'charts.blue' };
    case 'WaitingForDependency':
      return { id: 'watch', color: 'charts.yellow' };
    case 'Suspended':
      return { id: 'debug-pause', color: 'disabledForeground' };
    case 'Pending':
      return { id: 'circle-large-outline', color: 'descriptionForeground' };
    case 'Updating':
      return { id: 'arrow-circle-up', color: 'charts.blue' };
    case 'Terminating':
      return { id: 'trash', color: 'descriptionForeground' };
    default:
      return { id: 'question', color: 'descriptionForeground' };
  }
}

/** The state in words, as the description starts when the object is not plainly Ready. */
export function stateWords(s: FluxState): string {
  switch (s.state) {
    case 'Ready':
      return s.drifted ? 'drift detected' : s.static ? 'static' : 'ready';
    case 'Failed':
      return `failed: ${s.reason}`;
    case 'Stalled':
      return `stalled: ${s.reason}`;
    case 'Reconciling':
      return 'reconciling';
    case 'WaitingForDependency':
      return s.blockedBy ? `waiting for ${s.blockedBy}` : 'waiting for a dependency';
    case 'Suspended':
      return 'suspended';
    case 'Pending':
      return 'not reconciled yet';
    case 'Updating':
      return 'new spec not applied yet';
    case 'Terminating':
      return 'terminating';
    default:
      return 'state unknown';
  }
}

/** Hashes cut to 8 characters as `flux get` prints them: "main@sha1:50676fd3". */
export function shortRevision(rev: string): string {
  return rev.replace(/\b(sha1|sha256|sha384|sha512):([0-9a-f]{8})[0-9a-f]+/g, '$1:$2');
}

/** The menu class of an object (what it can be asked to do). */
export function objectClass(o: ObjectView): ObjectClass {
  const k = o.kind.kind;
  // ExternalArtifact is written by another controller; Flux has no request for it.
  if (k === 'ExternalArtifact') return 'passive';
  if (isStatic(o.obj)) return 'static';
  if (k === 'Kustomization') return 'kustomization';
  if (k === 'HelmRelease') return 'helmRelease';
  if (k === 'HelmChart') return 'helmChart';
  return 'other';
}

/** A time an object's status records, with what it is the time of. */
export interface StatusTime {
  time: number;
  /**
   * "reconciled" is exact (status.history); "attempt": when the last attempt of a failing or
   * waiting object ended (the Ready condition's transition: the controllers mark each retry in
   * progress, Ready=Unknown, so this is not when the failure began); the others name another event.
   */
  what: 'reconciled' | 'attempt' | 'stored' | 'released' | 'changed';
  /** Where it was read, for the tooltip. */
  field: string;
}

function firstHistory(obj: KubeObject): Record<string, unknown> | undefined {
  const h = obj.status?.['history'];
  return Array.isArray(h) && isRecord(h[0]) ? h[0] : undefined;
}

/** The best time the status gives for the object's last run, named for what it is. */
export function lastRun(o: ObjectView): StatusTime | undefined {
  const obj = o.obj;
  const h = firstHistory(obj);
  const st = o.status.state;
  if (st === 'Failed' || st === 'Stalled' || st === 'WaitingForDependency') {
    // A failed run leaves no history entry (a build that fails has no digest): the history's time
    // is of the last success. The honest time is when the last attempt ended.
    const ready = conditionsOf(obj).find((c) => c.type === 'Ready' || c.type === 'Stalled');
    const t = parseTime(ready?.lastTransitionTime);
    if (t !== undefined)
      return { time: t, what: 'attempt', field: `the ${ready!.type} condition’s lastTransitionTime` };
  }
  if (o.kind.kind === 'Kustomization') {
    const t = parseTime(h?.['lastReconciled']);
    if (t !== undefined) return { time: t, what: 'reconciled', field: 'status.history[0].lastReconciled' };
  }
  if (o.kind.kind === 'HelmRelease') {
    const t = parseTime(h?.['lastDeployed']);
    if (t !== undefined) return { time: t, what: 'released', field: 'status.history[0].lastDeployed' };
  }
  const artifact = obj.status?.['artifact'];
  if (isRecord(artifact)) {
    const t = parseTime(artifact['lastUpdateTime']);
    if (t !== undefined) return { time: t, what: 'stored', field: 'status.artifact.lastUpdateTime' };
  }
  const ready = conditionsOf(obj).find((c) => c.type === 'Ready');
  const t = parseTime(ready?.lastTransitionTime);
  if (t !== undefined) return { time: t, what: 'changed', field: 'the Ready condition’s lastTransitionTime' };
  return undefined;
}

/** When the next scheduled run is due (Kustomizations with an exact last run only), or undefined. */
export function nextRun(o: ObjectView, last: StatusTime | undefined): number | undefined {
  if (!last || last.what !== 'reconciled') return undefined;
  const s = o.status.state;
  if (s === 'Suspended' || s === 'Terminating') return undefined;
  const interval = parseDuration(o.obj.spec?.['interval']);
  if (interval === undefined || interval <= 0) return undefined;
  return last.time + interval;
}

/** The one-line description: state (when not plainly Ready), short revision, age, next run. */
export function describe(o: ObjectView, now: number, opts: { kindPrefix?: string } = {}): string {
  const s = o.status;
  const parts: string[] = [];
  if (opts.kindPrefix) parts.push(opts.kindPrefix);
  if (s.state !== 'Ready' || s.drifted || s.static) parts.push(stateWords(s));
  if (s.revision) parts.push(shortRevision(s.revision));
  const last = lastRun(o);
  if (last && !s.static) {
    const when = ago(last.time, now);
    parts.push(
      // The state word before says how a last attempt ended ("failed: BuildFailed · … · 9s ago").
      last.what === 'reconciled' || last.what === 'attempt' ? when : `${last.what} ${when}`,
    );
  }
  const next = nextRun(o, last);
  if (next !== undefined) parts.push(next > now ? `next in ~${shortDuration(next - now)}` : 'next run due');
  return parts.join(' · ');
}

/** Markdown-escapes text from the cluster (a message may contain any character). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`).replace(/\n/g, '  \n');
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The Markdown tooltip of an object. `unavailable` says why its actions are greyed out. */
export function tooltip(o: ObjectView, now: number, unavailable?: string): string {
  const s = o.status;
  const obj = o.obj;
  const lines: string[] = [];
  const title = `${o.kind.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  lines.push(`**${md(title)}** — ${md(stateWords(s))}`, '');
  if (s.message) lines.push(md(s.message), '');
  if (s.blockedBy) lines.push(`Blocked by ${md(s.blockedBy)}`, '');
  if (s.suspendedBy) lines.push(`Suspended by ${md(s.suspendedBy)}`, '');
  if (s.lastReady)
    lines.push(
      `Last Ready before the suspension: ${md(s.lastReady.status)}${s.lastReady.reason ? ` (${md(s.lastReady.reason)})` : ''}`,
      '',
    );
  if (s.resetSuggested)
    lines.push('Retries are exhausted: **Reset** clears the failure counters and retries.', '');
  const conditions = conditionsOf(obj);
  if (conditions.length) {
    lines.push('Conditions:', '');
    for (const c of conditions) {
      const since = parseTime(c.lastTransitionTime);
      lines.push(
        `- **${md(c.type)}** ${md(c.status)}${c.reason ? ` · ${md(c.reason)}` : ''}${since !== undefined ? ` · ${ago(since, now)}` : ''}${c.message ? `: ${md(c.message)}` : ''}`,
      );
    }
    lines.push('');
  }
  const facts: string[] = [];
  const applied = statusString(obj, 'lastAppliedRevision');
  if (applied) facts.push(`Last applied revision: ${code(applied)}`);
  else if (s.revision) facts.push(`Revision: ${code(s.revision)}`);
  const attempted = statusString(obj, 'lastAttemptedRevision');
  if (attempted) facts.push(`Last attempted revision: ${code(attempted)}`);
  const interval = obj.spec?.['interval'];
  if (typeof interval === 'string') {
    const retry = obj.spec?.['retryInterval'];
    facts.push(
      `Interval: ${code(interval)}${typeof retry === 'string' ? `, retry interval ${code(retry)}` : ''}`,
    );
  }
  const last = lastRun(o);
  if (last) {
    const what =
      last.what === 'reconciled'
        ? 'Last reconciled'
        : last.what === 'attempt'
          ? 'Last attempt ended'
          : `Last ${last.what}`;
    facts.push(
      `${what}: ${ago(last.time, now)} (${new Date(last.time).toISOString()}, from ${md(last.field)})`,
    );
  }
  const next = nextRun(o, last);
  if (next !== undefined)
    facts.push(
      `Next scheduled run: ${next > now ? `in about ${shortDuration(next - now)}` : 'due now'} (the controller adds a little jitter)`,
    );
  const handled = statusString(obj, 'lastHandledReconcileAt');
  if (handled) facts.push(`Last handled reconcile request: ${code(handled)}`);
  for (const f of ['lastHandledForceAt', 'lastHandledResetAt']) {
    const v = statusString(obj, f);
    if (v)
      facts.push(`${f === 'lastHandledForceAt' ? 'Last handled force' : 'Last handled reset'}: ${code(v)}`);
  }
  const gen = obj.metadata.generation;
  const og = obj.status?.['observedGeneration'];
  if (typeof gen === 'number')
    facts.push(`Generation ${gen}${typeof og === 'number' ? `, observed ${og}` : ', not observed yet'}`);
  // Line breaks, not a list: a list right after the conditions would merge with them.
  if (facts.length) lines.push('---', '', facts.join('  \n'), '');
  if (unavailable) lines.push(`**Actions unavailable:** ${md(unavailable)}`, '');
  lines.push(`${md(o.kind.group)}/${md(o.kind.version)}`);
  return lines.join('\n');
}
