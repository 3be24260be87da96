import * as path from 'node:path';
import { buildFlux, type BuildOptions, type BuildOutcome, type BuildTarget } from './fluxBuild';
import { findFluxKustomizations, type FluxKustomizationDoc } from './fluxKustomizations';
import type { BuildFs } from '../io/io';
import { specPathDir, within } from '../io/paths';
import { splitDocuments } from './postBuild';
import { findKustomizationFile } from '../kustomize/kustomizationFile';
import { firstYamlObject } from '../flux/yamlObjects';

/**
 * A Flux Kustomization is applied to the cluster as its parent Kustomization renders it: the
 * parent's patches (a common way to give every child defaults), targetNamespace and post-build
 * substitution change the child's spec before kustomize-controller ever builds the child. This
 * module finds the parent that renders a child and reads the child's spec from the parent's build.
 */

type FluxTarget = Extract<BuildTarget, { kind: 'flux' }>;

export interface ParentOptions {
  sourceRoot: string;
  fs: BuildFs;
  /** YAML files of the source (absolute paths). */
  yamlFiles: () => Promise<string[]>;
  /** Builds a Kustomization (the same engine and settings as the child's build). */
  build: (target: FluxTarget) => Promise<BuildOutcome>;
  /** How many levels of parents to follow (a grandparent can patch the parent too). */
  maxDepth?: number;
  /** Tell parents that pass children through from the files, without building them (default). */
  passThroughShortcut?: boolean;
  signal?: AbortSignal;
}

export interface EffectiveTarget {
  target: FluxTarget;
  /** What the parents changed, for the preview's header ("spec as rendered by ..."). */
  notes: string[];
  /** Parents that render this file but could not be built: their changes are not applied. */
  warnings: string[];
}

/** JSON with object keys sorted: kustomize may reorder keys without changing anything. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}

const sameDoc = (a: FluxTarget, file: string, d: FluxKustomizationDoc): boolean =>
  a.file === file && a.name === d.name && (a.namespace || 'flux-system') === (d.namespace || 'flux-system');

/**
 * Whether a candidate parent builds from the child's source: any GitRepository (this repository),
 * or the very OCIRepository/Bucket the child names (whose content is the folder being built from).
 */
function sameSource(child: FluxTarget, d: FluxKustomizationDoc): boolean {
  const a = child.spec.sourceRef as { kind?: string; name?: string; namespace?: string } | undefined;
  const b = d.spec.sourceRef;
  const git = (r: typeof a): boolean => !r?.kind || r.kind === 'GitRepository';
  if (git(a) || git(b)) return git(a) && git(b);
  return (
    a!.kind === b!.kind &&
    a!.name === b!.name &&
    (a!.namespace || child.namespace || 'flux-system') === (b!.namespace || d.namespace || 'flux-system')
  );
}

/**
 * Kustomizations of the same source whose spec.path holds `file`, closest folder first (see
 * {@link sameSource}).
 */
export async function parentCandidates(
  child: FluxTarget,
  options: Pick<ParentOptions, 'sourceRoot' | 'fs' | 'yamlFiles'>,
  index?: Promise<KustomizationIndex>,
): Promise<Array<{ target: FluxTarget; dir: string }>> {
  const root = path.resolve(options.sourceRoot);
  const out: Array<{ target: FluxTarget; dir: string }> = [];
  for (const entry of await (index ?? indexKustomizations(options))) {
    // Only files with a `path:` that holds the child are parsed (usually one or two).
    if (!entry.dirs.some((d) => within(d, child.file))) continue;
    for (const d of findFluxKustomizations(entry.text)) {
      if (typeof d.spec.path !== 'string' || sameDoc(child, entry.file, d)) continue;
      if (!sameSource(child, d)) continue;
      const dir = specPathDir(root, d.spec.path);
      if (!within(root, dir) || !within(dir, child.file)) continue;
      const namespace = d.namespace || 'flux-system';
      out.push({ target: { kind: 'flux', name: d.name, namespace, spec: d.spec, file: entry.file }, dir });
    }
  }
  return out.sort((a, b) => b.dir.length - a.dir.length);
}

/** The files that may define Flux Kustomizations, with the folders their `path:` lines name. */
type KustomizationIndex = Array<{ file: string; text: string; dirs: string[] }>;

