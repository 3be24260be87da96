/**
 * The language server's entry (server/out/server.js): it runs the server (server/out/server-main.js,
 * the 2.4 MB bundle) with a V8 code cache kept in the folder the client names
 * (FLUX_WORKBENCH_COMPILE_CACHE, in the extension's global storage); see io/codeCache.ts. A refused
 * cache is said on stderr (the client's output channel).
 */
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { runWithCodeCache } from './io/codeCache';

const dir = process.env.FLUX_WORKBENCH_COMPILE_CACHE || undefined;
const enable = (nodeModule as { enableCompileCache?: (directory: string) => unknown }).enableCompileCache;
if (dir && enable) {
  try {
    // For what else loads (Node's own cache, Node 22.1 or later).
    enable(dir);
  } catch {
    // An unusable folder only costs the compile; the server itself does not depend on it.
  }
}

runWithCodeCache(path.join(__dirname, 'server-main.js'), dir, (message) =>
  process.stderr.write(`${message}\n`),
);
