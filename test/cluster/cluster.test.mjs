// Acceptance tests of the test cluster harness (issue 4), against real processes:
// etcd, kube-apiserver, and the real Flux source-, kustomize-, helm- and notification-controllers.
//
// The tests start their own cluster in a separate state folder (so they never stop a cluster a
// developer or the e2e tests are using), check every acceptance point, then stop it with down.sh
// and check that no process is left. Every wait polls a real signal with a bounded deadline.
//
//   npm run test:cluster
//   FLUX_WORKBENCH_CLUSTER_TEST_DIR=/tmp/x npm run test:cluster   (another state folder)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
  statSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join, isAbsolute } from 'node:path';
import {
  runScript,
  readEnvFile,
  Kube,
  paths,
  condition,
  waitFor,
  kubectl,
  git,
  clusterProcesses,
  pidAlive,
  REPO,
} from './k8s.mjs';

// A state folder of its own per run, so concurrent runs (a CI run beside a developer's) never
// stop each other's cluster.
const STATE =
  process.env.FLUX_WORKBENCH_CLUSTER_TEST_DIR ?? mkdtempSync(join(tmpdir(), 'flux-workbench-cluster-test-'));
const OWN_STATE = !process.env.FLUX_WORKBENCH_CLUSTER_TEST_DIR;
const ENV = { FLUX_WORKBENCH_CLUSTER_DIR: STATE };
const CRDS_DIR = process.env.FLUX_CRDS_DIR ?? join(REPO, '..', 'shared', 'flux-crds');

let upResult; // first up.sh run
let cluster; // cluster.env
let admin; // Kube as admin
let pidsAtUp = {};
let stopped = false;

function readPids() {
  const dir = join(STATE, 'pids');
  const out = {};
  for (const f of readdirSync(dir))
    if (f.endsWith('.pid')) out[f.slice(0, -4)] = Number(readFileSync(join(dir, f), 'utf8'));
  return out;
}

before(async () => {
  // A clean start: stop a leftover cluster of this state folder (a crashed earlier run).
  await runScript('down.sh', { env: ENV, quiet: true });
  upResult = await runScript('up.sh', { env: ENV });
  if (upResult.code !== 0) return; // the first test reports it
  cluster = readEnvFile(join(STATE, 'cluster.env'));
  admin = new Kube({ server: cluster.KAS_URL, caFile: cluster.CA_FILE, token: cluster.ADMIN_TOKEN });
  pidsAtUp = readPids();
});

after(async () => {
  if (!stopped) await runScript('down.sh', { env: ENV, quiet: true });
  // Keep the logs (and certificates) for inspection; remove the bulky parts of the state folder.
  if (OWN_STATE) {
    for (const d of ['etcd', 'git', 'work', 'charts', 'source-storage', 'tmp', 'kube-cache'])
      rmSync(join(STATE, d), { recursive: true, force: true });
  }
});

function requireUp() {
  assert.ok(upResult && upResult.code === 0, 'the cluster did not come up (see the first test)');
}

const lastLine = (s) => s.trim().split('\n').at(-1);

test('cluster:up starts everything and ends with KUBECONFIG=<absolute path>', (t) => {
  assert.equal(upResult.code, 0, `up.sh failed (exit ${upResult.code}):\n${upResult.stderr.slice(-3000)}`);
  const line = lastLine(upResult.stdout);
  const m = /^KUBECONFIG=(.+)$/.exec(line);
  assert.ok(m, `last line is not KUBECONFIG=...: ${line}`);
  assert.ok(isAbsolute(m[1]), `not absolute: ${m[1]}`);
  assert.equal(m[1], join(STATE, 'kubeconfig'));
  statSync(m[1]);
  t.diagnostic(`up.sh (binaries cached, everything Ready) took ${upResult.seconds.toFixed(1)} s`);
  // Every process has a recorded PID (alive) and a log file in the known folder.
  for (const name of [
    'etcd',
    'kube-apiserver',
    'git-server',
    'source-controller',
    'kustomize-controller',
    'helm-controller',
    'notification-controller',
  ]) {
    assert.ok(pidAlive(pidsAtUp[name]), `${name}: recorded pid ${pidsAtUp[name]} is not running`);
    assert.ok(statSync(join(STATE, 'logs', `${name}.log`)).size > 0, `${name}: empty log`);
  }
});

