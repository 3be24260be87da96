import * as path from 'node:path';
import { firstYamlObject } from '../flux/yamlObjects';
import { findKustomizationFile } from './kustomizationFile';
import type { BuildFs } from '../io/io';
import { within } from '../io/paths';
import { isObject } from '../flux/jsonSchema';

/**
 * The local files and folders a kustomization refers to, followed through every base and component
 * it loads. kustomize-controller reads the source through a file system confined to the source root,
 * so a reference that leaves the repository fails in Flux, even from a base three levels down.
 * `kubectl kustomize` (with load restrictions off, as Flux runs it) would happily read it, so the
 * preview checks first.
 */
export interface EscapingReference {
  /** The reference as written. */
  reference: string;
  /** The kustomization file that names it. */
  file: string;
}

/** Remote references (git, http) are kustomize's business, not the file system's. */
function isLocal(p: unknown): p is string {
  return (
    typeof p === 'string' &&
    p !== '' &&
    !p.includes('\n') &&
    !/^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com[:/]|^gitlab\.com[:/]|^bitbucket\.org[:/]/i.test(p)
  );
}

/** Every local path a kustomization names, with whether kustomize may load it as a kustomization. */
export function localReferences(config: Record<string, unknown>): Array<{ p: string; base: boolean }> {
  const out: Array<{ p: string; base: boolean }> = [];
  const add = (p: unknown, base: boolean): void => {
    if (isLocal(p)) out.push({ p: p.replace(/^file:\/\//, ''), base });
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const key of ['resources', 'components', 'bases']) for (const p of list(config[key])) add(p, true);
  for (const key of ['crds', 'configurations', 'transformers', 'generators', 'validators'])
    for (const p of list(config[key])) add(p, true);
  for (const p of list(config.patchesStrategicMerge)) if (!String(p).includes('\n')) add(p, false);
  for (const key of ['patches', 'patchesJson6902', 'replacements'])
    for (const p of list(config[key])) if (isObject(p)) add(p.path, false);
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    for (const g of list(config[key])) {
      if (!isObject(g)) continue;
      for (const f of list(g.files)) add(typeof f === 'string' ? f.replace(/^[^=]*=/, '') : f, false);
      for (const f of list(g.envs)) add(f, false);
      add(g.env, false);
    }
  }
  if (isObject(config.openapi)) add(config.openapi.path, false);
  if (isObject(config.helmGlobals)) add(config.helmGlobals.chartHome, false);
  return out;
}

/**
 * References, anywhere in the tree of kustomizations loaded from `dir` (whose own configuration is
 * `config`), that resolve outside `root`; and every local path inside `root` the tree names (what the
 * build may read, besides `dir` itself). Stops after `maxKustomizations` files.
 */
export async function escapingReferences(
  fs: BuildFs,
  config: Record<string, unknown>,
  dir: string,
  root: string,
  ownFile: string,
  maxKustomizations = 5000,
): Promise<{ escaping: EscapingReference[]; read: string[] }> {
  const out: EscapingReference[] = [];
  const read = new Set<string>();
  const seen = new Set<string>([dir]);
  const queue: Array<{ config: Record<string, unknown>; dir: string; file: string }> = [
    { config, dir, file: ownFile },
  ];
  while (queue.length && seen.size <= maxKustomizations) {
    const k = queue.shift()!;
    for (const { p, base } of localReferences(k.config)) {
      const abs = path.resolve(k.dir, p);
      if (!within(root, abs)) {
        out.push({ reference: p, file: k.file });
        continue;
      }
      read.add(abs);
      if (!base || seen.has(abs) || (await fs.kind(abs)) !== 'dir') continue;
      seen.add(abs);
      const file = await findKustomizationFile(fs, abs);
      if (!file) continue; // kustomize reports the missing kustomization itself
      const text = await fs.readFile(file).catch(() => '');
      const next = parsedKustomization(text);
      if (next) queue.push({ config: next, dir: abs, file });
    }
  }
  return { escaping: out, read: [...read] };
}

// Warm re-previews re-read every kustomization file but re-parse only those whose text changed.
const parsed = new Map<string, Record<string, unknown> | undefined>();
function parsedKustomization(text: string): Record<string, unknown> | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const value = firstYamlObject(text);
  if (parsed.size > 5000) parsed.clear();
  parsed.set(text, value);
  return value;
}
