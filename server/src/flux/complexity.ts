import { isAlias, isCollection, isNode, isPair, isScalar, type Node } from 'yaml';

/**
 * Limits beyond which a document is not given to yaml-language-server, whose cost there is not
 * linear: it converts each alias by walking the document again (aliases x nodes), checks every key
 * of a mapping against the keys before it (width squared), converts complex keys (`? ` keys
 * holding collections) into strings again at every level (exponential in their nesting), and finds
 * the parent of a node by walking the whole document, which completion does once per level it
 * climbs from the cursor (depth x nodes). Such a
 * document is checked by the Flux layer only (API versions, kinds), and a diagnostic says so.
 * Each limit is far above what Kubernetes manifests contain.
 */
export interface ComplexityLimits {
  /**
   * Largest document (bytes) whose schema is checked on the main thread within its time budget,
   * whatever it holds. A larger one is checked when it is mostly block scalars (a dashboard's JSON
   * in a ConfigMap, say: bytes that cost the parsers almost nothing), see below.
   */
  maxDocumentBytes: number;
  /** Largest document (bytes) checked at all. */
  maxLargeDocumentBytes: number;
  /**
   * For a document over `maxDocumentBytes`: most lines and commas outside block scalars (what the
   * parsers' work grows with). 6,000 is about what 64 KB of dense YAML holds.
   */
  maxLargeDocumentStructure: number;
  maxNodes: number;
  /**
   * aliases x nodes: the work of resolving every alias, which the engine does again for each
   * validation, hover and completion (303 aliases over 2,731 nodes, 12.6 KB: 350 ms per completion;
   * this limit, under 100 ms). The costliest document of ../shared/corpus is 3,620.
   */
  maxAliasWork: number;
  /** Items of one mapping or sequence. */
  maxWidth: number;
  /**
   * Collections used as keys inside collections used as keys. A little is allowed: Go templates
   * (`{{- if x }}` as a key) read as such keys, and the Go-template check needs to see them.
   */
  maxComplexKeyDepth: number;
  /**
   * Nesting depth of collections x nodes: what a completion climbing from the deepest line costs
   * the engine (400 levels over 1,400 nodes, 84 KB: about 1 s of main-thread CPU; this limit, about
   * 0.2 s). Flux's largest CRD (HelmRelease) is 20 levels over 2,700 nodes (55,000); the deepest
   * document of ../shared/corpus is 14 levels, the costliest 18,000.
   */
  maxDepthWork: number;
}

export const DEFAULT_COMPLEXITY: ComplexityLimits = {
  maxDocumentBytes: 64 * 1024,
  maxLargeDocumentBytes: 1024 * 1024,
  maxLargeDocumentStructure: 6000,
  maxNodes: 40_000,
  maxAliasWork: 200_000,
  maxWidth: 2000,
  maxComplexKeyDepth: 4,
  maxDepthWork: 120_000,
};

export type ComplexityVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Why a document is too large to parse and check (see {@link ComplexityLimits.maxDocumentBytes}),
 * from its text alone; undefined when it is not.
 */
export function sizeVerdict(text: string, limits: ComplexityLimits): string | undefined {
  if (text.length <= limits.maxDocumentBytes) return undefined;
  const size = formatBytes(Buffer.byteLength(text));
  if (text.length > limits.maxLargeDocumentBytes)
    return `it is ${size}, larger than the ${formatBytes(limits.maxLargeDocumentBytes)} checked per document`;
  const structure = structureOf(text, limits.maxLargeDocumentStructure);
  if (structure <= limits.maxLargeDocumentStructure) return undefined;
  return `it is ${size}, larger than the ${formatBytes(limits.maxDocumentBytes)} checked per document unless it is mostly block scalars, and has more than ${limits.maxLargeDocumentStructure.toLocaleString('en')} lines and commas outside them`;
}

/**
 * Lines and commas of `text` outside block scalars (`|` and `>` values), counted up to a little
 * past `stopAfter`. A line scan: a block scalar's lines are those indented deeper than the line
 * that opens it (blank lines included).
 */