test('cluster:up is idempotent: a second run reuses the cluster and prints the same KUBECONFIG line', async (t) => {
  requireUp();
  const again = await runScript('up.sh', { env: ENV, quiet: true });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(lastLine(again.stdout), lastLine(upResult.stdout));
  assert.match(again.stdout, /already running/);
  assert.deepEqual(readPids(), pidsAtUp, 'processes were restarted');
  t.diagnostic(`second up.sh took ${again.seconds.toFixed(1)} s`);
});

test('kubectl get crd lists the Flux CRDs (all of ../shared/flux-crds)', () => {
  requireUp();
  const out = kubectl(['get', 'crd', '-o', 'name'], { kubeconfig: cluster.KUBECONFIG });
  const names = new Set(
    out
      .trim()
      .split('\n')
      .map((l) => l.replace(/^customresourcedefinition\.apiextensions\.k8s\.io\//, '')),
  );
  const expected = [];
  for (const d of readdirSync(CRDS_DIR, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name === 'LICENSES') continue;
    for (const f of readdirSync(join(CRDS_DIR, d.name)))
      if (f.endsWith('.yaml'))
        expected.push(f.replace(/^[^_]+_/, '').replace(/\.yaml$/, '') + '.' + f.split('_')[0]);
  }
  assert.ok(expected.length >= 15, `expected at least 15 CRD files, found ${expected.length}`);
  for (const e of expected) assert.ok(names.has(e), `CRD ${e} missing; have: ${[...names].join(', ')}`);
  for (const k of [
    'gitrepositories.source.toolkit.fluxcd.io',
    'kustomizations.kustomize.toolkit.fluxcd.io',
    'helmreleases.helm.toolkit.fluxcd.io',
  ])
    assert.ok(names.has(k));
});

test('the seeded GitRepository is Ready=True with the real revision of the local Git server', async () => {
  requireUp();
  const head = git(['rev-parse', 'refs/heads/main'], cluster.GIT_BARE);
  const repo = await admin.get(paths.gitrepo('flux-system', 'flux-repo'));
  assert.equal(condition(repo, 'Ready')?.status, 'True', JSON.stringify(repo.status?.conditions));
  assert.equal(repo.spec.url, cluster.GIT_URL);
  assert.match(cluster.GIT_URL, /^http:\/\/127\.0\.0\.1:\d+\//);
  assert.equal(repo.status.artifact.revision, `main@sha1:${head}`);
});

test('the seeded Kustomizations are Ready=True, applied the same revision, and apps dependsOn infrastructure', async () => {
  requireUp();
  const head = git(['rev-parse', 'refs/heads/main'], cluster.GIT_BARE);
  for (const [ns, name] of [
    ['flux-system', 'flux-system'],
    ['flux-system', 'infrastructure'],
    ['flux-system', 'apps'],
    ['team-a', 'team-a-apps'],
  ]) {
    const ks = await admin.get(paths.ks(ns, name));
    assert.equal(
      condition(ks, 'Ready')?.status,
      'True',
      `${ns}/${name}: ${JSON.stringify(ks.status?.conditions)}`,
    );
    assert.equal(ks.status.lastAppliedRevision, `main@sha1:${head}`, `${ns}/${name}`);
  }
  const apps = await admin.get(paths.ks('flux-system', 'apps'));
  assert.deepEqual(apps.spec.dependsOn, [{ name: 'infrastructure' }]);
  // The plain manifests were applied by the real kustomize-controller (ownership labels).
  const cm = await admin.get(paths.cm('demo', 'platform-settings'));
  assert.equal(cm.metadata.labels['kustomize.toolkit.fluxcd.io/name'], 'infrastructure');
  const tenant = await admin.get(paths.cm('team-a', 'team-a-settings'));
  assert.equal(tenant.metadata.labels['kustomize.toolkit.fluxcd.io/namespace'], 'team-a');
});

test('the HelmRelease from the local Helm repository is Ready=True and installed the chart', async () => {
  requireUp();
  const hr = await admin.get(paths.hr('demo', 'demo-chart'));
  assert.equal(condition(hr, 'Ready')?.status, 'True', JSON.stringify(hr.status?.conditions));
  const helmRepo = await admin.get(paths.helmrepo('flux-system', 'local-charts'));
  assert.equal(condition(helmRepo, 'Ready')?.status, 'True');
  const chart = await admin.get(paths.helmchart('flux-system', 'demo-demo-chart'));
  assert.equal(condition(chart, 'Ready')?.status, 'True');
  assert.equal(chart.status.artifact.revision, '0.1.0');
  const cm = await admin.get(paths.cm('demo', 'demo-chart-settings'));
  assert.equal(cm.data.greeting, 'hello from helm');
  assert.equal(cm.metadata.labels['helm.toolkit.fluxcd.io/name'], 'demo-chart');
});

test('reconcile.fluxcd.io/requestedAt makes the real kustomize-controller set status.lastHandledReconcileAt', async () => {
  requireUp();
  const now = new Date().toISOString(); // any string; flux uses RFC3339Nano
  await admin.mergePatch(paths.ks('flux-system', 'infrastructure'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': now } },
  });
  const ks = await waitFor(
    'lastHandledReconcileAt to equal the requested value',
    async () => {
      const k = await admin.get(paths.ks('flux-system', 'infrastructure'));
      return k.status?.lastHandledReconcileAt === now ? k : null;
    },
    { timeoutMs: 60000 },
  );
  assert.equal(condition(ks, 'Ready')?.status, 'True');
});

/** Clone over HTTP, change apps/production/app-config.yaml, push; then reconcile source and apps and wait. */
async function pushAndApply(marker) {
  const work = mkdtempSync(join(tmpdir(), 'fw-cluster-clone-'));
  try {
    git(['clone', '-q', cluster.GIT_URL, work]);
    const file = join(work, 'apps', 'production', 'app-config.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/message: .*/, `message: ${marker}`));
    git(['commit', '-q', '-am', `Set the app message to ${marker}`], work);
    git(['push', '-q', 'origin', 'main'], work);
    const sha = git(['rev-parse', 'HEAD'], work);
    assert.equal(
      git(['rev-parse', 'refs/heads/main'], cluster.GIT_BARE),
      sha,
      'push did not reach the server',
    );

    const at = new Date().toISOString();
    await admin.mergePatch(paths.gitrepo('flux-system', 'flux-repo'), {
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': at } },
    });
    await waitFor('the GitRepository to fetch the new commit', async () => {
      const r = await admin.get(paths.gitrepo('flux-system', 'flux-repo'));
      return r.status?.artifact?.revision === `main@sha1:${sha}`;
    });
    await admin.mergePatch(paths.ks('flux-system', 'apps'), {
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': at } },
    });
    const ks = await waitFor('the apps Kustomization to apply the new commit', async () => {
      const k = await admin.get(paths.ks('flux-system', 'apps'));
      return k.status?.lastAppliedRevision === `main@sha1:${sha}` && condition(k, 'Ready')?.status === 'True'
        ? k
        : null;
    });
    assert.equal(ks.status.lastHandledReconcileAt, at);
    return sha;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('a commit pushed to the local Git server over HTTP is applied after a reconcile', async () => {
  requireUp();
  const marker = `hello ${Date.now()}`;
  await pushAndApply(marker);
  const cm = await admin.get(paths.cm('demo', 'app-config'));
  assert.equal(cm.data.message, marker);
});

test('the real notification-controller forwards kustomize-controller events to a Provider (generic webhook on loopback)', async () => {
  requireUp();
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        received.push(JSON.parse(body));
      } catch {
        received.push({ raw: body });
      }
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = server.address().port;
    const ns = 'flux-system';
    const base = '/apis/notification.toolkit.fluxcd.io/v1beta3/namespaces/flux-system';
    for (const [path, obj] of [
      [
        `${base}/providers`,
        {
          apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
          kind: 'Provider',
          metadata: { name: 'test-webhook', namespace: ns },
          spec: { type: 'generic', address: `http://127.0.0.1:${port}/` },
        },
      ],
      [
        `${base}/alerts`,
        {
          apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
          kind: 'Alert',
          metadata: { name: 'test-alert', namespace: ns },
          spec: {
            providerRef: { name: 'test-webhook' },
            eventSeverity: 'info',
            eventSources: [{ kind: 'Kustomization', name: '*' }],
          },
        },
      ],
    ]) {
      const r = await admin.request('POST', path, obj);
      assert.ok(
        r.status === 201 || r.status === 409,
        `POST ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`,
      );
    }
    // The alert is used once notification-controller has indexed it; push until an event arrives.
    const marker = `event ${Date.now()}`;
    const sha = await pushAndApply(marker);
    const ev = await waitFor(
      'an event about the apps Kustomization at the webhook',
      () =>
        received.find(
          (e) =>
            e.involvedObject?.kind === 'Kustomization' &&
            e.involvedObject?.name === 'apps' &&
            JSON.stringify(e).includes(sha),
        ),
      { timeoutMs: 30000 },
    );
    assert.equal(ev.reportingController, 'kustomize-controller');
  } finally {
    server.close();
  }
});

test('RBAC: team-a-user lists Kustomizations in team-a and is Forbidden elsewhere', async () => {
  requireUp();
  const user = new Kube({ server: cluster.KAS_URL, caFile: cluster.CA_FILE, token: cluster.TEAM_A_TOKEN });
  const own = await user.request('GET', paths.ks('team-a'));
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.deepEqual(
    own.body.items.map((i) => i.metadata.name),
    ['team-a-apps'],
  );
  for (const p of [
    paths.ks('flux-system'),
    '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations',
    paths.cm('demo', 'app-config'),
  ]) {
    const r = await user.request('GET', p);
    assert.equal(r.status, 403, `${p}: ${r.status}`);
    assert.equal(r.body.reason, 'Forbidden');
  }
  // Patching (reconcile request) is allowed in its own namespace only.
  const at = new Date().toISOString();
  const ok = await user.request(
    'PATCH',
    paths.ks('team-a', 'team-a-apps'),
    { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': at } } },
    'application/merge-patch+json',
  );
  assert.equal(ok.status, 200);
  const denied = await user.request(
    'PATCH',
    paths.ks('flux-system', 'apps'),
    { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': at } } },
    'application/merge-patch+json',
  );
  assert.equal(denied.status, 403);
  // The same through kubectl and the user's kubeconfig.
  const out = kubectl(['get', 'kustomizations', '-n', 'team-a', '-o', 'name'], {
    kubeconfig: cluster.KUBECONFIG_TEAM_A,
  });
  assert.match(out, /team-a-apps/);
  assert.throws(
    () => kubectl(['get', 'kustomizations', '-n', 'flux-system'], { kubeconfig: cluster.KUBECONFIG_TEAM_A }),
    /Forbidden/,
  );
});

test('every process of the cluster listens on loopback only', () => {
  requireUp();
  // Socket inodes of each process, matched against the listening sockets in /proc/net/tcp{,6}.
  const listening = [];
  for (const [file, loopback] of [
    ['/proc/net/tcp', '0100007F'],
    ['/proc/net/tcp6', '00000000000000000000000001000000'],
  ]) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A') listening.push({ local: f[1], inode: f[9], loopback, file });
    }
  }
  let count = 0;
  for (const [name, pid] of Object.entries(pidsAtUp)) {
    const inodes = new Set();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* fd closed meanwhile */
      }
    }
    const own = listening.filter((l) => inodes.has(l.inode));
    assert.ok(own.length > 0, `${name} listens on nothing?`);
    for (const l of own) {
      const [addr, port] = l.local.split(':');
      assert.equal(
        addr,
        l.loopback,
        `${name} listens on ${l.local} (${l.file}, port ${parseInt(port, 16)}): not loopback`,
      );
      count++;
    }
  }
  assert.ok(count >= 7);
});

test('cluster:down stops every process it started and leaves nothing behind', async () => {
  requireUp();
  const r = await runScript('down.sh', { env: ENV, quiet: true });
  stopped = true;
  assert.equal(r.code, 0, r.stderr);
  for (const [name, pid] of Object.entries(pidsAtUp))
    assert.ok(!pidAlive(pid), `${name} (pid ${pid}) still running`);
  assert.deepEqual(clusterProcesses(STATE), []);
});

test('up.sh fails with a clear message naming the failed part (missing Flux CRDs)', async () => {
  const state = mkdtempSync(join(tmpdir(), 'fw-cluster-fail-'));
  try {
    const r = await runScript('up.sh', {
      env: { FLUX_WORKBENCH_CLUSTER_DIR: state, FLUX_CRDS_DIR: '/nonexistent/flux-crds' },
      quiet: true,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ERROR: Flux CRDs not found in \/nonexistent\/flux-crds/);
    assert.deepEqual(clusterProcesses(state), []);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
