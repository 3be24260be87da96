// Knowledge of kustomize's kustomization.yaml itself, independent of Flux: its file names
// (kustomizationFile.ts), its schema (kustomizationSchema.ts) and the files it references
// (references.ts). Imports flux/ and io/ only.

import * as path from 'node:path';
import type { BuildFs } from '../io/io';

/** kustomize's recognised kustomization file names, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export type KustomizeConfig = Record<string, unknown>;

/** The kustomization file in `dir`, if any (a folder named like one does not count). */
export async function findKustomizationFile(fs: BuildFs, dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const p = path.join(dir, name);
    if ((await fs.kind(p)) === 'file') return p;
  }
  return undefined;
}
