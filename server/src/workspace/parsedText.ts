/**
 * The parse of one version of a file, made from the parse of its previous version: documents
 * before the edit are the old objects, documents after it are the old ones moved (offsets and
 * indexes; their YAML nodes are shared, since node ranges are relative to their piece), and only
 * the pieces the edit touched are parsed. See flux/resplit.ts for the split.
 */
import { pieceIndexAt } from '../flux/pieces';
import { resplit } from '../flux/resplit';
import { drain, drainSliced, type SliceClock } from '../io/slices';
import {
  DEFAULT_PIECE_LIMITS,
  parseFile,
  parseFileSteps,
  splitDocuments,
  type DocInfo,
  type ParsedFile,
  type Piece,
  type PieceLimits,
} from './documents';

/** A text, its pieces, and the documents of each piece in file coordinates. */
export interface ParsedText {
  readonly text: string;
  readonly pieces: readonly Piece[];
  /** Parallel to `pieces`. */
  readonly docsOf: ReadonlyArray<readonly DocInfo[]>;
  /** Every document, in file order. */
  readonly file: ParsedFile;
  readonly limits: PieceLimits;
}

/** What one reparse did: lines the splitter read, pieces parsed, documents moved. */
export interface ParseWork {
  linesScanned: number;
  piecesParsed: number;
  docsMoved: number;
}

/** Where a moved document came from (facts derived from a document move with it, see fileIndex.ts). */
export interface Moved {
  from: DocInfo;
  delta: number;
  indexDelta: number;
}

const movedFrom = new WeakMap<DocInfo, Moved>();

/** The document `d` was moved from, when it is a moved copy. */
export function origin(d: DocInfo): Moved | undefined {
  return movedFrom.get(d);
}

/** A reparse waiting for its new pieces to be parsed (the only costly part, done in slices). */
interface Plan {
  pieces: Piece[];
  /** The documents of each piece: the old ones (not yet moved), or the new parse (placed). */
  docsOf: Array<readonly DocInfo[] | undefined>;
  /** Pieces to parse. */
  missing: number[];
  /** Pieces from here on are old pieces moved by `delta` characters. */
  suffixNew: number;
  delta: number;
  work: ParseWork;
}

function plan(prev: ParsedText | undefined, text: string, limits: PieceLimits): Plan {
  if (!prev || prev.limits !== limits) {
    const pieces = splitDocuments(text);
    return {
      pieces,
      docsOf: new Array<undefined>(pieces.length),
      missing: pieces.map((_, i) => i),
      suffixNew: pieces.length,
      delta: 0,
      work: { linesScanned: countLines(text), piecesParsed: 0, docsMoved: 0 },
    };
  }
  const r = resplit(prev.text, prev.pieces, text);
  const docsOf: Array<readonly DocInfo[] | undefined> = new Array(r.pieces.length);
  const missing: number[] = [];
  for (let i = 0; i < r.prefix; i++) docsOf[i] = prev.docsOf[i];
  const suffixNew = r.suffix ? r.suffix.suffixNew : r.pieces.length;
  for (let i = r.prefix; i < suffixNew; i++) {
    // A piece scanned again that came out as it was (same place, same text) keeps its parse.
    const piece = r.pieces[i]!;
    const j = pieceIndexAt(prev.pieces, piece.offset);
    const old = prev.pieces[j];
    if (old && old.offset === piece.offset && old.text === piece.text) docsOf[i] = prev.docsOf[j];
    else missing.push(i);
  }
  if (r.suffix) {
    const { suffixOld } = r.suffix;
    for (let i = suffixNew; i < r.pieces.length; i++) docsOf[i] = prev.docsOf[i - suffixNew + suffixOld];
  }
  return {
    pieces: r.pieces,
    docsOf,
    missing,
    suffixNew,
    delta: r.suffix?.delta ?? 0,
    work: { linesScanned: r.linesScanned, piecesParsed: 0, docsMoved: 0 },
  };
}

/** The documents of a plan whose pieces are all parsed, numbered and moved: one step per piece. */
function* finish(
  p: Plan,
  text: string,
  limits: PieceLimits,
): Generator<void, { parsed: ParsedText; work: ParseWork }> {
  const docs: DocInfo[] = [];
  const parsed = new Set(p.missing);
  for (let i = 0; i < p.pieces.length; i++) {
    yield;
    let local = p.docsOf[i]!;
    if (parsed.has(i)) {
      // Fresh objects of this parse: numbered in place.
      for (const d of local) (d as { index: number }).index += docs.length;
    } else {
      // Old documents: moved when the edit moved their offsets or their numbering.
      const delta = i >= p.suffixNew ? p.delta : 0;
      const shift = docs.length - (local[0]?.index ?? docs.length);
      if (delta !== 0 || shift !== 0) {
        p.docsOf[i] = local = local.map((d) => move(d, delta, shift));
        p.work.docsMoved += local.length;
      }
    }
    for (const d of local) docs.push(d);
  }
  return {
    parsed: { text, pieces: p.pieces, docsOf: p.docsOf as DocInfo[][], file: { docs }, limits },
    work: p.work,
  };
}

