/**
 * A YAML stream cut into its documents ("pieces") by a linear scan of the text, so that every later
 * step (parsing, schema validation, hover, completion) works on one document at a time and an edit
 * redoes only the document it touched. YAML anchors, keys and directives never cross a document.
 */
export interface Piece {
  /** Zero-based line of the piece's first character in the file. */
  line: number;
  offset: number;
  text: string;
}

const MARKER = /^(---|\.\.\.)(\s|$)/;

/**
 * Splits at document markers (`---` or `...` at column 0; a block scalar's content is always
 * indented, so a marker there cannot be content). Directives (`%YAML 1.2`, `%TAG`) and comments
 * before a `---` stay with the document they introduce: a directive alone is not a document (and
 * parsed alone it is "missing its directives-end marker"), and a modeline above the first `---`
 * belongs to the first document, as yaml-language-server reads it.
 */
export function splitDocuments(text: string): Piece[] {
  const out: Piece[] = [];
  scanPieces(text, { offset: 0, line: 0, preamble: true }, out);
  return out;
}

/** Where a scan starts: a piece's first line, and whether the piece holds only a preamble so far. */
export interface ScanStart {
  offset: number;
  line: number;
  /** True at the start of the text and after a `...` marker; false after a `---` marker. */
  preamble: boolean;
}

/**
 * The splitter itself: pushes the pieces of `text` from `from` on into `out`. The state at a piece
 * boundary is only whether the boundary is a `---` marker, so a scan may start at any boundary of
 * an earlier split of the same text (see resplit.ts). `stop` is asked at every new boundary; when
 * it answers true the scan ends there, without pushing the piece that starts at the boundary.
 * Returns the boundary it stopped at, and the number of lines it read.
 */
export function scanPieces(
  text: string,
  from: ScanStart,
  out: Piece[],
  stop?: (offset: number, line: number) => boolean,
): { stoppedAt?: { offset: number; line: number }; lines: number } {
  let start = from.offset;
  let startLine = from.line;
  let line = from.line;
  let at = from.offset;
  // True while the current piece holds only markers, directives, comments and blank lines.
  let onlyPreamble = from.preamble;
  let lines = 0;
  while (at <= text.length) {
    lines++;
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    const head = text.slice(at, Math.min(end, at + 4));
    const isMarker = MARKER.test(head);
    const startsDocument = isMarker && head.startsWith('---');
    if (line > startLine && isMarker && !(startsDocument && onlyPreamble)) {
      out.push({ line: startLine, offset: start, text: text.slice(start, at) });
      if (stop?.(at, line)) return { stoppedAt: { offset: at, line }, lines };
      start = at;
      startLine = line;
      onlyPreamble = !startsDocument;
    } else if (startsDocument) {
      onlyPreamble = false;
    } else if (onlyPreamble && !isPreambleLine(text, at, end)) {
      onlyPreamble = false;
    }
    if (nl < 0) break;
    at = end;
    line++;
  }
  out.push({ line: startLine, offset: start, text: text.slice(start) });
  return { lines };
}

/**
 * The pieces of `text`, a text of the same length as that `pieces` were split from which differs
 * only inside documents (same-length rewrites that leave every marker line as it was): the same
 * boundaries, with their text from `text`. Pieces whose text is unchanged are the same objects.
 */
export function sameSplit(pieces: readonly Piece[], text: string): Piece[] {
  return pieces.map((p) => {
    const t = text.slice(p.offset, p.offset + p.text.length);
    return t === p.text ? p : { ...p, text: t };
  });
}

/** Whether the line at `offset` (a piece boundary) is a `---` marker. */
export function startsWithDocumentMarker(text: string, offset: number): boolean {
  const head = text.slice(offset, offset + 4);
  return MARKER.test(head) && head.startsWith('---');
}

function isPreambleLine(text: string, from: number, to: number): boolean {
  let i = from;
  while (i < to && (text[i] === ' ' || text[i] === '\t')) i++;
  const c = text[i];
  if (i >= to || c === '\n' || c === '\r' || c === '#') return true;
  // A directive starts at column 0; `...` ends the previous document.
  return i === from && (c === '%' || text.startsWith('...', i));
}

/** Nothing but markers, directives and comments: there is nothing to check. */
export function isBlankDocument(text: string): boolean {
  for (const l of text.split('\n')) {
    const t = l.trim();
    if (!(t === '' || t === '---' || t === '...' || t.startsWith('#') || l.startsWith('%'))) return false;
  }
  return true;
}

/** The piece holding `offset` (the last one starting at or before it). */
export function pieceAt(pieces: readonly Piece[], offset: number): Piece | undefined {
  return pieces[pieceIndexAt(pieces, offset)];
}

/** The index of the last piece starting at or before `offset` (-1 when none does). */
export function pieceIndexAt(pieces: readonly Piece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pieces[mid]!.offset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

interface Pos {
  line: number;
  character: number;
}
interface Rng {
  start: Pos;
  end: Pos;
}

/** Moves every LSP range in a piece's answer (hover, completion items) by `lines`, in place. */
export function shiftRanges<T>(value: T, lines: number): T {
  if (lines === 0 || value === null || typeof value !== 'object') return value;
  const stack: unknown[] = [value];
  const seen = new Set<unknown>();
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (isRange(v)) {
      // New positions: the engine may share one position object between ranges.
      v.start = { line: v.start.line + lines, character: v.start.character };
      v.end = { line: v.end.line + lines, character: v.end.character };
      continue;
    }
    for (const child of Object.values(v as Record<string, unknown>)) stack.push(child);
  }
  return value;
}

function isRange(v: object): v is Rng {
  const r = v as Partial<Rng>;
  return (
    typeof r.start === 'object' &&
    r.start !== null &&
    typeof r.start.line === 'number' &&
    typeof r.end === 'object' &&
    r.end !== null &&
    typeof r.end.line === 'number'
  );
}

/**
 * An upper bound of structural depth: flow brackets, and the column where a line's content starts,
 * with compact indicators (`- - - x`, `? - a`: several levels on one line) counted as indentation.
 */
export function maxNesting(text: string): number {
  return nestingOf(text);
}

/** The index of the quote closing the quoted scalar that starts at `at` (or the last index). */
function closingQuote(text: string, at: number): number {
  const q = text[at];
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (q === '"' && c === '\\') i++;
    else if (c === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length - 1;
}

function nestingOf(text: string): number {
  let flow = 0;
  let maxFlow = 0;
  let maxIndent = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32) {
        indent++;
        continue;
      }
      // `-`, `?` or `:` followed by a space opens a level without a new line.
      const after = text.charCodeAt(i + 1);
      if ((c === 45 || c === 63 || c === 58) && (after === 32 || after === 9)) {
        indent += 2;
        i++;
        continue;
      }
      lineStart = false;
      if (indent > maxIndent) maxIndent = indent;
    }
    const prev = i > 0 ? text.charCodeAt(i - 1) : 10;
    const tokenStart =
      prev === 32 || prev === 9 || prev === 10 || prev === 58 || prev === 44 || prev === 91 || prev === 123;
    if ((c === 34 || c === 39) && tokenStart) {
      // A quoted scalar: brackets inside it are text (`"${A:-${B}}"`), not structure.
      i = closingQuote(text, i);
      continue;
    }
    if (c === 35 && (prev === 32 || prev === 9 || prev === 10)) {
      // A comment, to the end of the line.
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (c === 91 || c === 123) {
      if (++flow > maxFlow) maxFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
  }
  // Two spaces per level is the common indentation; a rough bound is all that is needed.
  return Math.max(maxFlow, Math.floor(maxIndent / 2));
}
