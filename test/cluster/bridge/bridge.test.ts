// The cluster inside the editor (issue 12) against a real kube-apiserver with the real Flux
// controllers (test/cluster) and the real language server over stdio: documents matched to live
// objects by kind, name and the namespace Flux applies them in; the cluster's CRDs as a schema
// source; substituteFrom values read from the cluster (a Secret value never appears in what the
// server returns); and "Diff Build with Cluster" against the real `flux diff kustomization`.
// Runs on Node >= 22.19 (test/cluster/run-tests.sh).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { FluxExplorer, findKind, type ContextSession, type KubeObject } from '../../../client/src/cluster';
import { diffWithCluster } from '../../../client/src/live/clusterDiff';
import { readCrds, readVariableObject } from '../../../client/src/live/clusterReads';
import { diffSides } from '../../../client/src/live/diffText';
import { InventoryIndex } from '../../../client/src/live/inventoryIndex';
import { lensLine } from '../../../client/src/live/lensText';
import { matchObject, type LiveMatch } from '../../../client/src/live/match';
import {
  BuildRequest,
  ClusterCrdsNotification,
  ClusterObjectRequest,
  FileObjectsRequest,
  type BuildParams,
  type BuildResult,
  type ClusterObjectParams,
  type FileObjectsResult,
} from '../../../server/src/protocol';
import { hoverText, LspClient } from '../../lsp/client';
import { kubectl, startCluster, stopCluster, until, type Cluster } from '../engine/harness';

const ADMIN = 'flux-workbench-admin@flux-workbench-test';
const TEAM_A = 'team-a-user@flux-workbench-test';
const KS = findKind('Kustomization')!;
const SECRET_VALUE = 'hunter2-do-not-show-3f9c';

let cluster: Cluster;
let explorer: FluxExplorer;
let admin: ContextSession;
let teamA: ContextSession;
let ws: string;
let lsp: LspClient;
const inventories = new InventoryIndex();
/** Secret values the "client" (this test) sent to the server for a revealing build. */
const revealed = new Map<string, string>();

const uri = (rel: string) => pathToFileURL(path.join(ws, rel)).toString();
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
  fs.writeFileSync(path.join(ws, rel), text);
};

/** FLUX_WORKBENCH_BRIDGE_CLUSTER=<state folder of a running cluster> reuses it (manual runs). */
const reuse = process.env.FLUX_WORKBENCH_BRIDGE_CLUSTER;

