// The schema worker (server/out/schema-worker.js): the schema engine (yaml-language-server)
// validates documents here, on a thread of its own, so that a large or costly document never holds
// up the language server's requests, and one that runs past its limit is stopped by ending the
// thread. Every schema is asked of the main thread, which holds the registry. Wiring only: messages
// in, doValidation, messages out (see service/schemaWorkers.ts for the protocol).
import { parentPort } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { configureSchemaEngine, createSchemaEngine } from './service/schemaEngine';
import type { SchemaWorkerReply, SchemaWorkerRequest } from './service/schemaWorkers';

const questions = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void }>();
let nextQuestion = 1;
const post = (m: SchemaWorkerReply): void => parentPort?.postMessage(m);

const engine = createSchemaEngine(
  (uri) =>
    new Promise<string>((resolve, reject) => {
      const question = nextQuestion++;
      questions.set(question, { resolve, reject });
      post({ type: 'schema', question, uri });
    }),
);
let generation: number | undefined;
// The engine caches a parse by URI and version: each job is a new version.
let version = 0;

parentPort?.on('message', (m: SchemaWorkerRequest) => {
  if (m.type === 'schemaText') {
    const q = questions.get(m.question);
    questions.delete(m.question);
    if (m.error === undefined) q?.resolve(m.text);
    else q?.reject(new Error(m.error));
    return;
  }
  // The main thread's schemas changed since the last message: forget the ones loaded.
  if (generation !== undefined && m.generation !== generation) configureSchemaEngine(engine);
  generation = m.generation;
  void validateAll(m.documents).then(
    (diagnostics) => post({ type: 'result', id: m.id, diagnostics }),
    (err: unknown) => post({ type: 'failed', id: m.id, message: (err as Error).message }),
  );
});

async function validateAll(documents: Array<{ uri: string; languageId: string; text: string }>) {
  const out = [];
  for (const d of documents)
    out.push(await engine.doValidation(TextDocument.create(d.uri, d.languageId, ++version, d.text), true));
  return out;
}
