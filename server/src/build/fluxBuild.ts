// The build engine: what Flux's kustomize-controller does to a source folder, reproduced for
// previews. fluxBuild.ts is the entry: generate a kustomization when the folder has none
// (generator), overlay the Kustomization's spec (overlay), run the real kustomize (engine, stage),
// then post-build substitution (postBuild, envsubst, variables, sops). parents.ts renders a
// Kustomization as its parent Kustomization would; artifactRoot.ts maps OCI/Bucket sources to a
// folder. Imports flux/, io/ and kustomize/ only.

import * as path from 'node:path';
import { stringify } from 'yaml';
import { detectEngine, EngineError, runKustomize, type KustomizeEngine } from './engine';
import { findOrGenerateKustomization, GeneratorError } from './generator';
import { findKustomizationFile, KUSTOMIZATION_FILE_NAMES } from '../kustomize/kustomizationFile';
import type { BuildFs, Spawner } from '../io/io';
import { overlayFluxSpec, OverlayError, type FluxBuildSpec } from './overlay';
import { postBuild, PostBuildError, splitDocuments, type Variable } from './postBuild';
import { specPathDir, within } from '../io/paths';
import { escapingReferences } from '../kustomize/references';
import { firstYamlObject } from '../flux/yamlObjects';
import { loadSourceIgnore } from './sourceIgnore';
import { stageTree } from './stage';
import { resolveVariables, type VariableSource } from './variables';

/** What to build: a Flux Kustomization (its spec, from a file) or a plain kustomization folder. */
export type BuildTarget =
  | {
      kind: 'flux';
      name: string;
      namespace: string;
      spec: FluxBuildSpec & { sourceRef?: { kind?: string; name?: string } };
      file: string;
    }
  | { kind: 'directory'; dir: string };

export interface BuildOptions {
  target: BuildTarget;
  /** The source root (the repository): spec.path is relative to it and nothing outside it is read. */
  sourceRoot: string;
  fs: BuildFs;
  spawn: Spawner;
  /** Unset variables without a default fail the build (kustomize-controller's default since Flux 2.9). */
  strict?: boolean;
  /** Resolve substituteFrom (false: skip it, as `flux build --dry-run` does). */
  useSubstituteFrom?: boolean;
  variableSources?: readonly VariableSource[];
  overrides?: ReadonlyMap<string, string>;
  /** The workspace is trusted; without trust no program runs. */
  trusted: boolean;
  kustomizePath?: string;
  /** Read the kustomize version for the preview header (the CLI does not print it). */
  readEngineVersion?: boolean;
  engine?: KustomizeEngine;
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  enablePlugins?: boolean;
  enableHelm?: boolean;
  /** Unsaved editor buffers (absolute path -> text) to build instead of the files on disk. */
  buffers?: ReadonlyMap<string, string>;
  /** YAML files of the workspace, for finding where an unset variable is used. */
  tmpDir?: string;
}

export interface BuildDiagnostic {
  message: string;
  file?: string;
  /** One-based. */
  line?: number;
}

