import { isMap, type Document, type LineCounter } from 'yaml';
import { parseAllSafely, toJSSafely } from './safeYaml';
import { isObject } from './jsonSchema';

/** A document of a YAML stream whose root is a mapping, with that mapping as plain data. */
export interface YamlObject {
  doc: Document.Parsed;
  /** Position of the document in the stream (documents that are not mappings count too). */
  index: number;
  value: Record<string, unknown>;
}

/** The root `apiVersion` and `kind` of a document, read from its nodes (no conversion). */
export interface RootType {
  apiVersion?: unknown;
  kind?: unknown;
}

/**
 * The mapping documents of a YAML text as plain objects. Never throws: a text that does not parse
 * yields nothing, and a document that cannot be converted (an alias bomb, say) is skipped.
 * `wanted`, when given, picks the documents to convert by their root apiVersion and kind (the
 * conversion is the costly part), and `max` stops after that many objects.
 */
export function yamlObjects(
  text: string,
  lineCounter?: LineCounter,
  wanted?: (root: RootType) => boolean,
  max = Infinity,
): YamlObject[] {
  let docs;
  try {
    docs = parseAllSafely(text, { uniqueKeys: false, ...(lineCounter ? { lineCounter } : {}) });
  } catch {
    return [];
  }
  const out: YamlObject[] = [];
  for (const [index, doc] of (Array.isArray(docs) ? docs : []).entries()) {
    if (out.length >= max) break;
    if (!isMap(doc.contents)) continue;
    if (wanted) {
      const root = { apiVersion: doc.contents.get('apiVersion'), kind: doc.contents.get('kind') };
      // A value that is a node (an alias, say) is only known after the conversion.
      const known = typeof root.apiVersion !== 'object' && typeof root.kind !== 'object';
      if (known && !wanted(root)) continue;
    }
    let value: unknown;
    try {
      value = toJSSafely(doc, 100);
    } catch {
      continue;
    }
    if (isObject(value)) out.push({ doc, index, value });
  }
  return out;
}

/** The first mapping document of a YAML text as a plain object (the others are not converted). */
export function firstYamlObject(text: string): Record<string, unknown> | undefined {
  return yamlObjects(text, undefined, undefined, 1)[0]?.value;
}

/**
 * Re-attaches the comment lines that open `source` (before its first key) to `output` when a rewrite
 * dropped them: the YAML library hangs them on the first key, which a rewrite may delete.
 */
export function keepLeadingComments(source: string, output: string): string {
  const lines = source.split('\n');
  const head: string[] = [];
  for (const l of lines) {
    if (/^\s*(#.*)?$/.test(l) || /^---\s*$/.test(l)) head.push(l);
    else break;
  }
  const comments = head.filter((l) => l.trim().startsWith('#'));
  if (comments.length === 0 || comments.every((c) => output.includes(c))) return output;
  const marker = /^---\s*\n/.exec(output)?.[0] ?? '';
  return marker + comments.join('\n') + '\n' + output.slice(marker.length);
}
