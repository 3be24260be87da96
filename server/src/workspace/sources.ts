import * as path from 'node:path';
import { BOOTSTRAP_NAME } from '../flux/references';
import { normalizeGitUrl } from '../io/gitRemote';
import { specPathDir, within } from '../io/paths';
import type { IndexedObject } from './objectFacts';
import type { PathTree } from './pathTree';

/** What the model is told about the repositories of the workspace (by whoever does the I/O). */
export interface SourceSettings {
  /** The workspace repositories' remote URLs, normalized with {@link normalizeGitUrl}. */
  repositoryUrls: string[];
  /**
   * `fluxWorkbench.build.artifactRoots`: the local folder a source holds, by "Kind/namespace/name"
   * or "Kind/name"; relative to the repository root, or absolute.
   */
  sourceFolders: Record<string, string>;
}

/** Where the files of a Flux Kustomization's spec.path come from. */
export type KustomizationSource =
  /** This repository (or a folder a setting maps the source to). */
  | { kind: 'local'; root: string; reason: string }
  /** An OCI artifact, bucket or generated artifact taken to hold this folder (spec.path exists only there). */
  | { kind: 'guessed'; root: string; reason: string }
  /** A GitRepository of another repository: its files are not in this workspace. */
  | { kind: 'other-repository'; url: string; source: IndexedObject; reason: string }
  | { kind: 'unknown'; reason: string };

interface ModelView {
  rootOf(file: string): string | undefined;
  find(kind: string, name: string): readonly IndexedObject[];
  createdOfKind(kind: string): ReadonlyArray<{ by: IndexedObject; made: { name?: string } }>;
  settings: SourceSettings;
  tree: PathTree;
}

export { normalizeGitUrl };

export function sourceOf(model: ModelView, ks: IndexedObject): KustomizationSource {
  const root = model.rootOf(ks.file);
  if (!root) return { kind: 'unknown', reason: 'the Kustomization is outside every workspace folder' };
  const ref = ks.refs.find((r) => r.field.label === 'spec.sourceRef');
  if (!ref || !ref.name) return { kind: 'unknown', reason: 'it has no spec.sourceRef' };
  const ns = ref.namespace ?? ks.namespace;
  const label = `${ref.kind} ${ns ? `${ns}/` : ''}${ref.name}`;
  for (const key of [`${ref.kind}/${ns ?? BOOTSTRAP_NAME}/${ref.name}`, `${ref.kind}/${ref.name}`]) {
    const folder = model.settings.sourceFolders[key];
    if (folder !== undefined)
      return {
        kind: 'local',
        root: path.resolve(root, folder),
        reason: `fluxWorkbench.build.artifactRoots maps ${key} to ${folder}`,
      };
  }
  const candidates = model.find(ref.kind, ref.name).filter((c) => !ns || !c.namespace || c.namespace === ns);
  if (ref.kind === 'GitRepository') {
    const urls = model.settings.repositoryUrls;
    const same = candidates.find((c) => c.url && urls.includes(normalizeGitUrl(c.url)));
    if (same) return { kind: 'local', root, reason: `${label} fetches this repository (${same.url})` };
    const other = candidates.find((c) => c.url && !c.url.includes('${'));
    if (other && urls.length)
      return {
        kind: 'other-repository',
        url: other.url!,
        source: other,
        reason: `${label} fetches ${other.url}, which is not this workspace's repository (${urls.join(', ')})`,
      };
    if (ref.name === BOOTSTRAP_NAME)
      return {
        kind: 'local',
        root,
        reason: `${label} is named as flux bootstrap names the repository's own source`,
      };
    if (other)
      return {
        kind: 'unknown',
        reason: `${label} fetches ${other.url}; this workspace's git remote is unknown`,
      };
    return { kind: 'unknown', reason: `${label} is not defined in the workspace` };
  }
  // An artifact may hold a folder of this repository (`flux push artifact --path`) or anything else
  // (a chart, another project's manifests). Only the cluster's own source (named flux-system, as
  // bootstrap names it) and artifacts generated from it are taken to be this repository.
  const fromThisRepository =
    ref.name === BOOTSTRAP_NAME ||
    (ref.kind === 'ExternalArtifact' &&
      model
        .createdOfKind('ExternalArtifact')
        .some(
          ({ by, made }) =>
            made.name === ref.name &&
            by.refs.some(
              (r) => r.name === BOOTSTRAP_NAME || (r.kind === 'GitRepository' && gitIsLocal(model, r.name)),
            ),
        ));
  if (!fromThisRepository) {
    const url = candidates.find((c) => c.url)?.url;
    return {
      kind: 'unknown',
      reason: `${label} is an artifact${url ? ` of ${url}` : ''}, not known to hold this repository`,
    };
  }
  const specPath = ks.ks?.path;
  if (specPath === undefined || specPath.includes('${'))
    return { kind: 'unknown', reason: `${label} holds an unknown folder` };
  const holders = foldersHolding(model.tree, root, specPath);
  if (holders.length === 1) {
    const rel = path.relative(root, holders[0]!) || '.';
    return {
      kind: 'guessed',
      root: holders[0]!,
      reason: `${label} is taken to hold ${rel} (the one folder where spec.path exists)`,
    };
  }
  return {
    kind: 'unknown',
    reason: holders.length
      ? `${label} could hold any of ${holders.map((h) => path.relative(root, h) || '.').join(', ')}`
      : `${label}: spec.path exists in no folder of the repository`,
  };
}

function gitIsLocal(model: ModelView, name: string): boolean {
  return model
    .find('GitRepository', name)
    .some((c) => !!c.url && model.settings.repositoryUrls.includes(normalizeGitUrl(c.url)));
}

/**
 * Where an artifact's spec.path can be, as the build preview decides it (build/artifactRoot.ts): the
 * repository when spec.path exists there, else the shallowest folders (two levels deep at most)
 * below which it does.
 */
function foldersHolding(tree: PathTree, root: string, specPath: string): string[] {
  const holds = (d: string): boolean => {
    const dir = specPathDir(d, specPath);
    return within(d, dir) && tree.kind(dir) === 'dir';
  };
  if (holds(root)) return [root];
  let level = [root];
  for (let depth = 0; depth < 2; depth++) {
    const next: string[] = [];
    for (const d of level)
      for (const name of tree.list(d)) {
        const p = path.join(d, name);
        if (tree.kind(p) === 'dir' && !SKIP.has(name)) next.push(p);
      }
    const found = next.filter(holds);
    if (found.length) return found;
    level = next;
  }
  return [];
}

const SKIP = new Set(['.git', 'node_modules', '.github', '.vscode']);