export interface BuildOutcome {
  ok: boolean;
  yaml: string;
  objectCount: number;
  engine?: { label: string; binary: string; version: string };
  /** The folder built and whether its kustomization.yaml was generated. */
  dir?: string;
  generated?: boolean;
  /** The kustomization.yaml as given to kustomize (after Flux's overlay). */
  kustomization?: string;
  /**
   * Files and folders (absolute) the build read or may read: the built folder, every local path its
   * kustomizations name, the Kustomization's file and the variable objects' files. A folder stands
   * for everything below it.
   */
  inputs?: string[];
  files: string[];
  overlays: string[];
  /** Parent Kustomizations whose rendering of the target was used, and what they change. */
  parents?: string[];
  variables: Array<{ name: string; value: string; source: string; masked?: boolean }>;
  /** Variables used without a value (not an error without strict mode). */
  unresolved: string[];
  warnings: string[];
  errors: BuildDiagnostic[];
  durationMs: number;
  /** Milliseconds per phase (generate, engine, stage, kustomize, variables, post-build). */
  phases: Record<string, number>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Builds like kustomize-controller: generate or read the kustomization, overlay the Flux spec, run
 * the real kustomize in a temporary mirror (never in the workspace), then substitute variables,
 * label, mask SOPS values and apply commonMetadata. Expected failures come back as `errors`;
 * only bugs throw.
 */
export async function buildFlux(options: BuildOptions): Promise<BuildOutcome> {
  const started = Date.now();
  let lapStart = started;
  const lap = (phase: string): void => {
    const now = Date.now();
    out.phases[phase] = (out.phases[phase] ?? 0) + now - lapStart;
    lapStart = now;
  };
  const root = path.resolve(options.sourceRoot);
  const out: BuildOutcome = {
    phases: {},
    ok: false,
    yaml: '',
    objectCount: 0,
    files: [],
    overlays: [],
    variables: [],
    unresolved: [],
    warnings: [],
    errors: [],
    durationMs: 0,
  };
  const finish = (): BuildOutcome => {
    if ('variables' in out.phases) lap('post-build');
    out.durationMs = Date.now() - started;
    out.ok = out.errors.length === 0;
    return out;
  };
  const fail = (message: string, file?: string, line?: number): BuildOutcome => {
    out.errors.push({ message, ...(file ? { file } : {}), ...(line ? { line } : {}) });
    return finish();
  };
  const { target, fs } = options;

  // Where to build.
  let dir: string;
  if (target.kind === 'flux') {
    const specPath = typeof target.spec.path === 'string' ? target.spec.path : '';
    dir = specPathDir(root, specPath);
    if (!within(root, dir))
      return fail(
        `spec.path '${specPath}' is outside the repository (${root}); Flux refuses paths that escape the source`,
        target.file,
      );
    const ref = target.spec.sourceRef;
    if (ref?.kind && ref.kind !== 'GitRepository') {
      out.warnings.push(
        `spec.sourceRef is ${ref.kind}/${ref.name ?? ''}: built from ${root} as if that folder were the source's content`,
      );
    }
  } else {
    dir = path.resolve(target.dir);
    if (!within(root, dir)) return fail(`${dir} is outside the repository (${root})`);
  }
  out.dir = dir;
  if ((await fs.kind(dir)) !== 'dir')
    return fail(
      `invalid resource path "${dir}": not a folder${target.kind === 'flux' ? ' (spec.path)' : ''}`,
      target.kind === 'flux' ? target.file : undefined,
    );

  // The kustomization kustomize will build.
  const isCancelled = (): boolean => options.signal?.aborted === true;
  let config: Record<string, unknown>;
  let fileName: string;
  try {
    if (target.kind === 'flux') {
      const ignore = await loadSourceIgnore(fs, root, dir);
      const gen = await findOrGenerateKustomization(fs, dir, ignore, isCancelled);
      out.generated = gen.generated;
      out.files = gen.generated ? gen.listed : [path.join(dir, gen.fileName)];
      out.overlays = await overlayFluxSpec(gen.config, target.spec, dir, fs);
      config = gen.config;
      fileName = gen.fileName;
    } else {
      const existing = await findKustomizationFile(fs, dir);
      if (!existing) return fail(`no kustomization.yaml in ${dir}`);
      out.generated = false;
      out.files = [existing];
      config = {};
      fileName = path.basename(existing);
    }
  } catch (err) {
    if (err instanceof GeneratorError || err instanceof OverlayError)
      return fail(err.message, err instanceof GeneratorError ? err.file : undefined);
    throw err;
  }
  const kustomizationFile = path.join(dir, fileName);
  const ownConfig =
    target.kind === 'flux'
      ? config
      : (firstYamlObject(await fs.readFile(kustomizationFile).catch(() => '')) ?? {});
  // Checked while kustomize runs (it reads nothing outside the repository that is not named here,
  // and its result is dropped when something is).
  const escapingCheck = escapingReferences(fs, ownConfig, dir, root, kustomizationFile);
  escapingCheck.catch(() => undefined); // awaited below
  const escaped = async (): Promise<boolean> => {
    const { escaping, read } = await escapingCheck;
    out.inputs = [dir, ...read, ...(target.kind === 'flux' ? [target.file] : [])];
    for (const e of escaping)
      out.errors.push({
        message: `'${e.reference}' (in ${path.relative(root, e.file) || e.file}) is outside the repository (${root}); Flux refuses to load files outside the source`,
        file: e.file,
      });
    return escaping.length > 0;
  };
  const replaced = new Map<string, string>();
  if (target.kind === 'flux') {
    // Flux runs kustomize without reordering (krusty options with no Reorder: objects stay in the
    // order they were accumulated); kubectl kustomize sorts by kind unless the file says otherwise.
    if (config.sortOptions === undefined) config.sortOptions = { order: 'fifo' };
    out.kustomization = stringify(config, { lineWidth: 0 });
    replaced.set(kustomizationFile, out.kustomization);
  }
  for (const [file, text] of options.buffers ?? [])
    if (within(root, file) && file !== kustomizationFile) replaced.set(file, text);

  lap('generate');
  if (!options.trusted) {
    return fail(
      'Restricted Mode: previews run kustomize, a program, on this workspace. Trust the workspace (Manage Workspace Trust) to preview builds.',
    );
  }
  let engine: KustomizeEngine;
  try {
    engine =
      options.engine ??
      (await detectEngine(fs, options.spawn, {
        ...(options.kustomizePath ? { configuredPath: options.kustomizePath } : {}),
        ...(options.readEngineVersion === false ? { readVersion: false } : {}),
      }));
  } catch (err) {
    if (err instanceof EngineError) return fail(err.message);
    throw err;
  }
  out.engine = { label: engine.label, binary: engine.binary, version: engine.version };
  if (options.enablePlugins || options.enableHelm)
    out.warnings.push(
      'kustomize plugins/Helm are enabled by settings: Flux never enables them, so this build may differ from what Flux applies',
    );

  // kustomize, in a mirror so nothing is written to the workspace.
  let rendered: string;
  lap('engine');
  const staged = replaced.size
    ? await stageTree({
        sourceRoot: root,
        files: replaced,
        hide: new Map([[dir, KUSTOMIZATION_FILE_NAMES.filter((n) => n !== fileName)]]),
        ...(options.tmpDir ? { tmpDir: options.tmpDir } : {}),
      })
    : undefined;
  try {
    const buildDir = staged ? path.join(staged.root, path.relative(root, dir)) : dir;
    lap('stage');
    rendered = await runKustomize(engine, options.spawn, buildDir, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.enablePlugins ? { enablePlugins: true } : {}),
      ...(options.enableHelm ? { enableHelm: true } : {}),
      ...(staged ? { mapPath: staged.mapText } : {}),
    });
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    if (await escaped()) return finish();
    out.errors.push({ message: err.message });
    for (const loc of err.locations.slice(1))
      out.errors.push({
        message: `also named by kustomize: ${loc.file}${loc.line ? `:${loc.line}` : ''}`,
        file: loc.file,
        ...(loc.line ? { line: loc.line } : {}),
      });
    if (err.locations[0]) {
      out.errors[0]!.file = err.locations[0].file;
      if (err.locations[0].line) out.errors[0]!.line = err.locations[0].line;
    }
    return finish();
  } finally {
    await staged?.dispose();
  }

  if (await escaped()) return finish();
  if (target.kind === 'directory') {
    out.yaml = rendered;
    out.objectCount = splitDocuments(rendered).length;
    return finish();
  }

  // Flux's post-build steps.
  const namespace = target.namespace || 'flux-system';
  lap('kustomize');
  const resolved = await resolveVariables(target.spec.postBuild, namespace, options.variableSources ?? [], {
    useSubstituteFrom: options.useSubstituteFrom ?? true,
    ...(options.overrides ? { overrides: options.overrides } : {}),
    inlineSource: `spec.postBuild.substitute (${path.relative(root, target.file) || target.file})`,
    ...(options.signal ? { signal: options.signal } : {}),
    near: target.file,
  });
  out.warnings.push(...resolved.warnings);
  out.inputs?.push(...resolved.files);
  for (const m of resolved.missing)
    out.warnings.push(`${m}; kustomize-controller fails unless it exists in the cluster`);
  out.variables = [...resolved.variables.entries()].map(([name, v]: [string, Variable]) => ({
    name,
    value: v.masked ? '**SOPS**' : v.value,
    source: v.source,
    ...(v.masked ? { masked: true } : {}),
  }));
  try {
    lap('variables');
    const pb = postBuild(rendered, {
      name: target.name,
      namespace,
      postBuild: target.spec.postBuild,
      commonMetadata: target.spec.commonMetadata,
      variables: resolved.variables,
      strict: options.strict ?? true,
    });
    out.yaml = pb.yaml;
    out.objectCount = pb.objectCount;
    out.unresolved = [...pb.used.entries()].filter(([, set]) => !set).map(([n]) => n);
    if (pb.substitutionDisabled.length)
      out.overlays.push(
        `substitution disabled on ${pb.substitutionDisabled.length} objects (${SUBSTITUTE_DISABLED_HINT})`,
      );
    if (pb.sopsMasked.length)
      out.warnings.push(`SOPS-encrypted values masked in ${pb.sopsMasked.join(', ')} (never decrypted)`);
  } catch (err) {
    if (!(err instanceof PostBuildError)) throw err;
    out.unresolved = [...err.unresolved.keys()];
    out.errors.push({ message: err.message });
    for (const name of err.unresolved.keys()) {
      for (const loc of await locateVariable(fs, dir, target.file, name))
        out.errors.push({ message: `\${${name}} is not set and has no default`, ...loc });
    }
    if (out.errors[1]?.file) {
      out.errors[0]!.file = out.errors[1].file;
      out.errors[0]!.line = out.errors[1].line!;
    }
  }
  return finish();
}

const SUBSTITUTE_DISABLED_HINT = 'kustomize.toolkit.fluxcd.io/substitute: disabled';

/** Where `${name` appears: files under the built folder and the Kustomization's own file. */
async function locateVariable(
  fs: BuildFs,
  dir: string,
  kustomizationFile: string,
  name: string,
): Promise<Array<{ file: string; line: number }>> {
  const out: Array<{ file: string; line: number }> = [];
  const re = new RegExp(`\\$\\{#?${name}(?![_A-Za-z0-9])`);
  const files: string[] = [kustomizationFile];
  const queue = [dir];
  while (queue.length && files.length < 2000) {
    const d = queue.shift()!;
    for (const e of await fs.readDir(d).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDir && !e.name.startsWith('.')) queue.push(p);
      else if (e.isFile && /\.ya?ml$/.test(e.name)) files.push(p);
    }
  }
  for (const file of files) {
    const text = await fs.readFile(file).catch(() => '');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length && out.length < 20; i++)
      if (re.test(lines[i]!)) out.push({ file, line: i + 1 });
  }
  return out;
}
