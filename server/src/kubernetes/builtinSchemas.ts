import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { apiVersionOf, type BuiltinKind, type ConvertedBuiltins } from './openapiToSchema';

/**
 * Where the built-in kinds' schemas come from: the bundle converted at build time from the
 * Kubernetes OpenAPI v3 documents, or (issue 12) a connected cluster's `/openapi/v3`.
 */
export type BuiltinOrigin =
  | { kind: 'bundled'; kubernetesVersion: string }
  | { kind: 'cluster'; context: string; kubernetesVersion: string };

/**
 * The schemas of the Kubernetes built-in kinds (Deployment, Service, ConfigMap, ...). Knows which
 * kinds exist from a small index; each kind's schema is loaded only when a document of that kind
 * is first checked, so start-up pays for the index alone.
 */
export interface BuiltinSchemaSource {
  readonly origin: BuiltinOrigin;
  /** Every served kind, for completion of apiVersion and kind. */
  kinds(): readonly BuiltinKind[];
  /** The kind at this group/version (case-insensitive group and kind), if served. */
  find(group: string, version: string, kind: string): BuiltinKind | undefined;
  /** The versions at which a group serves a kind ("" group for core); empty when it does not. */
  versionsOf(group: string, kind: string): string[];
  /** The kind described by an OpenAPI type name, e.g. "io.k8s.api.core.v1.ConfigMap". */
  byTypeName(typeName: string): BuiltinKind | undefined;
  /** True when the group is one this source serves kinds of. */
  hasGroup(group: string): boolean;
  /**
   * The kind's JSON Schema as text (what the YAML engine parses and caches itself); undefined when
   * it cannot be read, with the reason in `problem`.
   */
  schemaText(kind: BuiltinKind): Promise<string | undefined>;
  /** Set when something failed to load, with the reason. */
  problem: string | undefined;
}

/** "bundled, Kubernetes v1.36.3" / "Kubernetes v1.35.0 from cluster ctx" (the status bar's words). */
export function describeBuiltinOrigin(origin: BuiltinOrigin): string {
  return origin.kind === 'bundled'
    ? `bundled, Kubernetes ${origin.kubernetesVersion}`
    : `Kubernetes ${origin.kubernetesVersion} from cluster ${origin.context}`;
}

/** "bundled, Kubernetes v1.36.3 OpenAPI" / "Kubernetes v1.35.0 OpenAPI from cluster ctx" (hovers). */
export function describeBuiltinSchemas(origin: BuiltinOrigin): string {
  return origin.kind === 'bundled'
    ? `bundled, Kubernetes ${origin.kubernetesVersion} OpenAPI`
    : `Kubernetes ${origin.kubernetesVersion} OpenAPI from cluster ${origin.context}`;
}

/** The index esbuild.mjs writes beside the per-kind schema files. */
export interface BuiltinIndex {
  kubernetesVersion: string;
  kinds: Array<BuiltinKind & { file: string }>;
}

abstract class IndexedSource implements BuiltinSchemaSource {
  private readonly byKey = new Map<string, BuiltinKind>();
  private readonly versions = new Map<string, string[]>();
  private readonly types = new Map<string, BuiltinKind>();
  private readonly groups = new Set<string>();
  problem: string | undefined;

  constructor(
    readonly origin: BuiltinOrigin,
    private readonly list: BuiltinKind[],
  ) {
    for (const k of list) {
      this.byKey.set(key(k.group, k.version, k.kind), k);
      const gk = key(k.group, '', k.kind);
      this.versions.set(gk, [...(this.versions.get(gk) ?? []), k.version]);
      if (!this.types.has(k.typeName.toLowerCase())) this.types.set(k.typeName.toLowerCase(), k);
      this.groups.add(k.group.toLowerCase());
    }
  }

  kinds(): readonly BuiltinKind[] {
    return this.list;
  }

  find(group: string, version: string, kind: string): BuiltinKind | undefined {
    return this.byKey.get(key(normalGroup(group), version, kind));
  }

  versionsOf(group: string, kind: string): string[] {
    return this.versions.get(key(normalGroup(group), '', kind)) ?? [];
  }

  byTypeName(typeName: string): BuiltinKind | undefined {
    return this.types.get(typeName.toLowerCase());
  }

  hasGroup(group: string): boolean {
    return this.groups.has(normalGroup(group).toLowerCase());
  }

  abstract schemaText(kind: BuiltinKind): Promise<string | undefined>;
}

function key(group: string, version: string, kind: string): string {
  return `${group.toLowerCase()}/${version.toLowerCase()}/${kind.toLowerCase()}`;
}

/** yaml-language-server names the core group "core"; OpenAPI names it "". */
function normalGroup(group: string): string {
  return group === 'core' ? '' : group;
}

/** The bundle in `dir` (server/out/kubernetes): index read at load, each kind's file on first use. */
export class BundledBuiltinSchemas extends IndexedSource {
  private readonly files = new Map<string, string>();

  private constructor(
    private readonly dir: string,
    index: BuiltinIndex,
  ) {
    super({ kind: 'bundled', kubernetesVersion: index.kubernetesVersion }, index.kinds);
    for (const k of index.kinds) this.files.set(k.typeName, k.file);
  }

  /** Reads the index; a missing or broken bundle is a value, not an exception. */
  static async load(dir: string): Promise<BundledBuiltinSchemas | { problem: string }> {
    const file = path.join(dir, 'index.json');
    try {
      const index = JSON.parse(await readFile(file, 'utf8')) as BuiltinIndex;
      if (typeof index.kubernetesVersion !== 'string' || !Array.isArray(index.kinds))
        return { problem: `${file} is not a built-in schema index` };
      return new BundledBuiltinSchemas(dir, index);
    } catch (err) {
      return { problem: `no Kubernetes built-in schemas (${file}: ${(err as Error).message})` };
    }
  }

  async schemaText(kind: BuiltinKind): Promise<string | undefined> {
    const file = this.files.get(kind.typeName);
    if (!file) return undefined;
    try {
      // Not cached here: the engine keeps the parsed schema for as long as it needs it.
      return await readFile(path.join(this.dir, file), 'utf8');
    } catch (err) {
      this.problem = `schema of ${kind.kind} (${apiVersionOf(kind)}) unreadable: ${(err as Error).message}`;
      return undefined;
    }
  }
}

/**
 * Schemas converted in memory: a cluster's documents (converted on a worker thread, which hands
 * back each kind's schema as text, so this thread never walks them) or, in tests, converted here.
 */
export class ConvertedBuiltinSchemas extends IndexedSource {
  constructor(
    origin: BuiltinOrigin,
    private readonly converted: ConvertedBuiltins | { kinds: BuiltinKind[]; schemas: Map<string, string> },
  ) {
    super(origin, converted.kinds);
  }

  schemaText(kind: BuiltinKind): Promise<string | undefined> {
    const schema = this.converted.schemas.get(kind.typeName);
    if (schema === undefined) return Promise.resolve(undefined);
    return Promise.resolve(typeof schema === 'string' ? schema : JSON.stringify(schema));
  }
}
