import type * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import { DEFAULT_IGNORE_PATTERNS, IgnoreMatcher } from '../build/sourceIgnore';
import { readdirP, readFileP, statP } from '../io/io';
import { within } from '../io/paths';
import type { WorkspaceModel } from './model';

const realpathP = promisify(fs.realpath);

/** Folders never descended into: VCS data and dependency trees are not manifests. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform', '.venv']);

export interface ScanOptions {
  /** Files larger than this are not indexed (said in `skipped`). */
  maxFileBytes: number;
  /** gitignore-style patterns relative to the root (setting fluxWorkbench.workspace.exclude). */
  exclude?: readonly string[];
  /** The workspace folders: symbolic links are followed only to targets inside them. */
  roots?: readonly string[];
  /** Stop after this many files (YAML or not). */
  maxFiles?: number;
  /** A reason not to index a text (binary, too deeply nested), or undefined to index it. */
  refuse?: (text: string) => string | undefined;
  isCancelled?: () => boolean;
  /** Told as files are indexed. */
  onProgress?: (indexed: number, total: number) => void;
  /** Scan only this folder below the root (a folder created or moved in); the root's ignore files apply. */
  start?: string;
  /** Indexes one file (the Workspace also feeds CRDs to its schema registry); model.update by default. */
  index?: (file: string, text: string) => void | Promise<void>;
}

export interface ScanResult {
  root: string;
  /** YAML files indexed. */
  files: string[];
  /** What was left out and why (ignore rules are counted, not listed: see `ignored`). */
  skipped: Array<{ path: string; reason: string }>;
  /** Paths left out by .gitignore, .sourceignore, source-controller's defaults or the exclude setting. */
  ignored: number;
  /** The root is in a git work tree (so .gitignore applies and every file is on disk). */
  gitWorkTree: boolean;
  cancelled: boolean;
  ms: number;
  /** Why a path of this root is left out (the same rules, for file events after the scan). */
  ignoredReason: (p: string, isDir: boolean) => string | undefined;
}

interface Matchers {
  git: IgnoreMatcher;
  source: IgnoreMatcher;
  exclude: IgnoreMatcher;
}

/** The git work tree holding `dir`, if any (the nearest parent with `.git`). */
export async function gitWorkTreeOf(dir: string): Promise<string | undefined> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (
      await statP(path.join(d, '.git')).then(
        () => true,
        () => false,
      )
    )
      return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * Indexes every YAML file under `root` into the model and records every path it sees, as Flux's
 * source would hold them: `.gitignore` (in a git work tree), `.sourceignore` and source-controller's
 * default ignore rules, and the exclude setting, are respected; symbolic links are followed only to
 * targets inside the workspace folders, each folder once (no loops). Work is done in slices that
 * yield to the event loop, so requests are answered while it runs.
 */
