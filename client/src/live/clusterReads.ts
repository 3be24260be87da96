// What the language server asks of a cluster (issue 12): one substituteFrom ConfigMap or Secret
// (Secret values replaced by placeholders unless the caller masks them itself), and the CRDs the
// cluster serves (for the schema registry). One request each, through the context's transport.

import { isRecord } from '../cluster/object';
import type { Transport } from '../cluster/transport';
import {
  secretPlaceholder,
  type ClusterOpenApiParams,
  type ClusterObjectParams,
  type ClusterObjectResult,
} from '../../../server/src/protocol';

/** The HTTP status and Status message of a failed read, in words with the verb and resource. */
export function describeFailure(
  status: number,
  error: string | undefined,
  verb: string,
  resource: string,
  namespace?: string,
): string {
  // A non-resource URL (/openapi/v3, /version) has no scope.
  const where = namespace
    ? ` in namespace ${namespace}`
    : resource.startsWith('/')
      ? ''
      : ' at the cluster scope';
  if (status === 403) return `forbidden: ${verb} ${resource}${where} (RBAC)`;
  if (status === 0) return error ?? 'unreachable';
  return `${verb} ${resource}${where} failed: ${error ?? `HTTP ${status}`}`;
}

/** Reads one ConfigMap or Secret for substitution; never throws for expected failures. */
export async function readVariableObject(
  transport: Transport,
  p: ClusterObjectParams,
  signal?: AbortSignal,
): Promise<ClusterObjectResult> {
  const plural = p.kind === 'Secret' ? 'secrets' : 'configmaps';
  const res = await transport.request(
    'GET',
    `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/${plural}/${encodeURIComponent(p.name)}`,
    signal ? { signal } : {},
  );
  if (res.status === 404) return { status: 'not-found' };
  if (res.status !== 200 || !isRecord(res.body))
    return { status: 'error', message: describeFailure(res.status, res.error, 'get', plural, p.namespace) };
  const data: Record<string, string> = {};
  const body = res.body;
  if (p.kind === 'ConfigMap') {
    if (isRecord(body['data'])) for (const [k, v] of Object.entries(body['data'])) data[k] = String(v ?? '');
    return { status: 'found', data, secretKeys: [] };
  }
  if (isRecord(body['data']))
    for (const [k, v] of Object.entries(body['data']))
      data[k] = p.reveal ? Buffer.from(String(v ?? ''), 'base64').toString('utf8') : secretPlaceholder(k);
  return { status: 'found', data, secretKeys: Object.keys(data) };
}

/** Every CRD the cluster serves (full objects, for schemas), or why they cannot be read. */
export async function readCrds(
  transport: Transport,
  signal?: AbortSignal,
): Promise<{ crds: unknown[] } | { error: string }> {
  const res = await transport.request(
    'GET',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    signal ? { signal } : {},
  );
  if (res.status !== 200 || !isRecord(res.body) || !Array.isArray(res.body['items']))
    return { error: describeFailure(res.status, res.error, 'list', 'customresourcedefinitions') };
  // List items carry no apiVersion/kind; managedFields and status are of no use to schemas.
  const crds = res.body['items'].filter(isRecord).map((item) => {
    const md = isRecord(item['metadata']) ? { ...item['metadata'] } : {};
    delete md['managedFields'];
    const rest: Record<string, unknown> = { ...item };
    delete rest['status'];
    return { ...rest, apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: md };
  });
  return { crds };
}

/** One group version's OpenAPI v3 document as the index names it. */
export interface OpenApiEntry {
  /** The index's key: "api/v1", "apis/apps/v1". */
  path: string;
  /** Its hash-pinned address ("/openapi/v3/apis/apps/v1?hash=..."): the same bytes while the hash holds. */
  url: string;
}

/** What the client sends at most, in all (the built-in groups of Kubernetes v1.36 are about 8 MB). */
const MAX_OPENAPI_BYTES = 64 * 1024 * 1024;

/**
 * Whether an index path is a built-in group version of Kubernetes: the core group (`api/v1`), and
 * `apis/<group>/<version>` of a group without a dot or ending in `.k8s.io` (Kubernetes' own naming
 * rule), unless one of the cluster's CRDs defines that group (Gateway API, volume snapshots: their
 * schemas come with the CRDs). Group lists (`apis/apps`), `version`, `logs` and the like are not.
 */
