/**
 * The `#`, `##`, `%` and `%%` operators of Flux's substitution engine, with Flux's results and
 * without its cost.
 *
 * What Flux does: for every prefix of the value, longest first, it asks a copy of Go's path.Match
 * (modified so that `*` and `?` match `/` too) whether the pattern matches the prefix. `##` cuts
 * the first (longest) match; `#` goes through every prefix and cuts the shortest one. The prefixes are byte prefixes,
 * so a prefix can end inside a multi-byte character, which then decodes as U+FFFD, one byte wide.
 * Match itself is greedy: each chunk between stars is placed at its first fit and never moved.
 * (`%` and `%%` do the same on the rune-reversed value and pattern.) A malformed pattern (say
 * `[a-`) makes Match return an error, which stops the scan and leaves the value whole; since a
 * chunk that holds malformed syntax can never match, such a pattern never trims anything.
 *
 * That is quadratic or worse in the value's length (every prefix, and a scan per star in each).
 * Here the same answers come from one pass per chunk: the chunk's outcome from every start
 * position is computed once on the whole value (a match and where it ends, or a mismatch). On a
 * prefix, a run's outcome is the same unless the run reached beyond the prefix's end (then it is a
 * mismatch), or it decoded a character that the prefix cuts (then the few bytes after the cut are
 * re-run). Greedy placement then takes, per prefix and chunk, the first start that matches within
 * the prefix (ending exactly at its end, for the last chunk). All work is counted against a budget,
 * and the tables (4 to 8 bytes per byte of the value and chunk) have a size limit.
 */
import { decodeRune, runeOf, widthOf, type ByteString } from './goText';

/** Thrown when matching would exceed its work budget; the message says which bound. */
export class MatchBudgetError extends Error {}

/** Most table entries (value bytes times pattern chunks after a star) one trim may allocate. */
export const MAX_TABLE_ENTRIES = 1 << 22;

/** Work counter shared by one substitution. */
export interface Budget {
  used: number;
  readonly limit: number;
}

function spend(budget: Budget, n: number): void {
  budget.used += n;
  if (budget.used > budget.limit) throw new MatchBudgetError(`would take more than ${budget.limit} steps`);
}

const LIT = 0;
const ANY = 1;
const CLASS = 2;

/** A chunk element: a literal byte, `?`, or a character class. */
interface Elem {
  kind: number;
  byte: number;
  negated: boolean;
  /** lo, hi pairs (runes). */
  ranges: number[];
}

interface Chunk {
  /** Preceded by `*`. */
  star: boolean;
  /** Empty only for a trailing `*` (which matches the rest). */
  elems: Elem[];
}

const elem = (kind: number, byte = 0, negated = false, ranges: number[] = []): Elem => ({
  kind,
  byte,
  negated,
  ranges,
});

/** One possibly escaped character of a class, as Go's getEsc reads it: [rune, next index] or undefined. */
function classChar(p: ByteString, i: number): [number, number] | undefined {
  if (i >= p.length || p[i] === '-' || p[i] === ']') return undefined;
  if (p[i] === '\\') {
    i++;
    if (i >= p.length) return undefined;
  }
  const d = decodeRune(p, i);
  if (runeOf(d) === 0xfffd && widthOf(d) === 1) return undefined;
  const next = i + widthOf(d);
  return next >= p.length ? undefined : [runeOf(d), next];
}

/** The elements of one chunk's text, or undefined when it is malformed. */
function compileChunk(text: ByteString): Elem[] | undefined {
  const out: Elem[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '[') {
      i++;
      const negated = text[i] === '^';
      if (negated) i++;
      const ranges: number[] = [];
      for (;;) {
        if (text[i] === ']' && ranges.length > 0) {
          i++;
          break;
        }
        const lo = classChar(text, i);
        if (!lo) return undefined;
        let hi = lo;
        if (text[lo[1]] === '-') {
          const h = classChar(text, lo[1] + 1);
          if (!h) return undefined;
          hi = h;
        }
        ranges.push(lo[0], hi[0]);
        i = hi[1];
      }
      out.push(elem(CLASS, 0, negated, ranges));
    } else if (c === '?') {
      out.push(elem(ANY));
      i++;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return undefined;
      out.push(elem(LIT, text.charCodeAt(i + 1)));
      i += 2;
    } else {
      out.push(elem(LIT, text.charCodeAt(i)));
      i++;
    }
  }
  return out;
}

/**
 * Splits a pattern at its stars (not those in a class or escaped), as Go's scanChunk does; undefined
 * when a chunk is malformed.
 */
