// What the client's live side asks the workspace model (issue 12): the objects of a file as Flux
// applies them (for live-state lenses and "Reveal in Flux View"), and where a live object is defined
// (for "Go to Definition" from a tree item). Pure: answers come from the model alone.

import { URI } from 'vscode-uri';
import type {
  FileObject,
  FileObjectsResult,
  LocateObjectParams,
  LocateObjectResult,
  LspRange,
  ObjectLocation,
  RenderingKustomization,
  GraphRef,
  WorkspaceGraphObject,
  WorkspaceGraphResult,
} from '../protocol';
import type { FileIndex } from './fileIndex';
import type { WorkspaceModel } from './model';
import type { IndexedObject } from './objectFacts';
import type { Span } from './yamlNodes';

const KS_GROUP = 'kustomize.toolkit.fluxcd.io';
/** kustomize's generated-name suffix: a dash and ten characters of a hash. */
const HASH_SUFFIX = /-[a-z0-9]{10}$/;

/** Offset -> zero-based line and UTF-16 column, by the file's line starts. */
export function positionAt(
  lineStarts: readonly number[],
  offset: number,
): { line: number; character: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo]! };
}

function rangeOf(f: FileIndex, s: Span): LspRange {
  return { start: positionAt(f.lineStarts, s[0]), end: positionAt(f.lineStarts, s[1]) };
}

/** From the line of the document's first key (not its `---`) to its end. */
function documentRange(f: FileIndex, o: IndexedObject): LspRange {
  const starts = [o.apiVersionSpan?.[0], o.kindSpan?.[0]].filter((x): x is number => x !== undefined);
  const first = starts.length ? Math.min(...starts) : o.span[0];
  const r = rangeOf(f, [first, o.span[1]]);
  return { start: { line: r.start.line, character: 0 }, end: r.end };
}

const nullable = (ns: ReadonlyArray<string | undefined>): Array<string | null> => ns.map((n) => n ?? null);

/** The documents of a file that are objects of their own (not generated, not made by a controller). */
function documentsOf(f: FileIndex): IndexedObject[] {
  return f.objects.filter((o) => o.docIndex >= 0 && !o.generated && !o.createdBy);
}

function kustomizationRef(model: WorkspaceModel, ks: IndexedObject): RenderingKustomization {
  const f = model.get(ks.file);
  return {
    name: ks.name,
    namespaces: nullable(model.namespacesOf(ks)),
    uri: URI.file(ks.file).toString(),
    line: f ? positionAt(f.lineStarts, ks.nameSpan?.[0] ?? ks.span[0]).line : 0,
  };
}

