// The workspace: what the language server and the CLI know about the files of the workspace
// folders — the schema registry fed by bundled and workspace CRDs (workspace.ts), and the facts each
// file contributes (fileFacts.ts: patch files, parents' patches, Flux Kustomizations). Imports
// flux/, io/, kustomize/ and build/ only; service/ builds on it.

import type * as nodeFs from 'node:fs';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

import * as path from 'node:path';
import { SchemaRegistry, type CrdProblem } from '../flux/schemaRegistry';
import { readdirP } from '../io/io';
import { BundledBuiltinSchemas } from '../kubernetes/builtinSchemas';
import { WorkspaceModel } from './fileFacts';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform', '.venv']);
const MAX_FILES = 50_000;

/** The bundled CRD snapshot written by esbuild.mjs next to the server bundle. */
export function bundledCrdsPath(): string {
  return process.env.FLUX_WORKBENCH_CRDS ?? path.join(__dirname, 'crds', 'flux-crds.json');
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
  /** Workspace roots, for relative names in messages. */
  readonly roots: string[] = [];

  async loadBundled(file = bundledCrdsPath()): Promise<void> {
    if (!existsSync(file)) {
      this.bundledProblem = `no bundled Flux CRDs (${file} is missing)`;
      return;
    }
    try {
      const snapshot = JSON.parse(await readFile(file, 'utf8')) as { fluxVersion: string; crds: unknown[] };
      const problems = this.registry.setBundled(snapshot.fluxVersion, snapshot.crds);
      if (problems.length)
        this.bundledProblem = `${problems.length} bundled CRDs could not be converted: ${problems.map((p) => p.reason).join('; ')}`;
    } catch (err) {
      this.bundledProblem = `bundled Flux CRDs unreadable: ${(err as Error).message}`;
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
    this.registry.setBuiltins(source);
  }

  /** Records a file's text (from disk or an editor buffer). */
  updateFile(file: string, text: string): void {
    const facts = this.model.update(file, text);
    const problems = this.registry.setWorkspaceFile(file, facts.crds, this.label(file));
    if (problems.length) this.crdProblems.set(file, problems);
    else this.crdProblems.delete(file);
  }

  /** A file's path relative to the workspace root that holds it, for messages. */
  private label(file: string): string {
    const root = this.roots.find((r) => file.startsWith(r + path.sep));
    return root ? path.relative(root, file) : file;
  }

  removeFile(file: string): void {
    this.model.remove(file);
    this.registry.setWorkspaceFile(file, []);
    this.crdProblems.delete(file);
  }

  problemsOf(file: string): CrdProblem[] {
    return this.crdProblems.get(file) ?? [];
  }

  /** Reads every YAML file under `root` into the model. Returns the files found. */
  async scan(
    root: string,
    maxFileBytes: number,
    isCancelled: () => boolean = () => false,
  ): Promise<string[]> {
    if (!this.roots.includes(root)) this.roots.push(root);
    const files = await listYamlFiles(root, isCancelled);
    for (const file of files) {
      if (isCancelled()) break;
      try {
        const st = await stat(file);
        if (st.size > maxFileBytes) continue;
        this.updateFile(file, await readFile(file, 'utf8'));
      } catch {
        // unreadable files are skipped; the editor reports them when opened
      }
    }
    return files;
  }
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
