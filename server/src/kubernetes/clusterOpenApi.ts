// A cluster's OpenAPI v3 documents (as the client read them from /openapi/v3/<path>) to the built-in
// kinds' schemas: parsed and checked here, converted by the same `convertOpenApi` that esbuild.mjs
// runs on the bundled documents at build time. Pure; the server runs it on a worker thread
// (openapiWorker.ts), since a cluster's documents take a few hundred milliseconds to convert.

import { isObject } from '../flux/jsonSchema';
import { convertOpenApi, type BuiltinKind, type OpenApiDocument } from './openapiToSchema';

/** What a cluster may send: beyond these the documents are refused, not parsed. */
export const OPENAPI_LIMITS = {
  /** One group version's document (core v1 is about 2 MB in Kubernetes v1.36). */
  maxDocumentBytes: 32 * 1024 * 1024,
  /** All documents together (the built-in groups of v1.36 are about 8 MB). */
  maxTotalBytes: 96 * 1024 * 1024,
  maxDocuments: 200,
};

export type OpenApiConversion =
  | {
      ok: true;
      kinds: BuiltinKind[];
      /** Each kind's self-contained JSON Schema as text, keyed by OpenAPI type name. */
      schemas: Array<[string, string]>;
      parseMs: number;
      convertMs: number;
    }
  | { ok: false; problem: string };

/**
 * Parses and converts the documents. Any document that is not an OpenAPI document refuses the
 * whole set (a schema source missing one group would leave its kinds silently unchecked): the
 * caller keeps the bundled schemas and says why.
 */
export function convertClusterDocuments(
  documents: ReadonlyArray<{ path: string; text: string }>,
  limits = OPENAPI_LIMITS,
): OpenApiConversion {
  if (!Array.isArray(documents) || documents.length === 0)
    return { ok: false, problem: 'no OpenAPI documents' };
  if (documents.length > limits.maxDocuments)
    return { ok: false, problem: `${documents.length} documents (more than ${limits.maxDocuments})` };
  let total = 0;
  for (const d of documents) {
    if (!isObject(d) || typeof d.path !== 'string' || typeof d.text !== 'string')
      return { ok: false, problem: 'a document without path or text' };
    if (d.text.length > limits.maxDocumentBytes)
      return {
        ok: false,
        problem: `${d.path}: ${mib(d.text.length)} (more than ${mib(limits.maxDocumentBytes)})`,
      };
    total += d.text.length;
  }
  if (total > limits.maxTotalBytes)
    return { ok: false, problem: `${mib(total)} of documents (more than ${mib(limits.maxTotalBytes)})` };
  const started = performance.now();
  const docs: OpenApiDocument[] = [];
  for (const d of documents) {
    let doc: unknown;
    try {
      doc = JSON.parse(d.text);
    } catch (err) {
      return { ok: false, problem: `${d.path}: not JSON (${(err as Error).message})` };
    }
    if (!isObject(doc) || !isObject(doc.components) || !isObject(doc.components.schemas))
      return { ok: false, problem: `${d.path}: not an OpenAPI v3 document (no components.schemas)` };
    if (doc.paths !== undefined && !isObject(doc.paths))
      return { ok: false, problem: `${d.path}: not an OpenAPI v3 document (paths is not an object)` };
    docs.push(doc as OpenApiDocument);
  }
  const parsed = performance.now();
  const { kinds, schemas } = convertOpenApi(docs);
  if (kinds.length === 0) return { ok: false, problem: 'the documents describe no kinds' };
  const out: Array<[string, string]> = [];
  for (const [name, schema] of schemas) out.push([name, JSON.stringify(schema)]);
  return {
    ok: true,
    kinds,
    schemas: out,
    parseMs: parsed - started,
    convertMs: performance.now() - parsed,
  };
}

function mib(n: number): string {
  return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
}