function existingCluster(state: string): Cluster {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(state, 'cluster.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return { state, env, kubeconfig: env['KUBECONFIG']!, kubeconfigTeamA: env['KUBECONFIG_TEAM_A']! };
}

before(async () => {
  cluster = reuse ? existingCluster(reuse) : await startCluster('fw-bridge');
  explorer = new FluxExplorer({ kubeconfigFiles: [cluster.kubeconfig, cluster.kubeconfigTeamA] });
  await explorer.loadKubeconfig();
  await explorer.show([ADMIN, TEAM_A]);
  admin = explorer.session(ADMIN)!;
  teamA = explorer.session(TEAM_A)!;
  await until('both caches to list every kind', () => (admin.settled && teamA.settled ? true : undefined));
  await until(
    'the seeded Kustomizations to be Ready',
    () =>
      ['flux-system', 'infrastructure', 'apps'].every(
        (n) => admin.get(KS, 'flux-system', n)?.status.state === 'Ready',
      ) || undefined,
    180_000,
  );
  // The workspace: a clone of the repository the cluster syncs from, as a user has it.
  ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bridge-ws-')), 'repo');
  execFileSync('git', ['clone', '-q', cluster.env['GIT_URL']!, ws], { stdio: 'pipe' });
  lsp = new LspClient();
  lsp.conn.onRequest(ClusterObjectRequest, async (p: ClusterObjectParams) => {
    const r = await readVariableObject(explorer.session(p.context)!.transport!, p);
    if (r.status === 'found' && p.reveal) for (const k of r.secretKeys) revealed.set(k, r.data[k]!);
    return r;
  });
  await lsp.initialize(ws);
  await until('the workspace scan', async () => {
    const r = await fileObjects('apps/production/app-config.yaml');
    return r.objects[0]?.renderedBy.length ? true : undefined;
  });
});

after(async () => {
  if (lsp) {
    const exited = new Promise((resolve) => lsp.proc.once('exit', resolve));
    await lsp.stop();
    await exited;
  }
  await explorer?.dispose();
  if (!reuse) await stopCluster(cluster);
  if (ws) fs.rmSync(path.dirname(ws), { recursive: true, force: true });
});

function fileObjects(rel: string): Promise<FileObjectsResult> {
  return lsp.conn.sendRequest<FileObjectsResult>(FileObjectsRequest, { uri: uri(rel) });
}

async function matches(rel: string, session: ContextSession = admin): Promise<LiveMatch[]> {
  const r = await fileObjects(rel);
  return r.objects.map((o) => matchObject(o, session, inventories));
}

describe('live state of the documents of a file', () => {
  it('a Flux object: its live state, revision and the Kustomization that applied it', async () => {
    const [m] = await matches('clusters/production/apps.yaml');
    assert.equal(m!.type, 'object');
    if (m!.type !== 'object') return;
    assert.equal(m.object.namespace, 'flux-system');
    assert.equal(m.object.name, 'apps');
    assert.equal(m.ownedBy, 'flux-system/flux-system');
    const line = lensLine(m, '');
    assert.match(line.title, /^\$\(pass\) Ready · main@sha1:[0-9a-f]{8} · \d+[smhd] ago$/);
    assert.deepEqual(line.actions, ['reconcile', 'suspend', 'reveal']);
  });

  it('a Flux object in the namespace its file is applied in (targetNamespace of the tenant is not its own)', async () => {
    const [m] = await matches('clusters/production/team-a.yaml');
    assert.equal(m!.type, 'object');
    if (m!.type === 'object') assert.equal(`${m.object.namespace}/${m.object.name}`, 'team-a/team-a-apps');
  });

  it('plain manifests: which Kustomization applied them, by its live inventory (namespaced, targetNamespace, cluster-scoped)', async () => {
    const [cm] = await matches('apps/production/app-config.yaml');
    assert.equal(cm!.type, 'inventory');
    assert.match(
      lensLine(cm!, '').title,
      /^\$\(pass\) applied by Kustomization flux-system\/apps at main@sha1:[0-9a-f]{8}$/,
    );
    const [tenant] = await matches('tenants/team-a/settings.yaml');
    assert.match(lensLine(tenant!, '').title, /applied by Kustomization team-a\/team-a-apps/);
    const [ns] = await matches('infrastructure/controllers/namespace.yaml');
    assert.match(lensLine(ns!, '').title, /applied by Kustomization flux-system\/infrastructure/);
  });

  it('not certain, never guessed: an object not in the cluster, one whose namespace nothing says, one a user cannot see', async () => {
    write(
      'scratch/objects.yaml',
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: nope\n  namespace: flux-system\n',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loose\n  namespace: demo\n',
      ].join('---\n'),
    );
    const text = fs.readFileSync(path.join(ws, 'scratch/objects.yaml'), 'utf8');
    lsp.open(path.join(ws, 'scratch/objects.yaml'), text);
    const ms = await until('the scratch file indexed', async () => {
      const m = await matches('scratch/objects.yaml');
      return m.length === 3 ? m : undefined;
    });
    assert.deepEqual(ms[0], {
      type: 'absent',
      why: `not found in ${ADMIN} (Kustomization flux-system/nope)`,
    });
    assert.equal(ms[1]!.type, 'candidates');
    assert.match(lensLine(ms[1]!, '').title, /1 candidates: flux-system\/apps \(Ready\)/);
    assert.match(lensLine(ms[1]!, '').tooltip, /do not say which namespace/);
    assert.equal(ms[2]!.type, 'absent');
    assert.match(
      (ms[2] as { why: string }).why,
      /in no inventory .*no Kustomization of the workspace renders this file/,
    );
    // team-a-user may not list Kustomizations at the cluster scope: flux-system is invisible, not absent.
    const [hidden] = await matches('clusters/production/apps.yaml', teamA);
    assert.equal(hidden!.type, 'unknown');
    assert.match(
      (hidden as { why: string }).why,
      /cannot see namespace flux-system in team-a-user.*watching team-a/,
    );
    const [visible] = await matches('clusters/production/team-a.yaml', teamA);
    assert.equal(visible!.type, 'object');
  });

  it('updates from the watch: suspended by kubectl, the lens says Suspended and offers Resume', async () => {
    await kubectl(cluster, [
      '-n',
      'flux-system',
      'patch',
      'kustomization',
      'infrastructure',
      '--type=merge',
      '-p',
      '{"spec":{"suspend":true}}',
    ]);
    try {
      const line = await until('the suspension in the cache', async () => {
        const [m] = await matches('clusters/production/infrastructure.yaml');
        const l = lensLine(m!, ADMIN);
        return l.title.includes('Suspended') ? l : undefined;
      });
      assert.match(line.title, new RegExp(`^\\$\\(debug-pause\\) ${ADMIN}: Suspended`));
      assert.deepEqual(line.actions, ['reconcile', 'resume', 'reveal']);
    } finally {
      await kubectl(cluster, [
        '-n',
        'flux-system',
        'patch',
        'kustomization',
        'infrastructure',
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/spec/suspend"}]',
      ]);
    }
  });
});

