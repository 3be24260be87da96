// The workspace model: every YAML document of the workspace folders, on disk and open, and what
// Flux makes of it. workspace.ts is the entry: the schema registry fed by bundled and workspace CRDs,
// the scan (scanner.ts: .gitignore, .sourceignore, the exclude setting, symbolic links kept inside
// the folders) and per-file updates. model.ts holds the index: each file's facts (fileIndex.ts,
// objectFacts.ts, kustomizeFacts.ts: objects by kind, namespace and name, references, kustomize
// entries), the paths seen (pathTree.ts), which Kustomization renders which file and in which
// namespace (rendering.ts, bootstrap.ts), and references resolved against it and other object
// sources such as a cluster (resolver.ts). Imports protocol.ts, flux/, io/, kubernetes/, kustomize/
// and build/ only; semantics/ and service/ build on it.

import { createHash } from 'node:crypto';
import type * as nodeFs from 'node:fs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import * as path from 'node:path';
import type { ConvertedCrd } from '../flux/crdToSchema';
import { SchemaRegistry, type CrdProblem } from '../flux/schemaRegistry';
import { readdirP } from '../io/io';
import { SliceClock } from '../io/slices';
import { BundledBuiltinSchemas } from '../kubernetes/builtinSchemas';
import type { FileIndex } from './fileIndex';
import { WorkspaceModel } from './model';
import { gitWorkTreeOf, scanWorkspace, type ScanOptions, type ScanResult } from './scanner';
import { gitRemoteUrls } from '../io/gitRemote';

/**
 * A buffer longer than this (about one 20 ms slice of parsing: measured, the 200 KB start
 * benchmark file takes some 150 ms) is parsed into the model after a yield (see updateFileSliced).
 */
const DEFERRED_PARSE_CHARS = 32 * 1024;

/** server/out/crds/flux-schemas.json, as esbuild.mjs writes it. */
export interface BundledFluxSchemas {
  fluxVersion: string;
  crds: ConvertedCrd[];
}

