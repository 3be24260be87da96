// "Diff Build with Cluster" (issue 12): what applying a build would change, decided the way
// `flux diff kustomization` decides it (fluxcd/pkg ssa ResourceManager.Diff): each object is
// server-side applied as a dry run with kustomize-controller's field manager, and the result is
// compared with the live object (labels, annotations, and everything but metadata and status);
// objects of the live inventory the build no longer has are what prune would delete. No object is
// written: every PATCH carries dryRun=All.

import { isRecord, type KubeObject } from '../cluster/object';
import type { Transport } from '../cluster/transport';
import { inventoryOf } from '../cluster/relations';
import { describeFailure } from './clusterReads';
import { inventoryId } from './inventoryIndex';
import { objectPath, RestMapper, type Mapping } from './restMapper';

export type DiffAction = 'created' | 'drifted' | 'unchanged' | 'skipped' | 'deleted';

export interface DiffEntry {
  /** "Kind/namespace/name", or "Kind/name" for cluster-scoped objects (as flux prints them). */
  subject: string;
  action: DiffAction;
  /** The live object (drifted, unchanged, deleted), managedFields dropped. */
  live?: KubeObject;
  /** What the cluster would hold after applying (created, drifted): the dry-run's answer. */
  merged?: KubeObject;
  /** Dotted paths that differ (drifted). */
  changed?: string[];
}

export interface DiffReport {
  entries: DiffEntry[];
  /** Objects the dry run refused or that could not be read: with the verb and resource. */
  errors: Array<{ subject: string; message: string }>;
  /** Why no prune list was computed (prune off, no inventory, errors), when it was not. */
  pruneNote?: string;
}

export interface DiffOptions {
  /** The live Kustomization (its inventory is the prune baseline); undefined: it is not in the cluster. */
  liveKustomization?: KubeObject;
  /** spec.prune of the Kustomization as built. */
  prune: boolean;
  signal?: AbortSignal;
  /** Objects in flight at once. */
  concurrency?: number;
}

const FIELD_MANAGER = 'kustomize-controller';
const EXCLUDE: Record<string, string> = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'kustomize.toolkit.fluxcd.io/ssa': 'ignore',
};
const IF_NOT_PRESENT: Record<string, string> = { 'kustomize.toolkit.fluxcd.io/ssa': 'ifnotpresent' };

function subjectOf(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

function anyInMetadata(o: KubeObject | undefined, selector: Record<string, string>): boolean {
  if (!o) return false;
  const md = o.metadata ?? {};
  return Object.entries(selector).some(([k, v]) => md.labels?.[k] === v || md.annotations?.[k] === v);
}

/** The desired object as kustomize-controller sends it (normalize.Unstructured's effects that matter). */
export function normalizeDesired(o: KubeObject): KubeObject {
  const c = structuredClone(o);
  if (c.metadata) delete (c.metadata as Record<string, unknown>)['creationTimestamp'];
  if (c.kind !== 'CustomResourceDefinition') delete (c as Record<string, unknown>)['status'];
  const raw = c as Record<string, unknown>;
  if (c.kind === 'Secret' && c.apiVersion === 'v1' && isRecord(raw['stringData'])) {
    const data = isRecord(raw['data']) ? raw['data'] : {};
    for (const [k, v] of Object.entries(raw['stringData']))
      data[k] = Buffer.from(String(v ?? '')).toString('base64');
    raw['data'] = data;
    delete raw['stringData'];
  }
  return c;
}

function withoutManagedFields(o: KubeObject): KubeObject {
  const c = structuredClone(o);
  if (c.metadata) delete (c.metadata as Record<string, unknown>)['managedFields'];
  return c;
}

/** Dotted paths where `a` and `b` differ (arrays compared whole below their path). */
export function changedPaths(a: unknown, b: unknown, prefix = '', out: string[] = []): string[] {
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix || '.');
  return out;
}

/** labels, annotations, and the object without metadata and status: what ssa's hasDrifted compares. */
function drift(live: KubeObject, merged: KubeObject): string[] {
  const strip = (o: KubeObject) => {
    const c = structuredClone(o) as Record<string, unknown>;
    delete c['metadata'];
    delete c['status'];
    return c;
  };
  const out: string[] = [];
  changedPaths(live.metadata?.labels ?? {}, merged.metadata?.labels ?? {}, 'metadata.labels', out);
  changedPaths(
    live.metadata?.annotations ?? {},
    merged.metadata?.annotations ?? {},
    'metadata.annotations',
    out,
  );
  changedPaths(strip(live), strip(merged), '', out);
  return out;
}