export async function scanWorkspace(
  root: string,
  model: WorkspaceModel,
  options: ScanOptions,
): Promise<ScanResult> {
  const started = Date.now();
  const result: ScanResult = {
    root,
    files: [],
    skipped: [],
    ignored: 0,
    gitWorkTree: false,
    cancelled: false,
    ms: 0,
    ignoredReason: () => undefined,
  };
  const cancelled = (): boolean => options.isCancelled?.() === true;
  const repo = await gitWorkTreeOf(root);
  result.gitWorkTree = repo !== undefined;
  const sourceRoot = repo && within(repo, root) ? repo : root;
  const m: Matchers = {
    git: new IgnoreMatcher(),
    source: new IgnoreMatcher().add(DEFAULT_IGNORE_PATTERNS, sourceRoot),
    exclude: new IgnoreMatcher().add(options.exclude ?? [], root),
  };
  result.ignoredReason = (p, isDir) => (path.basename(p) === '.git' ? 'git data' : ignoredBy(m, p, isDir));
  // Ignore files of the folders above the start (inside the repository) apply too, outermost first.
  const start = options.start && within(root, options.start) ? options.start : root;
  const above: string[] = [];
  for (let d = path.dirname(start); within(sourceRoot, d); d = path.dirname(d)) {
    above.unshift(d);
    if (d === sourceRoot) break;
  }
  for (const d of above) await addIgnoreFiles(m, d, result.gitWorkTree);
  const roots = (options.roots ?? [root]).map((r) => path.resolve(r));
  const maxFiles = options.maxFiles ?? 50_000;
  const seenDirs = new Set<string>([await realpathP(root).catch(() => root)]);
  const yaml: string[] = [];
  let seen = 0;
  model.addPath(start, 'dir');
  let level = [start];
  let slice = Date.now();
  while (level.length && !cancelled()) {
    const next: string[] = [];
    const listed = await Promise.all(
      level.map((dir) =>
        readdirP(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
          result.skipped.push({ path: dir, reason: `folder not readable (${err.code ?? err.message})` });
          return [] as nodeFs.Dirent[];
        }),
      ),
    );
    for (let i = 0; i < level.length; i++) {
      const dir = level[i]!;
      const entries = listed[i]!;
      if (entries.some((e) => e.name === '.gitignore' || e.name === '.sourceignore'))
        await addIgnoreFiles(m, dir, result.gitWorkTree);
      for (const e of entries) {
        if (++seen > maxFiles) break;
        const p = path.join(dir, e.name);
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          const target = await realpathP(p).catch(() => undefined);
          if (!target || !roots.some((r) => within(r, target))) {
            result.skipped.push({
              path: p,
              reason: target
                ? `symbolic link to ${target}, outside the workspace: not followed`
                : 'broken symbolic link',
            });
            continue;
          }
          const st = await statP(target).catch(() => undefined);
          isDir = st?.isDirectory() ?? false;
          isFile = st?.isFile() ?? false;
          if (isDir) {
            if (seenDirs.has(target)) continue; // a loop, or a folder already scanned
            seenDirs.add(target);
          }
        } else if (isDir) {
          seenDirs.add(p);
        }
        if (isDir && SKIP_DIRS.has(e.name)) continue;
        const why = ignoredBy(m, p, isDir);
        if (why) {
          result.ignored++;
          model.tree.addIgnored(p, why);
          continue;
        }
        if (isDir) {
          model.addPath(p, 'dir');
          next.push(p);
        } else if (isFile) {
          model.addPath(p, 'file');
          if (/\.ya?ml$/i.test(e.name)) yaml.push(p);
        }
      }
      if (seen > maxFiles) {
        result.skipped.push({
          path: root,
          reason: `more than ${maxFiles} files: the rest of the folder was not scanned`,
        });
        level = [];
        break;
      }
      if (Date.now() - slice > 30) {
        await yieldToRequests();
        slice = Date.now();
      }
    }
    level = seen > maxFiles ? [] : next;
  }
  // Read and index, a few files at a time, yielding between batches.
  yaml.sort();
  let done = 0;
  // The next batch is read while this one is indexed.
  const read = (i: number) =>
    Promise.all(
      yaml.slice(i, i + BATCH).map(async (file) => {
        try {
          const st = await statP(file);
          if (st.size > options.maxFileBytes)
            return {
              file,
              skip: `larger than ${Math.round(options.maxFileBytes / 1024 / 1024)} MB (setting fluxWorkbench.validation.maxFileSize)`,
            };
          return { file, text: await readFileP(file, 'utf8') };
        } catch (err) {
          return {
            file,
            skip: `not readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          };
        }
      }),
    );
  let reading = yaml.length ? read(0) : undefined;
  for (let i = 0; i < yaml.length && !cancelled(); i += BATCH) {
    const texts = await reading!;
    reading = i + BATCH < yaml.length ? read(i + BATCH) : undefined;
    for (const t of texts) {
      const refused = t.text !== undefined ? options.refuse?.(t.text) : undefined;
      if (t.skip || refused) {
        result.skipped.push({ path: t.file, reason: t.skip ?? refused! });
        continue;
      }
      if (options.index) await options.index(t.file, t.text!);
      else model.update(t.file, t.text!);
      result.files.push(t.file);
    }
    done += texts.length;
    options.onProgress?.(done, yaml.length);
    if (Date.now() - slice > 30) {
      await yieldToRequests();
      slice = Date.now();
    }
  }
  result.cancelled = cancelled();
  if (!result.cancelled && start === root) model.tree.markComplete(root, { allFiles: result.gitWorkTree });
  result.ms = Date.now() - started;
  return result;
}

/** Files read at once by the scan. */
const BATCH = 16;

function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function addIgnoreFiles(m: Matchers, dir: string, git: boolean): Promise<void> {
  if (git) {
    const text = await readFileP(path.join(dir, '.gitignore'), 'utf8').catch(() => undefined);
    if (text) m.git.add(text.split('\n'), dir);
  }
  const src = await readFileP(path.join(dir, '.sourceignore'), 'utf8').catch(() => undefined);
  if (src) m.source.add(src.split('\n'), dir);
}

function ignoredBy(m: Matchers, p: string, isDir: boolean): string | undefined {
  if (m.exclude.ignores(p, isDir)) return 'excluded by the setting fluxWorkbench.workspace.exclude';
  if (m.git.ignores(p, isDir)) return 'ignored by .gitignore, so it is not in the repository Flux fetches';
  if (m.source.ignores(p, isDir))
    return "left out of the source artifact by .sourceignore or source-controller's default ignore rules";
  return undefined;
}
