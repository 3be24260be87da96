import { parseAllDocuments, isMap, isScalar, isSeq, type Node } from 'yaml';

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
}

export interface ParsedFile {
  docs: DocInfo[];
}

/** Parses a file's documents for Flux facts. Never throws: a broken file yields what could be read. */
export function parseFile(text: string): ParsedFile {
  const docs: DocInfo[] = [];
  let parsed;
  try {
    parsed = parseAllDocuments(text, { uniqueKeys: false, keepSourceTokens: false });
  } catch {
    return { docs };
  }
  const list = Array.isArray(parsed) ? parsed : [];
  list.forEach((doc, index) => {
    const [start, , end] = doc.range;
    const info: DocInfo = { index, base: 0, start, end, labels: {}, contents: doc.contents };
    const root = doc.contents;
    if (isMap(root)) {
      for (const pair of root.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const value = pair.value;
        if (key === 'apiVersion' && isScalar(value) && typeof value.value === 'string') {
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

/**
 * Parses a file piece by piece (see splitDocuments), reusing the parse of every piece whose text is
 * in `cache`; the cache is refilled with the pieces of this text only.
 */
export function parsePieces(
  pieces: Array<{ offset: number; text: string }>,
  cache: Map<string, DocInfo[]>,
): ParsedFile {
  const docs: DocInfo[] = [];
  const seen = new Map<string, DocInfo[]>();
  for (const piece of pieces) {
    const local = seen.get(piece.text) ?? cache.get(piece.text) ?? parseFile(piece.text).docs;
    seen.set(piece.text, local);
    for (const d of local) {
      const shift = (r: [number, number] | undefined): [number, number] | undefined =>
        r ? [r[0] + piece.offset, r[1] + piece.offset] : undefined;
      const apiVersionRange = shift(d.apiVersionRange);
      const kindRange = shift(d.kindRange);
      docs.push({
        ...d,
        index: docs.length,
        base: piece.offset,
        start: d.start + piece.offset,
        end: d.end + piece.offset,
        ...(apiVersionRange ? { apiVersionRange } : {}),
        ...(kindRange ? { kindRange } : {}),
      });
    }
  }
  cache.clear();
  for (const [k, v] of seen) cache.set(k, v);
  return { docs };
}

export function docAt(file: ParsedFile, offset: number): DocInfo | undefined {
  return file.docs.find((d) => offset >= d.start && offset <= d.end) ?? file.docs[file.docs.length - 1];
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

/**
 * Splits a YAML stream at document markers (`---` or `...` at column 0; a block scalar's content is
 * always indented, so a marker there cannot be content). Each piece keeps its first line number.
 */
export interface Piece {
  line: number;
  offset: number;
  text: string;
}

export function splitDocuments(text: string): Piece[] {
  const out: Piece[] = [];
  let start = 0;
  let startLine = 0;
  let line = 0;
  let at = 0;
  while (at <= text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    if (line > startLine && /^(---|\.\.\.)(\s|$)/.test(text.slice(at, Math.min(end, at + 4)))) {
      out.push({ line: startLine, offset: start, text: text.slice(start, at) });
      start = at;
      startLine = line;
    }
    if (nl < 0) break;
    at = end;
    line++;
  }
  out.push({ line: startLine, offset: start, text: text.slice(start) });
  return out;
}