async function indexKustomizations(
  options: Pick<ParentOptions, 'sourceRoot' | 'fs' | 'yamlFiles'>,
): Promise<KustomizationIndex> {
  const root = path.resolve(options.sourceRoot);
  const files = await options.yamlFiles();
  // Read a few dozen files at a time: one after another costs more than the build on big repositories.
  const texts: string[] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, files.length) }, async () => {
      while (next < files.length) {
        const i = next++;
        texts[i] = await options.fs.readFile(files[i]!).catch(() => '');
      }
    }),
  );
  const out: KustomizationIndex = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const text = texts[i]!;
    // Text tests only: most files of a repository are not Flux Kustomizations, and parsing a
    // thousand files would cost more than the build.
    if (!text.includes('kustomize.toolkit.fluxcd.io') || !/^kind:\s*Kustomization\s*$/m.test(text)) continue;
    // Every `path:` value (block or flow style); extra ones (JSON patch paths) only cost a check.
    const dirs = [...text.matchAll(/\bpath:\s*["']?([^"'#\s,}\]]+)/g)].map((m) => specPathDir(root, m[1]!));
    if (dirs.length) out.push({ file, text, dirs });
  }
  return out;
}

/**
 * The child as its closest parent renders it. A parent whose build does not contain the child is
 * skipped (its kustomization.yaml does not list the file); a parent whose build fails is named in
 * `warnings`, and the child is then built as written.
 */
export async function applyParents(
  child: FluxTarget,
  options: ParentOptions,
  depth = 0,
  seen: Set<string> = new Set(),
  index: Promise<KustomizationIndex> = indexKustomizations(options),
): Promise<EffectiveTarget> {
  const none: EffectiveTarget = { target: child, notes: [], warnings: [] };
  const key = `${child.file}#${child.namespace}/${child.name}`;
  if (depth >= (options.maxDepth ?? 3) || seen.has(key)) return none;
  seen.add(key);
  const root = path.resolve(options.sourceRoot);
  const rel = (f: string): string => path.relative(root, f) || f;
  const failures: string[] = [];
  for (const { target: parent } of await parentCandidates(child, options, index)) {
    if (options.signal?.aborted) break;
    const parentKey = `${parent.file}#${parent.namespace}/${parent.name}`;
    if (seen.has(parentKey)) continue;
    // The parent as its own parent renders it, then its build.
    const up = await applyParents(parent, options, depth + 1, new Set(seen), index);
    const label = `${parent.namespace}/${parent.name} (${rel(parent.file)})`;
    // Most parents (flux-system, say) pass their children through untouched: said from the files,
    // without building the parent.
    if (
      options.passThroughShortcut !== false &&
      (await passesThrough(up.target, child.file, root, options.fs))
    ) {
      return {
        target: child,
        notes: [
          ...up.notes,
          `rendered by parent Kustomization ${label}, which passes it through unchanged (no patches, substitution or kustomize overlays between the two; the parent was not built)`,
        ],
        warnings: [...up.warnings, ...failures],
      };
    }
    const outcome = await options.build(up.target);
    if (!outcome.ok) {
      failures.push(
        `parent Kustomization ${label} renders this file but its build failed (${outcome.errors[0]?.message ?? 'unknown error'}): its patches and substitutions are not applied to this preview`,
      );
      continue;
    }
    // Parse only the documents that can be the child (a parent's build can be thousands of objects).
    const nameRe = new RegExp(
      `^\\s+name:\\s*["']?${child.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*$`,
      'm',
    );
    const rendered = splitDocuments(outcome.yaml)
      .filter((d) => /^kind:\s*Kustomization\s*$/m.test(d) && nameRe.test(d))
      .flatMap((d) => findFluxKustomizations(d))
      .filter((d) => d.name === child.name);
    const match =
      rendered.find((d) => (d.namespace || 'flux-system') === child.namespace) ??
      (rendered.length === 1 ? rendered[0] : undefined);
    if (!match) continue;
    const changed = Object.keys({ ...child.spec, ...match.spec }).filter(
      (k) =>
        canonical((child.spec as Record<string, unknown>)[k]) !==
        canonical((match.spec as Record<string, unknown>)[k]),
    );
    const namespace = match.namespace || child.namespace;
    const notes = [...up.notes];
    if (changed.length || namespace !== child.namespace)
      notes.push(
        `spec as rendered by parent Kustomization ${label}; it changes ${[
          ...changed.map((k) => `spec.${k}`),
          ...(namespace !== child.namespace ? ['metadata.namespace'] : []),
        ].join(', ')}`,
      );
    else notes.push(`rendered by parent Kustomization ${label}, which changes nothing in its spec`);
    return {
      target: { ...child, namespace, spec: match.spec },
      notes,
      warnings: [...up.warnings, ...failures],
    };
  }
  return { ...none, warnings: failures };
}

/**
 * {@link buildFlux} of a Flux Kustomization as its parent renders it (see {@link applyParents});
 * the header notes and warnings say what the parent changed or why it could not be applied.
 */
export async function buildWithParents(
  options: BuildOptions,
  yamlFiles: () => Promise<string[]>,
  /** Builds a parent; the language server passes one that reuses unchanged parents' builds. */
  buildParent: (options: BuildOptions) => Promise<BuildOutcome> = buildFlux,
): Promise<BuildOutcome> {
  const { target } = options;
  if (target.kind !== 'flux' || !options.trusted) return buildFlux(options);
  const started = Date.now();
  // Meanwhile, the document as written is built: most Kustomizations have no parent that changes
  // them, and then the parent lookup costs no time (it runs beside kustomize).
  const speculative = new AbortController();
  const stop = (): void => speculative.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  const asWritten = buildFlux({ ...options, signal: speculative.signal });
  asWritten.catch(() => undefined); // awaited below; a bug surfaces there, not as unhandled
  try {
    const effective = await applyParents(target, {
      sourceRoot: options.sourceRoot,
      fs: options.fs,
      yamlFiles,
      build: (t) => buildParent({ ...options, target: t }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const lookupMs = Date.now() - started;
    const unchanged =
      effective.target.namespace === target.namespace &&
      canonical(effective.target.spec) === canonical(target.spec);
    let outcome: BuildOutcome;
    if (unchanged) {
      outcome = await asWritten;
      outcome.phases = { 'parents (beside kustomize)': lookupMs, ...outcome.phases };
    } else {
      speculative.abort();
      await asWritten;
      outcome = await buildFlux({ ...options, target: effective.target });
      outcome.phases = { parents: lookupMs, ...outcome.phases };
    }
    outcome.durationMs = Date.now() - started;
    if (effective.notes.length) outcome.parents = effective.notes;
    outcome.warnings.unshift(...effective.warnings);
    return outcome;
  } finally {
    speculative.abort();
    options.signal?.removeEventListener('abort', stop);
  }
}

/** Spec fields of a parent that can change the objects it renders. */
const CHANGING_SPEC = [
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'targetNamespace',
  'namePrefix',
  'nameSuffix',
  'commonMetadata',
  'components',
  'images',
];
/** kustomization.yaml fields that only list resources (anything else may change them). */
const LISTING_ONLY = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'sortOptions',
  'buildMetadata',
]);

/**
 * True when the parent certainly renders `childFile` unchanged: its spec has nothing that changes
 * objects (and no substitution, or no `${` in the file), and every folder from its path down to the
 * file either has no kustomization file (Flux generates one listing everything, when no folder
 * above has one either) or has one that only lists resources, including the next step. Anything
 * else (a .sourceignore, a replacement, a component) means "build the parent and see".
 */
export async function passesThrough(
  parent: FluxTarget,
  childFile: string,
  root: string,
  fs: BuildFs,
): Promise<boolean> {
  const spec = parent.spec as Record<string, unknown>;
  if (CHANGING_SPEC.some((k) => spec[k] !== undefined && spec[k] !== null)) return false;
  const pb = spec.postBuild as { substitute?: unknown; substituteFrom?: unknown } | undefined;
  const substitutes =
    !!pb &&
    ((!!pb.substitute && typeof pb.substitute === 'object' && Object.keys(pb.substitute).length > 0) ||
      (Array.isArray(pb.substituteFrom) && pb.substituteFrom.length > 0));
  if (substitutes && (await fs.readFile(childFile).catch(() => '$')).includes('$')) return false;
  if (typeof spec.path !== 'string') return false;
  const top = specPathDir(root, spec.path);
  const rel = path.relative(top, childFile);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const steps = rel.split(path.sep);
  let dir = top;
  let generated = true;
  for (const step of steps) {
    if ((await fs.kind(path.join(dir, '.sourceignore'))) !== undefined) return false;
    const file = await findKustomizationFile(fs, dir);
    if (file) {
      generated = false;
      const config = firstYamlObject(await fs.readFile(file).catch(() => ''));
      if (!config || Object.keys(config).some((k) => !LISTING_ONLY.has(k))) return false;
      const listed = [
        ...(Array.isArray(config.resources) ? config.resources : []),
        ...(Array.isArray(config.bases) ? config.bases : []),
      ]
        .filter((r): r is string => typeof r === 'string')
        .map((r) => path.resolve(dir, r));
      if (!listed.includes(path.join(dir, step))) return false;
    } else if (!generated) return false;
    dir = path.join(dir, step);
  }
  return true;
}
