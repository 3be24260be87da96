/**
 * The language server's entry (server/out/server.js): it turns on Node's on-disk compile cache in
 * the folder the client names (FLUX_WORKBENCH_COMPILE_CACHE, in the extension's global storage),
 * then loads the server (server/out/server-main.js). The cache keeps V8's compiled code of the
 * 2.8 MB bundle, so every start after the first skips compiling it. Node has the cache from 22.1 on
 * (code-server runs Node 24); on an older Node, or without the variable, the server starts as before.
 */
import * as nodeModule from 'node:module';

const dir = process.env.FLUX_WORKBENCH_COMPILE_CACHE;
const enable = (nodeModule as { enableCompileCache?: (directory: string) => unknown }).enableCompileCache;
if (dir && enable) {
  try {
    enable(dir);
  } catch {
    // An unusable folder only costs the compile; the server itself does not depend on it.
  }
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./server-main.js');
