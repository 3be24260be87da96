// The entry of a validation thread of `flux-workbench validate` (server/out/validate-worker.js): it
// runs the thread itself (server/out/validate-worker-main.js, validateWorker.ts) with the V8 code
// cache of the folder the command names in the thread's data (io/codeCache.ts). The cache is written
// when the thread's event loop ends, as it does when the command closes it at the end of the run.
import * as path from 'node:path';
import { workerData } from 'node:worker_threads';
import { runWithCodeCache } from './io/codeCache';

runWithCodeCache(
  path.join(__dirname, 'validate-worker-main.js'),
  (workerData as { codeCache?: string } | null)?.codeCache,
  (message) => process.stderr.write(`warning: ${message}\n`),
);
