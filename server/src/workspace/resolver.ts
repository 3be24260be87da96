import { BOOTSTRAP_NAME } from '../flux/references';
import type { LatestImage } from '../protocol';
import type { WorkspaceModel } from './model';
import type { IndexedObject } from './objectFacts';

/** Where an object that a reference can name is known from. */
export type DefinitionOrigin =
  /** A document of a workspace file. */
  | { type: 'file'; object: IndexedObject }
  /** Made at run time by a controller from an object of the workspace (ArtifactGenerator, FluxInstance, ...). */
  | { type: 'created'; by: IndexedObject; how: string }
  /** An object of the connected cluster (fed by the cluster explorer). */
  | { type: 'cluster'; context: string; uid?: string; latestImage?: LatestImage };

export interface Definition {
  kind: string;
  name: string;
  /** The namespaces it exists in; undefined means "not known" (it matches any namespace). */
  namespaces: Array<string | undefined>;
  origin: DefinitionOrigin;
  /** In the files of another cluster than the referring object's (one folder per cluster). */
  elsewhere?: boolean;
}

/**
 * A place objects are looked up in. The workspace is one; the connected cluster is another (issue
 * 12: the explorer's cache implements this interface and is added with {@link ReferenceResolver.addSource}).
 */
export interface ObjectSource {
  readonly label: string;
  /**
   * Objects of `kind` named `name`, any namespace; undefined when this source cannot answer now.
   * `near`: the file of the referring object (sources with several clusters' files prefer its own).
   */
  definitions(kind: string, name: string, near?: string): Definition[] | undefined;
  /** Every object of `kind` (for completion); undefined when this source cannot answer now. */
  list(kind: string): Definition[] | undefined;
}

export type Resolution =
  | { status: 'found'; definitions: Definition[] }
  /** Only made at run time, or only by convention: fine, said as information. */
  | { status: 'external'; reason: string; definitions: Definition[] }
  /** The kind and name exist, in other namespaces only. */
  | { status: 'other-namespace'; definitions: Definition[] }
  /** The name exists as other kinds only. */
  | { status: 'other-kind'; definitions: Definition[] }
  /** Defined only in the files of other clusters (the referring object's cluster has none). */
  | { status: 'other-cluster'; definitions: Definition[] }
  /** Nowhere; `asked` names the sources that answered. */
  | { status: 'missing'; asked: string[] };

/** Objects of the workspace files, and those their controllers create. */
export class WorkspaceObjects implements ObjectSource {
  readonly label = 'the workspace';
  constructor(private readonly model: WorkspaceModel) {}

  definitions(kind: string, name: string, near?: string): Definition[] {
    const all = this.all(kind, name);
    if (!near || all.length === 0) return all;
    // One folder per cluster often defines the same names: those of another cluster do not count.
    return all.map((d) =>
      this.model.sameCluster(near, definitionFile(d)) === false ? { ...d, elsewhere: true } : d,
    );
  }

  private all(kind: string, name: string): Definition[] {
    const out: Definition[] = this.model.find(kind, name).map((o) => ({
      kind,
      name,
      namespaces: this.model.namespacesOf(o),
      origin: { type: 'file', object: o },
    }));
    for (const { by, made } of this.model.createdOfKind(kind)) {
      if (made.name !== undefined && made.name !== name) continue;
      const namespaces = made.namespace !== undefined ? [made.namespace] : this.model.namespacesOf(by);
      if (made.nameIsNamespace && !namespaces.includes(name) && !namespaces.includes(undefined)) continue;
      out.push({
        kind,
        name,
        namespaces: made.nameIsNamespace ? [name] : namespaces,
        origin: { type: 'created', by, how: made.how },
      });
    }
    return out;
  }

  list(kind: string): Definition[] {
    const out: Definition[] = this.model.ofKind(kind).map((o) => ({
      kind,
      name: o.name,
      namespaces: this.model.namespacesOf(o),
      origin: { type: 'file', object: o },
    }));
    for (const { by, made } of this.model.createdOfKind(kind)) {
      const namespaces = made.namespace !== undefined ? [made.namespace] : this.model.namespacesOf(by);
      const name = made.name ?? (made.nameIsNamespace ? namespaces[0] : undefined);
      if (name) out.push({ kind, name, namespaces, origin: { type: 'created', by, how: made.how } });
    }
    return out;
  }
}

function definitionFile(d: Definition): string {
  return d.origin.type === 'file'
    ? d.origin.object.file
    : d.origin.type === 'created'
      ? d.origin.by.file
      : '';
}

/** Does an object that exists in `namespaces` satisfy a reference into `namespace`? */
export function inNamespace(
  namespaces: ReadonlyArray<string | undefined>,
  namespace: string | undefined,
): boolean {
  return namespace === undefined || namespaces.includes(namespace) || namespaces.includes(undefined);
}

/**
 * Resolves references against every source, workspace first. A definition in the right namespace
 * anywhere wins; otherwise the closest explanation (created at run time, other namespace, other
 * kind) is returned, so messages can say what exists instead.
 */
export class ReferenceResolver {
  private readonly sources: ObjectSource[];

  constructor(sources: ObjectSource[]) {
    this.sources = [...sources];
  }

  addSource(source: ObjectSource): void {
    this.sources.push(source);
  }

  removeSource(source: ObjectSource): void {
    const i = this.sources.indexOf(source);
    if (i >= 0) this.sources.splice(i, 1);
  }

  /** `namespace` undefined: the referrer's namespace is not known, any namespace will do. */
  resolve(
    kind: string,
    name: string,
    namespace: string | undefined,
    otherKinds: readonly string[] = [],
    near?: string,
  ): Resolution {
    const all: Definition[] = [];
    const asked: string[] = [];
    for (const s of this.sources) {
      const defs = s.definitions(kind, name, near);
      if (defs === undefined) continue;
      asked.push(s.label);
      all.push(...defs);
    }
    const mine = all.filter((d) => !d.elsewhere);
    const here = mine.filter((d) => inNamespace(d.namespaces, namespace));
    const files = here.filter((d) => d.origin.type !== 'created');
    if (files.length) return { status: 'found', definitions: files };
    if (here.length)
      return {
        status: 'external',
        reason: here
          .map((d) => (d.origin.type === 'created' ? `made by ${d.origin.how}` : ''))
          .filter(Boolean)
          .join('; '),
        definitions: here,
      };
    if (
      name === BOOTSTRAP_NAME &&
      (namespace === undefined || namespace === BOOTSTRAP_NAME) &&
      BOOTSTRAP_KINDS.has(kind)
    )
      return {
        status: 'external',
        reason: `flux bootstrap and the Flux Operator create ${kind} ${BOOTSTRAP_NAME} in the cluster for the repository the cluster syncs from`,
        definitions: [],
      };
    if (mine.length) return { status: 'other-namespace', definitions: mine };
    const others: Definition[] = [];
    for (const k of otherKinds) {
      if (k === kind) continue;
      for (const s of this.sources)
        others.push(
          ...(s.definitions(k, name, near) ?? []).filter(
            (d) => !d.elsewhere && inNamespace(d.namespaces, namespace),
          ),
        );
    }
    if (others.length) return { status: 'other-kind', definitions: others };
    if (all.length) return { status: 'other-cluster', definitions: all };
    return { status: 'missing', asked };
  }

  /** Every object of `kind` the sources know (for completion). */
  list(kind: string): Definition[] {
    return this.sources.flatMap((s) => s.list(kind) ?? []);
  }
}

const BOOTSTRAP_KINDS = new Set(['GitRepository', 'OCIRepository', 'Bucket', 'Kustomization']);
