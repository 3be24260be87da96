// The linear-work pattern trimming (envsubstMatch.ts) against a direct model of what Flux's engine
// does: every byte prefix, longest first, through a greedy glob match in which `*` and `?` match
// `/` too. The model is written here from that description, in the plainest form (quadratic and
// worse), and both are run on many random values and patterns, including multi-byte characters,
// invalid bytes and malformed patterns. Work is measured in steps, never in time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TABLE_ENTRIES, trimPrefix, type Budget } from '../../server/src/build/envsubstMatch';
import { decodeRune, runeOf, widthOf, toByteString } from '../../server/src/build/goText';

type Outcome = { rest: string } | 'fail' | 'err';

/** One possibly escaped class character: [rune, rest] or undefined for a syntax error. */
function esc(chunk: string): [number, string] | undefined {
  if (chunk === '' || chunk[0] === '-' || chunk[0] === ']') return undefined;
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk === '') return undefined;
  }
  const d = decodeRune(chunk, 0);
  if (runeOf(d) === 0xfffd && widthOf(d) === 1) return undefined;
  const rest = chunk.slice(widthOf(d));
  return rest === '' ? undefined : [runeOf(d), rest];
}

/** Matches chunk (no stars) at the start of s. */
function chunkAt(chunk: string, s: string): Outcome {
  while (chunk.length > 0) {
    if (s.length === 0) return 'fail';
    if (chunk[0] === '[') {
      const r = runeOf(decodeRune(s, 0));
      s = s.slice(widthOf(decodeRune(s, 0)));
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let hit = false;
      let count = 0;
      for (;;) {
        if (chunk[0] === ']' && count > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = esc(chunk);
        if (!lo) return 'err';
        let hi = lo;
        if (lo[1][0] === '-') {
          const h = esc(lo[1].slice(1));
          if (!h) return 'err';
          hi = h;
        }
        if (lo[0] <= r && r <= hi[0]) hit = true;
        chunk = hi[1];
        count++;
      }
      if (hit === negated) return 'fail';
    } else if (chunk[0] === '?') {
      s = s.slice(widthOf(decodeRune(s, 0)));
      chunk = chunk.slice(1);
    } else {
      if (chunk[0] === '\\') {
        chunk = chunk.slice(1);
        if (chunk === '') return 'err';
      }
      if (chunk[0] !== s[0]) return 'fail';
      s = s.slice(1);
      chunk = chunk.slice(1);
    }
  }
  return { rest: s };
}

/** Flux's Match: true, false or 'err'. */
function match(pattern: string, name: string): boolean | 'err' {
  while (pattern.length > 0) {
    let star = false;
    while (pattern[0] === '*') {
      pattern = pattern.slice(1);
      star = true;
    }
    let i = 0;
    let inRange = false;
    for (; i < pattern.length; i++) {
      if (pattern[i] === '\\') {
        if (i + 1 < pattern.length) i++;
      } else if (pattern[i] === '[') inRange = true;
      else if (pattern[i] === ']') inRange = false;
      else if (pattern[i] === '*' && !inRange) break;
    }
    const chunk = pattern.slice(0, i);
    pattern = pattern.slice(i);
    if (star && chunk === '') return true;
    let placed = false;
    for (let x = 0; x <= (star ? name.length : 0); x++) {
      const o = chunkAt(chunk, name.slice(x));
      if (o === 'err') return 'err';
      if (o !== 'fail' && (o.rest === '' || pattern.length > 0)) {
        name = o.rest;
        placed = true;
        break;
      }
    }
    if (!placed) return false;
  }
  return name.length === 0;
}

function modelTrim(s: string, pattern: string, longest: boolean): string {
  let shortest = '';
  for (let L = s.length; L >= 1; L--) {
    const m = match(pattern, s.slice(0, L));
    if (m === 'err') return s;
    if (m) {
      if (longest) return s.slice(L);
      shortest = s.slice(0, L);
    }
  }
  return shortest ? s.slice(shortest.length) : s;
}

const budget = (limit = 1e9): Budget => ({ used: 0, limit });

/** A small deterministic generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b = toByteString;
const VALUE_PARTS = ['a', 'b', '/', '.', b('é'), b('日'), b('😀'), '\xff', '\x97', '-'];
const PATTERN_PARTS = [
  'a',
  'b',
  '/',
  '.',
  '*',
  '*',
  '?',
  '?',
  '[ab]',
  '[^a]',
  '[a-',
  '[]',
  '\\',
  '\\*',
  '[',
  ']',
  '-',
  b('é'),
  b('日'),
  b('[日]'),
  b('[^é]'),
  '\x97',
];

describe('pattern trimming (#, ##) agrees with the model of Flux', () => {
  const cases: Array<[string, string]> = [
    ['path/to/file', '*/'],
    ['/path/to/file', '*/'],
    ['bash.string.txt', '*.'],
    ['a/b/c', '?'],
    [b('日本語'), '?'],
    [b('日本語'), '*'],
    [b('日本語'), b('日')],
    ['abc', '[a-'],
    ['abc', 'b[a-'],
    ['aaa', '*a*a'],
    [b('é/x'), '*?/'],
    [b('日x'), '*?*?'],
  ];
  for (const [s, p] of cases) {
    it(`${JSON.stringify(s)} with ${JSON.stringify(p)}`, () => {
      for (const longest of [false, true])
        assert.equal(trimPrefix(s, p, longest, budget()), modelTrim(s, p, longest));
    });
  }

  it('on 20,000 random values and patterns', () => {
    const rnd = random(14);
    const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      for (let k = Math.floor(rnd() * 9); k > 0; k--) s += pick(VALUE_PARTS);
      let p = '';
      for (let k = 1 + Math.floor(rnd() * 5); k > 0; k--) p += pick(PATTERN_PARTS);
      for (const longest of [false, true]) {
        const want = modelTrim(s, p, longest);
        const got = trimPrefix(s, p, longest, budget());
        if (got !== want)
          assert.fail(
            `${JSON.stringify(s)} ${longest ? '##' : '#'} ${JSON.stringify(p)}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`,
          );
      }
    }
  });
});

