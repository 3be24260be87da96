import { isAlias, isCollection, isNode, isPair, isScalar, type Node } from 'yaml';

/**
 * Limits beyond which a document is not given to yaml-language-server, whose cost there is not
 * linear: it converts each alias by walking the document again (aliases x nodes), checks every key
 * of a mapping against the keys before it (width squared), and converts complex keys (`? ` keys
 * holding collections) into strings again at every level (exponential in their nesting). Such a
 * document is checked by the Flux layer only (API versions, kinds), and a diagnostic says so.
 * Each limit is far above what Kubernetes manifests contain.
 */
export interface ComplexityLimits {
  /** Largest document (bytes) whose schema is checked on the main thread within its time budget. */
  maxDocumentBytes: number;
  maxNodes: number;
  /** aliases x nodes: the work of resolving every alias. */
  maxAliasWork: number;
  /** Items of one mapping or sequence. */
  maxWidth: number;
  /**
   * Collections used as keys inside collections used as keys. A little is allowed: Go templates
   * (`{{- if x }}` as a key) read as such keys, and the Go-template check needs to see them.
   */
  maxComplexKeyDepth: number;
}

export const DEFAULT_COMPLEXITY: ComplexityLimits = {
  maxDocumentBytes: 64 * 1024,
  maxNodes: 40_000,
  maxAliasWork: 2_000_000,
  maxWidth: 2000,
  maxComplexKeyDepth: 4,
};

export type ComplexityVerdict = { ok: true } | { ok: false; reason: string };

/** Measures a parsed document in one iterative walk (no recursion: the depth may be hostile). */
export function measureDocument(root: Node | null, limits: ComplexityLimits): ComplexityVerdict {
  if (!root) return { ok: true };
  let nodes = 0;
  let aliases = 0;
  let widest = 0;
  let keyDepth = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [n, depthInKeys] = stack.pop()!;
    if (++nodes > limits.maxNodes) break;
    if (isAlias(n)) aliases++;
    else if (isPair(n)) {
      const k = n.key;
      if (isCollection(k)) {
        keyDepth = Math.max(keyDepth, depthInKeys + 1);
        if (keyDepth > limits.maxComplexKeyDepth) break;
        stack.push([k, depthInKeys + 1]);
      } else if (isNode(k)) stack.push([k, depthInKeys]);
      if (isNode(n.value)) stack.push([n.value, depthInKeys]);
    } else if (isCollection(n)) {
      widest = Math.max(widest, n.items.length);
      if (widest > limits.maxWidth) break;
      for (const item of n.items) {
        if (isScalar(item)) nodes++;
        else if (item !== null && item !== undefined) stack.push([item, depthInKeys]);
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
