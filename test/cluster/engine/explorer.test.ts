// The live engine (client/src/cluster) against a real kube-apiserver, etcd and the real Flux
// controllers (test/cluster): the cache matches kubectl, changes arrive within a second, actions
// are judged by what the controllers write, RBAC, events, live YAML, trace and inventory.
// Fault tests are in faults.test.ts. Runs on Node >= 22.19 (test/cluster/run-engine-tests.sh).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  actionPermissions,
  canI,
  dependsOnOf,
  findKind,
  FluxExplorer,
  historyOf,
  inventoryOf,
  liveYaml,
  runAction,
  trace,
  watchEvents,
  type ContextSession,
  type KubeObject,
} from '../../../client/src/cluster';
import { kubectl, repoRoot, startCluster, stopCluster, until, type Cluster } from './harness';

let cluster: Cluster;
let explorer: FluxExplorer;
let admin: ContextSession;
const KS = findKind('Kustomization')!;
const HR = findKind('HelmRelease')!;
let startedAt = 0;

before(async () => {
  cluster = await startCluster('fw-engine');
  startedAt = Date.now();
  explorer = new FluxExplorer({ kubeconfigFiles: [cluster.kubeconfig, cluster.kubeconfigTeamA] });
  await explorer.loadKubeconfig();
  await explorer.show(['flux-workbench-admin@flux-workbench-test']);
  admin = explorer.session('flux-workbench-admin@flux-workbench-test')!;
  await until('the cache to list every kind', () =>
    admin.settled && admin.phase.phase === 'ready' ? true : undefined,
  );
});

after(async () => {
  await explorer?.dispose();
  await stopCluster(cluster);
});

const strip = (o: KubeObject) => {
  const c = JSON.parse(JSON.stringify(o));
  delete c.metadata.managedFields;
  return c;
};