function compilePattern(pattern: ByteString): Chunk[] | undefined {
  const chunks: Chunk[] = [];
  let rest = pattern;
  while (rest.length > 0) {
    let star = false;
    while (rest[0] === '*') {
      rest = rest.slice(1);
      star = true;
    }
    let inRange = false;
    let i = 0;
    for (; i < rest.length; i++) {
      const c = rest[i];
      if (c === '\\') {
        if (i + 1 < rest.length) i++;
      } else if (c === '[') inRange = true;
      else if (c === ']') inRange = false;
      else if (c === '*' && !inRange) break;
    }
    const elems = compileChunk(rest.slice(0, i));
    if (!elems) return undefined;
    chunks.push({ star, elems });
    if (star && i === 0) break; // a trailing star: the rest always matches
    rest = rest.slice(i);
  }
  return chunks;
}

/** A run's outcome: >= 0 is a match ending there, FAIL a mismatch. */
const FAIL = -1;

/**
 * Runs elements from index `from` at byte `p` of s, as if s ended at `end` (a cut character decodes
 * as U+FFFD). `onRune` hears of each `?` or class element that decoded a multi-byte character.
 */
function run(
  elems: Elem[],
  from: number,
  s: ByteString,
  p: number,
  end: number,
  budget: Budget,
  onRune?: (j: number, at: number) => void,
): number {
  let j = from;
  for (; j < elems.length; j++) {
    if (p >= end) break;
    const e = elems[j]!;
    if (e.kind === LIT) {
      if (s.charCodeAt(p) !== e.byte) break;
      p++;
      continue;
    }
    const d = decodeRune(s, p, end);
    const w = widthOf(d);
    if (w > 1) onRune?.(j, p);
    if (e.kind === CLASS) {
      const r = runeOf(d);
      let hit = false;
      for (let k = 0; k < e.ranges.length && !hit; k += 2) hit = e.ranges[k]! <= r && r <= e.ranges[k + 1]!;
      if (hit === e.negated) break;
    }
    p += w;
  }
  spend(budget, j - from + 1);
  return j === elems.length ? p : FAIL;
}

/**
 * What greedy placement needs to know of one chunk: its runs from every start over the whole value,
 * indexed for the chunk's role. A chunk without a star only ever starts at 0.
 */
interface ChunkTable {
  elems: Elem[];
  /** Without a star: the outcome of the run from 0. */
  atZero: number;
  /** Not the last chunk: the end of the first matching run starting at or after x (FAIL: none). */
  firstMatch?: Int32Array;
  /** ... and where that run starts. */
  firstMatchStart?: Int32Array;
  /** The last chunk: starts whose run ends at e are byEnd[byEndStart[e] .. byEndStart[e + 1]), ascending. */
  byEndStart?: Int32Array;
  byEnd?: Int32Array;
  /** Runs that decoded a multi-byte character at a byte: start, element index pairs, ascending. */
  cutRuns: Map<number, number[]>;
}

function tabulate(c: Chunk, s: ByteString, isLast: boolean, budget: Budget): ChunkTable {
  const n = s.length;
  const cutRuns = new Map<number, number[]>();
  // The start being run, in an object: a closure over a loop variable would slow the loop down.
  const current = { x: 0 };
  const onRune = (j: number, at: number): void => {
    const list = cutRuns.get(at);
    if (list) list.push(current.x, j);
    else cutRuns.set(at, [current.x, j]);
  };
  const table: ChunkTable = { elems: c.elems, atZero: FAIL, cutRuns };
  if (!c.star) {
    table.atZero = run(c.elems, 0, s, 0, n, budget, onRune);
    return table;
  }
  const outcome = new Int32Array(n + 1);
  for (let x = 0; x <= n; x++) {
    current.x = x;
    outcome[x] = run(c.elems, 0, s, x, n, budget, onRune);
  }
  spend(budget, n + 1);
  if (!isLast) {
    const firstMatch = (table.firstMatch = new Int32Array(n + 2).fill(FAIL));
    const firstMatchStart = (table.firstMatchStart = new Int32Array(n + 2).fill(n + 1));
    for (let x = n; x >= 0; x--) {
      const matched = outcome[x]! >= 0;
      firstMatch[x] = matched ? outcome[x]! : firstMatch[x + 1]!;
      firstMatchStart[x] = matched ? x : firstMatchStart[x + 1]!;
    }
    return table;
  }
  const byEndStart = (table.byEndStart = new Int32Array(n + 2));
  for (let x = 0; x <= n; x++) if (outcome[x]! >= 0) byEndStart[outcome[x]! + 1]!++;
  for (let e = 1; e <= n + 1; e++) byEndStart[e]! += byEndStart[e - 1]!;
  const byEnd = (table.byEnd = new Int32Array(byEndStart[n + 1]!));
  const fill = byEndStart.slice(0, n + 1);
  for (let x = 0; x <= n; x++) if (outcome[x]! >= 0) byEnd[fill[outcome[x]!]!++] = x;
  return table;
}

