import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  buildFlux,
  DEFAULT_TIMEOUT_MS,
  type BuildOptions,
  type BuildOutcome,
  type BuildTarget,
} from '../build/fluxBuild';
import { artifactRoot } from '../build/artifactRoot';
import { gitSourceOf } from '../build/gitSource';
import { gitRemoteUrls } from '../io/gitRemote';
import { buildWithParents } from '../build/parents';
import { findFluxKustomizations, selectFluxKustomization } from '../build/fluxKustomizations';
import { nodeBuildFs, nodeSpawner } from '../io/io';
import { WorkspaceVariableSource } from '../build/variables';
import { listYamlFiles } from '../workspace/workspace';

export const BUILD_USAGE = `Usage: flux-workbench build <file.yaml> [--name NAME] [--namespace NS] [--root DIR] [--var KEY=VALUE]...
       flux-workbench build <dir>

Renders what Flux applies. With a file, builds the Flux Kustomization defined in it (by --name when
the file has several) as kustomize-controller does: the generated kustomization.yaml, the spec's
targetNamespace, namePrefix/Suffix, patches, images, components and commonMetadata, then strict
post-build substitution (substitute, and substituteFrom ConfigMaps/Secrets found in the repository).
spec.path is relative to --root, else the nearest parent folder with .git.
With a folder, builds its kustomization.yaml with kustomize.
YAML goes to stdout; warnings and errors to stderr. Exit status 1 on a build error, 2 on a usage error.

Options:
  --var KEY=VALUE        set a variable (overrides substitute and substituteFrom)
  --no-strict            unset variables become empty instead of failing (Flux < 2.9)
  --no-substitute-from   skip substituteFrom, like \`flux build --dry-run\`
  --no-parents           build the document as written; by default a Kustomization that another
                         Kustomization of the repository renders is built with the spec that parent
                         gives it (its patches, targetNamespace and substitution), as in the cluster
  --kustomize PATH       the kustomize or kubectl binary (default: kustomize, else kubectl, on PATH)
  --timings              print how long each phase took (on stderr)
  --timeout SECONDS      stop kustomize after this long (default ${DEFAULT_TIMEOUT_MS / 1000})`;

