import * as path from 'node:path';
import type { KustomizeConfig } from '../kustomize/kustomizationFile';
import type { BuildFs } from '../io/io';
import { isObject } from '../flux/jsonSchema';

/** The parts of a Flux Kustomization's spec that change the kustomize build. */
export interface FluxBuildSpec {
  path?: string;
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: unknown[];
  patchesStrategicMerge?: unknown[];
  patchesJson6902?: unknown[];
  images?: unknown[];
  components?: unknown[];
  ignoreMissingComponents?: boolean;
  buildMetadata?: unknown[];
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  postBuild?: {
    substitute?: Record<string, unknown>;
    substituteFrom?: unknown[];
    substituteStrategy?: string;
  } | null;
}

export class OverlayError extends Error {}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Flux's patch target (a kustomize Selector), keeping only the fields Flux copies. */
function adaptSelector(t: unknown): Record<string, string> | undefined {
  if (!isObject(t)) return undefined;
  const out: Record<string, string> = {};
  for (const k of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector']) {
    const v = str(t[k]);
    if (v) out[k] = v;
  }
  return out;
}

/** A component path Flux accepts: local and relative (fluxcd/pkg/kustomize `IsLocalRelativePath`). */
export function isLocalRelativePath(p: string): boolean {
  const lower = p.toLowerCase();
  for (const prefix of [
    'git::',
    'gh:',
    'ssh://',
    'https://',
    'http://',
    'git@',
    'github.com:',
    'github.com/',
  ]) {
    if (prefix.length < p.length && lower.startsWith(prefix)) return false;
  }
  return !(path.isAbsolute(p) || path.isAbsolute(lower.replace(/^file:\/\//, '')));
}

/**
 * Overlays the Flux spec on a kustomization the way kustomize-controller does
 * (fluxcd/pkg/kustomize `GenerateManifest`): targetNamespace, namePrefix and nameSuffix replace
 * the file's values; patches, components and the legacy patch lists are appended; images are
 * merged into an entry of the same name field by field (newTag and digest together); buildMetadata
 * replaces. `dir` is the kustomization's folder, for the existence of components.
 * Returns notes about what was overlaid, for the preview's inputs.
 */
export async function overlayFluxSpec(
  config: KustomizeConfig,
  spec: FluxBuildSpec,
  dir: string,
  fs: BuildFs,
): Promise<string[]> {
  const notes: string[] = [];
  if (str(spec.targetNamespace)) {
    config.namespace = spec.targetNamespace;
    notes.push(`namespace: ${spec.targetNamespace} (spec.targetNamespace)`);
  }
  if (str(spec.namePrefix)) {
    config.namePrefix = spec.namePrefix;
    notes.push(`namePrefix: ${spec.namePrefix}`);
  }
  if (str(spec.nameSuffix)) {
    config.nameSuffix = spec.nameSuffix;
    notes.push(`nameSuffix: ${spec.nameSuffix}`);
  }
  if (Array.isArray(spec.patches) && spec.patches.length) {
    const list = Array.isArray(config.patches) ? [...(config.patches as unknown[])] : [];
    spec.patches.forEach((p, i) => {
      if (!isObject(p))
        throw new OverlayError(
          `unable to get patches: unable to convert patch ${i} to map[string]interface{}`,
        );
      const entry: Record<string, unknown> = {};
      if (str(p.patch)) entry.patch = p.patch;
      const target = adaptSelector(p.target);
      if (target) entry.target = target;
      list.push(entry);
    });
    config.patches = list;
    notes.push(`${spec.patches.length} patches (spec.patches)`);
  }
  if (Array.isArray(spec.components) && spec.components.length) {
    const list = Array.isArray(config.components) ? [...(config.components as unknown[])] : [];
    for (const c of spec.components) {
      if (typeof c !== 'string')
        throw new OverlayError('unable to get components: spec.components must be a list of strings');
      if (!isLocalRelativePath(c)) throw new OverlayError(`component path '${c}' must be local and relative`);
      if (spec.ignoreMissingComponents === true && (await fs.kind(path.join(dir, c))) === undefined) {
        notes.push(`component ${c} skipped: missing (spec.ignoreMissingComponents)`);
        continue;
      }
      list.push(c);
    }
    config.components = list;
    notes.push(`components: ${spec.components.join(', ')}`);
  }
  if (Array.isArray(spec.patchesStrategicMerge) && spec.patchesStrategicMerge.length) {
    config.patchesStrategicMerge = [
      ...(Array.isArray(config.patchesStrategicMerge) ? (config.patchesStrategicMerge as unknown[]) : []),
      ...spec.patchesStrategicMerge.map((p) => JSON.stringify(p)),
    ];
  }
  if (Array.isArray(spec.patchesJson6902) && spec.patchesJson6902.length) {
    const list = Array.isArray(config.patchesJson6902) ? [...(config.patchesJson6902 as unknown[])] : [];
    for (const p of spec.patchesJson6902) {
      if (!isObject(p)) continue;
      list.push({ patch: JSON.stringify(p.patch ?? null), target: adaptSelector(p.target) ?? {} });
    }
    config.patchesJson6902 = list;
  }
  if (Array.isArray(spec.images) && spec.images.length) {
    const images = Array.isArray(config.images)
      ? (config.images as Array<Record<string, unknown>>).map((i) => ({ ...i }))
      : [];
    for (const raw of spec.images) {
      if (!isObject(raw)) throw new OverlayError('unable to get images: spec.images entries must be objects');
      const name = str(raw.name) ?? '';
      const image = {
        newName: str(raw.newName) ?? '',
        newTag: str(raw.newTag) ?? '',
        digest: str(raw.digest) ?? '',
      };
      const existing = images.find((i) => i.name === name);
      if (existing) {
        if (image.newName) existing.newName = image.newName;
        if (image.newTag || image.digest) {
          // Flux sets both together: a new tag must not keep an old digest (which would win).
          setOrDelete(existing, 'newTag', image.newTag);
          setOrDelete(existing, 'digest', image.digest);
        }
      } else {
        const entry: Record<string, unknown> = { name };
        if (image.newName) entry.newName = image.newName;
        if (image.newTag) entry.newTag = image.newTag;
        if (image.digest) entry.digest = image.digest;
        images.push(entry);
      }
    }
    config.images = images;
    notes.push(`images: ${spec.images.map((i) => (isObject(i) ? String(i.name) : '?')).join(', ')}`);
  }
  if (Array.isArray(spec.buildMetadata) && spec.buildMetadata.length)
    config.buildMetadata = spec.buildMetadata;
  return notes;
}

function setOrDelete(o: Record<string, unknown>, k: string, v: string): void {
  if (v) o[k] = v;
  else delete o[k];
}
