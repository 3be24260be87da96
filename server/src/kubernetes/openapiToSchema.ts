// Kubernetes built-in kinds: their schemas, converted from the OpenAPI v3 documents a kube-apiserver
// serves at /openapi/v3/<group>/<version> (the bundle is converted from the v1.36.3 documents at build
// time by esbuild.mjs; a connected cluster's documents go through the same function). Pure.

import { describe } from '../flux/describeSchema';
import { isObject, type JsonSchema } from '../flux/jsonSchema';

/** One OpenAPI v3 document, as served per group version (only the parts read here). */
export interface OpenApiDocument {
  components?: { schemas?: Record<string, unknown> };
  paths?: Record<string, unknown>;
}

/** A kind the API server serves, and the OpenAPI type that describes it. */
export interface BuiltinKind {
  /** "" for the core group (apiVersion "v1"). */
  group: string;
  version: string;
  kind: string;
  /** e.g. "io.k8s.api.apps.v1.Deployment". */
  typeName: string;
}

export interface ConvertedBuiltins {
  kinds: BuiltinKind[];
  /** One self-contained JSON Schema per kind, keyed by typeName (definitions it uses included). */
  schemas: Map<string, JsonSchema>;
}

const REF_PREFIX = '#/components/schemas/';
const DEF_PREFIX = '#/definitions/';
const MAX_DEPTH = 64;

/** "apps/v1", or "v1" for the core group. */
export function apiVersionOf(k: { group: string; version: string }): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/**
 * The kinds a set of OpenAPI documents serves: every group/version/kind named by an operation of a
 * path (`x-kubernetes-group-version-kind`), except List kinds and apimachinery's meta types
 * (DeleteOptions, Status, WatchEvent, ...), which are not objects anyone writes in a manifest.
 */
export function servedKinds(docs: OpenApiDocument[]): BuiltinKind[] {
  const byGvk = new Map<string, BuiltinKind>();
  for (const doc of docs) {
    const schemas = doc.components?.schemas ?? {};
    const typeOf = new Map<string, string>();
    for (const [name, schema] of Object.entries(schemas)) {
      if (!isObject(schema) || name.startsWith('io.k8s.apimachinery.')) continue;
      const gvks = schema['x-kubernetes-group-version-kind'];
      if (!Array.isArray(gvks)) continue;
      for (const g of gvks) if (isObject(g)) typeOf.set(gvkKey(g), name);
    }
    for (const item of Object.values(doc.paths ?? {})) {
      if (!isObject(item)) continue;
      for (const op of Object.values(item)) {
        const g = isObject(op) ? op['x-kubernetes-group-version-kind'] : undefined;
        if (!isObject(g) || typeof g.kind !== 'string' || g.kind.endsWith('List')) continue;
        const typeName = typeOf.get(gvkKey(g));
        if (!typeName) continue;
        const k: BuiltinKind = {
          group: String(g.group ?? ''),
          version: String(g.version ?? ''),
          kind: g.kind,
          typeName,
        };
        byGvk.set(gvkKey(k), k);
      }
    }
  }
  return [...byGvk.values()].sort((a, b) => gvkKey(a).localeCompare(gvkKey(b)));
}

function gvkKey(g: Record<string, unknown> | BuiltinKind): string {
  return `${String(g.group ?? '')}/${String(g.version ?? '')}/${String(g.kind ?? '')}`;
}

/**
 * Converts OpenAPI v3 documents to one JSON Schema per served kind, for yaml-language-server. The
 * API server decodes a manifest into Go structs and, with server-side apply (as Flux applies),
 * rejects unknown fields; the schemas say the same:
 * - objects with `properties` are closed (unknown fields are errors), except where
 *   `x-kubernetes-preserve-unknown-fields` or `x-kubernetes-embedded-resource` keeps them open;
 * - int-or-string and Quantity (`oneOf` integer|string, string|number) become `anyOf`, so a value
 *   that fits both is not "matches multiple schemas";
 * - `format` is dropped (it is shown in hover): the engine would check date-time and byte formats
 *   more strictly than the API server's decoders;
 * - the root gets `apiVersion`/`kind` constants and `required`;
 * - references become local `#/definitions/...`, with only the definitions the kind reaches.
 * Descriptions become markdown with the field's type and default, for hover.
 */
