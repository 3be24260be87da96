import { isObject, type JsonSchema } from './jsonSchema';
import { describe } from './describeSchema';
import { objectMetaSchema } from './objectMeta';

/** One served version of a CRD, converted to a JSON Schema yaml-language-server understands. */
export interface GvkSchema {
  group: string;
  version: string;
  kind: string;
  served: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  schema: JsonSchema;
}

export interface ConvertedCrd {
  name: string;
  group: string;
  kind: string;
  /** Every version listed by the CRD, including ones it no longer serves. */
  versions: GvkSchema[];
  /** `app.kubernetes.io/version` label, which Flux sets on its CRDs (e.g. "v2.9.4"). */
  releaseVersion?: string;
}

export type ConversionResult = { ok: true; crd: ConvertedCrd } | { ok: false; reason: string };

/** Deeper than any real CRD; a guard against hostile or cyclic input. */
const MAX_DEPTH = 64;

/**
 * Converts a CustomResourceDefinition object (apiextensions.k8s.io/v1, or the old v1beta1 shape) to
 * one JSON Schema per version. yaml-language-server ignores `nullable` and every `x-kubernetes-*`
 * keyword, so they are rewritten here:
 * - `nullable: true` -> `type: [T, "null"]`;
 * - `x-kubernetes-int-or-string` (and `format: int-or-string`) -> `anyOf: [integer, string]`;
 * - `x-kubernetes-preserve-unknown-fields` -> an open object;
 * - `x-kubernetes-embedded-resource` -> apiVersion/kind/metadata offered, everything else open;
 * - any other object with `properties` is closed (unknown fields are errors, as the API server
 *   prunes or rejects them);
 * - CEL rules are dropped (they cannot be evaluated here);
 * - the root gets `apiVersion`/`kind` constants and the ObjectMeta schema.
 * Descriptions are extended with the field's type, allowed values and default for hover.
 * Expected failures (a broken CRD) are returned as values, never thrown.
 */
export function convertCrd(crd: unknown): ConversionResult {
  if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition')
    return { ok: false, reason: 'not a CustomResourceDefinition' };
  const metadata = isObject(crd.metadata) ? crd.metadata : {};
  const spec = crd.spec;
  if (!isObject(spec)) return { ok: false, reason: 'spec is missing' };
  const group = spec.group;
  const names = spec.names;
  if (typeof group !== 'string' || !group) return { ok: false, reason: 'spec.group is missing' };
  if (!isObject(names) || typeof names.kind !== 'string' || !names.kind)
    return { ok: false, reason: 'spec.names.kind is missing' };
  const kind = names.kind;
  const name =
    typeof metadata.name === 'string' ? metadata.name : `${names.plural ?? kind.toLowerCase()}.${group}`;

  const rawVersions: Record<string, unknown>[] = Array.isArray(spec.versions)
    ? spec.versions.filter(isObject)
    : typeof spec.version === 'string'
      ? [{ name: spec.version, served: true }]
      : [];
  if (rawVersions.length === 0) return { ok: false, reason: 'spec.versions is empty' };
  const sharedSchema = isObject(spec.validation) ? spec.validation.openAPIV3Schema : undefined;

  const versions: GvkSchema[] = [];
  for (const v of rawVersions) {
    if (typeof v.name !== 'string' || !v.name) return { ok: false, reason: 'a version has no name' };
    const openApi = (isObject(v.schema) ? v.schema.openAPIV3Schema : undefined) ?? sharedSchema;
    let schema: JsonSchema;
    try {
      schema = openApi === undefined ? { type: 'object' } : convertRoot(openApi, group, v.name, kind);
    } catch (err) {
      return { ok: false, reason: `version ${v.name}: ${(err as Error).message}` };
    }
    versions.push({
      group,
      version: v.name,
      kind,
      served: v.served !== false,
      deprecated: v.deprecated === true,
      ...(typeof v.deprecationWarning === 'string' ? { deprecationWarning: v.deprecationWarning } : {}),
      schema,
    });
  }
  const labels = isObject(metadata.labels) ? metadata.labels : {};
  const releaseVersion =
    typeof labels['app.kubernetes.io/version'] === 'string' ? labels['app.kubernetes.io/version'] : undefined;
  return { ok: true, crd: { name, group, kind, versions, ...(releaseVersion ? { releaseVersion } : {}) } };
}

