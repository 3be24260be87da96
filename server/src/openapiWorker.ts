// The OpenAPI worker (server/out/openapi-worker.js): a connected cluster's OpenAPI documents are
// parsed and converted here, on a thread of their own, so the language server's requests never
// wait for them; a document too large for the thread's memory ends the thread, not the server.
// Wiring only: one message in, convertClusterDocuments, one message out.
import { parentPort, workerData } from 'node:worker_threads';
import { convertClusterDocuments, type OpenApiConversion } from './kubernetes/clusterOpenApi';

const documents = (workerData as { documents: Array<{ path: string; text: string }> }).documents;
let result: OpenApiConversion;
try {
  result = convertClusterDocuments(documents);
} catch (err) {
  // A bug, not an input error: said with the first line of its stack.
  result = { ok: false, problem: `internal error of the conversion: ${(err as Error).stack ?? String(err)}` };
}
parentPort?.postMessage(result);
