import type { BuiltinSchemaSource } from '../kubernetes/builtinSchemas';
import { convertCrd, type ConvertedCrd, type GvkSchema } from './crdToSchema';
import { isFluxGroup, widenForFluxOperator } from './fluxApis';

/** Where a schema came from, in priority order: the workspace, the connected cluster, the bundle. */
export type SchemaOrigin =
  | { kind: 'workspace'; file: string; fluxVersion?: string }
  | { kind: 'cluster'; context: string; fluxVersion?: string }
  | { kind: 'bundled'; fluxVersion: string };

export type Resolution =
  | { found: true; gvk: GvkSchema; origin: SchemaOrigin; servedVersions: string[] }
  | { found: false; servedVersions: string[]; origin: SchemaOrigin };

export interface CrdProblem {
  /** Index of the CRD among the documents given for its source. */
  index: number;
  reason: string;
}

export interface FluxSchemaStatus {
  available: boolean;
  /** e.g. "bundled, Flux 2.9.4" or "workspace (clusters/prod/flux-system/gotk-components.yaml), Flux v2.7.0". */
  label: string;
  origin?: SchemaOrigin;
}

interface SourceEntry {
  origin: SchemaOrigin;
  crds: ConvertedCrd[];
}

export function describeOrigin(origin: SchemaOrigin): string {
  switch (origin.kind) {
    case 'workspace':
      return `workspace (${origin.file})`;
    case 'cluster':
      return `cluster (${origin.context})`;
    case 'bundled':
      return 'bundled';
  }
}

function fluxVersionText(version: string | undefined): string {
  if (!version) return 'version unknown';
  return `Flux ${version}`;
}

/**
 * Holds every CRD-derived schema the server knows, by source, and answers "which schema applies to
 * this group/version/kind" with the source named. Pure: callers feed it CRD objects.
 */
export class SchemaRegistry {
  private readonly workspace = new Map<string, SourceEntry>();
  private readonly cluster = new Map<string, SourceEntry>();
  private bundled: SourceEntry | undefined;
  private index: Map<string, { crd: ConvertedCrd; origin: SchemaOrigin }> | undefined;
  private listeners: Array<() => void> = [];
  private builtinSource: BuiltinSchemaSource | undefined;
  /** Increases on every change; lets callers key caches. */
  generation = 0;

  /** The schemas of Kubernetes' built-in kinds (bundled, later the connected cluster's). */
  get builtins(): BuiltinSchemaSource | undefined {
    return this.builtinSource;
  }

  /** Replaces the built-in kinds' source (undefined: none). */
  setBuiltins(source: BuiltinSchemaSource | undefined): void {
    this.builtinSource = source;
    this.changed();
  }

  onDidChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  setBundled(fluxVersion: string, crds: unknown[]): CrdProblem[] {
    const { converted, problems } = convertCrds(crds);
    this.setBundledConverted(fluxVersion, converted);
    return problems;
  }

  /**
   * The bundled snapshot as esbuild.mjs writes it: converted at build time by {@link convertCrds},
   * so that start-up reads JSON instead of converting CRDs.
   */
  setBundledConverted(fluxVersion: string, crds: ConvertedCrd[]): void {
    this.bundled = { origin: { kind: 'bundled', fluxVersion }, crds };
    this.changed();
  }

  /** Replaces the CRDs found in one workspace file (an empty list removes the file's CRDs). */
  setWorkspaceFile(file: string, crds: unknown[], label = file): CrdProblem[] {
    const had = this.workspace.has(file);
    if (crds.length === 0) {
      if (had) {
        this.workspace.delete(file);
        this.changed();
      }
      return [];
    }
    const { converted, problems } = convertCrds(crds);
    const fluxVersion = converted.find((c) => isFluxGroup(c.group) && c.releaseVersion)?.releaseVersion;
    this.workspace.set(file, {
      origin: { kind: 'workspace', file: label, ...(fluxVersion ? { fluxVersion } : {}) },
      crds: converted,
    });
    this.changed();
    return problems;
  }

