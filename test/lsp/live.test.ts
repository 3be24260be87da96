// The live side's requests to the language server (issue 12), through a real LSP client over stdio:
// the objects of a file with the namespaces Flux applies them in, where a live object is defined, and
// builds that take substituteFrom values from a cluster. Here the test is the client, so it answers
// the server's `flux/clusterObject` requests itself (the cluster tests answer them from a real API
// server); nothing in the server is mocked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  BuildRequest,
  ClusterObjectRequest,
  ClusterObjectsNotification,
  FileObjectsRequest,
  LocateObjectRequest,
  WorkspaceGraphRequest,
  secretPlaceholder,
  type BuildParams,
  type BuildResult,
  type ClusterObjectParams,
  type ClusterObjectResult,
  type FileObjectsResult,
  type LocateObjectParams,
  type LocateObjectResult,
  type WorkspaceGraphResult,
} from '../../server/src/protocol';
import { hoverText, LspClient } from './client';

let ws: string;
let client: LspClient;
const uri = (rel: string) => pathToFileURL(path.join(ws, rel)).toString();
const asked: ClusterObjectParams[] = [];
/** What the "cluster" holds, answered by this test acting as the client. */
const cluster = new Map<string, ClusterObjectResult>();

const files: Record<string, string> = {
  'clusters/dev/flux-system/kustomization.yaml': 'resources:\n  - sync.yaml\n',
  'clusters/dev/flux-system/sync.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://example.invalid/repo.git
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`,
  'clusters/dev/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  targetNamespace: demo
  dependsOn:
    - name: flux-system
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: vars
      - kind: Secret
        name: creds
      - kind: ConfigMap
        name: only-in-repo
        optional: true
`,
  'apps/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  region: \${REGION}
  password: \${DB_PASSWORD}
  url: postgres://app:\${DB_PASSWORD}@db:5432/app
---
apiVersion: v1
kind: Namespace
metadata:
  name: demo
`,
  'apps/kustomization.yaml':
    'resources:\n  - config.yaml\nconfigMapGenerator:\n  - name: generated\n    literals:\n      - a=b\n',
  'clusters/dev/vars.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: vars
  namespace: flux-system
data:
  REGION: from-the-repository
`,
};