export function isBuiltinGroupVersion(path: string, crdGroups: ReadonlySet<string>): boolean {
  if (path === 'api/v1') return true;
  const m = /^apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return false;
  const group = m[1]!;
  if (crdGroups.has(group)) return false;
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/**
 * The Kubernetes release a server reports at /version: its gitVersion when that is a release
 * ("v1.36.3"), else "v<major>.<minor>" (a server built without release stamping says
 * "v0.0.0-master+$Format:%H$"); undefined when neither is there.
 */
export function kubernetesVersionOf(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const git = body['gitVersion'];
  if (typeof git === 'string' && /^v\d+\.\d+\.\d+/.test(git) && !git.startsWith('v0.0.0')) return git;
  const major = String(body['major'] ?? '').replace(/\D+$/, '');
  const minor = String(body['minor'] ?? '').replace(/\D+$/, '');
  return /^\d+$/.test(major) && /^\d+$/.test(minor) ? `v${major}.${minor}` : undefined;
}

/** The cluster's version and the built-in group versions of its /openapi/v3 index, or why not. */
export async function readOpenApiIndex(
  transport: Transport,
  crdGroups: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<{ kubernetesVersion?: string; entries: OpenApiEntry[] } | { error: string }> {
  const init = signal ? { signal } : {};
  const [version, index] = await Promise.all([
    transport.request('GET', '/version', init),
    transport.request('GET', '/openapi/v3', init),
  ]);
  if (index.status !== 200 || !isRecord(index.body) || !isRecord(index.body['paths']))
    return { error: describeFailure(index.status, index.error, 'get', '/openapi/v3') };
  const entries: OpenApiEntry[] = [];
  for (const [path, v] of Object.entries(index.body['paths'])) {
    const url = isRecord(v) ? v['serverRelativeURL'] : undefined;
    if (typeof url === 'string' && url.startsWith('/openapi/v3/') && isBuiltinGroupVersion(path, crdGroups))
      entries.push({ path, url });
  }
  if (entries.length === 0) return { error: '/openapi/v3 lists no built-in group versions' };
  entries.sort((a, b) => a.path.localeCompare(b.path));
  const kubernetesVersion = version.status === 200 ? kubernetesVersionOf(version.body) : undefined;
  return { ...(kubernetesVersion ? { kubernetesVersion } : {}), entries };
}

/** The documents of `entries` as text (not parsed here: the language server does), or why not. */
export async function readOpenApiDocuments(
  transport: Transport,
  entries: readonly OpenApiEntry[],
  signal?: AbortSignal,
): Promise<{ documents: Array<{ path: string; text: string }> } | { error: string }> {
  const documents: Array<{ path: string; text: string }> = [];
  let bytes = 0;
  // A few at a time: one connection (HTTP/2) carries them; the core group's is about 2 MB.
  for (let i = 0; i < entries.length; i += 4) {
    const batch = entries.slice(i, i + 4);
    const responses = await Promise.all(
      batch.map((e) =>
        transport.request<string>('GET', e.url, { text: true, ...(signal ? { signal } : {}) }),
      ),
    );
    for (const [j, res] of responses.entries()) {
      const e = batch[j]!;
      if (res.status !== 200 || typeof res.body !== 'string')
        return { error: describeFailure(res.status, res.error, 'get', `/openapi/v3/${e.path}`) };
      bytes += res.body.length;
      if (bytes > MAX_OPENAPI_BYTES)
        return { error: `the OpenAPI documents are larger than ${MAX_OPENAPI_BYTES / 1024 / 1024} MiB` };
      documents.push({ path: e.path, text: res.body });
    }
  }
  return { documents };
}

/** The API groups the CRDs define (a CRD is named `<plural>.<group>`). */
export function crdGroupsOf(crds: readonly unknown[]): Set<string> {
  const groups = new Set<string>();
  for (const c of crds) {
    const spec = isRecord(c) ? c['spec'] : undefined;
    if (isRecord(spec) && typeof spec['group'] === 'string') groups.add(spec['group']);
  }
  return groups;
}

/**
 * The notifications that carry a cluster's documents to the language server: parts of about
 * `partBytes` (a document larger than that alone), so that reading one message never holds up the
 * server for long (an 8 MB message costs it about 30 ms of parsing at once).
 */
export function openApiNotifications(
  context: string,
  kubernetesVersion: string | undefined,
  documents: ReadonlyArray<{ path: string; text: string }>,
  partBytes = 512 * 1024,
): ClusterOpenApiParams[] {
  const groups: Array<Array<{ path: string; text: string }>> = [];
  let size = Infinity;
  for (const d of documents) {
    if (size + d.text.length > partBytes) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1]!.push(d);
    size += d.text.length;
  }
  return groups.map((docs, index) => ({
    context,
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
    documents: docs,
    part: { index, count: groups.length },
  }));
}