/**
 * For one value and a well-formed pattern: `matches(L)` is what Flux's Match says for s[0:L].
 */
function prefixMatcher(s: ByteString, chunks: Chunk[], budget: Budget): (L: number) => boolean {
  const n = s.length;
  const starred = chunks.filter((c) => c.star && c.elems.length > 0).length;
  if (starred * (n + 1) > MAX_TABLE_ENTRIES)
    throw new MatchBudgetError(
      `on a ${n}-byte value with ${starred} starred chunks would need tables of more than ${MAX_TABLE_ENTRIES} entries`,
    );
  const tables = chunks.map((c, i) =>
    c.elems.length === 0 ? undefined : tabulate(c, s, i === chunks.length - 1, budget),
  );
  // cutAt[L] = start of the multi-byte character that a prefix of length L cuts, else -1.
  let cutAt: Int32Array | undefined;
  for (let i = /[^\x00-\x7f]/.test(s) ? 0 : n; i < n; i++) {
    const w = widthOf(decodeRune(s, i));
    if (w < 2) continue;
    cutAt ??= new Int32Array(n + 1).fill(-1);
    for (let k = 1; k < w; k++) cutAt[i + k] = i;
  }

  /**
   * The first start >= pos, in Go's order, whose run matches on s[0:L] (ending at L when the chunk
   * is the last), `lead` being the start of the character that L cuts, or -1. Returns the run's end.
   */
  const place = (
    t: ChunkTable,
    star: boolean,
    pos: number,
    L: number,
    lead: number,
    isLast: boolean,
  ): number => {
    let best = L;
    let bestEnd = FAIL;
    if (!star) {
      const o = t.atZero;
      if (o >= 0 && (isLast ? o === L : o <= L)) {
        best = pos;
        bestEnd = o;
      }
    } else if (!isLast) {
      // The first match at or after pos that ends within the prefix. A match ends at most a few
      // bytes per element after its start, so the matches skipped here are the few that start
      // just before L and end beyond it.
      const firstMatch = t.firstMatch!;
      const firstMatchStart = t.firstMatchStart!;
      let x = pos;
      let skipped = 0;
      for (; firstMatchStart[x]! < L && firstMatch[x]! > L; x = firstMatchStart[x]! + 1) skipped++;
      if (skipped > 0) spend(budget, skipped);
      if (firstMatchStart[x]! < L) {
        best = firstMatchStart[x]!;
        bestEnd = firstMatch[x]!;
      }
    } else {
      // Matches ending exactly at L, the first at or after pos (binary search).
      const byEnd = t.byEnd!;
      const stop = t.byEndStart![L + 1]!;
      let lo = t.byEndStart![L]!;
      let hi = stop;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byEnd[mid]! < pos) lo = mid + 1;
        else hi = mid;
      }
      if (lo < stop) {
        best = byEnd[lo]!;
        bestEnd = L;
      }
    }
    // Runs that decoded the character L cuts: on the prefix they go differently from that byte on.
    const list = lead >= 0 ? t.cutRuns.get(lead) : undefined;
    if (list) {
      for (let k = 0; k < list.length && list[k]! < best; k += 2) {
        if (list[k]! < pos || (!star && list[k] !== pos)) continue;
        const end = run(t.elems, list[k + 1]!, s, lead, L, budget);
        if (end >= 0 && (isLast ? end === L : end <= L)) {
          best = list[k]!;
          bestEnd = end;
        }
      }
    }
    return bestEnd;
  };

  return (L: number): boolean => {
    spend(budget, chunks.length);
    const lead = cutAt ? cutAt[L]! : -1;
    let pos = 0;
    for (let i = 0; i < chunks.length; i++) {
      const t = tables[i];
      if (!t) return true; // a trailing star matches the rest
      pos = place(t, chunks[i]!.star, pos, L, lead, i === chunks.length - 1);
      if (pos === FAIL) return false;
    }
    return pos === L;
  };
}

/**
 * Flux's trimShortest (`#`) and trimLongest (`##`): s without the shortest or longest prefix that
 * the pattern matches; s itself when none does or the pattern is malformed.
 */
export function trimPrefix(s: ByteString, pattern: ByteString, longest: boolean, budget: Budget): ByteString {
  const chunks = compilePattern(pattern);
  // The empty pattern matches only the empty prefix, which Flux never tries.
  if (s.length === 0 || !chunks || chunks.length === 0) return s;
  const matches = prefixMatcher(s, chunks, budget);
  let shortest = 0;
  for (let L = s.length; L >= 1; L--) {
    if (matches(L)) {
      if (longest) return s.slice(L);
      shortest = L;
    }
  }
  return shortest > 0 ? s.slice(shortest) : s;
}
