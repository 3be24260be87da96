import * as path from 'node:path';
import type { BuildFs } from '../io/io';
import { specPathDir, within } from '../io/paths';

/**
 * The folder of the repository that a Kustomization's source holds. For a GitRepository it is the
 * repository itself. An OCIRepository or Bucket holds whatever was pushed, often one folder of the
 * repository (`flux push artifact --path=./kubernetes`), and its spec.path is relative to that
 * folder. The repository does not say which folder was pushed, so: a configured folder, else the
 * repository when spec.path exists there, else the one folder (two levels deep at most) below which
 * spec.path exists. A guess is always reported.
 */
export interface ArtifactRoot {
  root: string;
  /** Set when the folder is not the repository: how it was chosen. */
  note?: string;
  /** Set when it could not be decided. */
  error?: string;
}

export interface SourceRefLike {
  kind?: string;
  name?: string;
  namespace?: string;
}

const GIT_KINDS = new Set([undefined, '', 'GitRepository']);
const SKIP = new Set(['.git', 'node_modules', '.github', '.vscode']);

/** Keys a configured mapping is looked up by, most specific first. */
export function artifactKeys(ref: SourceRefLike, namespace: string): string[] {
  const ns = ref.namespace || namespace;
  return [`${ref.kind}/${ns}/${ref.name}`, `${ref.kind}/${ref.name}`];
}

export async function artifactRoot(
  fs: BuildFs,
  repoRoot: string,
  ref: SourceRefLike | undefined,
  namespace: string,
  specPath: string,
  /** fluxWorkbench.build.artifactRoots: "Kind/namespace/name" or "Kind/name" -> folder in the repository. */
  configured: Readonly<Record<string, string>> = {},
): Promise<ArtifactRoot> {
  if (!ref || GIT_KINDS.has(ref.kind)) return { root: repoRoot };
  const id = `${ref.kind}/${ref.name ?? ''}`;
  for (const key of artifactKeys(ref, namespace)) {
    const folder = configured[key];
    if (typeof folder === 'string') {
      const root = path.resolve(repoRoot, folder);
      const rel = path.relative(repoRoot, root);
      if (!within(repoRoot, root))
        return {
          root: repoRoot,
          error: `fluxWorkbench.build.artifactRoots["${key}"] (${folder}) is outside the repository`,
        };
      return {
        root,
        note: `${id} is built from ${rel || '.'} (fluxWorkbench.build.artifactRoots["${key}"])`,
      };
    }
  }
  if ((await fs.kind(specPathDir(repoRoot, specPath))) === 'dir') return { root: repoRoot };
  // The shallowest folders that have it.
  let found: string[] = [];
  let level = [repoRoot];
  for (let depth = 0; depth < 2 && found.length === 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const e of await fs.readDir(dir).catch(() => [])) {
        if (!e.isDir || SKIP.has(e.name)) continue;
        const sub = path.join(dir, e.name);
        next.push(sub);
        if ((await fs.kind(specPathDir(sub, specPath))) === 'dir') found = [...found, sub];
      }
    }
    level = next;
  }
  if (found.length === 1) {
    const folder = path.relative(repoRoot, found[0]!);
    return {
      root: found[0]!,
      note: `spec.path '${specPath}' is not in the repository's top folder; ${id} is taken to be an artifact of ${folder}/, the only folder that has it (set fluxWorkbench.build.artifactRoots["${artifactKeys(ref, namespace)[1]}"] to pin it)`,
    };
  }
  if (found.length > 1)
    return {
      root: repoRoot,
      error: `spec.path '${specPath}' is not in the repository's top folder, and several folders have it (${found
        .map((f) => path.relative(repoRoot, f))
        .join(
          ', ',
        )}): set fluxWorkbench.build.artifactRoots["${artifactKeys(ref, namespace)[1]}"] to the folder ${id} is pushed from`,
    };
  return { root: repoRoot };
}