function convertRoot(openApi: unknown, group: string, version: string, kind: string): JsonSchema {
  if (!isObject(openApi)) throw new Error('openAPIV3Schema is not an object');
  const root = convertNode(openApi, 0, true);
  const apiVersion = `${group}/${version}`;
  const properties = { ...(root.properties ?? {}) };
  properties.apiVersion = describe({
    type: 'string',
    const: apiVersion,
    description: `API version of ${kind}: ${apiVersion}.`,
  });
  properties.kind = describe({ type: 'string', const: kind, description: `Kind of object: ${kind}.` });
  properties.metadata = objectMetaSchema;
  const required = new Set([...(root.required ?? []), 'apiVersion', 'kind']);
  return {
    ...root,
    title: `${kind} (${apiVersion})`,
    type: 'object',
    properties,
    required: [...required],
    additionalProperties: false,
  };
}

function convertNode(input: Record<string, unknown>, depth: number, isRoot = false): JsonSchema {
  if (depth > MAX_DEPTH) throw new Error(`schema nested deeper than ${MAX_DEPTH} levels`);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    switch (key) {
      case 'properties':
      case 'patternProperties': {
        if (!isObject(value)) throw new Error(`"${key}" is not an object`);
        const props: Record<string, JsonSchema> = {};
        for (const [name, sub] of Object.entries(value)) {
          if (!isObject(sub)) throw new Error(`property "${name}" is not a schema`);
          props[name] = convertNode(sub, depth + 1);
          // The root's status is written by the controller, never by the user.
          const deprecation = isRoot && name === 'status' ? undefined : deprecationOf(name, sub.description);
          if (deprecation && key === 'properties') props[name].deprecationMessage = deprecation;
        }
        out[key] = props;
        break;
      }
      case 'items':
        if (Array.isArray(value)) out.items = value.filter(isObject).map((s) => convertNode(s, depth + 1));
        else if (isObject(value)) out.items = convertNode(value, depth + 1);
        break;
      case 'additionalProperties':
        out.additionalProperties = isObject(value) ? convertNode(value, depth + 1) : value !== false;
        break;
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        if (!Array.isArray(value)) throw new Error(`"${key}" is not a list`);
        out[key] = value.filter(isObject).map((s) => convertNode(s, depth + 1));
        break;
      case 'not':
        if (isObject(value)) out.not = convertNode(value, depth + 1);
        break;
      default:
        out[key] = value;
    }
  }

  const intOrString = input['x-kubernetes-int-or-string'] === true || input.format === 'int-or-string';
  if (intOrString) {
    delete out.type;
    if (out.format === 'int-or-string') delete out.format;
    // controller-gen emits the anyOf itself; add it only where it is missing.
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }

  const preserveUnknown = input['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = input['x-kubernetes-embedded-resource'] === true;
  if (embedded) {
    out.properties = {
      apiVersion: { type: 'string', description: 'API version of the embedded object.' },
      kind: { type: 'string', description: 'Kind of the embedded object.' },
      metadata: objectMetaSchema,
      ...(out.properties ?? {}),
    };
  }
  if (preserveUnknown || embedded) {
    if (out.additionalProperties === undefined || out.additionalProperties === false)
      out.additionalProperties = true;
  } else if (!isRoot && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }

  if (input.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (out.anyOf) out.anyOf = [...out.anyOf, { type: 'null' }];
  }
  return describe(out);
}

/**
 * A field whose CRD description has a paragraph that starts with "Deprecated" (controller-gen's
 * convention: "Deprecated: Use ProxySecretRef instead. Will be removed in v1."): the warning the
 * editor shows where it is used, naming the field and what the description says instead. The
 * `status` of the root is skipped by the caller (controllers write it).
 */
export function deprecationOf(name: string, description: unknown): string | undefined {
  if (typeof description !== 'string') return undefined;
  const lines = description.split('\n').map((l) => l.trim());
  const from = lines.findIndex((l) => /^Deprecated\b/.test(l));
  if (from < 0) return undefined;
  const to = lines.indexOf('', from);
  // A list of links under the sentence ("- Deprecation: https://...") is left to the hover.
  const said = lines
    .slice(from, to < 0 ? undefined : to)
    .filter((l) => !l.startsWith('- '))
    .map((l) => l.replace(/:$/, '.'))
    .join(' ')
    .replace(/^Deprecated\b:?\s*/, '')
    .trim();
  if (!said) return `\`${name}\` is deprecated.`;
  // "Deprecated and not used in v1beta3." reads on; "Deprecated: Use X instead." is a sentence.
  return /^(and|in|since|for)\b/.test(said)
    ? `\`${name}\` is deprecated ${said}`
    : `\`${name}\` is deprecated: ${said}`;
}
