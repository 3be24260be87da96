// The filters every object view shares: failing only, one namespace, a text. Pure.

import { isFailing } from '../../cluster/status';
import type { ObjectView } from './present';
import { stateWords } from './present';

export interface Filter {
  failingOnly: boolean;
  namespace?: string;
  /** Case-insensitive; matched against kind, namespace/name, state and message. */
  text?: string;
}

export function emptyFilter(): Filter {
  return { failingOnly: false };
}

export function isFiltering(f: Filter): boolean {
  return f.failingOnly || !!f.namespace || !!f.text;
}

export function matches(f: Filter, o: ObjectView): boolean {
  if (f.failingOnly && !isFailing(o.status)) return false;
  if (f.namespace && o.namespace !== f.namespace) return false;
  if (f.text) {
    const hay =
      `${o.kind.kind} ${o.namespace}/${o.name} ${stateWords(o.status)} ${o.status.message}`.toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

/** "failing only · namespace demo · “app”", or undefined when nothing is filtered. */
export function describeFilter(f: Filter): string | undefined {
  const parts: string[] = [];
  if (f.failingOnly) parts.push('failing only');
  if (f.namespace) parts.push(`namespace ${f.namespace}`);
  if (f.text) parts.push(`“${f.text}”`);
  return parts.length ? `Filtered: ${parts.join(' · ')}` : undefined;
}
