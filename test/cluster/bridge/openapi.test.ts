// The cluster's own built-in schemas and image policies in the language server (issue 11, points 5
// and 2), against a real kube-apiserver (test/cluster, no Flux controllers needed) and the real
// language server over stdio: the client's reads of /version, the /openapi/v3 index and its
// hash-pinned documents, sent as the extension sends them (flux/clusterOpenApi), become the schema
// source of built-in kinds; an ImagePolicy's status, as the explorer's cache holds it, reaches the
// hover on a setter marker (flux/clusterObjects). Prints the conversion time and the server's memory.
// Runs on Node >= 22.19 (test/cluster/run-tests.sh).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FluxExplorer, findKind, type ContextSession } from '../../../client/src/cluster';
import {
  crdGroupsOf,
  openApiNotifications,
  readCrds,
  readOpenApiDocuments,
  readOpenApiIndex,
} from '../../../client/src/live/clusterReads';
import { objectsForServer } from '../../../client/src/live/serverObjects';
import {
  ClusterObjectsNotification,
  ClusterOpenApiNotification,
  SchemaStatusNotification,
  type ClusterOpenApiParams,
  type SchemaStatusParams,
} from '../../../server/src/protocol';
import { hoverText, LspClient } from '../../lsp/client';
import { kubectl, startCluster, stopCluster, until, type Cluster } from '../engine/harness';

const ADMIN = 'flux-workbench-admin@flux-workbench-test';
const IMAGE_POLICY = findKind('ImagePolicy')!;

let cluster: Cluster;
let explorer: FluxExplorer;
let admin: ContextSession;
let ws: string;
let lsp: LspClient;

/** FLUX_WORKBENCH_OPENAPI_CLUSTER=<state folder of a running cluster> reuses it (manual runs). */
const reuse = process.env.FLUX_WORKBENCH_OPENAPI_CLUSTER;

function existingCluster(state: string): Cluster {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(state, 'cluster.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return { state, env, kubeconfig: env['KUBECONFIG']!, kubeconfigTeamA: env['KUBECONFIG_TEAM_A']! };
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/stefanprodan/podinfo:6.7.0 # {"$imagepolicy": "flux-system:podinfo"}
          ports:
            - containerPort: 9898
`;

const status = (): SchemaStatusParams | undefined =>
  lsp.notifications
    .filter((n) => n.method === SchemaStatusNotification)
    .map((n) => n.params as SchemaStatusParams)
    .at(-1);

function serverRssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${lsp.proc.pid}/status`, 'utf8'));
  return Math.round(Number(m![1]) / 1024);
}

before(async () => {
  cluster = reuse ? existingCluster(reuse) : await startCluster('fw-openapi', '');
  explorer = new FluxExplorer({ kubeconfigFiles: [cluster.kubeconfig] });
  await explorer.loadKubeconfig();
  await explorer.show([ADMIN]);
  admin = explorer.session(ADMIN)!;
  await until('the cache to list every kind', () => (admin.settled ? true : undefined));
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-openapi-ws-'));
  fs.writeFileSync(path.join(ws, 'deploy.yaml'), DEPLOYMENT);
  lsp = new LspClient();
  await lsp.initialize(ws);
  await until('the bundled status', () =>
    status()?.kubernetes === 'bundled, Kubernetes v1.36.3' ? true : undefined,
  );
});

after(async () => {
  if (lsp) await lsp.stop();
  await explorer?.dispose();
  if (!reuse) await stopCluster(cluster);
  if (ws) fs.rmSync(ws, { recursive: true, force: true });
});

