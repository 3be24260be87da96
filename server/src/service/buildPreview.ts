import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { buildFlux, type BuildOptions, type BuildOutcome, type BuildTarget } from '../build/fluxBuild';
import { findFluxKustomizations, selectFluxKustomization } from '../build/fluxKustomizations';
import { nodeBuildFs, nodeSpawner, readdirP, statP, type Spawner } from '../io/io';
import { artifactRoot } from '../build/artifactRoot';
import { gitSourceOf } from '../build/gitSource';
import { gitRemoteUrls } from '../io/gitRemote';
import { buildWithParents } from '../build/parents';
import { WorkspaceVariableSource, type VariableSource } from '../build/variables';
import {
  secretPlaceholder,
  type BuildParams,
  type BuildResult,
  type BuildSettings,
  type ClusterObjectParams,
  type ClusterObjectResult,
  type GitRevisionParams,
  type GitRevisionResult,
} from '../protocol';
import { ClusterVariableSource } from './clusterValues';
import { listYamlFiles } from '../workspace/workspace';
import { checkoutRevision, gitRevisionOf, resolveRevision } from './gitRevision';

export interface BuildContext {
  settings: BuildSettings;
  /** Workspace folders (absolute paths). */
  roots: readonly string[];
  /** Open editor buffers by absolute path. */
  buffers: ReadonlyMap<string, string>;
  signal?: AbortSignal;
  /** Sources asked before the workspace (e.g. the connected cluster). */
  extraVariableSources?: readonly VariableSource[];
  /** Reads a ConfigMap or Secret of a cluster (the client answers), for `params.cluster`. */
  askCluster?: (p: ClusterObjectParams, signal?: AbortSignal) => Promise<ClusterObjectResult>;
}

const FILE_LIST_TTL_MS = 10_000;
const PARENT_CACHE_SIZE = 16;

/**
 * Orchestrates build previews for the language server: finds the Kustomization to build from a
 * request, the repository it belongs to, the variables' sources and, for diffs, the files of a git
 * revision. No editor API here; the handler converts.
 */
export class BuildPreviewService {
  private readonly fileLists = new Map<string, { at: number; files: Promise<string[]> }>();
  private readonly parentBuilds = new Map<
    string,
    { inputs: string[]; fingerprint: string; outcome: BuildOutcome }
  >();

  constructor(private readonly spawn: Spawner = nodeSpawner) {}

  /** The commit a revision names for the file or folder `params.uri`, or why there is none. */
  gitRevision(params: GitRevisionParams, signal?: AbortSignal): Promise<GitRevisionResult> {
    return gitRevisionOf(this.spawn, params, signal);
  }

