import type { Document, LineCounter } from 'yaml';
import { parseAllSafely, toJSSafely } from './safeYaml';
import { isObject } from './jsonSchema';

/** A document of a YAML stream whose root is a mapping, with that mapping as plain data. */
export interface YamlObject {
  doc: Document.Parsed;
  /** Position of the document in the stream (documents that are not mappings count too). */
  index: number;
  value: Record<string, unknown>;
}

/**
 * The mapping documents of a YAML text as plain objects. Never throws: a text that does not parse
 * yields nothing, and a document that cannot be converted (an alias bomb, say) is skipped.
 */
export function yamlObjects(text: string, lineCounter?: LineCounter): YamlObject[] {
  let docs;
  try {
    docs = parseAllSafely(text, { uniqueKeys: false, ...(lineCounter ? { lineCounter } : {}) });
  } catch {
    return [];
  }
  const out: YamlObject[] = [];
  (Array.isArray(docs) ? docs : []).forEach((doc, index) => {
    let value: unknown;
    try {
      value = toJSSafely(doc, 100);
    } catch {
      return;
    }
    if (isObject(value)) out.push({ doc, index, value });
  });
  return out;
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
