/**
 * JSON schemas for kubeconform, generated from the Kubernetes OpenAPI v3 documents in
 * ../shared/kubernetes-openapi (the same documents Flux Workbench's built-in schemas come from).
 *
 * Why generate them: kubeconform downloads its schemas (yannh/kubernetes-json-schema, converted from
 * each release's OpenAPI v2 by openapi2jsonschema) and there is no network here; and the comparison
 * is only fair against the same Kubernetes version. So this writes what openapi2jsonschema's
 * `--strict --standalone` mode writes, from the v1.36.3 documents, deliberately without any of
 * Flux Workbench's own choices (no null handling, no trap handling, formats kept):
 * - one file per group/version/kind, named as kubeconform looks it up:
 *   `{{ .ResourceKind }}{{ .KindSuffix }}.json`, e.g. `deployment-apps-v1.json`, `configmap-v1.json`;
 * - strict: every object with `properties` and no `additionalProperties` gets
 *   `additionalProperties: false`;
 * - standalone: the definitions the kind reaches are in the file (local `#/definitions/` refs).
 * The test code is independent of server/src on purpose: it is the anchor, not a copy of ours.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kubeconform's KindSuffix: "-<first label of the group>-<version>", or "-<version>" for core. */
export function kindSuffix(apiVersion: string): string {
  const parts = apiVersion.split('/');
  const first = parts[0]!.split('.')[0]!.toLowerCase();
  return parts.length > 1 ? `-${first}-${parts[1]!.toLowerCase()}` : `-${first}`;
}

export function writeKubeconformSchemas(openapiDir: string, outDir: string): number {
  const all = new Map<string, Json>();
  for (const f of readdirSync(openapiDir).filter((x) => x.endsWith('_openapi.json'))) {
    const doc = JSON.parse(readFileSync(path.join(openapiDir, f), 'utf8')) as Json;
    const schemas = isObj(doc.components) && isObj(doc.components.schemas) ? doc.components.schemas : {};
    for (const [name, s] of Object.entries(schemas)) if (isObj(s) && !all.has(name)) all.set(name, s);
  }
  const convert = (node: unknown, inProperties = false): unknown => {
    if (Array.isArray(node)) return node.map((n) => convert(n));
    if (!isObj(node)) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (!inProperties && k === '$ref' && typeof v === 'string')
        out[k] = v.replace('#/components/schemas/', '#/definitions/');
      else if (!inProperties && k === 'properties') out[k] = convert(v, true);
      else out[k] = convert(v);
    }
    if (!inProperties && isObj(out.properties) && out.additionalProperties === undefined)
      out.additionalProperties = false;
    return out;
  };
  const refs = (node: unknown, acc: Set<string>, inProperties = false): void => {
    if (Array.isArray(node)) return node.forEach((n) => refs(n, acc));
    if (!isObj(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (!inProperties && k === '$ref' && typeof v === 'string') {
        const name = v.replace('#/components/schemas/', '');
        if (!acc.has(name)) {
          acc.add(name);
          refs(all.get(name), acc);
        }
      } else refs(v, acc, !inProperties && k === 'properties');
    }
  };
  mkdirSync(outDir, { recursive: true });
  let count = 0;
  for (const [name, schema] of all) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks) || name.startsWith('io.k8s.apimachinery.')) continue;
    const reached = new Set<string>();
    refs(schema, reached);
    const definitions: Json = {};
    for (const r of reached) definitions[r] = convert(all.get(r) ?? {});
    for (const g of gvks.filter(isObj)) {
      const apiVersion = g.group ? `${String(g.group)}/${String(g.version)}` : String(g.version);
      const file = `${String(g.kind).toLowerCase()}${kindSuffix(apiVersion)}.json`;
      writeFileSync(path.join(outDir, file), JSON.stringify({ ...(convert(schema) as Json), definitions }));
      count++;
    }
  }
  return count;
}