/** A text's SHA-1 (a collision would leave a changed file's facts stale: FNV is too weak for that). */
function digestOf(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform', '.venv']);
const MAX_FILES = 50_000;

/**
 * The bundled Flux schemas written by esbuild.mjs next to the server bundle: the Flux CRDs of the
 * bundled release, already converted (see {@link SchemaRegistry.setBundledConverted}).
 */
export function bundledSchemasPath(): string {
  return process.env.FLUX_WORKBENCH_SCHEMAS ?? path.join(__dirname, 'crds', 'flux-schemas.json');
}

/** The Kubernetes built-in kinds' schemas written by esbuild.mjs next to the server bundle. */
export function bundledBuiltinsDir(): string {
  return process.env.FLUX_WORKBENCH_KUBERNETES_SCHEMAS ?? path.join(__dirname, 'kubernetes');
}

/**
 * The schemas and facts of the files a user works on: the bundled CRDs, CRDs found in workspace files,
 * and the model of kustomizations and patches. Shared by the language server and the CLI.
 */
export class Workspace {
  readonly registry = new SchemaRegistry();
  readonly model = new WorkspaceModel();
  private readonly crdProblems = new Map<string, CrdProblem[]>();
  bundledProblem: string | undefined;
  /** Why the Kubernetes built-in kinds have no schemas, when they have none. */
  builtinsProblem: string | undefined;
  /** The bundled built-in kinds' schemas (what answers when no connected cluster's do). */
  bundledBuiltins: BundledBuiltinSchemas | undefined;
  /** Workspace roots, for relative names in messages. */
  readonly roots: string[] = [];

  /** Reads the bundled Flux schemas (converted at build time: nothing is converted here). */
  async loadBundled(file = bundledSchemasPath()): Promise<void> {
    if (!existsSync(file)) {
      this.bundledProblem = `no bundled Flux schemas (${file} is missing)`;
      return;
    }
    try {
      const snapshot = JSON.parse(await readFile(file, 'utf8')) as BundledFluxSchemas;
      if (typeof snapshot.fluxVersion !== 'string' || !Array.isArray(snapshot.crds))
        throw new Error('not a Flux schema snapshot');
      this.registry.setBundledConverted(snapshot.fluxVersion, snapshot.crds);
    } catch (err) {
      this.bundledProblem = `bundled Flux schemas unreadable: ${(err as Error).message}`;
    }
  }

  /** Reads the index of the bundled built-in kinds (their schemas load per kind, on first use). */
  async loadBuiltins(dir = bundledBuiltinsDir()): Promise<void> {
    const source = await BundledBuiltinSchemas.load(dir);
    if (!(source instanceof BundledBuiltinSchemas)) {
      this.builtinsProblem = source.problem;
      return;
    }
    this.builtinsProblem = undefined;
    this.bundledBuiltins = source;
    // A connected cluster's schemas may have arrived first: they keep answering.
    if (this.registry.builtins?.origin.kind !== 'cluster') this.registry.setBuiltins(source);
  }

  /**
   * {@link updateFile}, the documents it has not parsed before parsed, and the file indexed, in slices that yield the
   * thread (the server's way: a file of tens of thousands of documents does not hold up requests).
   * A newer text of the same file arriving meanwhile supersedes this one. Without a `clock` (an
   * editor's buffer, not a scan), a text of more than one slice's work starts after a yield: the
   * handler of the open or edit returns at once, and requests sent with it (a completion typed
   * right after opening a large file) are answered before the first slice, not after it. A smaller
   * text is in the model before the next request is read, as requests that read the model (names
   * of the workspace's objects) expect of an edit.
   */
  async updateFileSliced(file: string, text: string, clock?: SliceClock): Promise<void> {
    const token = {};
    this.latest.set(file, token);
    if (this.isIndexed(file, digestOf(text))) {
      this.latest.delete(file); // and an older text still being parsed is superseded
      return;
    }
    if (!clock) {
      clock = new SliceClock(20);
      if (text.length > DEFERRED_PARSE_CHARS) await clock.yieldNow();
      if (this.latest.get(file) !== token) return;
    }
    // A newer text stops this parse between two slices (a file of 40,000 documents takes seconds).
    const superseded = () => this.latest.get(file) !== token;
    const parsed = await this.model.warmPieces(file, text, clock, superseded);
    if (superseded() || !parsed) return;
    const index = await this.model.indexSliced(file, text, parsed, clock);
    if (superseded()) return;
    this.latest.delete(file);
    this.updateFile(file, text, index);
  }

  private readonly latest = new Map<string, object>();

  /**
   * The digest of the text each file was last indexed with. Opening a file gives the buffer the
   * scan read from disk, and saving one gives the text its buffer had: such an update changes
   * nothing, and is skipped, since each change makes the model recompute what it derives from
   * every file (several milliseconds per open on a repository of a thousand files).
   */
  private readonly digests = new Map<string, string>();

  private isIndexed(file: string, digest: string): boolean {
    return this.digests.get(file) === digest && this.model.get(file) !== undefined;
  }

  /** Records a file's text (from disk or an editor buffer); `indexed` is its index when made already. */
  updateFile(file: string, text: string, indexed?: FileIndex): void {
    const digest = digestOf(text);
    if (this.isIndexed(file, digest)) return;
    this.digests.set(file, digest);
    const index = this.model.update(file, text, undefined, indexed);
    const problems = this.registry.setWorkspaceFile(file, index.crds, this.label(file));
    if (problems.length) this.crdProblems.set(file, problems);
    else this.crdProblems.delete(file);
  }

  /** A file's path relative to the workspace root that holds it, for messages. */
  label(file: string): string {
    const root = this.roots.find((r) => file.startsWith(r + path.sep));
    return root ? path.relative(root, file) : file;
  }

  removeFile(file: string): void {
    this.latest.delete(file); // a parse of it under way is dropped, not recorded after this
    this.digests.delete(file);
    const had = (this.model.get(file)?.crds.length ?? 0) > 0;
    this.model.remove(file);
    if (had) this.registry.setWorkspaceFile(file, []);
    this.crdProblems.delete(file);
  }

  /** Forgets a folder and every file below it (deleted, or read again under new ignore rules). */
  removeUnder(dir: string): void {
    for (const f of [...this.model.allFiles()].map((x) => x.file))
      if (f === dir || f.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)) this.removeFile(f);
    this.model.removeUnder(dir);
  }

  problemsOf(file: string): CrdProblem[] {
    return this.crdProblems.get(file) ?? [];
  }

  /**
   * Indexes every YAML file under `root` (see {@link scanWorkspace}: ignore rules, symbolic links,
   * limits), then tells the model where the repositories are and what they fetch.
   */
  async scan(
    root: string,
    options: Omit<ScanOptions, 'roots'> & {
      roots?: readonly string[];
      /** Told of each file once it is indexed. */
      indexed?: (file: string, text: string) => void;
      /**
       * Given each file to index instead of this thread parsing it: the caller indexes it elsewhere
       * and records it with {@link updateFile} (the command line's validation threads).
       */
      indexElsewhere?: (file: string, text: string) => void;
    },
  ): Promise<ScanResult> {
    if (!this.roots.includes(root)) this.roots.push(root);
    // One clock for the whole scan: a file of many documents is parsed in slices too.
    const clock = new SliceClock(20);
    const full = {
      ...options,
      roots: options.roots ?? this.roots,
      index: async (file: string, text: string) => {
        if (options.indexElsewhere) return options.indexElsewhere(file, text);
        await this.updateFileSliced(file, text, clock);
        options.indexed?.(file, text);
      },
    };
    const result = await scanWorkspace(root, this.model, full);
    if (!options.start) this.scans.set(root, { options: full, ignoredReason: result.ignoredReason });
    const repo = await gitWorkTreeOf(root);
    this.sourceRoots.add(repo ?? root);
    if (repo) for (const url of await gitRemoteUrls(repo)) this.repositoryUrls.add(url);
    this.model.setRoots([...this.sourceRoots]);
    this.model.setSettings({ ...this.model.settings, repositoryUrls: [...this.repositoryUrls] });
    return result;
  }

  /** Why a path is left out of the model, by the rules of the last scan of its folder. */
  ignoredReason(p: string, isDir: boolean): string | undefined {
    const root = this.scannedRootOf(p);
    return root ? this.scans.get(root)!.ignoredReason(p, isDir) : undefined;
  }

  /** The scanned workspace folder holding `p` (the innermost one). */
  scannedRootOf(p: string): string | undefined {
    return [...this.scans.keys()]
      .filter((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep))
      .sort((a, b) => b.length - a.length)[0];
  }

  /** Scans one folder again (created, moved in, or its ignore files changed), by its root's rules. */
  async rescan(dir: string): Promise<ScanResult | undefined> {
    const root = this.scannedRootOf(dir);
    if (!root) return undefined;
    const { options } = this.scans.get(root)!;
    return scanWorkspace(root, this.model, dir === root ? options : { ...options, start: dir });
  }

  private readonly scans = new Map<
    string,
    { options: ScanOptions; ignoredReason: ScanResult['ignoredReason'] }
  >();
  private readonly sourceRoots = new Set<string>();
  private readonly repositoryUrls = new Set<string>();
}

export async function listYamlFiles(
  root: string,
  isCancelled: () => boolean = () => false,
): Promise<string[]> {
  const out: string[] = [];
  // Breadth first, a whole level of folders at a time (one folder after another is several times
  // slower on repositories with hundreds of folders).
  let level = [root];
  while (level.length && out.length < MAX_FILES && !isCancelled()) {
    const next: string[] = [];
    const listed = await Promise.all(
      level.map((dir) => readdirP(dir, { withFileTypes: true }).catch(() => [] as nodeFs.Dirent[])),
    );
    listed.forEach((entries, i) => {
      for (const e of entries) {
        const p = path.join(level[i]!, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) next.push(p);
        } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) {
          out.push(p);
        }
      }
    });
    level = next;
  }
  return out.sort().slice(0, MAX_FILES);
}