  async build(params: BuildParams, ctx: BuildContext): Promise<BuildResult> {
    const started = Date.now();
    const input = URI.parse(params.uri).fsPath;
    const failure = (message: string, title = path.basename(input)): BuildResult => ({
      ok: false,
      yaml: '',
      objectCount: 0,
      title,
      files: [],
      overlays: [],
      variables: [],
      unresolved: [],
      warnings: [],
      errors: [{ message }],
      durationMs: Date.now() - started,
      ...(params.revision ? { revision: params.revision } : {}),
    });
    const root = repositoryRoot(input, ctx.roots);
    if (!root) return failure(`${input} is not inside a workspace folder or a git repository`);

    let sourceRoot = root;
    let file = input;
    let cleanup: (() => Promise<void>) | undefined;
    let buffers = ctx.buffers;
    if (params.revision) {
      const rev = await resolveRevision(this.spawn, input, params.revision, params.trusted, ctx.signal);
      if (!rev.ok) return failure(rev.message);
      const snap = await checkoutRevision(this.spawn, rev.root, rev.commit, ctx.signal);
      if ('error' in snap) return failure(snap.error);
      // The same folder of the repository, as committed.
      sourceRoot = path.join(snap.dir, path.relative(rev.root, root));
      file = path.join(sourceRoot, path.relative(root, input));
      cleanup = snap.dispose;
      buffers = new Map();
      if (!existsSync(file)) {
        await cleanup();
        return failure(`${path.relative(root, input)} does not exist at ${params.revision}`);
      }
    }
    try {
      const fs = nodeBuildFs(buffers);
      let target: BuildTarget;
      // The folder the source holds: the repository, or the folder an OCI artifact was pushed from.
      let buildRoot = sourceRoot;
      let artifactNote: string | undefined;
      let title: string;
      if ((await fs.kind(file)) === 'dir') {
        target = { kind: 'directory', dir: file };
        title = `kustomize folder ${path.relative(sourceRoot, file) || '.'}`;
      } else {
        const text = await fs.readFile(file);
        const docs = findFluxKustomizations(text);
        const offset = params.position ? offsetAt(text, params.position) : undefined;
        const doc = selectFluxKustomization(docs, {
          ...(params.name !== undefined ? { name: params.name } : {}),
          ...(params.namespace ? { namespace: params.namespace } : {}),
          ...(offset !== undefined ? { offset } : {}),
        });
        if (doc) {
          const namespace = doc.namespace || params.namespace || 'flux-system';
          target = { kind: 'flux', name: doc.name, namespace, spec: doc.spec, file };
          title = `Kustomization ${namespace}/${doc.name}`;
          // An OCI artifact or bucket may hold only a folder of the repository.
          const a = await artifactRoot(
            fs,
            sourceRoot,
            doc.spec.sourceRef,
            namespace,
            typeof doc.spec.path === 'string' ? doc.spec.path : '',
            ctx.settings.build.artifactRoots,
          );
          if (a.error) return failure(a.error, title);
          buildRoot = a.root;
          if (a.note) artifactNote = a.note;
          // A GitRepository of another repository: these files are not what Flux builds.
          const g = await gitSourceOf(
            fs,
            sourceRoot,
            doc.spec.sourceRef,
            namespace,
            () => this.yamlFiles(sourceRoot),
            await gitRemoteUrls(root),
            ctx.settings.build.artifactRoots,
          );
          if (g.kind === 'other') return failure(g.error, title);
          if (g.kind === 'mapped') buildRoot = g.root;
          if (g.kind === 'mapped' || g.note) artifactNote = g.note;
        } else if (docs.length === 0) {
          target = { kind: 'directory', dir: path.dirname(file) };
          title = `kustomize folder ${path.relative(sourceRoot, path.dirname(file)) || '.'}`;
        } else {
          return failure(
            `${docs.length} Flux Kustomizations in this file (${docs.map((d) => d.name).join(', ')}): put the cursor in one, or pass its name`,
          );
        }
      }
      const s = ctx.settings;
      // Values from the cluster: what kustomize-controller substitutes there.
      const cluster =
        params.cluster && ctx.askCluster
          ? new ClusterVariableSource(params.cluster.context, params.cluster.reveal === true, ctx.askCluster)
          : undefined;
      const options: BuildOptions = {
        target,
        sourceRoot: buildRoot,
        fs,
        spawn: this.spawn,
        trusted: params.trusted,
        strict: s.build.strictSubstitution,
        useSubstituteFrom: true,
        variableSources: [
          ...(cluster ? [cluster] : []),
          ...(ctx.extraVariableSources ?? []),
          new WorkspaceVariableSource(fs, buildRoot, () => this.yamlFiles(buildRoot)),
        ],
        ...(params.variables ? { overrides: new Map(Object.entries(params.variables)) } : {}),
        ...(s.kustomize.path ? { kustomizePath: s.kustomize.path } : {}),
        timeoutMs: Math.max(1, s.build.timeout) * 1000,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        // Plugins run arbitrary programs: only on request and only with trust.
        enablePlugins: params.trusted && s.kustomize.enablePlugins,
        enableHelm: params.trusted && s.kustomize.enableHelm,
        buffers,
      };
      // What Flux applies is the child as its parent renders it (parent patches, substitution).
      const outcome = s.build.applyParents
        ? await buildWithParents(
            options,
            () => this.yamlFiles(buildRoot),
            // A cluster's values change without any file changing: its parents are built anew.
            params.revision || cluster ? buildFlux : this.cachedParentBuild(buffers),
          )
        : await buildFlux(options);
      if (artifactNote) outcome.warnings.unshift(artifactNote);
      const result = toResult(
        outcome,
        title,
        (p) => (params.revision ? path.join(root, path.relative(sourceRoot, p)) : p),
        params.revision,
      );
      if (cluster) withClusterValues(result, cluster);
      return result;
    } finally {
      await cleanup?.();
    }
  }

  /**
   * Parent builds, reused while nothing they read changed: the key is the parent's spec and the
   * build options; the entry is valid while every file below the build's inputs (its folder, the
   * bases, components, patch and generator files its kustomizations name, its own file and its
   * variable objects' files) has the same size and modification time, and the unsaved buffers there
   * the same text. So editing a child's own manifests does not rebuild its parent.
   */
  private cachedParentBuild(
    buffers: ReadonlyMap<string, string>,
  ): (options: BuildOptions) => Promise<BuildOutcome> {
    return async (options) => {
      if (options.target.kind !== 'flux') return buildFlux(options);
      const t = options.target;
      const key = JSON.stringify([
        options.sourceRoot,
        t.file,
        t.namespace,
        t.name,
        t.spec,
        options.strict,
        options.kustomizePath,
        [...(options.overrides ?? [])],
        options.enablePlugins,
        options.enableHelm,
      ]);
      const hit = this.parentBuilds.get(key);
      if (hit && (await inputsFingerprint(hit.inputs, buffers)).fingerprint === hit.fingerprint)
        return hit.outcome;
      const started = Date.now();
      const outcome = await buildFlux(options);
      this.parentBuilds.delete(key);
      if (options.signal?.aborted || !outcome.inputs) return outcome;
      const fp = await inputsFingerprint(outcome.inputs, buffers);
      // A file that changed while the parent was building may or may not be in this build (file
      // systems here keep sub-millisecond times).
      if (fp.newestMtimeMs >= started) return outcome;
      this.parentBuilds.set(key, { inputs: outcome.inputs, fingerprint: fp.fingerprint, outcome });
      while (this.parentBuilds.size > PARENT_CACHE_SIZE)
        this.parentBuilds.delete(this.parentBuilds.keys().next().value!);
      return outcome;
    };
  }

