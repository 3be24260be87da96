import * as path from 'node:path';
import { parseAllSafely, toJSSafely } from '../flux/safeYaml';
import type { BuildFs } from '../io/io';
import { addSourceIgnoreOf, type IgnoreMatcher } from './sourceIgnore';
import { findKustomizationFile, type KustomizeConfig } from '../kustomize/kustomizationFile';

export interface GeneratedKustomization {
  /** The kustomization to build (parsed from the folder's file, or generated). */
  config: KustomizeConfig;
  /** The file name it is built under (the existing file's name, else kustomization.yaml). */
  fileName: string;
  /** True when no kustomization file existed and one was generated. */
  generated: boolean;
  /** Absolute paths the generated kustomization lists (files and folders). */
  listed: string[];
}

export class GeneratorError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/**
 * Reads `dir`'s kustomization file or, when there is none, generates one as Flux does
 * (fluxcd/pkg/kustomize `findOrGenerateKustomization`): walk the folder in lexical order; a
 * sub-folder with its own kustomization file is listed and not descended into; every `.yaml`/`.yml`
 * file that is not ignored must decode as Kubernetes objects (kind and metadata.name, or a *List) and
 * is listed, otherwise the build fails naming the file; no resources at all gives
 * `namespace: _placeholder` (Flux's way around "kustomization.yaml is empty").
 */
export async function findOrGenerateKustomization(
  fs: BuildFs,
  dir: string,
  ignore: IgnoreMatcher,
  isCancelled: () => boolean = () => false,
): Promise<GeneratedKustomization> {
  const existing = await findKustomizationFile(fs, dir);
  if (existing) {
    const text = await fs.readFile(existing);
    let config: unknown;
    try {
      const docs = parseAllSafely(text);
      const errs = docs.flatMap((d) => d.errors);
      if (errs.length) throw new Error(errs[0]!.message);
      config = docs[0] ? toJSSafely(docs[0], 1000) : {};
    } catch (err) {
      throw new GeneratorError(`invalid kustomization file ${existing}: ${(err as Error).message}`, existing);
    }
    if (config === null || config === undefined) config = {};
    if (typeof config !== 'object' || Array.isArray(config))
      throw new GeneratorError(`invalid kustomization file ${existing}: not a YAML mapping`, existing);
    const c = config as KustomizeConfig;
    if (!Array.isArray(c.resources) || c.resources.length === 0) {
      // Flux sets this so that a kustomization with only generators or components still builds.
      c.buildMetadata = ['originAnnotations'];
    }
    return { config: c, fileName: path.basename(existing), generated: false, listed: [] };
  }

  const listed: string[] = [];
  await walk(fs, dir, ignore, listed, isCancelled);
  const config: KustomizeConfig = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };
  if (listed.length === 0) config.namespace = '_placeholder';
  else config.resources = listed.map((p) => './' + path.relative(dir, p).split(path.sep).join('/'));
  return { config, fileName: 'kustomization.yaml', generated: true, listed };
}

async function walk(
  fs: BuildFs,
  dir: string,
  ignore: IgnoreMatcher,
  out: string[],
  isCancelled: () => boolean,
): Promise<void> {
  if (isCancelled()) throw new GeneratorError('cancelled');
  await addSourceIgnoreOf(fs, ignore, dir);
  // Go's filepath.Walk visits entries sorted by name (bytes), folders and files interleaved.
  const entries = (await fs.readDir(dir)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDir) {
      if (ignore.ignores(p, true)) continue;
      if (await findKustomizationFile(fs, p)) out.push(p);
      else await walk(fs, p, ignore, out, isCancelled);
      continue;
    }
    const ext = path.extname(e.name);
    if (!e.isFile || (ext !== '.yaml' && ext !== '.yml')) continue;
    if (ignore.ignores(p, false)) continue;
    const problem = cachedProblem(p, await fs.readFile(p));
    if (problem) throw new GeneratorError(`failed to decode Kubernetes YAML from ${p}: ${problem}`, p);
    out.push(p);
  }
}

// Warm re-previews re-read every file but re-parse only those whose text changed.
const problemCache = new Map<string, { text: string; problem: string | undefined }>();
function cachedProblem(file: string, text: string): string | undefined {
  const hit = problemCache.get(file);
  if (hit && hit.text === text) return hit.problem;
  const problem = kubernetesYamlProblem(text);
  if (problemCache.size > 5000) problemCache.clear();
  problemCache.set(file, { text, problem });
  return problem;
}

/**
 * Why kustomize would refuse `text` as a resource file, or undefined if it accepts it: every
 * non-empty document must be a mapping with a kind and a metadata.name (a kind ending in "List"
 * needs no name). These are kustomize's own rules (`dropBadNodes`), which Flux applies when it
 * generates a kustomization.
 */
export function kubernetesYamlProblem(text: string): string | undefined {
  let docs;
  try {
    docs = parseAllSafely(text, { uniqueKeys: false });
  } catch (err) {
    return (err as Error).message;
  }
  if (!Array.isArray(docs)) return undefined;
  for (const doc of docs) {
    if (doc.errors.length) return doc.errors[0]!.message;
    let obj: unknown;
    try {
      obj = toJSSafely(doc, 1000);
    } catch (err) {
      return (err as Error).message;
    }
    if (obj === null || obj === undefined) continue;
    if (typeof obj !== 'object' || Array.isArray(obj)) return 'not a YAML mapping';
    const o = obj as Record<string, unknown>;
    if (Object.keys(o).length === 0) continue;
    const meta =
      o.metadata && typeof o.metadata === 'object' ? (o.metadata as Record<string, unknown>) : undefined;
    if (!o.apiVersion && !o.kind && !meta) return 'missing Resource metadata';
    if (!o.kind) return 'missing kind in object';
    if (String(o.kind).endsWith('List')) continue;
    if (!meta?.name) return 'missing metadata.name in object';
  }
  return undefined;
}