/** The Kubernetes objects of `file`, with the namespaces Flux applies them in and who renders them. */
export function fileObjects(model: WorkspaceModel, file: string): FileObjectsResult {
  const f = model.get(file);
  if (!f) return { objects: [], problem: 'the file is not indexed (not YAML, or too large)' };
  if (f.problem) return { objects: [], problem: f.problem };
  if (model.isPatchFile(file))
    return { objects: [], problem: 'a kustomize patch file: its documents change other objects' };
  const owners = model.ownersOf(file).filter((w) => !w.input);
  const renderedBy = owners.map((w) => kustomizationRef(model, w.ks));
  const renamed = owners.some((w) => w.rendered.renamed);
  const seen = new Map<string, number>();
  const objects: FileObject[] = [];
  for (const o of documentsOf(f)) {
    const appliedNamespaces = nullable(model.namespacesOf(o));
    const key = `${o.group}/${o.kind}/${appliedNamespaces.join(',')}/${o.name}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, objects.length);
    objects.push({
      apiVersion: o.apiVersion,
      group: o.group,
      kind: o.kind,
      name: o.name,
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      appliedNamespaces,
      range: documentRange(f, o),
      ...(o.nameSpan ? { nameRange: rangeOf(f, o.nameSpan) } : {}),
      renderedBy,
      ...(renamed ? { renamed: true } : {}),
      ...(first !== undefined && o.name ? { duplicateOf: first } : {}),
    });
  }
  return { objects };
}

interface Candidate {
  o: IndexedObject;
  /** 2: the owner renders it in that namespace; 1: the namespace matches; 0: namespace not known. */
  score: number;
  why: string;
}

/**
 * Where the workspace defines an object: documents of that kind and name (in files that are not
 * patches) applied in that namespace; for an inventory entry, those its Kustomization renders come
 * first. A ConfigMap or Secret with kustomize's hash suffix is looked up among generated objects.
 */
export function locateObject(model: WorkspaceModel, p: LocateObjectParams): LocateObjectResult {
  const label = `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
  const owner = p.owner ? ownerKustomizations(model, p.owner) : [];
  const candidates = candidatesFor(model, p, p.name, owner);
  if (candidates.length === 0 && (p.kind === 'ConfigMap' || p.kind === 'Secret') && HASH_SUFFIX.test(p.name))
    candidates.push(
      ...candidatesFor(model, p, p.name.replace(HASH_SUFFIX, ''), owner).filter((c) => c.o.generated),
    );
  if (candidates.length === 0) {
    let message = `${label} is not defined in this workspace`;
    if (p.owner) {
      const ownerLabel = `Kustomization ${p.owner.namespace}/${p.owner.name}`;
      if (owner.length === 0) message += ` (nor is ${ownerLabel}, which applied it)`;
      else {
        const src = model.sourceOf(owner[0]!);
        message +=
          src.kind === 'local' || src.kind === 'guessed'
            ? ` (${ownerLabel} renders ${src.root === model.rootOf(owner[0]!.file) ? 'this repository' : src.root}, but no file of it defines the object: it may come from a remote base or a generator)`
            : ` (${ownerLabel} renders from elsewhere: ${src.reason})`;
      }
    }
    return { locations: [], message };
  }
  const best = Math.max(...candidates.map((c) => c.score));
  const kept = candidates.filter((c) => c.score === best);
  const locations: ObjectLocation[] = kept.map((c) => {
    const f = model.get(c.o.file)!;
    const at = c.o.nameSpan ?? c.o.span;
    return { uri: URI.file(c.o.file).toString(), range: rangeOf(f, [at[0], at[0]]), why: c.why };
  });
  return {
    locations,
    ...(best === 0
      ? { message: `the files do not say which namespace ${label} is applied in: not certain it is this one` }
      : kept.length > 1
        ? { message: `${kept.length} documents define ${label}` }
        : {}),
  };
}

function ownerKustomizations(
  model: WorkspaceModel,
  owner: { namespace: string; name: string },
): IndexedObject[] {
  return model
    .find('Kustomization', owner.name)
    .filter((k) => k.group === KS_GROUP && k.ks && inNs(model.namespacesOf(k), owner.namespace) > 0);
}

/** 1: in that namespace; 0.5: namespace not known; 0: another one. Cluster-scoped asks match any. */
function inNs(namespaces: ReadonlyArray<string | undefined>, ns: string | undefined): number {
  if (!ns) return 1;
  if (namespaces.includes(ns)) return 1;
  return namespaces.includes(undefined) ? 0.5 : 0;
}

function candidatesFor(
  model: WorkspaceModel,
  p: LocateObjectParams,
  name: string,
  owners: readonly IndexedObject[],
): Candidate[] {
  const out: Candidate[] = [];
  for (const o of model.find(p.kind, name)) {
    if (o.createdBy) continue;
    if (p.group !== undefined && o.group !== p.group) continue;
    const owned = model.ownersOf(o.file).filter((w) => !w.input && owners.includes(w.ks));
    const ns = inNs(
      owned.length ? owned.map((w) => w.rendered.namespace ?? o.namespace) : model.namespacesOf(o),
      p.namespace,
    );
    if (ns === 0) continue;
    const rel = model.rootOf(o.file) ? o.file.slice(model.rootOf(o.file)!.length + 1) : o.file;
    const what = o.generated ? `generated by a kustomization in ${rel}` : rel;
    out.push({
      o,
      score: ns < 1 ? 0 : owned.length ? 2 : 1,
      why: owned.length ? `rendered by Kustomization ${p.owner!.namespace}/${p.owner!.name} (${what})` : what,
    });
  }
  return out;
}

const GRAPH_KINDS: Record<string, string> = {
  Kustomization: KS_GROUP,
  HelmRelease: 'helm.toolkit.fluxcd.io',
  GitRepository: 'source.toolkit.fluxcd.io',
  OCIRepository: 'source.toolkit.fluxcd.io',
  HelmRepository: 'source.toolkit.fluxcd.io',
  Bucket: 'source.toolkit.fluxcd.io',
  ExternalArtifact: 'source.toolkit.fluxcd.io',
};
const SOURCE_FIELDS = new Set(['spec.sourceRef', 'spec.chart.spec.sourceRef', 'spec.chartRef']);

/** The Kustomizations, HelmReleases and sources of the workspace, with dependsOn and source edges. */
export function workspaceGraph(model: WorkspaceModel): WorkspaceGraphResult {
  const byId = new Map<string, WorkspaceGraphObject>();
  for (const [kind, group] of Object.entries(GRAPH_KINDS))
    for (const o of model.ofKind(kind)) {
      if (o.group !== group || o.createdBy || !o.name) continue;
      const namespace = model.namespacesOf(o).find((n) => n !== undefined) ?? o.namespace ?? '';
      const f = model.get(o.file);
      const id = `${kind}/${namespace}/${o.name}`;
      const rel = model.rootOf(o.file) ? o.file.slice(model.rootOf(o.file)!.length + 1) : o.file;
      const had = byId.get(id);
      if (had) {
        (had.alsoIn ??= []).push(rel);
        continue;
      }
      const ref = (r: { kind: string; namespace?: string; name: string }): GraphRef => ({
        kind: r.kind,
        namespace: r.namespace ?? namespace,
        name: r.name,
      });
      byId.set(id, {
        kind,
        namespace,
        name: o.name,
        uri: URI.file(o.file).toString(),
        line: f ? positionAt(f.lineStarts, o.nameSpan?.[0] ?? o.span[0]).line : 0,
        dependsOn: o.refs
          .filter((r) => r.field.dependency && r.name)
          .map((r) => ref({ kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name })),
        sources: o.refs.filter((r) => SOURCE_FIELDS.has(r.field.label) && r.name && r.kind).map(ref),
      });
    }
  return { objects: [...byId.values()] };
}
