import { RE2JS } from 're2js';
import { parseLabelSelector, type LabelRequirement, matchesRequirements } from './labelSelector';

/**
 * kustomize's resource selector, as patch targets (`patches[].target`) and replacements
 * (`select`, `reject`) use it (kustomize `types.SelectorRegex`): group, version, kind, name and
 * namespace are Go regular expressions anchored as `^(?:pattern)$`, an empty or absent field
 * matches everything; labelSelector and annotationSelector use the Kubernetes label selector
 * syntax. The patterns come from repository files, so they are matched with RE2 semantics in
 * linear time (re2js), never with JavaScript's backtracking RegExp.
 */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** What a selector looks at on a resource. `namespace` is the effective one ("" when unknown). */
export interface SelectableResource {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type CompiledSelector =
  | { ok: true; matches(resource: SelectableResource): boolean }
  | { ok: false; error: string };

/**
 * Longest pattern compiled. kustomize has no such limit, but a longer `name` pattern is not a
 * Kubernetes name filter anyone writes; refusing it keeps compilation and matching small.
 */
export const MAX_PATTERN_LENGTH = 4096;
/** Longest value matched (Kubernetes names are at most 253 characters). */
const MAX_VALUE_LENGTH = 1024;

const FIELDS = ['group', 'version', 'kind', 'name', 'namespace'] as const;

const cache = new Map<string, CompiledSelector>();

/**
 * Compiles a selector once (cached by its fields). An invalid pattern or label selector is an
 * error, as in kustomize, where it fails the build.
 */
export function compileSelector(selector: Selector): CompiledSelector {
  const key = JSON.stringify(
    [...FIELDS, 'labelSelector', 'annotationSelector'].map((f) => selector[f as keyof Selector] ?? ''),
  );
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(selector);
    if (cache.size > 500) cache.clear();
    cache.set(key, compiled);
  }
  return compiled;
}

function compile(selector: Selector): CompiledSelector {
  const patterns: Array<[(typeof FIELDS)[number], RE2JS]> = [];
  for (const field of FIELDS) {
    const pattern = selector[field];
    if (!pattern) continue;
    const re = compilePattern(pattern);
    if (!re.ok) return { ok: false, error: `target ${field} ${re.error}` };
    patterns.push([field, re.re]);
  }
  let labels: LabelRequirement[] = [];
  let annotations: LabelRequirement[] = [];
  for (const [field, text] of [
    ['labelSelector', selector.labelSelector],
    ['annotationSelector', selector.annotationSelector],
  ] as const) {
    if (!text) continue;
    const parsed = parseLabelSelector(text);
    if (!parsed.ok) return { ok: false, error: `target ${field}: ${parsed.error}` };
    if (field === 'labelSelector') labels = parsed.requirements;
    else annotations = parsed.requirements;
  }
  return {
    ok: true,
    matches(resource) {
      for (const [field, re] of patterns) {
        const value = resource[field];
        if (value.length > MAX_VALUE_LENGTH || !re.matches(value)) return false;
      }
      return (
        matchesRequirements(labels, resource.labels ?? {}) &&
        matchesRequirements(annotations, resource.annotations ?? {})
      );
    },
  };
}

/** A Go (RE2) regular expression anchored the way kustomize anchors selector fields. */
export function compilePattern(pattern: string): { ok: true; re: RE2JS } | { ok: false; error: string } {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return { ok: false, error: `pattern is ${pattern.length} characters, longer than ${MAX_PATTERN_LENGTH}` };
  try {
    // RE2JS.matches() tests the whole input, which is what `^(?:p)$` asks.
    return { ok: true, re: RE2JS.compile(`^(?:${pattern})$`) };
  } catch (err) {
    return { ok: false, error: `is not a valid regular expression: ${(err as Error).message}` };
  }
}
