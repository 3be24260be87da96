/**
 * Go's string semantics, for code that must behave exactly like a Go program (Flux's substitution
 * engine). A Go string is a sequence of bytes, usually but not necessarily UTF-8: lengths, offsets
 * and slices count bytes, and a slice may cut a character in half. Here such a string is a
 * "byte string": a JavaScript string whose every char code is one byte (0-255). Slicing, indexOf,
 * split and length then mean what they mean in Go, and runes are decoded only where Go decodes
 * them, with Go's rule for invalid input (U+FFFD, one byte).
 *
 * Case mapping and letter/digit classes come from Go's own Unicode tables (goUnicodeTables.ts,
 * generated from Go): JavaScript's toUpperCase is a full mapping ("ß" -> "SS") of another
 * Unicode version, Go's unicode.ToUpper maps one rune to one rune.
 */
import { isUtf8 } from 'node:buffer';
import { CASE_RUNS, DIGIT_RANGES, LETTER_RANGES } from './goUnicodeTables';

/** A Go string: one char per byte (char codes 0-255). */
export type ByteString = string;

export const RUNE_ERROR = 0xfffd;

const NON_ASCII = /[^\x00-\x7f]/;

/** The UTF-8 bytes of a JavaScript string, as a byte string. */
export function toByteString(text: string): ByteString {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** The text of a byte string that is valid UTF-8, or undefined when it is not. */
export function fromByteString(bytes: ByteString): string | undefined {
  if (!NON_ASCII.test(bytes)) return bytes;
  const buf = Buffer.from(bytes, 'latin1');
  return isUtf8(buf) ? buf.toString('utf8') : undefined;
}

/**
 * Go's utf8.DecodeRuneInString(s[i:end]): the rune and its width packed as `rune * 8 + width`
 * (use {@link runeOf} and {@link widthOf}). Invalid or incomplete input is U+FFFD of width 1.
 */
export function decodeRune(s: ByteString, i: number, end: number = s.length): number {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return b0 * 8 + 1;
  const bad = RUNE_ERROR * 8 + 1;
  if (b0 < 0xc2 || b0 > 0xf4) return bad;
  if (i + 1 >= end) return bad;
  const b1 = s.charCodeAt(i + 1);
  // The second byte's range depends on the first (no overlongs, no surrogates, <= U+10FFFF).
  const lo = b0 === 0xe0 ? 0xa0 : b0 === 0xf0 ? 0x90 : 0x80;
  const hi = b0 === 0xed ? 0x9f : b0 === 0xf4 ? 0x8f : 0xbf;
  if (b1 < lo || b1 > hi) return bad;
  if (b0 < 0xe0) return (((b0 & 0x1f) << 6) | (b1 & 0x3f)) * 8 + 2;
  if (i + 2 >= end) return bad;
  const b2 = s.charCodeAt(i + 2);
  if (b2 < 0x80 || b2 > 0xbf) return bad;
  if (b0 < 0xf0) return (((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f)) * 8 + 3;
  if (i + 3 >= end) return bad;
  const b3 = s.charCodeAt(i + 3);
  if (b3 < 0x80 || b3 > 0xbf) return bad;
  return (((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) * 8 + 4;
}

export const runeOf = (packed: number): number => Math.floor(packed / 8);
export const widthOf = (packed: number): number => packed & 7;

/** Go's string(rune): UTF-8 bytes of a rune (U+FFFD for surrogates and values out of range). */
export function encodeRune(r: number): ByteString {
  if (r < 0x80) return String.fromCharCode(r);
  if (r < 0x800) return String.fromCharCode(0xc0 | (r >> 6), 0x80 | (r & 0x3f));
  if ((r >= 0xd800 && r <= 0xdfff) || r > 0x10ffff) r = RUNE_ERROR;
  if (r < 0x10000) return String.fromCharCode(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
  return String.fromCharCode(
    0xf0 | (r >> 18),
    0x80 | ((r >> 12) & 0x3f),
    0x80 | ((r >> 6) & 0x3f),
    0x80 | (r & 0x3f),
  );
}

/** Go's []rune(s) then string(...) with `map` applied to each rune; invalid bytes become U+FFFD. */
function mapRunes(s: ByteString, map: (r: number) => number): ByteString {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const d = decodeRune(s, i);
    out += encodeRune(map(runeOf(d)));
    i += widthOf(d);
  }
  return out;
}

const isAscii = (s: ByteString): boolean => !NON_ASCII.test(s);

/** Go's strings.ToUpper. */
export function goToUpper(s: ByteString): ByteString {
  return isAscii(s) ? s.toUpperCase() : mapRunes(s, upperRune);
}

/** Go's strings.ToLower. */
export function goToLower(s: ByteString): ByteString {
  return isAscii(s) ? s.toLowerCase() : mapRunes(s, lowerRune);
}

/** string(f(first rune)) + rest, as Flux's `^` and `,` operators do. */
export function mapFirstRune(s: ByteString, f: (r: number) => number): ByteString {
  if (s === '') return s;
  const d = decodeRune(s, 0);
  return encodeRune(f(runeOf(d))) + s.slice(widthOf(d));
}

/** The runes of s in reverse order ([]rune conversion: invalid bytes become U+FFFD). */
export function reverseRunes(s: ByteString): ByteString {
  if (isAscii(s)) {
    let out = '';
    for (let i = s.length - 1; i >= 0; i--) out += s[i];
    return out;
  }
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    const d = decodeRune(s, i);
    parts.push(encodeRune(runeOf(d)));
    i += widthOf(d);
  }
  return parts.reverse().join('');
}

/** Go's strings.Replace(s, "", with, n) for n = 1 (first) or all: `with` before every rune and at the end. */
export function insertAroundRunes(s: ByteString, with_: string, all: boolean): ByteString {
  if (!all) return with_ + s;
  let out = with_;
  for (let i = 0; i < s.length; ) {
    const w = widthOf(decodeRune(s, i));
    out += s.slice(i, i + w) + with_;
    i += w;
  }
  return out;
}

/** Number of runes (utf8.RuneCountInString: an invalid byte counts as one). */
export function runeCount(s: ByteString): number {
  if (isAscii(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; n++) i += widthOf(decodeRune(s, i));
  return n;
}

// --- Go's Unicode tables -----------------------------------------------------------------------

function parseRanges(text: string): Int32Array {
  return Int32Array.from(text.split(',').map((h) => Number.parseInt(h, 16)));
}

/** Binary search in sorted lo,hi pairs. */
function inRanges(table: Int32Array, r: number): boolean {
  let lo = 0;
  let hi = table.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r < table[mid * 2]!) hi = mid - 1;
    else if (r > table[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

let letters: Int32Array | undefined;
let digits: Int32Array | undefined;

/** Go's unicode.IsLetter. */
export function isGoLetter(r: number): boolean {
  if (r < 0x80) return (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  return inRanges((letters ??= parseRanges(LETTER_RANGES)), r);
}

/** Go's unicode.IsDigit. */
export function isGoDigit(r: number): boolean {
  if (r < 0x80) return r >= 0x30 && r <= 0x39;
  return inRanges((digits ??= parseRanges(DIGIT_RANGES)), r);
}

interface CaseTable {
  lo: Int32Array;
  hi: Int32Array;
  /** Upper-case delta, or NaN for an alternating run. */
  up: Float64Array;
  down: Int32Array;
}
let cases: CaseTable | undefined;

function caseTable(): CaseTable {
  if (cases) return cases;
  const runs = CASE_RUNS.split(',');
  const t: CaseTable = {
    lo: new Int32Array(runs.length),
    hi: new Int32Array(runs.length),
    up: new Float64Array(runs.length),
    down: new Int32Array(runs.length),
  };
  runs.forEach((run, i) => {
    const [lo, hi, up, down] = run.split(':');
    t.lo[i] = Number.parseInt(lo!, 16);
    t.hi[i] = Number.parseInt(hi!, 16);
    t.up[i] = up === 'a' ? Number.NaN : Number(up);
    t.down[i] = up === 'a' ? 0 : Number(down);
  });
  return (cases = t);
}

/** Maps r with Go's tables; `upper` selects unicode.ToUpper, else unicode.ToLower. */
function mapCase(r: number, upper: boolean): number {
  const t = caseTable();
  let lo = 0;
  let hi = t.lo.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r < t.lo[mid]!) hi = mid - 1;
    else if (r > t.hi[mid]!) lo = mid + 1;
    else {
      const up = t.up[mid]!;
      if (Number.isNaN(up)) {
        const isUpper = (r - t.lo[mid]!) % 2 === 0;
        return upper ? (isUpper ? r : r - 1) : isUpper ? r + 1 : r;
      }
      return r + (upper ? up : t.down[mid]!);
    }
  }
  return r;
}

/** Go's unicode.ToUpper. */
export function upperRune(r: number): number {
  if (r < 0x80) return r >= 0x61 && r <= 0x7a ? r - 32 : r;
  return mapCase(r, true);
}

/** Go's unicode.ToLower. */
export function lowerRune(r: number): number {
  if (r < 0x80) return r >= 0x41 && r <= 0x5a ? r + 32 : r;
  return mapCase(r, false);
}

/**
 * The message Go's YAML reader (go-yaml, behind Flux's YAMLToJSON) gives for the first invalid
 * UTF-8 sequence in a byte string, or undefined when it is valid. Its checks, in its order: the
 * leading byte, completeness, the trailing bytes, overlong forms, then the code point's range.
 */
export function yamlUtf8Error(s: ByteString): string | undefined {
  for (let i = 0; i < s.length; ) {
    const b = s.charCodeAt(i);
    if (b < 0x80) {
      i++;
      continue;
    }
    const width = (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (width === 0) return 'invalid leading UTF-8 octet';
    if (i + width > s.length) return 'incomplete UTF-8 octet sequence';
    let value = b & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
    for (let k = 1; k < width; k++) {
      const t = s.charCodeAt(i + k);
      if ((t & 0xc0) !== 0x80) return 'invalid trailing UTF-8 octet';
      value = value * 64 + (t & 0x3f);
    }
    if (value < (width === 2 ? 0x80 : width === 3 ? 0x800 : 0x10000))
      return 'invalid length of a UTF-8 sequence';
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return 'invalid Unicode character';
    i += width;
  }
  return undefined;
}