describe('the cluster as a schema source', () => {
  it("served CRDs feed the server: Flux kinds name the cluster, another operator's CRD gets validation", async () => {
    await kubectl(cluster, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { size: { type: 'integer', description: 'How big.' } },
                    },
                  },
                },
              },
            },
          ],
        },
      }),
    });
    const r = await until('the Widget CRD listed', async () => {
      const c = await readCrds(admin.transport!);
      return 'crds' in c && c.crds.some((x) => (x as KubeObject).metadata?.name === 'widgets.example.com')
        ? c
        : undefined;
    });
    assert.ok('crds' in r);
    void lsp.conn.sendNotification(ClusterCrdsNotification, { context: ADMIN, crds: r.crds });
    const widget = lsp.open(
      path.join(ws, 'scratch/widget.yaml'),
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n  colour: red\n',
    );
    const diags = await until('Widget diagnostics', async () => {
      const d = await lsp.diagnosticsFor(widget);
      return d.length ? d : undefined;
    });
    assert.ok(
      diags.some((d) => /integer/i.test(String(d.message))),
      JSON.stringify(diags),
    );
    assert.ok(
      diags.some((d) => /colour/.test(String(d.message))),
      JSON.stringify(diags),
    );
    const h = hoverText(await lsp.hover(widget, 5, 3));
    assert.match(h, new RegExp(`Schema source: cluster \\(${ADMIN}\\)`));
    const appsUri = lsp.open(
      path.join(ws, 'clusters/production/apps.yaml'),
      fs.readFileSync(path.join(ws, 'clusters/production/apps.yaml'), 'utf8'),
    );
    const ks = hoverText(await lsp.hover(appsUri, 6, 3));
    assert.match(ks, new RegExp(`Schema source: cluster \\(${ADMIN}\\), Flux v2\\.9\\.4`));
  });
});

describe('substituteFrom values from the cluster', () => {
  before(async () => {
    await kubectl(cluster, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'bridge-vars', namespace: 'flux-system' },
            data: { GREETING: 'hello from the cluster' },
          },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'bridge-creds', namespace: 'flux-system' },
            stringData: { DB_PASSWORD: SECRET_VALUE },
          },
        ],
      }),
    });
    write(
      'clusters/production/subst.yaml',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: subst\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./subst\n  prune: true\n  targetNamespace: demo\n  sourceRef:\n    kind: GitRepository\n    name: flux-repo\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: bridge-vars\n      - kind: Secret\n        name: bridge-creds\n',
    );
    write(
      'subst/app.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: subst-app\ndata:\n  greeting: ${GREETING}\n  dsn: postgres://app:${DB_PASSWORD}@db/app\n',
    );
  });

  it("the preview takes the cluster's values, and a Secret value never appears in anything the server returns", async () => {
    const r = await lsp.conn.sendRequest<BuildResult>(BuildRequest, {
      uri: uri('clusters/production/subst.yaml'),
      trusted: true,
      cluster: { context: ADMIN },
    } satisfies BuildParams);
    assert.deepEqual(r.errors, []);
    assert.match(r.yaml, /greeting: hello from the cluster/);
    assert.match(r.yaml, /dsn: postgres:\/\/app:<secret:DB_PASSWORD>@db\/app/);
    assert.deepEqual(r.cluster, { context: ADMIN, secretKeys: ['DB_PASSWORD'], notes: [] });
    assert.ok(!JSON.stringify(r).includes(SECRET_VALUE), 'the Secret value is in the result');
  });

  it('a user who may not read the Secret gets the reason, with the verb and resource', async () => {
    const r = await lsp.conn.sendRequest<BuildResult>(BuildRequest, {
      uri: uri('clusters/production/subst.yaml'),
      trusted: true,
      cluster: { context: TEAM_A },
    } satisfies BuildParams);
    assert.ok(
      r.warnings.some((w) =>
        /ConfigMap flux-system\/bridge-vars: cannot read it from cluster team-a-user.*forbidden: get configmaps in namespace flux-system/.test(
          w,
        ),
      ),
      r.warnings.join('\n'),
    );
    assert.ok(!JSON.stringify(r).includes(SECRET_VALUE));
  });
});

function runFlux(args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  const bin =
    process.env.FLUX_BIN ?? path.join(os.homedir(), '.cache', 'flux-workbench', 'bin', 'flux-v2.9.4');
  if (!fs.existsSync(bin))
    throw new Error(`no flux CLI at ${bin}: run bash test/build/ensure-flux-cli.sh first`);
  const started = Date.now();
  return new Promise((resolve) =>
    execFile(
      bin,
      [...args, '--kubeconfig', cluster.kubeconfig],
      { maxBuffer: 64 << 20 },
      (err, out, errOut) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          out,
          err: errOut,
          ms: Date.now() - started,
        }),
    ),
  );
}

/** "► Kind/ns/name created|drifted|deleted|skipped" lines of flux diff, sorted. */
function fluxVerdicts(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim())
    .filter((l) => l.startsWith('► '))
    .sort();
}