  /** CRDs read from a connected cluster (fed by the cluster explorer); an empty list forgets them. */
  setClusterCrds(context: string, crds: unknown[]): CrdProblem[] {
    if (crds.length === 0) {
      if (this.cluster.delete(context)) this.changed();
      return [];
    }
    const { converted, problems } = convertCrds(crds);
    const fluxVersion = converted.find((c) => isFluxGroup(c.group) && c.releaseVersion)?.releaseVersion;
    this.cluster.set(context, {
      origin: { kind: 'cluster', context, ...(fluxVersion ? { fluxVersion } : {}) },
      crds: converted,
    });
    this.changed();
    return problems;
  }

  /** The schema for apiVersion + kind, or why there is none; undefined when no source knows the kind. */
  resolve(group: string, version: string, kind: string): Resolution | undefined {
    const entry = this.getIndex().get(key(group, kind));
    if (!entry) return undefined;
    const gvk = entry.crd.versions.find((v) => v.version === version && v.served);
    const servedVersions = entry.crd.versions.filter((v) => v.served).map((v) => v.version);
    if (gvk) return { found: true, gvk, origin: entry.origin, servedVersions };
    return { found: false, servedVersions, origin: entry.origin };
  }

  /** Every served apiVersion/kind pair, for completion of `apiVersion:` and `kind:`. */
  knownTypes(): Array<{ apiVersion: string; kind: string }> {
    const out: Array<{ apiVersion: string; kind: string }> = [];
    for (const { crd } of this.getIndex().values()) {
      for (const v of crd.versions)
        if (v.served) out.push({ apiVersion: `${v.group}/${v.version}`, kind: v.kind });
    }
    return out;
  }

  /** Which source answers for Flux's own kinds. */
  fluxStatus(): FluxSchemaStatus {
    for (const entry of this.getIndex().values()) {
      if (entry.crd.group === 'kustomize.toolkit.fluxcd.io' && entry.crd.kind === 'Kustomization') {
        const origin = entry.origin;
        return {
          available: true,
          label: `${describeOrigin(origin)}, ${fluxVersionText(origin.fluxVersion)}`,
          origin,
        };
      }
    }
    return { available: false, label: 'none' };
  }

  private getIndex(): Map<string, { crd: ConvertedCrd; origin: SchemaOrigin }> {
    if (this.index) return this.index;
    const index = new Map<string, { crd: ConvertedCrd; origin: SchemaOrigin }>();
    // Lowest priority first, so higher ones overwrite.
    const layers: SourceEntry[] = [
      ...(this.bundled ? [this.bundled] : []),
      ...[...this.cluster.keys()].sort().map((k) => this.cluster.get(k)!),
      ...[...this.workspace.keys()]
        .sort()
        .reverse()
        .map((k) => this.workspace.get(k)!),
    ];
    for (const layer of layers) {
      for (const crd of layer.crds) index.set(key(crd.group, crd.kind), { crd, origin: layer.origin });
    }
    this.index = index;
    return index;
  }

  private changed(): void {
    this.index = undefined;
    this.generation++;
    for (const l of this.listeners) l();
  }
}

function key(group: string, kind: string): string {
  return `${group.toLowerCase()}/${kind.toLowerCase()}`;
}

/**
 * Converts CRD objects to the registry's schemas (each version through {@link convertCrd}, Flux's
 * kinds widened for Flux Operator). The one conversion for every source: workspace, cluster, and the
 * bundle (at build time).
 */
export function convertCrds(crds: unknown[]): { converted: ConvertedCrd[]; problems: CrdProblem[] } {
  const converted: ConvertedCrd[] = [];
  const problems: CrdProblem[] = [];
  crds.forEach((crd, index) => {
    const result = convertCrd(crd);
    if (!result.ok) {
      problems.push({ index, reason: result.reason });
      return;
    }
    for (const v of result.crd.versions) widenForFluxOperator(v.group, v.kind, v.schema);
    converted.push(result.crd);
  });
  return { converted, problems };
}
