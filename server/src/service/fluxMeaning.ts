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
 */
export function canonicalKustomizeKeys(text: string, docs: readonly DocInfo[]): string {
  schemaCache ??= kustomizationSchema('Kustomization');
  const edits: Array<[number, string]> = [];
  const walk = (n: Node | null | undefined, s: JsonSchema | undefined, base: number, depth: number): void => {
    if (!n || !s || depth > 30) return;
    if (isMap(n)) {
      const props = s.properties ?? {};
      const lower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]));
      for (const pair of n.items) {
        if (!isScalar(pair.key) || typeof pair.key.value !== 'string') continue;
        const key = pair.key.value;
        let declared = props[key] ? key : undefined;
        if (!declared) {
          const canon = lower.get(key.toLowerCase());
          const r = pair.key.range;
          if (canon && r) {
            const quoted = pair.key.type === 'QUOTE_DOUBLE' || pair.key.type === 'QUOTE_SINGLE';
            edits.push([r[0] + base + (quoted ? 1 : 0), canon]);
            declared = canon;
          }
        }
        if (declared) walk(pair.value as Node | null, props[declared], base, depth + 1);
      }
    } else if (isSeq(n)) {
      const itemSchema = Array.isArray(s.items) ? undefined : s.items;
      for (const item of n.items as Array<Node | null>) walk(item, itemSchema, base, depth + 1);
    }
  };
  for (const d of docs) walk(d.contents, schemaCache, d.base, 0);
  if (edits.length === 0) return text;
  let out = text;
  for (const [at, canon] of edits) out = out.slice(0, at) + canon + out.slice(at + canon.length);
  return out;
}