describe("the cluster's /openapi/v3 as the built-in kinds' schema source", () => {
  let documents: ClusterOpenApiParams['documents'] = [];
  let kubernetesVersion: string | undefined;

  it('reads the version, the index and the hash-pinned documents of the built-in group versions only', async () => {
    const crds = await readCrds(admin.transport!);
    assert.ok('crds' in crds);
    const groups = crdGroupsOf(crds.crds);
    assert.ok(groups.has('source.toolkit.fluxcd.io'));
    const index = await readOpenApiIndex(admin.transport!, groups);
    assert.ok(!('error' in index), JSON.stringify(index));
    // The harness's kube-apiserver is built without release stamping (gitVersion v0.0.0-master):
    // it is named by the major and minor it reports.
    assert.equal(index.kubernetesVersion, 'v1.36');
    kubernetesVersion = index.kubernetesVersion;
    const paths = index.entries.map((e) => e.path);
    for (const p of [
      'api/v1',
      'apis/apps/v1',
      'apis/batch/v1',
      'apis/networking.k8s.io/v1',
      'apis/policy/v1',
    ])
      assert.ok(paths.includes(p), `${p} in ${paths}`);
    assert.ok(!paths.some((p) => p.includes('fluxcd.io')), `no CRD groups: ${paths}`);
    assert.ok(!paths.includes('apis/apps') && !paths.includes('version'));
    assert.ok(
      index.entries.every((e) => /^\/openapi\/v3\/.+\?hash=[0-9A-F]+$/.test(e.url)),
      'hash-pinned URLs',
    );
    const read = await readOpenApiDocuments(admin.transport!, index.entries);
    assert.ok('documents' in read, JSON.stringify(read));
    documents = read.documents;
    assert.equal(documents.length, index.entries.length);
    const core = documents.find((d) => d.path === 'api/v1')!;
    assert.ok(core.text.includes('"io.k8s.api.core.v1.ConfigMap"'));
    const bytes = documents.reduce((n, d) => n + d.text.length, 0);
    console.log(`read ${documents.length} OpenAPI documents, ${Math.round(bytes / 1024)} KiB`);
  });

  it('the server converts them and validates a Deployment with them: an unknown field flagged, valid ones not', async () => {
    assert.ok(documents.length > 0, 'documents were read');
    const rssBefore = serverRssMiB();
    // In parts, as the extension sends them.
    const parts = openApiNotifications(ADMIN, kubernetesVersion, documents);
    assert.ok(parts.length > 1);
    for (const part of parts) void lsp.conn.sendNotification(ClusterOpenApiNotification, part);
    await until(
      'the cluster status',
      () => (status()?.kubernetes === `Kubernetes v1.36 from cluster ${ADMIN}` ? true : undefined),
      60_000,
    );
    const measured = lsp.notifications
      .map((n) => (n.params as { message?: string }).message ?? '')
      .find((m) => m.includes('converted off the request thread'));
    assert.ok(measured);
    console.log(`server log: ${measured}`);
    const uri = lsp.open(path.join(ws, 'deploy.yaml'), DEPLOYMENT);
    // Schema findings only: the setter marker's ImagePolicy is the next test's.
    const schema = (d: Array<{ code?: unknown }>) => d.filter((x) => x.code !== 'image-policy-not-found');
    assert.deepEqual(schema(await lsp.diagnosticsFor(uri, 30_000)), []);
    const bad = DEPLOYMENT.replace('          ports:\n', '          portz: []\n          ports:\n');
    lsp.change(uri, bad);
    const diags = schema(await lsp.diagnosticsFor(uri, 30_000)) as Awaited<
      ReturnType<typeof lsp.diagnosticsFor>
    >;
    assert.deepEqual(
      diags.map((d) => `${d.range.start.line}: ${String(d.message)}`),
      ['18: Property portz is not allowed.'],
    );
    const h = hoverText(await lsp.hover(uri, 6, 4)); // replicas
    assert.match(
      h,
      new RegExp(
        `Schema source: Kubernetes built-in kinds \\(Kubernetes v1\\.36 OpenAPI from cluster ${ADMIN.replaceAll('.', '\\.')}\\) — Deployment \\(apps/v1\\)`,
      ),
    );
    lsp.change(uri, DEPLOYMENT);
    console.log(
      `language server RSS: ${rssBefore} MiB before the cluster's schemas, ${serverRssMiB()} MiB after`,
    );
  });

  it('forgetting the context returns to the bundled schemas', async () => {
    void lsp.conn.sendNotification(ClusterOpenApiNotification, { context: ADMIN, documents: [] });
    await until('the bundled status', () =>
      status()?.kubernetes === 'bundled, Kubernetes v1.36.3' ? true : undefined,
    );
    const uri = lsp.open(path.join(ws, 'deploy.yaml'), DEPLOYMENT);
    assert.match(hoverText(await lsp.hover(uri, 6, 4)), /\(bundled, Kubernetes v1\.36\.3 OpenAPI\)/);
  });
});

describe("an ImagePolicy's latest image on a setter marker", () => {
  it('from the status the explorer caches to the hover, in the form of the marker', async () => {
    await kubectl(cluster, ['create', 'namespace', 'flux-system'], {}).catch(() => undefined);
    await kubectl(cluster, ['apply', '-f', '-'], {
      input: `apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: podinfo
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: podinfo
  policy:
    semver:
      range: 6.x
`,
    });
    // No image-reflector-controller runs in the harness: the status is written as it would write it.
    await kubectl(cluster, [
      'patch',
      'imagepolicy',
      'podinfo',
      '-n',
      'flux-system',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { latestRef: { name: 'ghcr.io/stefanprodan/podinfo', tag: '6.7.1' } } }),
    ]);
    const objects = await until('the cached ImagePolicy with its latest image', () => {
      const o = objectsForServer(admin.list({ kind: IMAGE_POLICY }));
      return o.some((x) => x.latestImage?.tag === '6.7.1') ? o : undefined;
    });
    assert.deepEqual(
      objects.find((x) => x.name === 'podinfo'),
      {
        kind: 'ImagePolicy',
        namespace: 'flux-system',
        name: 'podinfo',
        latestImage: { name: 'ghcr.io/stefanprodan/podinfo', tag: '6.7.1' },
      },
    );
    void lsp.conn.sendNotification(ClusterObjectsNotification, { context: ADMIN, objects });
    const uri = lsp.open(path.join(ws, 'deploy.yaml'), DEPLOYMENT);
    const line = DEPLOYMENT.split('\n').findIndex((l) => l.includes('$imagepolicy'));
    const character = DEPLOYMENT.split('\n')[line]!.indexOf('flux-system:podinfo') + 2;
    const h = await until('the marker hover with the latest image', async () => {
      const t = hoverText(await lsp.hover(uri, line, character));
      return /Latest image/.test(t) ? t : undefined;
    });
    assert.match(
      h,
      new RegExp(
        `ImagePolicy \\*\\*flux-system/podinfo\\*\\* \\(the whole image reference\\): in cluster ${ADMIN.replaceAll('.', '\\.')}`,
      ),
    );
    assert.ok(h.includes(`Latest image in cluster ${ADMIN}: \`ghcr.io/stefanprodan/podinfo:6.7.1\``), h);
  });
});
