import { isAlias, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';

/** Start and end offsets in a file's text. */
export type Span = readonly [number, number];

/** A node with the offset of the text it was parsed from, so spans are file offsets. */
export interface At {
  node: Node;
  base: number;
}

/** The value of `key` in a mapping (exact key, or case-insensitive with `caseless`). */
export function child(at: At | undefined, key: string, caseless = false): At | undefined {
  const pair = pairOf(at, key, caseless);
  const v = pair?.value as Node | null | undefined;
  return v && at ? { node: v, base: at.base } : undefined;
}

export function pairOf(at: At | undefined, key: string, caseless = false): Pair | undefined {
  if (!at || !isMap(at.node)) return undefined;
  const want = caseless ? key.toLowerCase() : key;
  for (const pair of at.node.items) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof k !== 'string') continue;
    if ((caseless ? k.toLowerCase() : k) === want) return pair;
  }
  return undefined;
}

/** Follows a key path; '[]' fans out over the items of a sequence. */
export function walkPath(at: At | undefined, path: readonly string[]): At[] {
  let level: At[] = at ? [at] : [];
  for (const step of path) {
    const next: At[] = [];
    for (const a of level) {
      if (step === '[]') {
        if (isSeq(a.node))
          for (const item of a.node.items as Array<Node | null>)
            if (item) next.push({ node: item, base: a.base });
      } else {
        const c = child(a, step);
        if (c) next.push(c);
      }
    }
    level = next;
  }
  return level;
}

/** A scalar's value as a string (numbers and booleans as written), else undefined. */
export function str(at: At | undefined): string | undefined {
  if (!at || !isScalar(at.node)) return undefined;
  const v = at.node.value;
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : String(v);
}

export function span(at: At | undefined): Span | undefined {
  const r = at?.node.range;
  return r ? [r[0] + at.base, r[1] + at.base] : undefined;
}

export function keySpan(pair: Pair, base: number): Span | undefined {
  const r = (pair.key as Node | null)?.range;
  return r ? [r[0] + base, r[1] + base] : undefined;
}

/** The entries of a mapping: key text, key span and value. */
export function entries(
  at: At | undefined,
): Array<{ key: string; keySpan: Span | undefined; value: At | undefined }> {
  if (!at || !isMap(at.node)) return [];
  const out: Array<{ key: string; keySpan: Span | undefined; value: At | undefined }> = [];
  for (const pair of at.node.items) {
    if (!isScalar(pair.key)) continue;
    const v = pair.value as Node | null;
    out.push({
      key: String(pair.key.value),
      keySpan: keySpan(pair, at.base),
      value: v ? { node: v, base: at.base } : undefined,
    });
  }
  return out;
}

/** The items of a sequence. */
export function items(at: At | undefined): At[] {
  if (!at || !isSeq(at.node)) return [];
  return (at.node.items as Array<Node | null>)
    .filter((n): n is Node => !!n)
    .map((node) => ({ node, base: at.base }));
}

/**
 * Plain data of a subtree: scalars, mappings and sequences. Aliases resolve to the value of their
 * anchor (shared, not copied) up to `maxAliases` uses, else to undefined, so no alias can expand;
 * past `limit` nodes or 100 levels the rest is left out.
 */
export function toData(at: At | undefined, limit = 10_000, maxAliases = 0): unknown {
  let budget = limit;
  let aliases = maxAliases;
  const anchors = new Map<string, unknown>();
  // Depth-limited, so a hostile nesting cannot exhaust the stack.
  const conv = (n: Node | null | undefined, depth: number): unknown => {
    if (!n || budget-- <= 0 || depth > 100) return undefined;
    let v: unknown;
    if (isAlias(n)) return aliases-- > 0 ? anchors.get(n.source) : undefined;
    if (isScalar(n)) v = n.value;
    else if (isMap(n)) {
      const o: Record<string, unknown> = {};
      if (n.anchor) anchors.set(n.anchor, o);
      for (const p of n.items) {
        const k = isScalar(p.key) ? p.key.value : undefined;
        if (k === undefined || k === null) continue;
        o[String(k)] = conv(p.value as Node | null, depth + 1);
      }
      return o;
    } else if (isSeq(n)) {
      const a: unknown[] = [];
      if (n.anchor) anchors.set(n.anchor, a);
      for (const i of n.items as Array<Node | null>) a.push(conv(i, depth + 1));
      return a;
    }
    if (n.anchor) anchors.set(n.anchor, v);
    return v;
  };
  return at ? conv(at.node, 0) : undefined;
}

/** Calls `visit` for every scalar (keys and values) below `at`, iteratively, up to `limit` nodes. */
export function eachScalar(at: At, visit: (s: At) => void, limit = 200_000): void {
  const stack: Node[] = [at.node];
  let seen = 0;
  while (stack.length && seen++ < limit) {
    const n = stack.pop()!;
    if (isScalar(n)) visit({ node: n, base: at.base });
    else if (isMap(n)) {
      for (const p of n.items) {
        if (p.value) stack.push(p.value as Node);
        if (p.key) stack.push(p.key as Node);
      }
    } else if (isSeq(n)) for (const i of n.items as Array<Node | null>) if (i) stack.push(i);
  }
}
