// The built-in kinds' schemas of a shown cluster (`flux/clusterOpenApi`), through a real LSP client
// over stdio: the test is the client and sends the notification as the VS Code extension does, with
// real Kubernetes v1.36.3 OpenAPI documents (../shared/kubernetes-openapi) standing for what a cluster
// serves; nothing in the server is mocked. The cluster test (test/cluster/bridge) reads them from a
// real kube-apiserver.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ClusterOpenApiNotification,
  SchemaStatusNotification,
  type ClusterOpenApiParams,
  type SchemaStatusParams,
} from '../../server/src/protocol';
import { hoverText, LspClient, repoRoot } from './client';

const OPENAPI_DIR = path.resolve(repoRoot, '../shared/kubernetes-openapi/v1.36.3');

/** The documents of some group versions, keyed as a cluster's /openapi/v3 index names them. */
function documents(...paths: string[]): ClusterOpenApiParams['documents'] {
  return paths.map((p) => ({
    path: p,
    text: readFileSync(path.join(OPENAPI_DIR, `${p.replaceAll('/', '__')}_openapi.json`), 'utf8'),
  }));
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
          image: nginx:1.27
          imagePullPolicee: IfNotPresent
`;

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  scheduel: typo
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: job
              image: busybox
`;

describe('language server over stdio: built-in kinds from a shown cluster (flux/clusterOpenApi)', () => {
  let client: LspClient;
  let dir: string;
  let deploy: string;
  let cron: string;
  const status = (): SchemaStatusParams | undefined =>
    client.notifications
      .filter((n) => n.method === SchemaStatusNotification)
      .map((n) => n.params as SchemaStatusParams)
      .at(-1);
  const statusWhere = (what: string, ok: (s: SchemaStatusParams) => boolean) =>
    client.waitFor(
      () => {
        const s = status();
        return s && ok(s) ? s : undefined;
      },
      30_000,
      what,
    );
  const messages = async (uri: string, expectLength: number) =>
    (
      await client.publishedFor(uri, (d) => d.length === expectLength, 30_000, `${expectLength} diagnostics`)
    ).map((d) => (typeof d.message === 'string' ? d.message : d.message.value));

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-cluster-builtins-'));
    writeFileSync(path.join(dir, 'deploy.yaml'), DEPLOYMENT);
    writeFileSync(path.join(dir, 'cron.yaml'), CRONJOB);
    client = new LspClient();
    await client.initialize(dir);
    deploy = client.open(path.join(dir, 'deploy.yaml'), DEPLOYMENT);
    cron = client.open(path.join(dir, 'cron.yaml'), CRONJOB);
    await statusWhere('the bundled status', (s) => s.kubernetes === 'bundled, Kubernetes v1.36.3');
  });
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('switches to the cluster on the notification and back to the bundle when the context is forgotten', async () => {
    // Bundled: both documents are checked.
    assert.deepEqual(await messages(deploy, 1), ['Property imagePullPolicee is not allowed.']);
    assert.deepEqual(await messages(cron, 1), ['Property scheduel is not allowed.']);
    assert.match(
      hoverText(await client.hover(deploy, 5, 4)),
      /Schema source: Kubernetes built-in kinds \(bundled, Kubernetes v1\.36\.3 OpenAPI\) — Deployment/,
    );

    // A cluster that serves the core group and apps/v1, and no batch group.
    void client.conn.sendNotification(ClusterOpenApiNotification, {
      context: 'kind-dev',
      kubernetesVersion: 'v1.35.0',
      documents: documents('api/v1', 'apis/apps/v1'),
    } satisfies ClusterOpenApiParams);
    const s = await statusWhere('the cluster status', (x) =>
      /from cluster kind-dev/.test(x.kubernetes ?? ''),
    );
    assert.equal(s.kubernetes, 'Kubernetes v1.35.0 from cluster kind-dev');
    // The server's own measure of the conversion (parse and convert run on its worker thread).
    const measured = client.notifications
      .map((n) => (n.params as { message?: string }).message ?? '')
      .find((m) => /cluster kind-dev: .* converted off the request thread/.test(m));
    assert.ok(measured, 'the server logs the conversion with its time');
    console.log(`server log: ${measured}`);
    assert.equal(s.kubernetesNote, undefined);
    const h = hoverText(await client.hover(deploy, 5, 4)); // "replicas"
    assert.match(h, /desired pods/i);
    assert.match(
      h,
      /Schema source: Kubernetes built-in kinds \(Kubernetes v1\.35\.0 OpenAPI from cluster kind-dev\) — Deployment \(apps\/v1\)/,
    );
    // The Deployment is still checked strictly, against the cluster's schema; this cluster serves
    // no CronJob, so that document is not a kind of it and gets nothing.
    client.change(deploy, DEPLOYMENT.replace('replicas: 2', 'replicas: two'));
    assert.deepEqual((await messages(deploy, 2)).sort(), [
      'Incorrect type. Expected "integer".',
      'Property imagePullPolicee is not allowed.',
    ]);
    assert.deepEqual(await messages(cron, 0), []);

    // Forgotten (no longer shown): the bundle answers again.
    void client.conn.sendNotification(ClusterOpenApiNotification, { context: 'kind-dev', documents: [] });
    await statusWhere('the bundled status again', (x) => x.kubernetes === 'bundled, Kubernetes v1.36.3');
    assert.deepEqual(await messages(cron, 1), ['Property scheduel is not allowed.']);
    assert.match(hoverText(await client.hover(deploy, 5, 4)), /\(bundled, Kubernetes v1\.36\.3 OpenAPI\)/);
    client.change(deploy, DEPLOYMENT);
  });

  it('a cluster whose documents cannot be read: the bundle answers and the status and hovers say why', async () => {
    void client.conn.sendNotification(ClusterOpenApiNotification, {
      context: 'prod',
      documents: [],
      problem: 'forbidden: get /openapi/v3 (RBAC)',
    } satisfies ClusterOpenApiParams);
    const s = await statusWhere('the note', (x) => x.kubernetesNote !== undefined);
    assert.equal(s.kubernetes, 'bundled, Kubernetes v1.36.3');
    assert.equal(s.kubernetesNote, 'cluster prod: forbidden: get /openapi/v3 (RBAC)');
    assert.match(
      hoverText(await client.hover(deploy, 5, 4)),
      /\(bundled, Kubernetes v1\.36\.3 OpenAPI\) — Deployment \(apps\/v1\); cluster prod: forbidden: get \/openapi\/v3 \(RBAC\), so the bundled schemas answer/,
    );
    void client.conn.sendNotification(ClusterOpenApiNotification, { context: 'prod', documents: [] });
    await statusWhere('no note', (x) => x.kubernetesNote === undefined);
  });

  it('bad documents from a cluster (malformed, not OpenAPI, too large, absurdly deep) never crash the server', async () => {
    const deep = `{"components":{"schemas":{"io.k8s.api.core.v1.ConfigMap":{"x-kubernetes-group-version-kind":[{"group":"","version":"v1","kind":"ConfigMap"}],"type":"object","properties":{"a":${'{"type":"object","properties":{"a":'.repeat(20_000)}{}${'}}'.repeat(20_000)}}}}},"paths":{"/api/v1/configmaps":{"get":{"x-kubernetes-group-version-kind":{"group":"","version":"v1","kind":"ConfigMap"}}}}}`;
    const cases: Array<[ClusterOpenApiParams['documents'], RegExp]> = [
      [[{ path: 'api/v1', text: '{"components": {"schemas": ' }], /api\/v1: not JSON/],
      [[{ path: 'api/v1', text: '[1, 2, 3]' }], /api\/v1: not an OpenAPI v3 document/],
      [
        [{ path: 'api/v1', text: `"${'x'.repeat(33 * 1024 * 1024)}"` }],
        /api\/v1: 33 MiB \(more than 32 MiB\)/,
      ],
      [[{ path: 'apis/apps/v1', text: '{"components":{"schemas":{}},"paths":{}}' }], /describe no kinds/],
    ];
    for (const [docs, expected] of cases) {
      void client.conn.sendNotification(ClusterOpenApiNotification, { context: 'bad', documents: docs });
      const s = await statusWhere(`the note for ${expected}`, (x) => expected.test(x.kubernetesNote ?? ''));
      assert.equal(s.kubernetes, 'bundled, Kubernetes v1.36.3');
      assert.match(s.kubernetesNote!, /^cluster bad: its OpenAPI documents could not be used: /);
      void client.conn.sendNotification(ClusterOpenApiNotification, { context: 'bad', documents: [] });
      await statusWhere('no note', (x) => x.kubernetesNote === undefined);
    }
    // Twenty thousand levels of nesting: the converter stops at its depth limit, the kind is usable.
    void client.conn.sendNotification(ClusterOpenApiNotification, {
      context: 'deep',
      kubernetesVersion: 'v1.99.0',
      documents: [{ path: 'api/v1', text: deep }],
    });
    await statusWhere('the deep cluster', (x) => x.kubernetes === 'Kubernetes v1.99.0 from cluster deep');
    // The server still answers requests.
    await client.hover(deploy, 5, 4);
    void client.conn.sendNotification(ClusterOpenApiNotification, { context: 'deep', documents: [] });
    await statusWhere('bundled again', (x) => x.kubernetes === 'bundled, Kubernetes v1.36.3');
    assert.equal(client.proc.exitCode, null);
  });
});