export function structureOf(text: string, stopAfter = Infinity): number {
  let count = 0;
  let blockIndent = -1; // inside a block scalar opened on a line of this indentation
  for (let at = 0; at < text.length && count <= stopAfter; ) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    let indent = 0;
    while (at + indent < end && text.charCodeAt(at + indent) === 32) indent++;
    const blank = at + indent >= end || text.charCodeAt(at + indent) === 13;
    if (blockIndent >= 0 && (blank || indent > blockIndent)) {
      at = end + 1;
      continue;
    }
    blockIndent = -1;
    const line = text.slice(at, end);
    count++;
    for (let c = line.indexOf(','); c >= 0; c = line.indexOf(',', c + 1)) count++;
    if (BLOCK_OPENER.test(line)) blockIndent = indent;
    at = end + 1;
  }
  return count;
}

/** A line whose value is a block scalar: `key: |`, `- >-`, `|2+`, with an optional comment. */
const BLOCK_OPENER = /(?:^|[:-][ \t]+|^[ \t]*)[|>][1-9+-]{0,2}[ \t]*(?:#.*)?\r?$/;

/** Measures a parsed document in one iterative walk (no recursion: the depth may be hostile). */
export function measureDocument(root: Node | null, limits: ComplexityLimits): ComplexityVerdict {
  if (!root) return { ok: true };
  let nodes = 0;
  let aliases = 0;
  let widest = 0;
  let keyDepth = 0;
  let depth = 0;
  // [node, complex-key depth, collection depth]
  const stack: Array<[unknown, number, number]> = [[root, 0, 0]];
  while (stack.length) {
    const [n, depthInKeys, level] = stack.pop()!;
    if (++nodes > limits.maxNodes) break;
    if (isAlias(n)) aliases++;
    else if (isPair(n)) {
      const k = n.key;
      if (isCollection(k)) {
        keyDepth = Math.max(keyDepth, depthInKeys + 1);
        if (keyDepth > limits.maxComplexKeyDepth) break;
        stack.push([k, depthInKeys + 1, level]);
      } else if (isNode(k)) stack.push([k, depthInKeys, level]);
      if (isNode(n.value)) stack.push([n.value, depthInKeys, level]);
    } else if (isCollection(n)) {
      widest = Math.max(widest, n.items.length);
      if (widest > limits.maxWidth) break;
      if (level + 1 > depth) depth = level + 1;
      for (const item of n.items) {
        if (isScalar(item)) nodes++;
        else if (item !== null && item !== undefined) stack.push([item, depthInKeys, level + 1]);
      }
    }
  }
  if (nodes > limits.maxNodes)
    return { ok: false, reason: `it has more than ${limits.maxNodes.toLocaleString('en')} YAML nodes` };
  if (widest > limits.maxWidth)
    return {
      ok: false,
      reason: `a mapping or sequence has more than ${limits.maxWidth.toLocaleString('en')} entries`,
    };
  if (keyDepth > limits.maxComplexKeyDepth)
    return {
      ok: false,
      reason:
        limits.maxComplexKeyDepth === 0
          ? 'a mapping key is itself a mapping or sequence (a complex `? ` key)'
          : `complex keys (\`? \`) are nested more than ${limits.maxComplexKeyDepth} deep`,
    };
  if (aliases * nodes > limits.maxAliasWork)
    return {
      ok: false,
      reason: `its ${aliases.toLocaleString('en')} aliases over ${nodes.toLocaleString('en')} nodes are too costly to expand`,
    };
  if (depth * nodes > limits.maxDepthWork)
    return {
      ok: false,
      reason: `its ${depth.toLocaleString('en')} levels of nesting over ${nodes.toLocaleString('en')} nodes are too costly for the schema engine (it walks the whole document for each level)`,
    };
  return { ok: true };
}

/** The message of a document that only the Flux layer checks. */
export function notCheckedMessage(reason: string): string {
  return `This document is not checked against its schema: ${reason}. Only Flux's own checks (API versions, kinds) apply to it.`;
}

/** A size for messages: "3.0 MB", "64 KB", "12 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
