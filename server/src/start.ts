/**
 * The language server's entry (server/out/server.js): it loads the server (server/out/server-main.js,
 * the 2.4 MB bundle) with a V8 code cache kept in the folder the client names
 * (FLUX_WORKBENCH_COMPILE_CACHE, in the extension's global storage).
 *
 * Why not only Node's own compile cache (module.enableCompileCache, still turned on below for what
 * else loads): Node makes its cache right after compiling a module, before running it, so it holds
 * the top-level code only; every function of the bundle is still compiled when first called, about
 * half of the bundle's evaluation and much of the first completion. This cache is made when the
 * process exits (script.createCachedData after the run), so it holds every function the session
 * compiled: measured on the start benchmark, 230 -> 120 ms of CPU to the first completion.
 *
 * The cache file is named by the bundle's size and modification time and by the Node version and
 * architecture; V8 also refuses a cache of another V8 or other flags. A refused cache is said on
 * stderr (the client's output channel) and the bundle is compiled as without one; a missing cache
 * (the first start, or without the variable) is the ordinary case and said nowhere. Either way the
 * server itself is the same.
 */
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

const dir = process.env.FLUX_WORKBENCH_COMPILE_CACHE;
const enable = (nodeModule as { enableCompileCache?: (directory: string) => unknown }).enableCompileCache;
if (dir && enable) {
  try {
    enable(dir);
  } catch {
    // An unusable folder only costs the compile; the server itself does not depend on it.
  }
}

const file = path.join(__dirname, 'server-main.js');
const source = fs.readFileSync(file, 'utf8');
const cacheFile = dir ? codeCacheFile(dir, file) : undefined;
let cachedData: Buffer | undefined;
if (cacheFile) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // None yet: this run makes it.
  }
}
const script = new vm.Script(nodeModule.wrap(source), { filename: file, cachedData });
if (cachedData && script.cachedDataRejected)
  process.stderr.write(
    `code cache ${cacheFile} refused by this Node: compiling the server, a new cache is made at exit\n`,
  );
if (cacheFile && (!cachedData || script.cachedDataRejected))
  process.once('exit', () => saveCodeCache(cacheFile));

// The bundle runs as a CommonJS module would (require resolves from server/out, __dirname is server/out).
const main = new nodeModule.Module(file, module);
main.filename = file;
const run = script.runInThisContext() as (...args: unknown[]) => void;
run.call(main.exports, main.exports, nodeModule.createRequire(file), main, file, __dirname);

function codeCacheFile(folder: string, bundle: string): string | undefined {
  try {
    const st = fs.statSync(bundle);
    const key = `${st.size}-${Math.round(st.mtimeMs)}-${process.version}-${process.arch}`;
    return path.join(folder, `server-main-${key}.v8cache`);
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache of everything compiled so far, whole or not at all (another server may be
 * reading it), and removes the caches of other bundles (earlier versions of the extension).
 */
function saveCodeCache(target: string): void {
  const folder = path.dirname(target);
  const partial = `${target}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, target);
    for (const name of fs.readdirSync(folder))
      if (/^server-main-.*\.v8cache$/.test(name) && name !== path.basename(target))
        fs.rmSync(path.join(folder, name), { force: true });
  } catch {
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // Nothing more to do at exit: the next start compiles again.
    }
  }
}