describe('cache', () => {
  it('discovery: every Flux kind of the harness served in its 2.9 version, the Flux version and namespace from the CRD labels', () => {
    const d = admin.discovery!;
    assert.equal(d.fluxVersion, 'v2.9.4');
    assert.equal(d.fluxNamespace, 'flux-system');
    const versions = Object.fromEntries(d.kinds.map((k) => [k.kind, k.version]));
    assert.deepEqual(versions, {
      GitRepository: 'v1',
      OCIRepository: 'v1',
      HelmRepository: 'v1',
      HelmChart: 'v1',
      Bucket: 'v1',
      ExternalArtifact: 'v1',
      ArtifactGenerator: 'v1beta1',
      Kustomization: 'v1',
      HelmRelease: 'v2',
      Provider: 'v1beta3',
      Alert: 'v1beta3',
      Receiver: 'v1',
      ImageRepository: 'v1',
      ImagePolicy: 'v1',
      ImageUpdateAutomation: 'v1',
    });
    assert.deepEqual(
      d.missing.map((k) => k.kind),
      ['FluxInstance', 'ResourceSet', 'ResourceSetInputProvider'],
    );
  });

  it('the cache equals kubectl get -o json for every kind (managedFields dropped)', async () => {
    for (const k of admin.discovery!.kinds) {
      await until(
        `${k.kind} to match kubectl`,
        async () => {
          const list = JSON.parse(
            await kubectl(cluster, ['get', `${k.plural}.${k.group}`, '-A', '-o', 'json']),
          ) as { items: KubeObject[] };
          const want = new Map(
            list.items.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, strip(o)]),
          );
          const got = new Map(admin.list({ kind: k }).map((c) => [`${c.namespace}/${c.name}`, c.obj]));
          if (want.size !== got.size) return undefined;
          for (const [key, o] of want) {
            const g = got.get(key);
            if (!g || g.metadata.resourceVersion !== o.metadata.resourceVersion) return undefined;
            assert.deepEqual(g, o, `${k.kind} ${key}`);
            assert.equal(g.metadata.managedFields, undefined);
          }
          return true;
        },
        20_000,
        200,
      );
    }
    assert.ok(admin.list({ kind: KS }).length >= 4, 'the seeded Kustomizations are cached');
  });

  it('a change made with kubectl reaches the cache within 1 s', async () => {
    for (let i = 0; i < 3; i++) {
      const value = `v${Date.now()}`;
      let seenAt = 0;
      const sub = admin.observe(KS, 'flux-system', 'apps', (o) => {
        if (!seenAt && o?.obj.metadata.labels?.['fw-test'] === value) seenAt = Date.now();
      });
      await kubectl(cluster, [
        'label',
        '--overwrite',
        '-n',
        'flux-system',
        'kustomization/apps',
        `fw-test=${value}`,
      ]);
      const done = Date.now();
      await until('the label in the cache', () => (seenAt ? true : undefined), 5000, 5);
      sub.dispose();
      assert.ok(seenAt - done < 1000, `took ${seenAt - done} ms after kubectl returned`);
    }
  });

  it('states: the seeded objects are Ready with their revisions; counts; controllers live by their Leases', () => {
    const apps = admin.get(KS, 'flux-system', 'apps')!;
    assert.equal(apps.status.state, 'Ready');
    assert.match(apps.status.revision!, /^main@sha1:[0-9a-f]{40}$/);
    assert.equal(admin.get(HR, 'demo', 'demo-chart')!.status.state, 'Ready');
    const c = admin.counts();
    assert.ok(c.ready >= 7 && c.total >= 7, JSON.stringify(c));
    const live = Object.fromEntries(admin.controllers().map((l) => [l.controller, l.state]));
    for (const ctl of [
      'source-controller',
      'kustomize-controller',
      'helm-controller',
      'notification-controller',
    ])
      assert.equal(
        live[ctl],
        'running',
        `${ctl}: ${admin.controllers().find((l) => l.controller === ctl)?.detail}`,
      );
    const missing = admin.controllers().find((l) => l.controller === 'image-reflector-controller')!;
    assert.equal(missing.state, 'unknown');
    assert.match(missing.detail, /no Lease image-reflector-controller-leader-election and no Deployment/);
  });

  it('inventory, history and dependsOn come from status and spec', () => {
    const apps = admin.get(KS, 'flux-system', 'apps')!;
    const inv = inventoryOf(apps.obj)!;
    assert.ok(
      inv.some(
        (e) => e.kind === 'HelmRelease' && e.name === 'demo-chart' && e.group === 'helm.toolkit.fluxcd.io',
      ),
      JSON.stringify(inv),
    );
    assert.ok(inv.some((e) => e.kind === 'ConfigMap' && e.group === ''));
    assert.ok(historyOf(apps.obj).length >= 1);
    const deps = dependsOnOf(admin, apps.obj);
    assert.deepEqual(
      deps.map((d) => [d.kind, d.namespace, d.name, d.state?.state]),
      [['Kustomization', 'flux-system', 'infrastructure', 'Ready']],
    );
    const hr = admin.get(HR, 'demo', 'demo-chart')!;
    assert.ok(
      inventoryOf(hr.obj)!.some((e) => e.kind === 'ConfigMap'),
      'HelmRelease inventory from status.inventory',
    );
    assert.match(historyOf(hr.obj)[0]!.label, /^demo-chart 0\.1\.0/);
  });
});

