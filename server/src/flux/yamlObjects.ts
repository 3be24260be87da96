import { parseAllDocuments, type Document, type LineCounter } from 'yaml';
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
    docs = parseAllDocuments(text, { uniqueKeys: false, ...(lineCounter ? { lineCounter } : {}) });
  } catch {
    return [];
  }
  const out: YamlObject[] = [];
  (Array.isArray(docs) ? docs : []).forEach((doc, index) => {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      return;
    }
    if (isObject(value)) out.push({ doc, index, value });
  });
  return out;
}