/** Parses one piece a plan lacks, in steps; `seen` shares the parse of pieces with the same text. */
function* parseOne(
  p: Plan,
  i: number,
  seen: Map<string, DocInfo[]>,
  limits: PieceLimits,
): Generator<void, true> {
  const piece = p.pieces[i]!;
  let local = seen.get(piece.text);
  if (!local) {
    local = (yield* parseFileSteps(piece.text, limits)).docs;
    seen.set(piece.text, local);
    p.work.piecesParsed++;
  }
  // Placed at the piece (fresh objects: the same text may occur twice); numbered by finish().
  p.docsOf[i] = local.map((d) => shifted(d, piece.offset, 0));
  return true;
}

/** The documents of one piece alone, in file coordinates (numbered from 0 within the piece). */
export function parsePiece(piece: Piece, limits: PieceLimits = DEFAULT_PIECE_LIMITS): DocInfo[] {
  return parseFile(piece.text, limits).docs.map((d) => shifted(d, piece.offset, 0));
}

/** The parse of `text`, reusing `prev` (the parse of an earlier version of the same file). */
export function reparse(
  prev: ParsedText | undefined,
  text: string,
  limits: PieceLimits = DEFAULT_PIECE_LIMITS,
): { parsed: ParsedText; work: ParseWork } {
  if (prev && prev.text === text && prev.limits === limits) return { parsed: prev, work: noWork() };
  const p = plan(prev, text, limits);
  const seen = new Map<string, DocInfo[]>();
  for (const i of p.missing) drain(parseOne(p, i, seen, limits));
  return drain(finish(p, text, limits));
}

/** {@link reparse}, the new pieces parsed in slices that yield the thread (see io/slices.ts). */
export async function reparseSliced(
  prev: ParsedText | undefined,
  text: string,
  clock: SliceClock,
  limits: PieceLimits = DEFAULT_PIECE_LIMITS,
  isCancelled: () => boolean = () => false,
): Promise<{ parsed: ParsedText; work: ParseWork } | undefined> {
  if (prev && prev.text === text && prev.limits === limits) return { parsed: prev, work: noWork() };
  const p = plan(prev, text, limits);
  const seen = new Map<string, DocInfo[]>();
  for (const i of p.missing) {
    if ((await clock.yieldIfDue()) && isCancelled()) return undefined;
    // A piece's parse yields too (one large document of costly YAML takes hundreds of milliseconds).
    if (!(await drainSliced(parseOne(p, i, seen, limits), clock, isCancelled))) return undefined;
  }
  // The numbering and moving of the documents that follow the edit, in slices as well.
  return drainSliced(finish(p, text, limits), clock, isCancelled);
}

function noWork(): ParseWork {
  return { linesScanned: 0, piecesParsed: 0, docsMoved: 0 };
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A copy of `d` moved by `delta` characters and `indexDelta` documents, remembering its origin. */
function move(d: DocInfo, delta: number, indexDelta: number): DocInfo {
  const from = movedFrom.get(d);
  const out = shifted(d, delta, indexDelta);
  // Chains collapse to the document whose facts were computed (see fileIndex.ts).
  movedFrom.set(
    out,
    from
      ? { from: from.from, delta: from.delta + delta, indexDelta: from.indexDelta + indexDelta }
      : { from: d, delta, indexDelta },
  );
  return out;
}

function shifted(d: DocInfo, delta: number, indexDelta: number): DocInfo {
  const out: DocInfo = {
    index: d.index + indexDelta,
    base: d.base + delta,
    start: d.start + delta,
    end: d.end + delta,
    labels: d.labels,
    contents: d.contents,
  };
  if (d.apiVersion !== undefined) out.apiVersion = d.apiVersion;
  if (d.kind !== undefined) out.kind = d.kind;
  if (d.name !== undefined) out.name = d.name;
  if (d.namespace !== undefined) out.namespace = d.namespace;
  if (d.apiVersionRange) out.apiVersionRange = [d.apiVersionRange[0] + delta, d.apiVersionRange[1] + delta];
  if (d.kindRange) out.kindRange = [d.kindRange[0] + delta, d.kindRange[1] + delta];
  if (d.notChecked) out.notChecked = d.notChecked;
  if (d.typeProblem)
    out.typeProblem = {
      ...d.typeProblem,
      range: [d.typeProblem.range[0] + delta, d.typeProblem.range[1] + delta],
    };
  return out;
}
