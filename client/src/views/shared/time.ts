// Durations as Flux writes them (Go's time.ParseDuration: "1h30m", "10m", "30s", "500ms") and
// ages as a tree item shows them ("3m ago", "next in 7m"). Pure.

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration string, or undefined when it is not one. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    ms += Number(m[1]) * UNITS[m[2]!]!;
    i = re.lastIndex;
  }
  return ms;
}

/** "45s", "3m", "2h", "5d": the largest whole unit, as kubectl prints ages. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

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
