import { Composer, Lexer, Parser, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { DEFAULT_COMPLEXITY, measureDocument, sizeVerdict, type ComplexityLimits } from '../flux/complexity';
import { maxNesting } from '../flux/pieces';
import { MAX_PARSE_NESTING } from '../flux/safeYaml';
import { drain } from '../io/slices';

/** Limits applied to each piece (document) of a file before and after parsing it. */
export interface PieceLimits {
  maxNesting: number;
  complexity: ComplexityLimits;
}

export const DEFAULT_PIECE_LIMITS: PieceLimits = {
  maxNesting: MAX_PARSE_NESTING,
  complexity: DEFAULT_COMPLEXITY,
};

/**
 * How the documents of a piece are parsed when not the default (the stepped parse below): the
 * command line's validation threads parse with the schema engine's own parser and keep what it made,
 * so that the engine validates the very documents the model was made of (one parse per document).
 */
let documentsParser: ((text: string) => Document.Parsed[]) | undefined;

/** Sets (or, with undefined, unsets) the parser of {@link parseFileSteps} for this thread. */
export function setDocumentsParser(parse: ((text: string) => Document.Parsed[]) | undefined): void {
  documentsParser = parse;
}

/** The facts about one YAML document of a file that Flux features need. */
export interface DocInfo {
  index: number;
  /** Offset in the file of the text this document was parsed from; `contents` ranges are relative to it. */
  base: number;
  start: number;
  end: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labels: Record<string, string>;
  /** Offsets of the apiVersion value, for diagnostics on it. */
  apiVersionRange?: [number, number];
  kindRange?: [number, number];
  contents: Node | null;
  /** Set when the schema engine is not given this document (see complexity.ts). */
  notChecked?: NotChecked;
  typeProblem?: TypeProblem;
}

export interface ParsedFile {
  docs: DocInfo[];
}

/** Why a document is not given to the schema engine (too large or too costly); unset when it is. */
export interface NotChecked {
  reason: string;
}

/** A root `apiVersion` or `kind` that is not a string: not a Kubernetes object the engines can read. */
export interface TypeProblem {
  key: 'apiVersion' | 'kind';
  /** Offsets in the file. */
  range: [number, number];
  source: string;
}

/**
 * Parses a file's documents for Flux facts. Never throws: a broken file yields what could be read.
 * A text nested deeper than `limits.maxNesting` is not parsed (the parser recurses per level), and
 * one too large (see sizeVerdict) is read by a line scan for its apiVersion, kind and name only.
 */
export function parseFile(text: string, limits: PieceLimits = DEFAULT_PIECE_LIMITS): ParsedFile {
  return drain(parseFileSteps(text, limits));
}

/**
 * {@link parseFile} in steps, for work that yields the thread between two: the YAML parse yields
 * every {@link STEP_TOKENS} tokens (one document of 64 KB of aliases and complex keys took 230 ms
 * to parse; composing it, one step, takes a third of that).
 */
export function* parseFileSteps(
  text: string,
  limits: PieceLimits = DEFAULT_PIECE_LIMITS,
): Generator<void, ParsedFile> {
  const tooLarge = sizeVerdict(text, limits.complexity);
  if (tooLarge) return { docs: [scanDocInfo(text, { reason: tooLarge })] };
  const depth = maxNesting(text);
  if (depth > limits.maxNesting) {
    return {
      docs: [
        scanDocInfo(text, { reason: `it is nested ${depth} levels deep, more than ${limits.maxNesting}` }),
      ],
    };
  }
  const docs: DocInfo[] = [];
  let list: Document.Parsed[];
  try {
    list = documentsParser ? documentsParser(text) : yield* parseAllDocumentsSteps(text);
  } catch {
    return { docs };
  }
  list.forEach((doc, index) => {
    const [start, , end] = doc.range;
    const info: DocInfo = { index, base: 0, start, end, labels: {}, contents: doc.contents };
    const verdict = measureDocument(doc.contents, limits.complexity);
    if (!verdict.ok) info.notChecked = { reason: verdict.reason };
    const root = doc.contents;
    if (isMap(root)) {
      for (const pair of root.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const value = pair.value as Node | null;
        if ((key === 'apiVersion' || key === 'kind') && value && !isPlainString(value)) {
          if (value.range && !(isScalar(value) && value.value === null)) {
            info.typeProblem = {
              key,
              range: [value.range[0], value.range[1]],
              source: text.slice(value.range[0], Math.min(value.range[1], value.range[0] + 40)),
            };
          }
        } else if (key === 'apiVersion' && isScalar(value) && typeof value.value === 'string') {
          info.apiVersion = value.value;
          if (value.range) info.apiVersionRange = [value.range[0], value.range[1]];
        } else if (key === 'kind' && isScalar(value) && typeof value.value === 'string') {
          info.kind = value.value;
          if (value.range) info.kindRange = [value.range[0], value.range[1]];
        } else if (key === 'metadata' && isMap(value)) {
          for (const m of value.items) {
            const mk = isScalar(m.key) ? m.key.value : undefined;
            if (mk === 'name' && isScalar(m.value)) info.name = String(m.value.value);
            if (mk === 'namespace' && isScalar(m.value)) info.namespace = String(m.value.value);
            if (mk === 'labels' && isMap(m.value)) {
              for (const l of m.value.items) {
                if (isScalar(l.key) && isScalar(l.value))
                  info.labels[String(l.key.value)] = String(l.value.value);
              }
            }
          }
        }
      }
    }
    docs.push(info);
  });
  return { docs };
}

/** Tokens of the YAML lexer between two steps of {@link parseAllDocumentsSteps}. */
const STEP_TOKENS = 512;

/**
 * `parseAllDocuments` of the `yaml` package (the same Lexer, Parser and Composer, driven as it
 * drives them), yielding between tokens. No pretty errors: the messages are not read here, and
 * making each one copies its whole line and searches it (a file of long lines and many errors took
 * hundreds of milliseconds so).
 */
function* parseAllDocumentsSteps(source: string): Generator<void, Document.Parsed[]> {
  const parser = new Parser();
  const composer = new Composer({ uniqueKeys: false, keepSourceTokens: false, logLevel: 'error' });
  const docs: Document.Parsed[] = [];
  let tokens = 0;
  for (const lexeme of new Lexer().lex(source)) {
    for (const token of parser.next(lexeme)) for (const doc of composer.next(token)) docs.push(doc);
    if (++tokens % STEP_TOKENS === 0) yield;
  }
  for (const token of parser.end()) for (const doc of composer.next(token)) docs.push(doc);
  for (const doc of composer.end()) docs.push(doc);
  return docs;
}

function isPlainString(n: Node): boolean {
  return isScalar(n) && typeof n.value === 'string' && !n.tag;
}

/**
 * The apiVersion, kind and name of a document too large to parse on the main thread, from its
 * root-level lines (`apiVersion: x` at column 0, `name:` indented under `metadata:`).
 */
function scanDocInfo(text: string, notChecked: NotChecked): DocInfo {
  const info: DocInfo = {
    index: 0,
    base: 0,
    start: 0,
    end: text.length,
    labels: {},
    contents: null,
    notChecked,
  };
  const root = /^(apiVersion|kind|metadata):[ \t]*(.*)$/gm;
  let inMetadata = false;
  for (let m = root.exec(text); m; m = root.exec(text)) {
    const value = unquote(m[2]!);
    const from = m.index + m[0].length - m[2]!.length;
    if (m[1] === 'apiVersion' && value && info.apiVersion === undefined) {
      info.apiVersion = value;
      info.apiVersionRange = [from, from + m[2]!.trimEnd().length];
    } else if (m[1] === 'kind' && value && info.kind === undefined) {
      info.kind = value;
      info.kindRange = [from, from + m[2]!.trimEnd().length];
    }
    inMetadata = m[1] === 'metadata';
    if (inMetadata) {
      const name = /^[ ]{2}name:[ \t]*(.*)$/m.exec(text.slice(m.index, m.index + 4096));
      if (name) info.name = unquote(name[1]!);
    }
  }
  return info;
}

function unquote(v: string): string {
  const t = v.replace(/\s+#.*$/, '').trim();
  return /^(["']).*\1$/.test(t) ? t.slice(1, -1) : t;
}

/** The document holding `offset` (documents are in file order), else the last one. */
export function docAt(file: ParsedFile, offset: number): DocInfo | undefined {
  const docs = file.docs;
  let lo = 0;
  let hi = docs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = docs[mid]!;
    if (offset < d.start) hi = mid - 1;
    else if (offset > d.end) lo = mid + 1;
    else return d;
  }
  return docs[docs.length - 1];
}

/** The key path of the innermost map or sequence containing `offset` in `node`, e.g. ["spec", "chart"]. */
export function pathAt(node: Node | null, offset: number): string[] {
  const out: string[] = [];
  let current: Node | null = node;
  for (let guard = 0; current && guard < 200; guard++) {
    let next: Node | null = null;
    if (isMap(current)) {
      // The last pair starting at or before the offset holds it (value ranges may run into the next key).
      let hit: (typeof current.items)[number] | undefined;
      for (const pair of current.items) {
        const from = (pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0];
        if (from !== undefined && from <= offset) hit = pair;
      }
      const v = hit?.value as Node | null | undefined;
      const to = v?.range?.[1] ?? (hit?.key as Node | null)?.range?.[1];
      if (hit && to !== undefined && offset <= to && v && (isMap(v) || isSeq(v))) {
        out.push(isScalar(hit.key) ? String(hit.key.value) : '?');
        // On the key itself, the path ends at this value (diagnostics about a map sit on its key).
        if (v.range && offset >= v.range[0]) next = v;
      }
    } else if (isSeq(current)) {
      for (const item of current.items as Array<Node | null>) {
        if (item?.range && offset >= item.range[0] && offset <= item.range[1]) {
          out.push('[]');
          next = isMap(item) || isSeq(item) ? item : null;
          break;
        }
      }
    }
    current = next;
  }
  return out;
}

/**
 * The pair whose value is an empty or null scalar (`name:`, `name: ~`) at `offset`: its key path
 * (`'[]'` for sequence items), e.g. ["spec", "sourceRef", "name"], and its key's range.
 */
export function nullValueAt(
  node: Node | null,
  offset: number,
): { path: string[]; keyRange: [number, number] } | undefined {
  const walk = (n: unknown, path: string[], depth: number): ReturnType<typeof nullValueAt> => {
    if (depth > 200) return undefined;
    if (isMap(n)) {
      for (const pair of n.items) {
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        const name = isScalar(key) ? String(key.value) : '?';
        if (isScalar(value) && value.value === null && value.range) {
          if (offset >= value.range[0] && offset <= value.range[1] && key?.range)
            return { path: [...path, name], keyRange: [key.range[0], key.range[1]] };
        } else if (value?.range && offset >= value.range[0] && offset <= value.range[1]) {
          return walk(value, [...path, name], depth + 1);
        }
      }
    } else if (isSeq(n)) {
      for (const item of n.items as Array<Node | null>) {
        if (item?.range && offset >= item.range[0] && offset <= item.range[1])
          return walk(item, [...path, '[]'], depth + 1);
      }
    }
    return undefined;
  };
  return walk(node, [], 0);
}

// One splitter for the whole server: directives and leading comments stay with their document.
export { splitDocuments, type Piece } from '../flux/pieces';