describe('live bridge requests over LSP (real server over stdio)', () => {
  before(async () => {
    ws = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-live-'));
    mkdirSync(path.join(ws, '.git'));
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
      writeFileSync(path.join(ws, rel), text);
    }
    client = new LspClient();
    client.conn.onRequest(ClusterObjectRequest, (p: ClusterObjectParams) => {
      asked.push(p);
      return cluster.get(`${p.kind} ${p.namespace}/${p.name}`) ?? { status: 'not-found' };
    });
    await client.initialize(ws);
    // The first scan runs after `initialized`: wait until the model renders apps/.
    for (let i = 0; i < 200; i++) {
      const r = await fileObjects('apps/config.yaml');
      if (r.objects[0]?.renderedBy.length) break;
      await new Promise((res) => setTimeout(res, 50));
    }
  });
  after(async () => {
    const exited = new Promise((resolve) => client.proc.once('exit', resolve));
    await client.stop();
    await exited;
    rmSync(ws, { recursive: true, force: true });
  });

  const fileObjects = (rel: string) =>
    client.conn.sendRequest<FileObjectsResult>(FileObjectsRequest, { uri: uri(rel) });
  const locate = (p: LocateObjectParams) =>
    client.conn.sendRequest<LocateObjectResult>(LocateObjectRequest, p);

  it('flux/fileObjects: each document with the namespace Flux applies it in and the Kustomization that renders it', async () => {
    const r = await fileObjects('apps/config.yaml');
    assert.equal(r.problem, undefined);
    assert.equal(r.objects.length, 2);
    const [cm, ns] = r.objects;
    assert.equal(cm!.kind, 'ConfigMap');
    assert.equal(cm!.name, 'app-config');
    assert.equal(cm!.namespace, undefined, 'nothing written');
    assert.deepEqual(cm!.appliedNamespaces, ['demo'], 'the targetNamespace of apps');
    assert.deepEqual(
      cm!.renderedBy.map((k) => [k.name, k.namespaces]),
      [['apps', ['flux-system']]],
    );
    assert.equal(cm!.renderedBy[0]!.uri, uri('clusters/dev/apps.yaml'));
    assert.equal(cm!.renderedBy[0]!.line, 3, 'the line of metadata.name');
    assert.equal(cm!.range.start.line, 0);
    assert.deepEqual(cm!.nameRange?.start, { line: 3, character: 8 });
    assert.equal(ns!.range.start.line, 9);
    assert.equal(ns!.group, '');

    const apps = await fileObjects('clusters/dev/apps.yaml');
    assert.deepEqual(apps.objects[0]!.appliedNamespaces, ['flux-system']);
    assert.deepEqual(
      apps.objects[0]!.renderedBy.map((k) => k.name),
      ['flux-system'],
    );
  });

  it('flux/fileObjects: a document defined twice says so; a patch file has no objects of its own', async () => {
    const dup = uri('apps/config.yaml');
    client.open(
      path.join(ws, 'apps/config.yaml'),
      files['apps/config.yaml'] + '---\n' + files['apps/config.yaml'],
    );
    let r: FileObjectsResult | undefined;
    for (let i = 0; i < 100; i++) {
      r = await fileObjects('apps/config.yaml');
      if (r.objects.length === 4) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(r!.objects.length, 4);
    assert.equal(r!.objects[2]!.duplicateOf, 0);
    assert.equal(r!.objects[3]!.duplicateOf, 1);
    client.change(dup, files['apps/config.yaml']!);
    const notYaml = await client.conn.sendRequest<FileObjectsResult>(FileObjectsRequest, {
      uri: 'untitled:Untitled-1',
    });
    assert.equal(notYaml.objects.length, 0);
    assert.match(notYaml.problem!, /not a file/);
  });

  it('flux/locateObject: a Flux object, an inventory entry through its Kustomization, a generated ConfigMap, and one that is not here', async () => {
    const ks = await locate({
      kind: 'Kustomization',
      group: 'kustomize.toolkit.fluxcd.io',
      namespace: 'flux-system',
      name: 'apps',
    });
    assert.equal(ks.locations.length, 1);
    assert.equal(ks.locations[0]!.uri, uri('clusters/dev/apps.yaml'));
    assert.equal(ks.locations[0]!.range.start.line, 3);

    const entry = await locate({
      kind: 'ConfigMap',
      group: '',
      namespace: 'demo',
      name: 'app-config',
      owner: { namespace: 'flux-system', name: 'apps' },
    });
    assert.equal(entry.locations.length, 1);
    assert.equal(entry.locations[0]!.uri, uri('apps/config.yaml'));
    assert.match(
      entry.locations[0]!.why,
      /rendered by Kustomization flux-system\/apps \(apps\/config.yaml\)/,
    );

    const wrongNs = await locate({ kind: 'ConfigMap', group: '', namespace: 'other', name: 'app-config' });
    assert.deepEqual(wrongNs.locations, []);
    assert.match(wrongNs.message!, /ConfigMap other\/app-config is not defined in this workspace/);

    const generated = await locate({
      kind: 'ConfigMap',
      group: '',
      namespace: 'demo',
      name: 'generated-5g2b7m8k9t',
      owner: { namespace: 'flux-system', name: 'apps' },
    });
    assert.equal(generated.locations.length, 1);
    assert.equal(generated.locations[0]!.uri, uri('apps/kustomization.yaml'));
    assert.match(generated.locations[0]!.why, /generated by a kustomization/);

    const foreign = await locate({
      kind: 'Deployment',
      group: 'apps',
      namespace: 'demo',
      name: 'x',
      owner: { namespace: 'team-b', name: 'elsewhere' },
    });
    assert.deepEqual(foreign.locations, []);
    assert.match(foreign.message!, /nor is Kustomization team-b\/elsewhere, which applied it/);
  });

  it('flux/workspaceGraph: Kustomizations and sources with their dependsOn and source edges, lines of their names', async () => {
    const g = await client.conn.sendRequest<WorkspaceGraphResult>(WorkspaceGraphRequest, {});
    const ids = g.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`).sort();
    assert.deepEqual(ids, [
      'GitRepository/flux-system/flux-system',
      'Kustomization/flux-system/apps',
      'Kustomization/flux-system/flux-system',
    ]);
    const apps = g.objects.find((o) => o.name === 'apps')!;
    assert.equal(apps.uri, uri('clusters/dev/apps.yaml'));
    assert.equal(apps.line, 3, 'the line of metadata.name');
    assert.deepEqual(apps.dependsOn, [
      { kind: 'Kustomization', namespace: 'flux-system', name: 'flux-system' },
    ]);
    assert.deepEqual(apps.sources, [
      { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' },
    ]);
  });

  it('flux/build with cluster values: the cluster wins, Secret values are placeholders, the header data names the cluster', async () => {
    cluster.set('ConfigMap flux-system/vars', {
      status: 'found',
      data: { REGION: 'from-the-cluster' },
      secretKeys: [],
    });
    cluster.set('Secret flux-system/creds', {
      status: 'found',
      data: { DB_PASSWORD: secretPlaceholder('DB_PASSWORD') },
      secretKeys: ['DB_PASSWORD'],
    });
    asked.length = 0;
    const r = await client.conn.sendRequest<BuildResult>(BuildRequest, {
      uri: uri('clusters/dev/apps.yaml'),
      trusted: true,
      cluster: { context: 'dev-admin' },
    } satisfies BuildParams);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      asked.map((a) => `${a.context} ${a.kind} ${a.namespace}/${a.name} ${a.reveal}`),
      [
        'dev-admin ConfigMap flux-system/vars false',
        'dev-admin Secret flux-system/creds false',
        'dev-admin ConfigMap flux-system/only-in-repo false',
      ],
    );
    assert.match(r.yaml, /region: from-the-cluster/);
    assert.match(r.yaml, /password: <secret:DB_PASSWORD>/);
    assert.match(r.yaml, /url: postgres:\/\/app:<secret:DB_PASSWORD>@db:5432\/app/);
    assert.deepEqual(r.cluster?.secretKeys, ['DB_PASSWORD']);
    assert.equal(r.cluster?.context, 'dev-admin');
    const pw = r.variables.find((v) => v.name === 'DB_PASSWORD')!;
    assert.equal(pw.value, '<secret:DB_PASSWORD>');
    assert.equal(pw.source, 'Secret flux-system/creds (cluster dev-admin)');
    assert.equal(
      r.variables.find((v) => v.name === 'REGION')!.source,
      'ConfigMap flux-system/vars (cluster dev-admin)',
    );
    assert.ok(
      r.warnings.some((w) => /ConfigMap flux-system\/only-in-repo is not in cluster dev-admin/.test(w)),
      r.warnings.join('\n'),
    );
  });

  it('flux/build with cluster values: a cluster that cannot answer falls back to the workspace, and says why', async () => {
    cluster.set('ConfigMap flux-system/vars', {
      status: 'error',
      message: 'forbidden: get configmaps in namespace flux-system',
    });
    const r = await client.conn.sendRequest<BuildResult>(BuildRequest, {
      uri: uri('clusters/dev/apps.yaml'),
      trusted: true,
      cluster: { context: 'dev-admin' },
    } satisfies BuildParams);
    assert.match(r.yaml, /region: from-the-repository/);
    assert.ok(
      r.warnings.some((w) =>
        /ConfigMap flux-system\/vars: cannot read it from cluster dev-admin \(forbidden: get configmaps in namespace flux-system\)/.test(
          w,
        ),
      ),
      r.warnings.join('\n'),
    );
    assert.deepEqual(r.cluster?.notes.length, 2);
  });

  it('flux/clusterObjects: a sourceRef and a dependsOn only the cluster has are not missing, until the context is forgotten', async () => {
    const u = client.open(
      path.join(ws, 'clusters/dev/tenant.yaml'),
      `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: tenant
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  dependsOn:
    - name: cluster-only-infra
  sourceRef:
    kind: GitRepository
    name: cluster-only-repo
`,
    );
    const missing = (d: { code?: number | string }[]) =>
      d
        .map((x) => String(x.code))
        .filter((c) => c === 'reference-not-found' || c === 'depends-on-not-found')
        .sort();
    // Nothing in the workspace defines them: both are reported.
    await client.publishedFor(u, (d) => missing(d).length === 2, 30_000, 'both references missing');
    const objects = [
      { kind: 'GitRepository', namespace: 'flux-system', name: 'cluster-only-repo' },
      { kind: 'Kustomization', namespace: 'flux-system', name: 'cluster-only-infra' },
    ];
    void client.conn.sendNotification(ClusterObjectsNotification, { context: 'prod', objects });
    // The cluster has both: neither is missing any more.
    await client.publishedFor(u, (d) => missing(d).length === 0, 30_000, 'references found in the cluster');
    // A GitRepository of that name in another namespace does not count.
    void client.conn.sendNotification(ClusterObjectsNotification, {
      context: 'prod',
      objects: [{ ...objects[0], namespace: 'elsewhere' }, objects[1]],
    });
    const one = await client.publishedFor(
      u,
      (d) => missing(d).length === 1,
      30_000,
      'the sourceRef missing again',
    );
    assert.deepEqual(missing(one), ['reference-not-found']);
    // An empty list forgets the context: both are missing again.
    void client.conn.sendNotification(ClusterObjectsNotification, { context: 'prod', objects: [] });
    await client.publishedFor(
      u,
      (d) => missing(d).length === 2,
      30_000,
      'both missing after the context went',
    );
  });
  it('flux/clusterObjects: a setter marker shows its ImagePolicy and, with a cluster, the latest image in the form of the marker', async () => {
    const text = `apiVersion: image.toolkit.fluxcd.io/v1
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
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: demo
spec:
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: whole
          image: ghcr.io/stefanprodan/podinfo:6.7.0 # {"$imagepolicy": "flux-system:podinfo"}
        - name: parts
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          env:
            - name: TAG
              value: "6.7.0" # {"$imagepolicy": "flux-system:podinfo:tag"}
            - name: NAME
              value: ghcr.io/stefanprodan/podinfo # {"$imagepolicy": "flux-system:podinfo:name"}
            - name: DIGEST
              value: "" # {"$imagepolicy": "flux-system:podinfo:digest"}
`;
    const u = client.open(path.join(ws, 'apps/podinfo.yaml'), text);
    const lines = text.split('\n');
    const hoverMarker = async (form: string) => {
      const line = lines.findIndex((l) => l.includes(`"flux-system:podinfo${form}"`));
      const character = lines[line]!.indexOf('flux-system:podinfo') + 3;
      return hoverText(await client.hover(u, line, character));
    };
    // A notification has no answer: the hover is asked again until it reflects it (bounded).
    const hoverUntil = async (form: string, ok: (h: string) => boolean, what: string) => {
      for (let i = 0; i < 200; i++) {
        const h = await hoverMarker(form);
        if (ok(h)) return h;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`the marker's hover never showed ${what}: ${await hoverMarker(form)}`);
    };
    // Without a cluster: the policy and where it is defined, no image.
    let h = await hoverUntil('', (x) => x.includes('apps/podinfo.yaml'), 'the ImagePolicy');
    assert.match(
      h,
      /Image automation setter: ImagePolicy \*\*flux-system\/podinfo\*\* \(the whole image reference\): `apps\/podinfo\.yaml:4` — policy semver 6\.x/,
    );
    assert.doesNotMatch(h, /Latest/);
    const image = {
      name: 'ghcr.io/stefanprodan/podinfo',
      tag: '6.7.1',
      digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    };
    const policy = { kind: 'ImagePolicy', namespace: 'flux-system', name: 'podinfo' };
    void client.conn.sendNotification(ClusterObjectsNotification, {
      context: 'prod',
      objects: [{ ...policy, latestImage: image }],
    });
    h = await hoverUntil('', (x) => /Latest/.test(x), 'the latest image');
    assert.match(h, /`apps\/podinfo\.yaml:4` — policy semver 6\.x.*; in cluster prod/);
    assert.ok(h.includes(`Latest image in cluster prod: \`${image.name}:6.7.1@${image.digest}\``), h);
    assert.ok((await hoverMarker(':tag')).includes('Latest tag in cluster prod: `6.7.1`'));
    assert.ok((await hoverMarker(':name')).includes(`Latest image name in cluster prod: \`${image.name}\``));
    assert.ok((await hoverMarker(':digest')).includes(`Latest digest in cluster prod: \`${image.digest}\``));
    // An image without a digest (digestReflectionPolicy Never, the default) says so on `:digest`.
    void client.conn.sendNotification(ClusterObjectsNotification, {
      context: 'prod',
      objects: [{ ...policy, latestImage: { name: image.name, tag: '6.7.2' } }],
    });
    h = await hoverUntil(':digest', (x) => x.includes('6.7.2'), 'the new image');
    assert.match(h, /Latest digest in cluster prod: none in the ImagePolicy's status/);
    // A policy that has chosen nothing yet.
    void client.conn.sendNotification(ClusterObjectsNotification, { context: 'prod', objects: [policy] });
    h = await hoverUntil(':tag', (x) => /none yet/.test(x), 'no image yet');
    assert.match(h, /Latest image in cluster prod: none yet/);
    // Forgotten: no cluster, no image.
    void client.conn.sendNotification(ClusterObjectsNotification, { context: 'prod', objects: [] });
    h = await hoverUntil(':tag', (x) => !/cluster prod/.test(x), 'the cluster forgotten');
    assert.doesNotMatch(h, /Latest/);
  });
});
