/**
 * Runs a CommonJS bundle of this extension (server/out/*.js) with a V8 code cache kept in a folder:
 * the language server's bundle (start.ts), the commands of the command line (cli/index.ts) and the
 * validation threads (validateWorkerEntry.ts). Node and the platform only; no `vscode`.
 *
 * Why not only Node's own compile cache (module.enableCompileCache, Node 22.1 or later): Node makes
 * its cache right after compiling a module, before running it, so it holds the top-level code only;
 * every function of a bundle is still compiled when first called, about half of a bundle's
 * evaluation. This cache is made when the thread exits (script.createCachedData after the run), so
 * it holds every function the run compiled: measured on the language server's start benchmark,
 * 230 -> 120 ms of CPU to the first completion.
 *
 * The cache file is named by the bundle's name, size and modification time and by the Node version
 * and architecture; V8 also refuses a cache of another V8 or other flags. A refused cache is said
 * through `onRefused` and the bundle is compiled as without one; a missing cache (the first run) is
 * the ordinary case and said nowhere. Either way the bundle itself runs the same.
 */
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * Runs `file` as a CommonJS module (require resolves from its folder), with the code cache of
 * `folder` when there is one, and returns its exports. Unless the cache was read and taken, a new
 * one is written when this thread exits (process 'exit', also the one of a worker thread whose
 * event loop ends). Without `folder`, the bundle is simply compiled.
 */
export function runWithCodeCache(
  file: string,
  folder: string | undefined,
  onRefused: (message: string) => void = () => {},
): unknown {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = folder ? codeCacheFile(folder, file) : undefined;
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
    onRefused(
      `code cache ${cacheFile} refused by this Node: compiling ${path.basename(file)}, a new cache is made at exit`,
    );
  if (cacheFile && (!cachedData || script.cachedDataRejected))
    process.once('exit', () => saveCodeCache(script, cacheFile, file));
  const module = new nodeModule.Module(file);
  module.filename = file;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, nodeModule.createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** `<bundle name>-<size>-<mtime>-<node version>-<arch>.v8cache` in `folder`. */
function codeCacheFile(folder: string, bundle: string): string | undefined {
  try {
    const st = fs.statSync(bundle);
    const key = `${st.size}-${Math.round(st.mtimeMs)}-${process.version}-${process.arch}`;
    return path.join(folder, `${bundleName(bundle)}-${key}.v8cache`);
  } catch {
    return undefined;
  }
}

const bundleName = (bundle: string): string => path.basename(bundle, '.js');

/**
 * Writes the cache of everything compiled so far, whole or not at all (another process may be
 * reading it), and removes the caches of other builds of the same bundle (earlier versions).
 */
function saveCodeCache(script: vm.Script, target: string, bundle: string): void {
  const folder = path.dirname(target);
  const partial = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, target);
    const name = bundleName(bundle);
    const sameBundle = new RegExp(
      `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+-\\d+-v[\\d.]+-\\w+\\.v8cache$`,
    );
    for (const other of fs.readdirSync(folder))
      if (sameBundle.test(other) && other !== path.basename(target))
        fs.rmSync(path.join(folder, other), { force: true });
  } catch {
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // Nothing more to do at exit: the next run compiles again.
    }
  }
}
