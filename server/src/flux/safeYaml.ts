import {
  parseAllDocuments,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';
import { DEFAULT_COMPLEXITY, measureDocument, type ComplexityLimits } from './complexity';
import { maxNesting } from './pieces';

/** Deeper than this, the `yaml` parser's recursion (one frame per level) is not attempted. */
export const MAX_PARSE_NESTING = 200;

/**
 * `parseAllDocuments` for text from a repository: refused (an Error saying why) when nested deeper
 * than the parser can take, and quiet (warnings are the caller's to report, never the process's).
 */
export function parseAllSafely(
  text: string,
  options: ParseOptions & DocumentOptions & SchemaOptions = {},
): Document.Parsed[] {
  const depth = maxNesting(text);
  if (depth > MAX_PARSE_NESTING)
    throw new Error(`nested ${depth} levels deep, more than the ${MAX_PARSE_NESTING} that are parsed`);
  const docs = parseAllDocuments(text, { logLevel: 'error', ...options });
  return Array.isArray(docs) ? docs : [];
}

/**
 * What {@link toJSSafely} refuses by default: no limit on size, but on the work of resolving
 * aliases (aliases x nodes: the yaml package finds each alias's anchor by walking the document
 * again, so 10,000 aliases over 40,000 nodes cost 4 s; this allows about 0.2 s).
 */
export const CONVERSION_LIMITS: ComplexityLimits = {
  ...DEFAULT_COMPLEXITY,
  maxDocumentBytes: Infinity,
  maxNodes: Infinity,
  maxWidth: Infinity,
  maxAliasWork: 20_000_000,
  maxDepthWork: Infinity, // converting is linear in depth; only the schema engine climbs level by level
};

/**
 * `doc.toJS()` for a document from a repository: refused (an Error saying why) when it has a
 * collection as a key (the yaml package stringifies such keys again at every level of nesting, an
 * exponential cost; Go's YAML-to-JSON conversion refuses them), when resolving its aliases would
 * cost more than `limits.maxAliasWork`, and with an alias expansion limit.
 */
export function toJSSafely(
  doc: Document.Parsed,
  maxAliasCount = 100,
  limits: ComplexityLimits = CONVERSION_LIMITS,
): unknown {
  const verdict = measureDocument(doc.contents, limits);
  if (!verdict.ok) throw new Error(`not converted: ${verdict.reason}`);
  return doc.toJS({ maxAliasCount });
}
