// Ages as a tree item shows them ("3m ago"). Durations and spans come from the engine's timing
// module (parseGoDuration, shortDuration). Pure.

import { shortDuration } from '../../cluster/timing';

/** "3m ago" for a time in the past (clock skew shows as "just now"). */
export function ago(time: number, now: number): string {
  if (now - time < 1000) return 'just now';
  return `${shortDuration(now - time)} ago`;
}

/** An RFC 3339 time as epoch ms, or undefined. */
export function parseTime(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