describe('pattern trimming does linear work', () => {
  const steps = (s: string, p: string, longest: boolean): number => {
    const w = budget();
    trimPrefix(s, p, longest, w);
    return w.used;
  };
  for (const [p, longest] of [
    ['*a*a*a*b', true],
    ['*a*a*a*b', false],
    ['a*a*a*b*', true],
    ['*?*?*?*b', true],
    ['*[a-z]*b', false],
  ] as const) {
    it(`${longest ? '##' : '#'}${p} against a long run of "a": steps grow linearly with the value`, () => {
      const small = steps('a'.repeat(10_000), p, longest);
      const large = steps('a'.repeat(100_000), p, longest);
      // Linear: ten times the value, about ten times the steps (Flux's own loop is quadratic: 100x).
      assert.ok(large <= small * 11, `${small} steps for 10k, ${large} for 100k`);
      assert.ok(large <= 100_000 * 20 * p.length, `${large} steps for 100k bytes`);
    });
  }
  it('multi-byte values too', () => {
    const small = steps(b('日本').repeat(2_000), '*?*?*b', false);
    const large = steps(b('日本').repeat(20_000), '*?*?*b', false);
    assert.ok(large <= small * 11, `${small} vs ${large}`);
  });
  it('refuses tables beyond their size limit before allocating them', () => {
    const value = 'a'.repeat(MAX_TABLE_ENTRIES / 2);
    assert.throws(() => trimPrefix(value, '*a*a*b', true, budget()), /tables of more than 4194304 entries/);
    assert.equal(trimPrefix(value, 'aa', true, budget()), value.slice(2)); // no star: no tables
  });
  it('stops at the budget with an error instead of running on', () => {
    assert.throws(
      () => trimPrefix('a'.repeat(100_000), '*a*a*a*b', true, budget(10_000)),
      /more than 10000 steps/,
    );
  });
});