export function convertOpenApi(docs: OpenApiDocument[]): ConvertedBuiltins {
  const all = new Map<string, Record<string, unknown>>();
  for (const doc of docs) {
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
      if (isObject(schema) && !all.has(name)) all.set(name, schema);
  }
  const converted = new Map<string, JsonSchema>();
  const convertDef = (name: string): JsonSchema => {
    let c = converted.get(name);
    if (!c) {
      const raw = all.get(name);
      // A reference to a type no document defines: open, rather than a broken schema.
      c = raw ? convertNode(raw, 0) : {};
      converted.set(name, c);
    }
    return c;
  };
  const kinds = servedKinds(docs);
  const schemas = new Map<string, JsonSchema>();
  for (const k of kinds) {
    if (schemas.has(k.typeName)) continue;
    const definitions: Record<string, JsonSchema> = {};
    const pending = [...refsOf(convertDef(k.typeName))];
    while (pending.length) {
      const name = pending.pop()!;
      if (definitions[name]) continue;
      definitions[name] = convertDef(name);
      pending.push(...refsOf(definitions[name]));
    }
    const root = convertDef(k.typeName);
    const sameType = kinds.filter((x) => x.typeName === k.typeName);
    schemas.set(k.typeName, rootSchema(root, sameType, definitions));
  }
  return { kinds, schemas };
}

function rootSchema(
  root: JsonSchema,
  kinds: BuiltinKind[],
  definitions: Record<string, JsonSchema>,
): JsonSchema {
  const first = kinds[0]!;
  const apiVersions = [...new Set(kinds.map(apiVersionOf))];
  const properties = { ...(root.properties ?? {}) };
  properties.apiVersion = describe({
    type: 'string',
    ...(apiVersions.length === 1 ? { const: apiVersions[0] } : { enum: apiVersions }),
    description: `API version of ${first.kind}.`,
  });
  properties.kind = describe({
    type: 'string',
    const: first.kind,
    description: `Kind of object: ${first.kind}.`,
  });
  return {
    ...root,
    title: `${first.kind} (${apiVersions.join(', ')})`,
    type: 'object',
    properties,
    required: [...new Set([...(root.required ?? []), 'apiVersion', 'kind'])],
    additionalProperties: false,
    definitions,
  };
}

/** Names of the definitions a converted schema refers to (not following them). */
function refsOf(schema: JsonSchema): string[] {
  const out: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || !isObject(node)) return;
    if (typeof node.$ref === 'string' && node.$ref.startsWith(DEF_PREFIX))
      out.push(node.$ref.slice(DEF_PREFIX.length));
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && isObject(value)) for (const v of Object.values(value)) walk(v, depth + 1);
      else if (Array.isArray(value)) for (const v of value) walk(v, depth + 1);
      else if (isObject(value) && key !== 'default') walk(value, depth + 1);
    }
  };
  walk(schema, 0);
  return out;
}

function convertNode(input: Record<string, unknown>, depth: number): JsonSchema {
  if (depth > MAX_DEPTH) return {};
  const out: JsonSchema = {};
  let format: string | undefined;
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('x-kubernetes-')) continue;
    switch (key) {
      case '$ref':
        if (typeof value === 'string' && value.startsWith(REF_PREFIX))
          out.$ref = DEF_PREFIX + value.slice(REF_PREFIX.length);
        break;
      case 'properties': {
        if (!isObject(value)) break;
        const props: Record<string, JsonSchema> = {};
        for (const [name, sub] of Object.entries(value))
          if (isObject(sub)) props[name] = convertNode(sub, depth + 1);
        out.properties = props;
        break;
      }
      case 'items':
        if (isObject(value)) out.items = convertNode(value, depth + 1);
        break;
      case 'additionalProperties':
        out.additionalProperties = isObject(value) ? convertNode(value, depth + 1) : value !== false;
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        // oneOf in these documents means "one of these JSON types" (int-or-string, Quantity).
        if (Array.isArray(value))
          out[key === 'allOf' ? 'allOf' : 'anyOf'] = value
            .filter(isObject)
            .map((s) => convertNode(s, depth + 1));
        break;
      case 'format':
        if (typeof value === 'string') format = value;
        break;
      case 'description':
      case 'discriminator':
        break; // description becomes markdown below; discriminator is not JSON Schema
      default:
        out[key] = value;
    }
  }
  if (
    input['x-kubernetes-preserve-unknown-fields'] === true ||
    input['x-kubernetes-embedded-resource'] === true
  ) {
    out.additionalProperties = true;
  } else if (out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (input['x-kubernetes-int-or-string'] === true && !out.anyOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return withMarkdown(out, typeof input.description === 'string' ? input.description : undefined, format);
}

/** Hover text: the description and the facts (type, format, default), as markdown only. */
function withMarkdown(
  schema: JsonSchema,
  description: string | undefined,
  format: string | undefined,
): JsonSchema {
  // Nodes without a description (the branches of an anyOf, say) get none: hover never shows them.
  if (!description) return schema;
  const described = describe({ ...schema, description });
  let markdown = described.markdownDescription ?? (description ? escapeMarkdown(description) : undefined);
  if (format && format !== 'int-or-string' && markdown !== undefined) markdown += ` (format \`${format}\`)`;
  // Only the markdown form is kept: descriptions are most of these schemas' size.
  const { description: _dropped, markdownDescription: _old, ...rest } = described;
  void _dropped;
  void _old;
  return markdown ? { ...rest, markdownDescription: markdown } : rest;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_<>[\]])/g, '\\$1');
}