describe('actions (verdicts from the real controllers)', () => {
  it('reconcile: our token handled, then "applied revision"', async () => {
    const v = await runAction(
      admin,
      'reconcile',
      { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
      { timeoutMs: 60_000 },
    );
    assert.equal(v.ok, true, v.message);
    assert.match(v.message, /^applied revision main@sha1:[0-9a-f]{40}$/);
    const live = JSON.parse(
      await kubectl(cluster, ['get', '-n', 'flux-system', 'kustomization/apps', '-o', 'json']),
    );
    assert.equal(live.status.lastHandledReconcileAt, v.steps[0]!.token);
  });

  it('reconcile with source: the GitRepository first, then the Kustomization, each step reported', async () => {
    const steps: string[] = [];
    const v = await runAction(
      admin,
      'reconcile',
      { kind: 'ks', namespace: 'flux-system', name: 'infrastructure' },
      {
        withSource: true,
        timeoutMs: 60_000,
        onStep: (s) => steps.push(`${s.ref.kind}/${s.ref.name}: ${s.outcome}`),
      },
    );
    assert.equal(v.ok, true, v.message);
    assert.deepEqual(steps, [
      'GitRepository/flux-repo: succeeded',
      'Kustomization/infrastructure: succeeded',
    ]);
    const git = JSON.parse(
      await kubectl(cluster, ['get', '-n', 'flux-system', 'gitrepository/flux-repo', '-o', 'json']),
    );
    assert.equal(git.status.lastHandledReconcileAt, v.steps[0]!.token);
  });

  it('HelmRelease with source (HelmChart, then HelmRepository first), force and reset confirmed by lastHandledForceAt/ResetAt', async () => {
    const ref = { kind: 'HelmRelease', namespace: 'demo', name: 'demo-chart' };
    const ws = await runAction(admin, 'reconcile', ref, { withSource: true, timeoutMs: 90_000 });
    assert.equal(ws.ok, true, ws.message);
    assert.deepEqual(
      ws.steps.map((s) => s.ref.kind),
      ['HelmRepository', 'HelmChart', 'HelmRelease'],
    );
    const f = await runAction(admin, 'reconcile', ref, { force: true, timeoutMs: 90_000 });
    assert.equal(f.ok, true, f.message);
    const r = await runAction(admin, 'reconcile', ref, { reset: true, timeoutMs: 90_000 });
    assert.equal(r.ok, true, r.message);
    const live = JSON.parse(
      await kubectl(cluster, ['get', '-n', 'demo', 'helmrelease/demo-chart', '-o', 'json']),
    );
    assert.equal(live.status.lastHandledForceAt, f.steps[0]!.token);
    assert.equal(live.status.lastHandledResetAt, r.steps[0]!.token);
    assert.equal(live.status.lastHandledReconcileAt, r.steps[0]!.token);
    const ks = await runAction(
      admin,
      'reconcile',
      { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
      { force: true },
    );
    assert.equal(ks.ok, false);
    assert.match(ks.message, /HelmReleases only/);
  });

  it('suspend, the suspended-echo trap, resume', async () => {
    const ref = { kind: 'Kustomization', namespace: 'team-a', name: 'team-a-apps' };
    const transitions: string[] = [];
    const sub = explorer.onDidChange((batch) => {
      for (const c of batch)
        if (c.key === 'team-a/team-a-apps' && c.from !== c.to) transitions.push(`${c.from}->${c.to}`);
    });
    const s = await runAction(admin, 'suspend', ref, { timeoutMs: 30_000 });
    assert.equal(s.ok, true, s.message);
    await until(
      'the batched change',
      () => (transitions.includes('Ready->Suspended') ? true : undefined),
      5000,
    );
    sub.dispose();
    assert.equal(admin.get(KS, 'team-a', 'team-a-apps')!.status.state, 'Suspended');
    // The trap: the controller echoes a token on a suspended object, with the old Ready=True.
    const token = `2026-12-01T00:00:00.${Date.now()}Z`;
    await kubectl(cluster, [
      'annotate',
      '--overwrite',
      '-n',
      'team-a',
      'kustomization/team-a-apps',
      `reconcile.fluxcd.io/requestedAt=${token}`,
    ]);
    const echoed = await until(
      'the controller to echo the token',
      () => {
        const o = admin.get(KS, 'team-a', 'team-a-apps');
        return o?.obj.status?.['lastHandledReconcileAt'] === token ? o : undefined;
      },
      30_000,
    );
    assert.equal(
      echoed.obj.status!['conditions'] &&
        (echoed.obj.status!['conditions'] as { type: string; status: string }[]).find(
          (c) => c.type === 'Ready',
        )?.status,
      'True',
    );
    assert.equal(echoed.status.state, 'Suspended', 'token + Ready=True on a suspended object is not Ready');
    const refused = await runAction(admin, 'reconcile', ref);
    assert.equal(refused.ok, false);
    assert.match(refused.message, /is suspended: resume it first/);
    const r = await runAction(admin, 'resume', ref, { timeoutMs: 60_000 });
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /^applied revision/);
    const live = JSON.parse(
      await kubectl(cluster, ['get', '-n', 'team-a', 'kustomization/team-a-apps', '-o', 'json']),
    );
    assert.equal(live.spec.suspend, undefined);
    assert.equal(admin.get(KS, 'team-a', 'team-a-apps')!.status.state, 'Ready');
  });

  it('a failing Kustomization is reported as failed as soon as its run ends; one that depends on it is "blocked by"', async () => {
    const manifest = (name: string, extra: object) =>
      JSON.stringify({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace: 'flux-system' },
        spec: {
          interval: '10m',
          path: './does-not-exist',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-repo' },
          ...extra,
        },
      });
    await kubectl(cluster, ['apply', '-f', '-'], { input: manifest('broken', {}) });
    await kubectl(cluster, ['apply', '-f', '-'], {
      input: manifest('blocked', { path: './apps', dependsOn: [{ name: 'broken' }] }),
    });
    await until(
      'broken to fail once',
      () => (admin.get(KS, 'flux-system', 'broken')?.status.state === 'Failed' ? true : undefined),
      60_000,
    );
    const t0 = Date.now();
    const v = await runAction(
      admin,
      'reconcile',
      { kind: 'Kustomization', namespace: 'flux-system', name: 'broken' },
      { timeoutMs: 60_000 },
    );
    const ms = Date.now() - t0;
    assert.equal(v.ok, false);
    assert.equal(v.steps[0]!.outcome, 'failed');
    assert.match(v.message, /not found|no such file|does-not-exist/i);
    assert.ok(ms < 15_000, `verdict after ${ms} ms (the flux CLI waits for its 5 min timeout)`);
    const b = await runAction(
      admin,
      'reconcile',
      { kind: 'Kustomization', namespace: 'flux-system', name: 'blocked' },
      { timeoutMs: 60_000 },
    );
    assert.equal(b.steps[0]!.outcome, 'blocked', b.message);
    assert.equal(b.message, 'blocked by Kustomization flux-system/broken');
    await kubectl(cluster, [
      'delete',
      '-n',
      'flux-system',
      'kustomization/blocked',
      'kustomization/broken',
      '--wait=false',
    ]);
  });

  it('cancel: the wait stops at once and says the request was sent', async () => {
    const ctrl = new AbortController();
    const p = runAction(
      admin,
      'reconcile',
      { kind: 'Kustomization', namespace: 'flux-system', name: 'flux-system' },
      { signal: ctrl.signal },
    );
    ctrl.abort();
    const v = await p;
    assert.ok(['cancelled', 'succeeded'].includes(v.steps[0]!.outcome), v.message);
  });
});

