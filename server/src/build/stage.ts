import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A temporary mirror of a source tree in which kustomize runs, so that a build never writes into
 * the user's workspace (Flux's own CLI writes a kustomization.yaml into the folder and removes it
 * afterwards; an editor must not).
 *
 * The mirror is made of symbolic links: the folders on the way to each replaced file are real
 * folders whose other entries link to the originals. Relative paths in kustomization files
 * (`../base`, `./patch.yaml`) therefore resolve exactly as they do in the source, and staging costs
 * a few dozen links instead of a copy of the repository (measured: see test/bench/build.bench.mjs).
 */
export interface StagedTree {
  /** The mirror of the source root. */
  root: string;
  /** Maps a path in the mirror back to the source. */
  toSource(p: string): string;
  /** Replaces mirror paths in a message with source paths. */
  mapText(text: string): string;
  dispose(): Promise<void>;
}

export interface StageOptions {
  /** The source root (absolute). */
  sourceRoot: string;
  /** Files to create in the mirror, by absolute source path, instead of linking the originals. */
  files: ReadonlyMap<string, string>;
  /** Names to leave out of the folders that hold a replaced file (e.g. the other kustomization file names). */
  hide?: ReadonlyMap<string, readonly string[]>;
  tmpDir?: string;
}

export async function stageTree(options: StageOptions): Promise<StagedTree> {
  const base = await fsp.mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'flux-workbench-build-'));
  const mirror = path.join(base, 'src');
  const src = path.resolve(options.sourceRoot);
  const toMirror = (p: string): string => path.join(mirror, path.relative(src, p));
  try {
    // The real folders: every ancestor (within the source) of a replaced file.
    const realDirs = new Set<string>([src]);
    for (const file of options.files.keys()) {
      const rel = path.relative(src, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${file} is outside ${src}`);
      for (let d = path.dirname(file); d.length >= src.length; d = path.dirname(d)) {
        realDirs.add(d);
        if (d === src) break;
      }
    }
    for (const dir of [...realDirs].sort((a, b) => a.length - b.length)) {
      await fsp.mkdir(toMirror(dir), { recursive: true });
      const hidden = new Set(options.hide?.get(dir) ?? []);
      let entries: string[] = [];
      try {
        entries = await fsp.readdir(dir);
      } catch {
        entries = []; // a folder that exists only in the build (a generated kustomization) is fine
      }
      for (const name of entries) {
        const p = path.join(dir, name);
        if (realDirs.has(p) || options.files.has(p) || hidden.has(name)) continue;
        await fsp.symlink(p, toMirror(p));
      }
    }
    for (const [file, text] of options.files) await fsp.writeFile(toMirror(file), text);
  } catch (err) {
    await fsp.rm(base, { recursive: true, force: true });
    throw err;
  }
  const mirrorPrefix = mirror + path.sep;
  return {
    root: mirror,
    toSource: (p) =>
      p === mirror ? src : p.startsWith(mirrorPrefix) ? path.join(src, p.slice(mirrorPrefix.length)) : p,
    mapText: (text) =>
      text
        .split(mirror)
        .join(src)
        .split(base)
        .join(path.dirname(src) + path.sep + '<outside the repository>'),
    dispose: () => fsp.rm(base, { recursive: true, force: true }),
  };
}
