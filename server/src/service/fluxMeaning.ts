import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { durationUnits, explainDuration } from '../flux/durations';
import type { JsonSchema } from '../flux/jsonSchema';
import { kustomizationSchema } from '../kustomize/kustomizationSchema';
import type { DocInfo } from '../workspace/documents';

/**
 * Schema findings said in Flux's terms: a Go duration that does not match the CRD's pattern is
 * explained in words ("`10minutes` is not a Go duration: use 10m") instead of the raw regular
 * expression. Returns the new message, or undefined when `message` is not such a finding.
 */
export function durationMessage(message: string, valueText: string): string | undefined {
  const m = /^String does not match the pattern of "(.*)"\.?$/.exec(message);
  if (!m) return undefined;
  const units = durationUnits(m[1]!);
  if (!units) return undefined;
  const value = valueText.trim().replace(/^(["'])(.*)\1$/, '$2');
  return explainDuration(value, units);
}

let schemaCache: JsonSchema | undefined;

/**
 * kustomize reads kustomization.yaml with Go's encoding/json, which matches field names without
 * regard to case (`apiversion`, `Resources` work). The schema engine is case-sensitive, so keys that
 * differ from a declared field only in case are rewritten to the declared spelling in the text it
 * validates (same length, so every offset stays). Returns the text unchanged when nothing differs.
 * One step per document: run it with drain() or drainSliced() (io/slices.ts).
 */
export function* canonicalKustomizeKeys(text: string, docs: readonly DocInfo[]): Generator<void, string> {
  schemaCache ??= kustomizationSchema('Kustomization');
  const parts: string[] = [];
  let at = 0;
  for (const d of docs) {
    if (!d.contents) continue;
    yield; // one step per document (the caller may yield the thread between two)
    // Per document node, which an edit elsewhere in the file leaves as it was (see parsedText.ts).
    let rewrites = rewritesOf.get(d.contents);
    if (!rewrites) rewritesOf.set(d.contents, (rewrites = keyRewrites(d.contents, schemaCache)));
    for (const [rel, canon] of rewrites) {
      const from = d.base + rel;
      if (from < at) continue; // never: keys come in text order
      parts.push(text.slice(at, from), canon);
      at = from + canon.length;
    }
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(at));
  // One join: rewriting key by key would copy the whole text once per key.
  return parts.join('');
}

/** Key rewrites found in a document, as offsets relative to its piece and the declared spelling. */
const rewritesOf = new WeakMap<Node, ReadonlyArray<[number, string]>>();
/** A schema's field names by their lower case, per schema object. */
const lowerNames = new WeakMap<JsonSchema, Map<string, string>>();

function keyRewrites(root: Node, schema: JsonSchema): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const walk = (n: Node | null | undefined, s: JsonSchema | undefined, depth: number): void => {
    if (!n || !s || depth > 30) return;
    if (isMap(n)) {
      const props = s.properties ?? {};
      let lower = lowerNames.get(s);
      if (!lower) lowerNames.set(s, (lower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]))));
      for (const pair of n.items) {
        if (!isScalar(pair.key) || typeof pair.key.value !== 'string') continue;
        const key = pair.key.value;
        let declared = props[key] ? key : undefined;
        if (!declared) {
          const canon = lower.get(key.toLowerCase());
          const r = pair.key.range;
          if (canon && r) {
            const quoted = pair.key.type === 'QUOTE_DOUBLE' || pair.key.type === 'QUOTE_SINGLE';
            out.push([r[0] + (quoted ? 1 : 0), canon]);
            declared = canon;
          }
        }
        if (declared) walk(pair.value as Node | null, props[declared], depth + 1);
      }
    } else if (isSeq(n)) {
      const itemSchema = Array.isArray(s.items) ? undefined : s.items;
      for (const item of n.items as Array<Node | null>) walk(item, itemSchema, depth + 1);
    }
  };
  walk(root, schema, 0);
  return out;
}