  private yamlFiles(root: string): Promise<string[]> {
    const hit = this.fileLists.get(root);
    if (hit && Date.now() - hit.at < FILE_LIST_TTL_MS) return hit.files;
    const files = listYamlFiles(root);
    this.fileLists.set(root, { at: Date.now(), files });
    return files;
  }
}

/** Names the cluster the values came from; a Secret's values are never in the variables list. */
function withClusterValues(result: BuildResult, cluster: ClusterVariableSource): void {
  const fromSecret = `(cluster ${cluster.context})`;
  for (const v of result.variables)
    if (cluster.secretKeys.has(v.name) && v.source.startsWith('Secret ') && v.source.endsWith(fromSecret))
      v.value = secretPlaceholder(v.name);
  result.cluster = {
    context: cluster.context,
    secretKeys: [...cluster.secretKeys].sort(),
    notes: [...cluster.notes],
  };
  result.warnings.push(...cluster.notes);
}

function toResult(
  o: BuildOutcome,
  title: string,
  toWorkspace: (p: string) => string,
  revision?: string,
): BuildResult {
  const uri = (p: string): string => URI.file(toWorkspace(p)).toString();
  return {
    ok: o.ok,
    yaml: o.yaml,
    objectCount: o.objectCount,
    title,
    ...(o.dir ? { dirUri: uri(o.dir) } : {}),
    ...(o.generated !== undefined ? { generated: o.generated } : {}),
    ...(o.kustomization ? { kustomization: o.kustomization } : {}),
    ...(o.engine ? { engine: o.engine.label } : {}),
    files: o.files.map(uri),
    overlays: o.overlays,
    ...(o.parents?.length ? { parents: o.parents } : {}),
    variables: o.variables,
    unresolved: o.unresolved,
    warnings: o.warnings,
    errors: o.errors.map((e) => ({
      message: e.message,
      ...(e.file ? { uri: uri(e.file) } : {}),
      ...(e.line ? { line: e.line - 1 } : {}),
    })),
    ...(revision ? { revision } : {}),
    durationMs: o.durationMs,
    phases: o.phases,
  };
}

/**
 * A digest of every file below `inputs` (size and modification time; folders walked, `.git` left
 * out) and of the buffers there, with the newest modification time seen. Past 20,000 files the
 * digest is unique, so nothing is reused.
 */
export async function inputsFingerprint(
  inputs: readonly string[],
  buffers: ReadonlyMap<string, string>,
): Promise<{ fingerprint: string; newestMtimeMs: number }> {
  const hash = createHash('sha1');
  const seen = new Set<string>();
  let newestMtimeMs = 0;
  let level = [...new Set(inputs.map((p) => path.resolve(p)))].sort();
  while (level.length) {
    if (seen.size > 20_000)
      return { fingerprint: `too many files ${Date.now()} ${Math.random()}`, newestMtimeMs };
    const next: string[] = [];
    const stats = await Promise.all(level.map((p) => statP(p).catch(() => undefined)));
    const dirs: string[] = [];
    level.forEach((p, i) => {
      if (seen.has(p)) return;
      seen.add(p);
      const st = stats[i];
      hash.update(`${p}\0${st ? (st.isDirectory() ? 'dir' : `${st.size}\0${st.mtimeMs}`) : 'none'}\n`);
      if (st) newestMtimeMs = Math.max(newestMtimeMs, st.mtimeMs);
      if (st?.isDirectory()) dirs.push(p);
    });
    const listed = await Promise.all(dirs.map((d) => readdirP(d).catch(() => [] as string[])));
    dirs.forEach((d, i) => {
      for (const name of listed[i]!.sort()) if (name !== '.git') next.push(path.join(d, name));
    });
    level = next;
  }
  const under = (f: string): boolean =>
    inputs.some((i) => f === i || f.startsWith(i.endsWith(path.sep) ? i : i + path.sep));
  for (const [f, text] of [...buffers].sort(([a], [b]) => a.localeCompare(b)))
    if (under(f)) hash.update(`buffer ${f}\0${text}\n`);
  return { fingerprint: hash.digest('hex'), newestMtimeMs };
}

/**
 * The source root of a path: the nearest folder with .git (spec.path is relative to the repository,
 * even when the workspace folder is a sub-folder of it), else the workspace folder holding it.
 */
export function repositoryRoot(p: string, roots: readonly string[]): string | undefined {
  for (let d = p; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) break;
  }
  return roots
    .filter((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep))
    .sort((a, b) => b.length - a.length)[0];
}

function offsetAt(text: string, pos: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < pos.line; line++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + pos.character);
}
