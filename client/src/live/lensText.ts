// The words of a live-state lens (issue 12): one line per context, "$(icon) Ready · main@sha1:1a2b3c4d
// · 5m ago", and the actions it offers. Pure: the CodeLens and inlay-hint providers turn it into
// editor items.

import type { CachedObject } from '../cluster/session';
import { isSuspended, type FluxState } from '../cluster/status';
import { lastReconciled, shortDuration } from '../cluster/timing';
import type { LiveMatch } from './match';

export type LensAction = 'reconcile' | 'suspend' | 'resume' | 'reveal';

export interface LensLine {
  /** Codicon syntax ("$(pass) ..."), short. */
  title: string;
  tooltip: string;
  /** What the line offers, in order; each acts on `target`. */
  actions: LensAction[];
  target?: CachedObject;
}

export function stateCodicon(s: FluxState): string {
  switch (s.state) {
    case 'Ready':
      return s.drifted ? '$(warning)' : '$(pass)';
    case 'Failed':
      return '$(error)';
    case 'Stalled':
      return '$(circle-slash)';
    case 'Reconciling':
      return '$(sync~spin)';
    case 'WaitingForDependency':
      return '$(watch)';
    case 'Suspended':
      return '$(debug-pause)';
    case 'Pending':
      return '$(circle-large-outline)';
    case 'Updating':
      return '$(arrow-circle-up)';
    case 'Terminating':
      return '$(trash)';
    default:
      return '$(question)';
  }
}

/** Hashes cut to 8 characters, as `flux get` prints them. */
export function shortRevision(rev: string): string {
  return rev.replace(/\b(sha1|sha256|sha384|sha512):([0-9a-f]{8})[0-9a-f]+/g, '$1:$2');
}

function stateText(s: FluxState): string {
  if (s.state === 'WaitingForDependency') return s.blockedBy ? `waiting for ${s.blockedBy}` : 'waiting';
  if (s.state === 'Ready' && s.drifted) return 'Ready, drift detected';
  return s.state;
}

/** The lens line of one context's match; `prefix` names the context when several are shown. */
export function lensLine(m: LiveMatch, prefix: string, now = Date.now()): LensLine {
  const p = prefix ? `${prefix}: ` : '';
  switch (m.type) {
    case 'object': {
      const c = m.object;
      const s = c.status;
      const parts = [`${stateCodicon(s)} ${p}${stateText(s)}`];
      if (s.revision) parts.push(shortRevision(s.revision));
      const last = lastReconciled(c.obj);
      if (last !== undefined) parts.push(`${shortDuration(now - last)} ago`);
      const suspended = isSuspended(c.obj);
      return {
        title: parts.join(' · '),
        tooltip: tooltipOf(c, m.ownedBy),
        actions: s.static ? ['reveal'] : ['reconcile', suspended ? 'resume' : 'suspend', 'reveal'],
        target: c,
      };
    }
    case 'candidates':
      return {
        title: `$(question) ${p}${m.objects.length} candidates: ${m.objects
          .map((o) => `${o.namespace}/${o.name} (${o.status.state})`)
          .join(', ')}`,
        tooltip: `Not certain which live object this is: ${m.why}. Set metadata.namespace (or the Kustomization's targetNamespace) to make it certain.`,
        actions: [],
      };
    case 'inventory': {
      const applied = m.entries.filter((e) => e.applied);
      const missing = m.entries.filter((e) => !e.applied);
      const describe = (e: { ks: CachedObject }) =>
        `${e.ks.kind.kind} ${e.ks.namespace}/${e.ks.name}${e.ks.status.revision ? ` at ${shortRevision(e.ks.status.revision)}` : ''}`;
      if (applied.length)
        return {
          title: `$(pass) ${p}applied by ${applied.map(describe).join(', ')}`,
          tooltip: `In the live inventory of ${applied.map(describe).join(', ')}.${missing.length ? ` Not in the inventory of ${missing.map(describe).join(', ')}.` : ''}`,
          actions: ['reveal'],
          target: applied[0]!.ks,
        };
      return {
        title: `$(circle-large-outline) ${p}not in the inventory of ${missing.map(describe).join(', ')}`,
        tooltip:
          'The Kustomization has not applied this object (yet): the live revision may predate it, or it failed before applying.',
        actions: ['reveal'],
        target: missing[0]!.ks,
      };
    }
    case 'absent':
      return { title: `$(circle-slash) ${p}${m.why}`, tooltip: m.why, actions: [] };
    case 'unknown':
      return { title: `$(question) ${p}${m.why}`, tooltip: m.why, actions: [] };
  }
}

function tooltipOf(c: CachedObject, ownedBy: string | undefined): string {
  const s = c.status;
  const lines = [
    `${c.kind.kind} ${c.namespace}/${c.name} in ${c.context}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`,
  ];
  if (s.message) lines.push(s.message);
  if (s.revision) lines.push(`revision: ${s.revision}`);
  if (s.attemptedRevision && s.attemptedRevision !== s.revision)
    lines.push(`last attempted: ${s.attemptedRevision}`);
  if (ownedBy) lines.push(`applied by Kustomization ${ownedBy}`);
  return lines.join('\n');
}
