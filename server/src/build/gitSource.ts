import * as path from 'node:path';
import { isObject } from '../flux/jsonSchema';
import { BOOTSTRAP_NAME } from '../flux/references';
import { yamlObjects } from '../flux/yamlObjects';
import { normalizeGitUrl } from '../io/gitRemote';
import type { BuildFs } from '../io/io';
import { artifactKeys, type SourceRefLike } from './artifactRoot';

/** Which files a Kustomization whose source is a GitRepository is built from. */
export type GitSourceVerdict =
  /** This repository (its files are the workspace's). */
  | { kind: 'this'; note?: string }
  /** A local folder a setting (or --root) maps the source to. */
  | { kind: 'mapped'; root: string; note: string }
  /** Another repository: its files are not here, so nothing is built. */
  | { kind: 'other'; error: string };

/**
 * A Kustomization whose sourceRef is a GitRepository of another repository (its URL is not this
 * workspace's remote) is not built from the workspace's files, which are not what Flux would
 * fetch. A mapping (fluxWorkbench.build.artifactRoots, `"GitRepository/namespace/name"` or
 * `"GitRepository/name"`, relative to the repository or absolute) builds it from a local checkout.
 * Without a known remote, the workspace is used and the header says it could not be compared.
 */
export async function gitSourceOf(
  fs: BuildFs,
  repoRoot: string,
  ref: SourceRefLike | undefined,
  namespace: string,
  yamlFiles: () => Promise<readonly string[]>,
  repositoryUrls: readonly string[],
  configured: Readonly<Record<string, string>> = {},
): Promise<GitSourceVerdict> {
  if (ref?.kind && ref.kind !== 'GitRepository') return { kind: 'this' };
  const name = ref?.name ?? '';
  const ns = ref?.namespace || namespace;
  const label = `GitRepository ${ns}/${name}`;
  for (const key of artifactKeys({ ...ref, kind: 'GitRepository' }, namespace)) {
    const folder = configured[key];
    if (typeof folder === 'string')
      return {
        kind: 'mapped',
        root: path.resolve(repoRoot, folder),
        note: `${label} is built from the local folder ${folder} (fluxWorkbench.build.artifactRoots["${key}"])`,
      };
  }
  const url = await urlOf(fs, yamlFiles, name, ns);
  if (url === undefined || url.includes('${')) {
    return name === BOOTSTRAP_NAME || url !== undefined
      ? { kind: 'this' }
      : {
          kind: 'this',
          note: `${label} is not defined in the workspace: built from this repository's files`,
        };
  }
  const urls = repositoryUrls.map(normalizeGitUrl);
  if (urls.includes(normalizeGitUrl(url))) return { kind: 'this' };
  if (urls.length === 0)
    return {
      kind: 'this',
      note: `${label} fetches ${url}; this workspace has no git remote to compare it with, so it is built from the workspace's files, which may not be what that repository holds`,
    };
  return {
    kind: 'other',
    error: `${label} fetches ${url}, which is not this workspace's repository (${repositoryUrls.join(', ')}): Flux builds this Kustomization from that repository's files, not from these, so it is not previewed. To preview it, clone ${url} and set fluxWorkbench.build.artifactRoots["GitRepository/${ns}/${name}"] to that folder.`,
  };
}

/** The spec.url of the GitRepository `namespace/name` in the workspace's files, if any. */
async function urlOf(
  fs: BuildFs,
  yamlFiles: () => Promise<readonly string[]>,
  name: string,
  namespace: string,
): Promise<string | undefined> {
  let loose: string | undefined;
  for (const file of await yamlFiles()) {
    const text = await fs.readFile(file).catch(() => '');
    if (!text.includes('GitRepository') || !text.includes(name)) continue;
    for (const { value: o } of yamlObjects(text)) {
      if (o.kind !== 'GitRepository' || !isObject(o.metadata) || o.metadata.name !== name) continue;
      const url = isObject(o.spec) && typeof o.spec.url === 'string' ? o.spec.url : undefined;
      if (!url) continue;
      if (o.metadata.namespace === namespace) return url;
      if (o.metadata.namespace === undefined) loose ??= url;
    }
  }
  return loose;
}