/** The repository a path belongs to: the nearest parent with .git. */
function findRepositoryRoot(p: string): string | undefined {
  for (let d = statSync(p).isDirectory() ? p : path.dirname(p); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** `flux-workbench build ...`: returns the exit code. */
export async function runBuildCommand(argv: string[]): Promise<number> {
  const err = (s: string): void => void process.stderr.write(s + '\n');
  let name: string | undefined;
  let namespace: string | undefined;
  let root: string | undefined;
  let kustomizePath: string | undefined;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let strict = true;
  let useSubstituteFrom = true;
  let timings = false;
  let parents = true;
  const overrides = new Map<string, string>();
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--name':
        name = value();
        break;
      case '--namespace':
      case '-n':
        namespace = value();
        break;
      case '--root':
        root = value();
        break;
      case '--kustomize':
        kustomizePath = value();
        break;
      case '--timeout': {
        const s = Number(value());
        if (!(s > 0)) {
          err(`--timeout needs a number of seconds\n${BUILD_USAGE}`);
          return 2;
        }
        timeoutMs = s * 1000;
        break;
      }
      case '--var': {
        const kv = value() ?? '';
        const eq = kv.indexOf('=');
        if (eq <= 0) {
          err(`--var needs KEY=VALUE, got "${kv}"`);
          return 2;
        }
        overrides.set(kv.slice(0, eq), kv.slice(eq + 1));
        break;
      }
      case '--timings':
        timings = true;
        break;
      case '--no-strict':
        strict = false;
        break;
      case '--no-parents':
        parents = false;
        break;
      case '--no-substitute-from':
        useSubstituteFrom = false;
        break;
      case '--help':
      case '-h':
        process.stdout.write(BUILD_USAGE + '\n');
        return 0;
      default:
        if (a.startsWith('-')) {
          err(`unknown option: ${a}\n${BUILD_USAGE}`);
          return 2;
        }
        targets.push(a);
    }
  }
  if (targets.length !== 1) {
    err(`${targets.length ? 'give one file or folder' : 'no file or folder given'}\n${BUILD_USAGE}`);
    return 2;
  }
  const input = path.resolve(targets[0]!);
  if (!existsSync(input)) {
    err(`no such file or directory: ${targets[0]}`);
    return 2;
  }
  const sourceRoot = root ? path.resolve(root) : findRepositoryRoot(input);

  let target: BuildTarget;
  if (statSync(input).isDirectory()) {
    target = { kind: 'directory', dir: input };
  } else {
    const docs = findFluxKustomizations(await readFile(input, 'utf8'));
    const doc = selectFluxKustomization(docs, {
      ...(name !== undefined ? { name } : {}),
      ...(namespace ? { namespace } : {}),
    });
    if (!doc) {
      if (docs.length === 0 && /^(kustomization\.ya?ml|Kustomization)$/.test(path.basename(input))) {
        target = { kind: 'directory', dir: path.dirname(input) };
      } else {
        const names = docs.map((d) => `${d.namespace ? d.namespace + '/' : ''}${d.name}`).join(', ');
        err(
          docs.length === 0
            ? `error: no Flux Kustomization (kustomize.toolkit.fluxcd.io) in ${targets[0]}`
            : name !== undefined
              ? `error: no Flux Kustomization named '${name}'${namespace ? ` in namespace '${namespace}'` : ''} in ${targets[0]} (found: ${names})`
              : `error: ${targets[0]} defines ${docs.length} Flux Kustomizations (${names}); pick one with --name`,
        );
        return 1;
      }
    } else {
      target = {
        kind: 'flux',
        name: doc.name,
        namespace: namespace || doc.namespace || 'flux-system',
        spec: doc.spec,
        file: input,
      };
    }
  }
  let effectiveRoot = sourceRoot ?? (target.kind === 'directory' ? target.dir : undefined);
  if (!effectiveRoot) {
    err(`error: no repository root for ${targets[0]} (no parent folder has .git); pass --root DIR`);
    return 1;
  }
  const fs = nodeBuildFs();
  if (target.kind === 'flux') {
    // An OCI artifact or bucket may hold only a folder of the repository (--root names it).
    const a = await artifactRoot(
      fs,
      effectiveRoot,
      target.spec.sourceRef,
      target.namespace,
      typeof target.spec.path === 'string' ? target.spec.path : '',
    );
    if (a.error) {
      err(`error: ${a.error.replace(/set fluxWorkbench\.build\.artifactRoots\[[^\]]*\]/, 'pass --root')}`);
      return 1;
    }
    if (a.note)
      err(
        `warning: ${a.note.replace(/\(set fluxWorkbench[^)]*\)/, '(pass --root with that folder to choose)')}`,
      );
    effectiveRoot = a.root;
    // A GitRepository of another repository: these files are not what Flux builds (--root chooses).
    if (!root) {
      const repoRoot = effectiveRoot;
      const g = await gitSourceOf(
        fs,
        repoRoot,
        target.spec.sourceRef,
        target.namespace,
        () => listYamlFiles(repoRoot),
        await gitRemoteUrls(repoRoot),
      );
      if (g.kind === 'other') {
        err(
          `error: ${g.error.replace(/set fluxWorkbench\.build\.artifactRoots\[[^\]]*\] to that folder/, 'pass --root with that folder')}`,
        );
        return 1;
      }
      if (g.kind === 'this' && g.note) err(`warning: ${g.note}`);
    }
  }
  let files: Promise<string[]> | undefined;
  const yamlFiles = (): Promise<string[]> => (files ??= listYamlFiles(effectiveRoot));
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let outcome: BuildOutcome;
  try {
    const options: BuildOptions = {
      target,
      sourceRoot: effectiveRoot,
      fs,
      spawn: nodeSpawner,
      strict,
      useSubstituteFrom,
      overrides,
      variableSources: [new WorkspaceVariableSource(fs, effectiveRoot, yamlFiles)],
      trusted: true,
      // The version is for the editor's header; asking kubectl for it costs a process start.
      readEngineVersion: false,
      ...(kustomizePath ? { kustomizePath } : {}),
      timeoutMs,
      signal: controller.signal,
    };
    outcome = parents ? await buildWithParents(options, yamlFiles) : await buildFlux(options);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const cwd = process.cwd();
  const rel = (f: string): string => path.relative(cwd, f) || f;
  for (const w of outcome.warnings) err(`warning: ${w}`);
  for (const p of outcome.parents ?? []) err(`note: ${p}`);
  if (timings) {
    const phases = Object.entries(outcome.phases).map(([k, v]) => `${k} ${v} ms`);
    err(`timings: ${phases.join(', ')}; total ${outcome.durationMs} ms`);
  }
  if (!outcome.ok) {
    for (const e of outcome.errors)
      err(`error: ${e.file ? `${rel(e.file)}${e.line ? `:${e.line}` : ''}: ` : ''}${e.message}`);
    return 1;
  }
  process.stdout.write(outcome.yaml);
  return 0;
}
