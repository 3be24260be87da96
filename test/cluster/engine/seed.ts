// Seeding many Flux objects straight through the API (parallel requests; kubectl would take
// minutes), with status written through the status subresource so no controller is needed. Used
// by the scale test and the benchmarks; the tree-view benchmarks can seed the same way.
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { Cluster } from './harness';

export interface Seeded {
  group: string;
  version: string;
  plural: string;
  obj: { metadata: { name: string; namespace: string } } & Record<string, unknown>;
}

/** Sends `fn(i)` for i in [0, n) with `concurrency` requests in flight. */
export async function inParallel(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** A small HTTPS client with the admin token, for seeding. */
export function adminClient(c: Cluster) {
  const url = new URL(c.env['KAS_URL']!);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: fs.readFileSync(c.env['CA_FILE']!) });
  const send = (method: string, path: string, body: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: { Authorization: `Bearer ${c.env['ADMIN_TOKEN']}`, 'Content-Type': contentType },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  return { send, close: () => agent.destroy() };
}

/** Writes a Kustomization's Ready condition through the status subresource (no controller needed). */
export async function writeReady(
  client: ReturnType<typeof adminClient>,
  ns: string,
  name: string,
  ready: 'True' | 'False',
  message: string,
): Promise<void> {
  const condition = {
    type: 'Ready',
    status: ready,
    reason: ready === 'True' ? 'ReconciliationSucceeded' : 'BuildFailed',
    message,
    observedGeneration: 1,
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  const r = await client.send(
    'PATCH',
    `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations/${name}/status`,
    { status: { conditions: [condition] } },
    'application/merge-patch+json',
  );
  if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
}

const base = (s: Seeded) =>
  `/apis/${s.group}/${s.version}/namespaces/${s.obj.metadata.namespace}/${s.plural}`;

/** Creates the objects (409 = already there is fine), then writes their status when they have one. */
export async function seed(c: Cluster, objs: Seeded[], concurrency = 32): Promise<void> {
  const client = adminClient(c);
  try {
    await inParallel(objs.length, concurrency, async (i) => {
      const s = objs[i]!;
      const { status: st, ...rest } = s.obj as { status?: unknown };
      const r = await client.send('POST', base(s), rest);
      if (r.status !== 201 && r.status !== 409)
        throw new Error(`create ${s.plural} ${s.obj.metadata.name}: HTTP ${r.status} ${r.body}`);
      if (st) {
        const p = await client.send(
          'PATCH',
          `${base(s)}/${s.obj.metadata.name}/status`,
          { status: st },
          'application/merge-patch+json',
        );
        if (p.status !== 200) throw new Error(`status of ${s.obj.metadata.name}: HTTP ${p.status} ${p.body}`);
      }
    });
  } finally {
    client.close();
  }
}

const ready = (revision: string) => ({
  observedGeneration: 1,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message: `Applied revision: ${revision}`,
      observedGeneration: 1,
      lastTransitionTime: '2026-12-01T00:00:00Z',
    },
  ],
});

/** Kustomizations, HelmReleases and GitRepositories spread over `namespaces`, each with a Ready status. */
export function benchObjects(o: {
  kustomizations: number;
  helmReleases: number;
  gitRepositories: number;
  namespaces: string[];
  prefix?: string;
}): Seeded[] {
  const out: Seeded[] = [];
  const p = o.prefix ?? 'bench';
  const ns = (i: number) => o.namespaces[i % o.namespaces.length]!;
  const rev = 'main@sha1:0123456789abcdef0123456789abcdef01234567';
  for (let i = 0; i < o.gitRepositories; i++)
    out.push({
      group: 'source.toolkit.fluxcd.io',
      version: 'v1',
      plural: 'gitrepositories',
      obj: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: `${p}-git-${i}`, namespace: ns(i) },
        spec: { interval: '10m', url: 'https://example.invalid/repo.git', ref: { branch: 'main' } },
        status: {
          ...ready(rev),
          artifact: {
            revision: rev,
            path: 'x',
            url: 'http://x',
            digest: 'sha256:0',
            lastUpdateTime: '2026-12-01T00:00:00Z',
          },
        },
      },
    });
  for (let i = 0; i < o.kustomizations; i++)
    out.push({
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
      plural: 'kustomizations',
      obj: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: `${p}-ks-${i}`, namespace: ns(i) },
        spec: {
          interval: '10m',
          path: `./apps/${i}`,
          prune: true,
          sourceRef: { kind: 'GitRepository', name: `${p}-git-${i % Math.max(1, o.gitRepositories)}` },
        },
        status: { ...ready(rev), lastAppliedRevision: rev, lastAttemptedRevision: rev },
      },
    });
  for (let i = 0; i < o.helmReleases; i++)
    out.push({
      group: 'helm.toolkit.fluxcd.io',
      version: 'v2',
      plural: 'helmreleases',
      obj: {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name: `${p}-hr-${i}`, namespace: ns(i) },
        spec: {
          interval: '10m',
          chart: {
            spec: { chart: 'podinfo', version: '6.x', sourceRef: { kind: 'HelmRepository', name: 'charts' } },
          },
        },
        status: {
          ...ready('6.5.0'),
          history: [
            {
              chartName: 'podinfo',
              chartVersion: '6.5.0',
              version: 1,
              status: 'deployed',
              name: `${p}-hr-${i}`,
              namespace: ns(i),
              digest: 'sha256:0',
              firstDeployed: '2026-12-01T00:00:00Z',
              lastDeployed: '2026-12-01T00:00:00Z',
              configDigest: 'sha256:0',
            },
          ],
        },
      },
    });
  return out;
}

/** Creates namespaces (kubectl-free). */
export async function createNamespaces(c: Cluster, names: string[]): Promise<void> {
  const client = adminClient(c);
  try {
    for (const n of names) {
      const r = await client.send('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: n },
      });
      if (r.status !== 201 && r.status !== 409) throw new Error(`namespace ${n}: HTTP ${r.status}`);
    }
  } finally {
    client.close();
  }
}
