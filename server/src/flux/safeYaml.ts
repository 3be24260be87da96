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
 * `doc.toJS()` for a document from a repository: refused (an Error saying why) when it has a
 * collection as a key (the yaml package stringifies such keys again at every level of nesting, an
 * exponential cost; Go's YAML-to-JSON conversion refuses them), and with an alias expansion limit.
 */
export function toJSSafely(
  doc: Document.Parsed,
  maxAliasCount = 100,
  limits: ComplexityLimits = {
    ...DEFAULT_COMPLEXITY,
    maxNodes: Infinity,
    maxWidth: Infinity,
    maxAliasWork: Infinity,
  },
): unknown {
  const verdict = measureDocument(doc.contents, limits);
  if (!verdict.ok) throw new Error(`not converted: ${verdict.reason}`);
  return doc.toJS({ maxAliasCount });
}
