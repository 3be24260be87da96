import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The folder where the command line keeps the V8 code caches of its bundles (io/codeCache.ts):
 * FLUX_WORKBENCH_COMPILE_CACHE, else ~/.cache/flux-workbench/compile-cache; set to nothing, none.
 */
export function codeCacheFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.FLUX_WORKBENCH_COMPILE_CACHE;
  if (named !== undefined) return named || undefined;
  return path.join(os.homedir(), '.cache', 'flux-workbench', 'compile-cache');
}