describe('RBAC, events, live YAML, trace', () => {
  it('the namespace-limited user sees its namespace and forbidden scopes for the rest', async () => {
    await explorer.show(['flux-workbench-admin@flux-workbench-test', 'team-a-user@flux-workbench-test']);
    const team = explorer.session('team-a-user@flux-workbench-test')!;
    // Objects enter the cache page by page while the list runs; the scope watches once it is done.
    await until(
      'team-a to list its namespace and watch it',
      () =>
        team.get(KS, 'team-a', 'team-a-apps') &&
        team
          .kindStates()
          .find((k) => k.kind.kind === 'Kustomization')
          ?.scopes.some((s) => s.namespace === 'team-a' && s.phase.phase !== 'listing')
          ? true
          : undefined,
      30_000,
    );
    const ks = team.kindStates().find((k) => k.kind.kind === 'Kustomization')!;
    const scopes = ks.scopes.map((s) => [
      s.namespace ?? '*',
      s.phase.phase,
      'message' in s.phase ? s.phase.message : '',
    ]);
    assert.deepEqual(scopes, [
      ['*', 'forbidden', 'forbidden: list kustomizations.kustomize.toolkit.fluxcd.io at the cluster scope'],
      ['team-a', 'watching', ''],
    ]);
    assert.deepEqual(
      team.list({ kind: KS }).map((o) => o.namespace),
      ['team-a'],
    );
    assert.match(team.discovery!.fluxVersionWhy!, /forbidden: list customresourcedefinitions/);
    const perms = await actionPermissions(team, team.get(KS, 'team-a', 'team-a-apps')!);
    assert.equal(perms.reconcile.allowed, true);
    assert.equal(perms.reconcileWithSource.allowed, false);
    assert.match(
      perms.reconcileWithSource.reason!,
      /you may not patch gitrepositories.source.toolkit.fluxcd.io in namespace flux-system/,
    );
    assert.deepEqual(await canI(team, 'patch', KS as never, 'flux-system'), {
      allowed: false,
      reason: 'you may not patch kustomizations.kustomize.toolkit.fluxcd.io in namespace flux-system (RBAC)',
    });
    const ctl = team.controllers().find((c) => c.controller === 'kustomize-controller')!;
    assert.equal(ctl.state, 'unknown');
    assert.match(ctl.detail, /cannot read Leases in flux-system: forbidden/);
    await explorer.show(['flux-workbench-admin@flux-workbench-test']);
  });

  it('events of a Kustomization and its source, newest first, live', async () => {
    const views: { n: number; first?: string }[] = [];
    const sub = watchEvents(admin, { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' }, (v) =>
      views.push({
        n: v.events.length,
        ...(v.events[0] ? { first: `${v.events[0].about.kind} ${v.events[0].time}` } : {}),
      }),
    );
    const ev = await until(
      'events',
      () => (views.at(-1) && views.at(-1)!.n > 0 ? views.at(-1) : undefined),
      20_000,
    );
    assert.ok(ev.n > 0);
    const before = views.length;
    await runAction(
      admin,
      'reconcile',
      { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
      { withSource: true, timeoutMs: 60_000 },
    );
    await until('a new event to arrive', () => (views.length > before ? true : undefined), 20_000);
    sub.dispose();
  });

  it('live YAML hides managedFields and masks Secret data', async () => {
    await kubectl(cluster, [
      'create',
      'secret',
      'generic',
      '-n',
      'flux-system',
      'fw-secret',
      '--from-literal=password=hunter2',
    ]);
    const y = await liveYaml(admin, 'v1', 'Secret', 'flux-system', 'fw-secret');
    assert.ok(y.yaml, y.error);
    assert.doesNotMatch(y.yaml!, /managedFields|hunter2|aHVudGVyMg/);
    assert.match(y.yaml!, /password: "\*\*\*"/);
    const k = await liveYaml(admin, 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'flux-system', 'apps');
    assert.match(k.yaml!, /kind: Kustomization/);
    assert.doesNotMatch(k.yaml!, /managedFields/);
  });

  it('trace: a ConfigMap to its Kustomization, its source and revision, up to the root', async () => {
    const cm = JSON.parse(
      await kubectl(cluster, [
        'get',
        'configmap',
        '-A',
        '-l',
        'kustomize.toolkit.fluxcd.io/name=infrastructure',
        '-o',
        'json',
      ]),
    );
    const target = cm.items[0];
    const s = await trace(admin, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: target.metadata.namespace,
      name: target.metadata.name,
    });
    assert.deepEqual(
      s.map((x) => `${x.role} ${x.ref.kind}/${x.ref.name}`),
      [
        `object ConfigMap/${s[0]!.ref.name}`,
        'owner Kustomization/infrastructure',
        'source GitRepository/flux-repo',
        'owner Kustomization/flux-system',
        'source GitRepository/flux-repo',
      ],
    );
    assert.match(s[2]!.revision!, /^main@sha1:/);
    assert.equal(s[1]!.state!.state, 'Ready');
  });
});

describe('command line (server/out/cli.js, the same engine)', () => {
  const cli = (args: string[], env: Record<string, string> = {}, nodeBin = process.execPath) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        nodeBin,
        [path.join(repoRoot, 'server/out/cli.js'), ...args],
        { env: { ...process.env, KUBECONFIG: cluster.kubeconfig, ...env } },
        (err, out, errOut) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
      );
    });

  it('get -A -o json: every object with context, kind, namespace, name, state, reason, message, revision', async () => {
    const r = await cli(['get', '-A', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const rows = JSON.parse(r.out) as Record<string, string>[];
    const apps = rows.find((x) => x['kind'] === 'Kustomization' && x['name'] === 'apps')!;
    assert.deepEqual(Object.keys(apps).sort(), [
      'context',
      'kind',
      'message',
      'name',
      'namespace',
      'reason',
      'revision',
      'state',
    ]);
    assert.equal(apps['context'], 'flux-workbench-admin@flux-workbench-test');
    assert.equal(apps['state'], 'Ready');
    assert.ok(rows.some((x) => x['kind'] === 'HelmRelease' && x['namespace'] === 'demo'));
  });

  it('get ks (text): the context namespace; --status failing; usage errors exit 2', async () => {
    const r = await cli(['get', 'ks']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^NAME\s+STATE\s+REVISION\s+MESSAGE\n/);
    assert.match(r.out, /Kustomization\/apps\s+Ready\s+main@sha1:[0-9a-f]{8}\s/);
    assert.doesNotMatch(r.out, /team-a-apps/, 'only the context namespace (flux-system) without -A');
    const f = await cli(['get', '--status', 'failing', '-A', '-o', 'json']);
    assert.deepEqual(JSON.parse(f.out), []);
    for (const bad of [
      ['get', 'nonsense'],
      ['get', '-o', 'yaml'],
      ['reconcile', 'apps'],
      ['get', '-n', 'x', '-A'],
      ['reconcile', 'ks/apps', '--force'],
    ]) {
      const u = await cli(bad);
      assert.equal(u.code, 2, `${bad.join(' ')}: ${u.err}`);
    }
  });

  it('reconcile prints the verdict (exit 0); a suspended object is refused (exit 1); suspend/resume', async () => {
    const r = await cli(['reconcile', 'ks/infrastructure', '--with-source']);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(
      r.out,
      /^✔ GitRepository flux-system\/flux-repo: applied revision main@sha1:[0-9a-f]{40} \(\d+\.\d s\)\n✔ Kustomization flux-system\/infrastructure: applied revision main@sha1:/,
    );
    assert.equal((await cli(['suspend', 'kustomization/apps'])).code, 0);
    const refused = await cli(['reconcile', 'ks/apps']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.out,
      /✗ Kustomization flux-system\/apps: Kustomization flux-system\/apps is suspended: resume it first/,
    );
    const resumed = await cli(['resume', 'ks/apps', '--timeout', '60']);
    assert.equal(resumed.code, 0, resumed.out + resumed.err);
    assert.match(resumed.out, /applied revision/);
  });

  it('an unknown context and a missing object exit 1 with the reason', async () => {
    const c = await cli(['get', '--context', 'nope']);
    assert.equal(c.code, 1);
    assert.match(
      c.err,
      /no context "nope" in .*kubeconfig \(contexts: flux-workbench-admin@flux-workbench-test\)/,
    );
    const m = await cli(['reconcile', 'hr/missing', '-n', 'demo']);
    assert.equal(m.code, 1);
    assert.match(m.out, /HelmRelease demo\/missing not found/);
  });

  it('on Node < 22.19 the cluster commands say which Node they need', async (t) => {
    const old = await new Promise<string>((resolve) =>
      execFile('bash', ['-c', 'command -v node'], (_e, o) => resolve(o.trim())),
    );
    const v = await new Promise<string>((resolve) =>
      execFile(old, ['--version'], (_e, o) => resolve(o.trim())),
    );
    if (!/^v(1\d|20|21|22\.(\d|1[0-8])\.)/.test(v)) {
      t.skip(`the machine's node ${v} is new enough: nothing to show`);
      return;
    }
    const r = await cli(['get'], {}, old);
    assert.equal(r.code, 1);
    assert.match(r.err, /^flux-workbench get needs Node\.js >= 22\.19 .* this is Node\.js v/);
  });
});

describe('kubeconfig never written', () => {
  it('the kubeconfig files are unchanged after all of the above', () => {
    const text = fs.readFileSync(cluster.kubeconfig, 'utf8');
    assert.match(text, /current-context: flux-workbench-admin@flux-workbench-test/);
    assert.ok(fs.statSync(cluster.kubeconfig).mtimeMs < startedAt);
  });
});
