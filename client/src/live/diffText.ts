// The two sides of "Diff Build with Cluster" as text for VS Code's diff editor: the live objects on
// the left, what applying the build would make of them on the right, one section per object with
// the same heading on both sides so the editor aligns them. Secrets are masked on both sides as
// flux diff masks them (equal values "***", changed ones "*** (before)" / "*** (after)"), and values
// substituted from cluster Secrets are masked wherever they appear. Pure.

import { stringify } from 'yaml';
import { isRecord, type KubeObject } from '../cluster/object';
import type { DiffEntry, DiffReport } from './clusterDiff';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface DiffSides {
  left: string;
  right: string;
  /** One line per object that changes, and the errors: for a notification or the log. */
  summary: string[];
}

/** Masks a Secret's data and stringData on both sides (in place), as ssa.SanitizeUnstructuredData. */
export function maskSecretPair(live: KubeObject | undefined, merged: KubeObject | undefined): void {
  for (const field of ['data', 'stringData']) {
    const a =
      live && isRecord((live as Record<string, unknown>)[field])
        ? ((live as Record<string, unknown>)[field] as Record<string, unknown>)
        : undefined;
    const b =
      merged && isRecord((merged as Record<string, unknown>)[field])
        ? ((merged as Record<string, unknown>)[field] as Record<string, unknown>)
        : undefined;
    for (const k of Object.keys(a ?? {})) {
      if (b && k in b && b[k] !== a![k]) {
        a![k] = '*** (before)';
        b[k] = '*** (after)';
      } else {
        a![k] = '***';
        if (b && k in b) b[k] = '***';
      }
    }
    for (const k of Object.keys(b ?? {})) if (!a || !(k in a)) b![k] = '***';
  }
  for (const o of [live, merged])
    if (o?.metadata?.annotations?.[LAST_APPLIED]) o.metadata.annotations[LAST_APPLIED] = '***';
}

/**
 * Replaces each secret value in every string of `o` (in place). Values of three characters or more
 * are masked inside longer strings too; shorter ones only where a whole string equals them.
 */
export function maskValues(o: unknown, secrets: ReadonlyMap<string, string>): unknown {
  const list = [...secrets].filter(([, v]) => v !== '').sort((x, y) => y[1].length - x[1].length);
  if (list.length === 0) return o;
  const maskString = (s: string): string => {
    let out = s;
    for (const [key, value] of list) {
      if (value.length >= 3) out = out.split(value).join(`<secret:${key}>`);
      else if (out === value) out = `<secret:${key}>`;
    }
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
      return v;
    }
    if (isRecord(v)) for (const k of Object.keys(v)) v[k] = walk(v[k]);
    return v;
  };
  return walk(o);
}

function heading(e: DiffEntry): string {
  return `# ► ${e.subject} ${e.action}${e.changed?.length ? ` (${e.changed.length} field${e.changed.length === 1 ? '' : 's'}: ${e.changed.slice(0, 6).join(', ')}${e.changed.length > 6 ? ', …' : ''})` : ''}`;
}

/** The left (live) and right (build applied) documents of a report. */
export function diffSides(
  report: DiffReport,
  header: { title: string; context: string; build: string },
  secrets: ReadonlyMap<string, string> = new Map(),
): DiffSides {
  const shown = report.entries.filter((e) => e.action !== 'unchanged' && e.action !== 'skipped');
  const count = (a: string) => report.entries.filter((e) => e.action === a).length;
  const common = [
    `# ${header.title}: cluster ${header.context} (left) against the build applied as a server-side dry run (right)`,
    `# build: ${header.build}`,
    `# created ${count('created')}, drifted ${count('drifted')}, deleted by prune ${count('deleted')}, unchanged ${count('unchanged')}, skipped ${count('skipped')}, errors ${report.errors.length}`,
    ...(report.pruneNote ? [`# prune: ${report.pruneNote}`] : []),
    ...report.errors.map((e) => `# ERROR ${e.subject}: ${e.message}`),
    '# Secret data is masked on both sides; managedFields are left out.',
  ];
  const left = [...common];
  const right = [...common];
  for (const e of shown) {
    const live = e.live ? structuredClone(e.live) : undefined;
    const merged = e.merged ? structuredClone(e.merged) : undefined;
    if ((live ?? merged)?.kind === 'Secret') maskSecretPair(live, merged);
    maskValues(live, secrets);
    maskValues(merged, secrets);
    const h = heading(e);
    left.push('---', h);
    right.push('---', h);
    if (live) left.push(stringify(live).trimEnd());
    else left.push(`# (not in cluster ${header.context})`);
    if (merged) right.push(stringify(merged).trimEnd());
    else
      right.push(
        e.action === 'deleted' ? '# (deleted by prune: the build no longer has it)' : '# (unchanged)',
      );
  }
  if (shown.length === 0) {
    left.push('# No differences.');
    right.push('# No differences.');
  }
  return {
    left: left.join('\n') + '\n',
    right: right.join('\n') + '\n',
    summary: [
      ...shown.map((e) => `► ${e.subject} ${e.action}`),
      ...report.errors.map((e) => `✗ ${e.subject}: ${e.message}`),
    ],
  };
}
