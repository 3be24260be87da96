/**
 * The split of an edited text from the split of its previous version: the pieces before the edit
 * are kept as they were, the pieces after it are the old ones moved by the edit's length, and only
 * the stretch between is scanned again. A keystroke in a file of 50,000 documents so reads a few
 * lines, not the whole file (the full split is a linear scan of every line).
 */
import { pieceIndexAt, scanPieces, startsWithDocumentMarker, type Piece } from './pieces';

/** The pieces of the new text, and what of the old split they reuse. */
export interface Resplit {
  pieces: Piece[];
  /** Pieces [0, prefix) are the old piece objects, unchanged. */
  prefix: number;
  /**
   * Pieces [suffixNew, end) are the old pieces [suffixOld, end) with the same text, moved by
   * `delta` characters and `lineDelta` lines. Absent when the scan ran to the end of the text.
   */
  suffix?: { suffixNew: number; suffixOld: number; delta: number; lineDelta: number };
  /** Lines the splitter read: the work done (a full split reads every line). */
  linesScanned: number;
}

/**
 * Where two texts differ: they are equal before `start`, and equal from `oldEnd` (in `a`) and
 * `newEnd` (in `b`) to their ends. Compared a block at a time (string equality is native).
 */
export function changedSpan(a: string, b: string): { start: number; oldEnd: number; newEnd: number } {
  const n = Math.min(a.length, b.length);
  const BLOCK = 1024;
  let p = 0;
  while (p + BLOCK <= n && a.slice(p, p + BLOCK) === b.slice(p, p + BLOCK)) p += BLOCK;
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  // The common suffix may not overlap the common prefix.
  const room = n - p;
  let s = 0;
  while (
    s + BLOCK <= room &&
    a.slice(a.length - s - BLOCK, a.length - s) === b.slice(b.length - s - BLOCK, b.length - s)
  )
    s += BLOCK;
  while (s < room && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  return { start: p, oldEnd: a.length - s, newEnd: b.length - s };
}

/**
 * Splits `text` reusing `prev`, the split of `prevText`. The result equals splitDocuments(text):
 * the scan starts at the boundary before the piece holding the first change (a boundary's state is
 * its marker line, which lies before the change), and stops at the first boundary after the change
 * that is also an old boundary (from there both texts, and so both splits, are the same).
 */
export function resplit(prevText: string, prev: readonly Piece[], text: string): Resplit {
  const { start, newEnd } = changedSpan(prevText, text);
  if (start === prevText.length && start === text.length)
    return { pieces: [...prev], prefix: prev.length, linesScanned: 0 };
  const containing = Math.max(0, pieceIndexAt(prev, start));
  // One piece earlier: an edit of a piece's first line may remove the boundary before it.
  const k = Math.max(0, containing - 1);
  const from = prev[k]!;
  const delta = text.length - prevText.length;
  const out = prev.slice(0, k);
  let j = k;
  const stop = (offset: number): boolean => {
    if (offset < newEnd) return false;
    const old = offset - delta;
    while (j < prev.length && prev[j]!.offset < old) j++;
    return j < prev.length && prev[j]!.offset === old;
  };
  const preamble = k === 0 || !startsWithDocumentMarker(text, from.offset);
  const scan = scanPieces(text, { offset: from.offset, line: from.line, preamble }, out, stop);
  if (!scan.stoppedAt) return { pieces: out, prefix: k, linesScanned: scan.lines };
  const suffixNew = out.length;
  const lineDelta = scan.stoppedAt.line - prev[j]!.line;
  for (let i = j; i < prev.length; i++) {
    const p = prev[i]!;
    out.push(
      delta === 0 && lineDelta === 0
        ? p
        : { line: p.line + lineDelta, offset: p.offset + delta, text: p.text },
    );
  }
  return {
    pieces: out,
    prefix: k,
    suffix: { suffixNew, suffixOld: j, delta, lineDelta },
    linesScanned: scan.lines,
  };
}