/** Runs the diff of `objects` (a build's output) against the cluster behind `transport`. */
export async function diffWithCluster(
  transport: Transport,
  objects: readonly KubeObject[],
  opts: DiffOptions,
): Promise<DiffReport> {
  const mapper = new RestMapper(transport, opts.signal);
  const report: DiffReport = { entries: [], errors: [] };
  const ids = new Set<string>();
  const results: Array<DiffEntry | undefined> = new Array(objects.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const i = next++;
      if (opts.signal?.aborted) return;
      results[i] = await diffOne(transport, mapper, objects[i]!, report, ids, opts.signal);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  report.entries = results.filter((e): e is DiffEntry => e !== undefined);
  await pruneList(transport, mapper, report, ids, opts);
  report.entries.sort((a, b) => a.subject.localeCompare(b.subject));
  return report;
}

async function diffOne(
  transport: Transport,
  mapper: RestMapper,
  desired: KubeObject,
  report: DiffReport,
  ids: Set<string>,
  signal: AbortSignal | undefined,
): Promise<DiffEntry | undefined> {
  const kind = desired.kind ?? '';
  const name = desired.metadata?.name ?? '';
  const apiVersion = desired.apiVersion ?? '';
  const mapping = await mapper.map(apiVersion, kind);
  const ns = desired.metadata?.namespace;
  const subject0 = subjectOf(kind, ns, name);
  if ('error' in mapping) {
    report.errors.push({ subject: subject0, message: mapping.error });
    return undefined;
  }
  const namespace = mapping.namespaced ? ns : undefined;
  const subject = subjectOf(kind, namespace, name);
  ids.add(inventoryId(namespace ?? '', name, mapping.group, kind));
  if (mapping.namespaced && !namespace) {
    report.errors.push({
      subject,
      message: 'namespace not specified (Flux refuses it: set metadata.namespace or targetNamespace)',
    });
    return undefined;
  }
  const path = objectPath(mapping, namespace, name);
  const init = signal ? { signal } : {};
  const got = await transport.request<KubeObject>('GET', path, init);
  let existing: KubeObject | undefined;
  if (got.status === 200 && isRecord(got.body)) existing = got.body;
  else if (got.status !== 404) {
    report.errors.push({
      subject,
      message: describeFailure(got.status, got.error, 'get', resourceName(mapping), namespace),
    });
    return undefined;
  }
  if (
    anyInMetadata(desired, EXCLUDE) ||
    anyInMetadata(existing, EXCLUDE) ||
    (existing && anyInMetadata(desired, IF_NOT_PRESENT))
  )
    return { subject, action: 'skipped' };
  const body = normalizeDesired(desired);
  const applied = await transport.request<KubeObject>(
    'PATCH',
    `${path}?dryRun=All&fieldManager=${FIELD_MANAGER}&force=true`,
    { body: JSON.stringify(body), contentType: 'application/apply-patch+yaml', ...init },
  );
  if (applied.status !== 200 && applied.status !== 201) {
    const message =
      applied.status === 403
        ? `dry-run denied: forbidden: patch ${resourceName(mapping)}${namespace ? ` in namespace ${namespace}` : ' at the cluster scope'} (RBAC)`
        : describeFailure(applied.status, applied.error, 'dry-run apply', resourceName(mapping), namespace);
    report.errors.push({ subject, message });
    return undefined;
  }
  const merged = withoutManagedFields(applied.body);
  if (!existing || !merged.metadata?.resourceVersion) return { subject, action: 'created', merged };
  const live = withoutManagedFields(existing);
  const changed = drift(live, merged);
  if (changed.length === 0) return { subject, action: 'unchanged', live };
  return { subject, action: 'drifted', live, merged, changed };
}

function resourceName(m: Mapping): string {
  return m.group ? `${m.plural}.${m.group}` : m.plural;
}

async function pruneList(
  transport: Transport,
  mapper: RestMapper,
  report: DiffReport,
  ids: Set<string>,
  opts: DiffOptions,
): Promise<void> {
  if (!opts.prune) return void (report.pruneNote = 'spec.prune is off: nothing would be deleted');
  if (!opts.liveKustomization)
    return void (report.pruneNote = 'the Kustomization is not in the cluster: nothing to prune');
  if (report.errors.length)
    return void (report.pruneNote =
      'not computed: some objects could not be diffed (flux diff does the same)');
  const inventory = inventoryOf(opts.liveKustomization);
  if (!inventory) return void (report.pruneNote = 'the live Kustomization has no inventory yet');
  for (const e of inventory) {
    if (ids.has(e.id)) continue;
    const apiVersion = e.group ? `${e.group}/${e.version ?? ''}` : (e.version ?? 'v1');
    const mapping = await mapper.map(apiVersion, e.kind);
    const subject = subjectOf(e.kind, e.namespace || undefined, e.name);
    let live: KubeObject | undefined;
    if (!('error' in mapping)) {
      const got = await transport.request<KubeObject>(
        'GET',
        objectPath(mapping, e.namespace, e.name),
        opts.signal ? { signal: opts.signal } : {},
      );
      if (got.status === 200 && isRecord(got.body)) live = withoutManagedFields(got.body);
    }
    report.entries.push({ subject, action: 'deleted', ...(live ? { live } : {}) });
  }
}