describe('Diff Build with Cluster against flux diff kustomization', () => {
  it('same verdicts per object as flux diff (created, drifted, deleted by prune), Secret data masked on both sides', async () => {
    write(
      'apps/production/app-config.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: demo\ndata:\n  message: hello v2\n',
    );
    write(
      'apps/production/new.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: brand-new\n  namespace: demo\ndata:\n  a: b\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: new-secret\n  namespace: demo\nstringData:\n  token: s3cr3t-token-value\n',
    );
    // The overlay without the demo chart (prune deletes its HelmRelease) and with new.yaml.
    const overlay = fs.readFileSync(path.join(ws, 'apps/production/kustomization.yaml'), 'utf8');
    assert.match(overlay, /^ {2}- demo-chart\.yaml$/m, 'the example overlay lists demo-chart.yaml');
    write(
      'apps/production/kustomization.yaml',
      overlay.replace(/^( {2})- demo-chart\.yaml$/m, '$1- new.yaml'),
    );
    const tFlux = performance.now();
    const flux = await runFlux(['diff', 'kustomization', 'apps', '--path', path.join(ws, 'apps/production')]);
    const fluxMs = performance.now() - tFlux;
    assert.equal(flux.code, 1, `flux diff exits 1 when there are changes: ${flux.err}`);
    const tOurs = performance.now();
    const build = await lsp.conn.sendRequest<BuildResult>(BuildRequest, {
      uri: uri('clusters/production/apps.yaml'),
      trusted: true,
      cluster: { context: ADMIN, reveal: true },
    } satisfies BuildParams);
    assert.deepEqual(build.errors, []);
    const objects = parseAllDocuments(build.yaml).map((d) => d.toJS() as KubeObject);
    const report = await diffWithCluster(admin.transport!, objects, {
      liveKustomization: admin.get(KS, 'flux-system', 'apps')!.obj,
      prune: true,
    });
    // A figure, not an assertion (timings on a loaded machine measure the load): the build with
    // cluster values plus the dry runs, against the flux CLI's process on the same Kustomization.
    const oursMs = performance.now() - tOurs;
    console.log(
      `diff with the cluster: ${oursMs.toFixed(0)} ms (build ${build.durationMs} ms + dry runs); flux diff kustomization: ${fluxMs.toFixed(0)} ms; ratio ${(oursMs / fluxMs).toFixed(2)}x`,
    );
    const ours = report.entries
      .filter((e) => e.action !== 'unchanged')
      .map((e) => `► ${e.subject} ${e.action}`)
      .sort();
    assert.deepEqual(ours, fluxVerdicts(flux.out));
    assert.deepEqual(ours, [
      '► ConfigMap/demo/app-config drifted',
      '► ConfigMap/demo/brand-new created',
      '► HelmRelease/demo/demo-chart deleted',
      '► Secret/demo/new-secret created',
    ]);
    const drifted = report.entries.find((e) => e.action === 'drifted')!;
    assert.deepEqual(drifted.changed, ['data.message']);
    assert.match(flux.out, /data\.message/);
    const sides = diffSides(
      report,
      { title: 'Kustomization flux-system/apps', context: ADMIN, build: 'test' },
      revealed,
    );
    assert.ok(!sides.right.includes('s3cr3t-token-value') && !sides.left.includes('s3cr3t-token-value'));
    assert.ok(!sides.right.includes(Buffer.from('s3cr3t-token-value').toString('base64')));
    assert.match(sides.right, /token: "\*\*\*"/);
    assert.match(sides.left, /message: hello v1/);
    assert.match(sides.right, /message: hello v2/);
    // Nothing was written: the live objects are as before.
    const live = JSON.parse(
      await kubectl(cluster, ['-n', 'demo', 'get', 'configmap', 'app-config', '-o', 'json']),
    );
    assert.equal(live.data.message, 'hello v1');
    await assert.rejects(kubectl(cluster, ['-n', 'demo', 'get', 'configmap', 'brand-new']));
  });

  it('a dry run the user may not make is shown with the verb and resource', async () => {
    const report = await diffWithCluster(
      teamA.transport!,
      [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x', namespace: 'flux-system' },
          data: {},
        } as KubeObject,
      ],
      { prune: false },
    );
    assert.equal(report.entries.length, 0);
    assert.match(report.errors[0]!.message, /forbidden: get configmaps in namespace flux-system/);
    const inTeamA = await diffWithCluster(
      teamA.transport!,
      [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x', namespace: 'team-a' },
          data: {},
        } as KubeObject,
      ],
      { prune: false },
    );
    assert.match(
      inTeamA.errors[0]!.message,
      /dry-run denied: forbidden: patch configmaps in namespace team-a \(RBAC\)/,
    );
  });
});
