// Three promises of the live explorer (issue 9), against a real kube-apiserver and etcd (no
// controllers: none of them needs one): `flux-workbench get --watch` streams changes as they
// happen; drawing the trees from a synced cache sends no request; a token never appears in what
// the engine and the command line print.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canI, findKind, FluxExplorer, runAction } from '../../../client/src/cluster';
import { ClustersModel } from '../../../client/src/views/clusters/clustersModel';
import { imagesModel } from '../../../client/src/views/images/imagesModel';
import { notificationsModel } from '../../../client/src/views/notifications/notificationsModel';
import { operatorModel } from '../../../client/src/views/operator/operatorModel';
import { emptyFilter } from '../../../client/src/views/shared/filter';
import type { Node } from '../../../client/src/views/shared/nodes';
import { Permissions } from '../../../client/src/views/shared/permissions';
import type { ViewState } from '../../../client/src/views/shared/state';
import { sourcesModel } from '../../../client/src/views/sources/kindsModel';
import { WorkloadsModel } from '../../../client/src/views/workloads/workloadsModel';
import {
  kubectl,
  repoRoot,
  startCluster,
  stopCluster,
  until,
  writeKubeconfig,
  type Cluster,
} from './harness';

const ADMIN = 'flux-workbench-admin@flux-workbench-test';
const TEAM_A = 'team-a-user@flux-workbench-test';
const KS = findKind('Kustomization')!;
let cluster: Cluster;
let dir: string;

before(async () => {
  cluster = await startCluster('fw-guarantees', '');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-guarantees-kc-'));
});

after(async () => {
  await stopCluster(cluster);
});

const ks = (name: string, ns: string) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: ns },
  spec: { interval: '10m', path: './x', prune: false, sourceRef: { kind: 'GitRepository', name: 'repo' } },
});

const apply = (obj: unknown) => kubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify(obj) });

/** A Ready=False status, written through the status subresource as a controller would. */
const failStatus = (name: string, ns: string, message: string) =>
  kubectl(cluster, [
    'patch',
    'kustomization',
    name,
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'BuildFailed',
            message,
            observedGeneration: 1,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
      },
    }),
  ]);

const cli = (args: string[], kubeconfig: string) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'server/out/cli.js'), ...args],
      { env: { ...process.env, KUBECONFIG: kubeconfig } },
      (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
    );
  });

describe('flux-workbench get --watch', () => {
  it('streams a status change and a spec change within seconds, one JSON line each; exits 0 on SIGTERM', async () => {
    await kubectl(cluster, ['create', 'namespace', 'cli-watch']);
    await apply(ks('watched', 'cli-watch'));
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'server/out/cli.js'), 'get', 'ks', '-n', 'cli-watch', '--watch', '-o', 'json'],
      { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const rows = () =>
      out
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, string>);
    const seen = (what: string, pred: (r: Record<string, string>) => boolean, ms: number) =>
      until(`${what} (stdout: ${out}, stderr: ${err})`, () => (rows().some(pred) ? true : undefined), ms, 20);
    try {
      await seen('the first listing', (r) => r['name'] === 'watched' && r['state'] === 'Pending', 30_000);
      let t0 = Date.now();
      await failStatus('watched', 'cli-watch', 'kustomization path not found: ./x');
      await seen(
        'the status change',
        (r) => r['state'] === 'Failed' && r['message'] === 'kustomization path not found: ./x',
        5_000,
      );
      const statusMs = Date.now() - t0;
      t0 = Date.now();
      await kubectl(cluster, [
        'patch',
        'kustomization',
        'watched',
        '-n',
        'cli-watch',
        '--type=merge',
        '-p',
        '{"spec":{"suspend":true}}',
      ]);
      await seen('the spec change', (r) => r['name'] === 'watched' && r['state'] === 'Suspended', 5_000);
      const specMs = Date.now() - t0;
      await kubectl(cluster, ['delete', 'kustomization', 'watched', '-n', 'cli-watch']);
      await seen('the deletion', (r) => r['name'] === 'watched' && r['state'] === 'Deleted', 5_000);
      const states = rows().map((r) => r['state']);
      assert.deepEqual(
        states,
        ['Pending', 'Failed', 'Suspended', 'Deleted'],
        'one line per change, no repeats',
      );
      process.stderr.write(
        `  get --watch: status change printed in ${statusMs} ms, spec change in ${specMs} ms\n`,
      );
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, err);
  });
});

describe('drawing the trees', () => {
  it('once the cache is synced, building every view (all nodes expanded, every item) sends no request', async () => {
    await kubectl(cluster, ['create', 'namespace', 'draw']);
    for (let i = 0; i < 5; i++) await apply(ks(`draw-${i}`, 'draw'));
    await failStatus('draw-0', 'draw', 'boom');
    await apply({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'repo', namespace: 'draw' },
      spec: { interval: '10m', url: 'https://example.invalid/repo.git', ref: { branch: 'main' } },
    });
    const explorer = new FluxExplorer({ kubeconfigFiles: [cluster.kubeconfig] });
    try {
      await explorer.loadKubeconfig();
      await explorer.show([ADMIN]);
      const s = explorer.session(ADMIN)!;
      await until('the cache', () =>
        s.settled && s.phase.phase === 'ready' && s.list({ kind: KS, namespace: 'draw' }).length === 5
          ? true
          : undefined,
      );
      const permissions = new Permissions(
        (context, kind, namespace) => canI(explorer.session(context)!, 'patch', kind, namespace),
        () => undefined,
      );
      const state: ViewState = {
        explorer,
        filter: emptyFilter(),
        permissions,
        now: () => Date.now(),
        trusted: true,
      };
      const models = [
        new ClustersModel(state),
        sourcesModel(state),
        new WorkloadsModel(state),
        notificationsModel(state),
        imagesModel(state),
        operatorModel(state),
      ];
      const lines: string[] = [];
      const draw = (m: (typeof models)[number], node?: Node, depth = 0) => {
        for (const c of m.children(node)) {
          const it = m.item(c);
          lines.push(`${'  '.repeat(depth)}${it.label}${it.description ? ` | ${it.description}` : ''}`);
          if (it.collapsible !== 'none') draw(m, c, depth + 1);
        }
      };
      // A recording pass-through around the session's real transport (as in faults.test.ts: every
      // request still goes to the real API server), so a call is seen when it is made; and the
      // transport's own counter, read after the calls it may have started had time to be sent.
      const real = s.transport!;
      const calls: string[] = [];
      s.transport = new Proxy(real, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== 'function') return v;
          return (...a: unknown[]) => {
            if (prop === 'request' || prop === 'stream')
              calls.push(`${String(prop)} ${String(a[0])} ${String(a[1])}`);
            return (v as (...x: unknown[]) => unknown).apply(target, a);
          };
        },
      });
      const before = real.requestCount;
      const sentBefore = real.sent.length;
      try {
        for (const m of models) draw(m);
      } finally {
        s.transport = real;
      }
      await new Promise((r) => setTimeout(r, 300));
      const sent = real.sent.slice(sentBefore).map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(calls, [], 'calls on the transport while drawing');
      assert.equal(real.requestCount - before, 0, `requests sent while drawing: ${sent.join(', ')}`);
      const text = lines.join('\n');
      for (let i = 0; i < 5; i++) assert.match(text, new RegExp(`draw-${i}`), text);
      assert.match(text, /boom/, 'the failure message is drawn from the cache');
      process.stderr.write(`  drew ${lines.length} items in ${models.length} views with 0 requests\n`);
    } finally {
      await explorer.dispose();
    }
  });
});

describe('tokens never printed', () => {
  it('the team-a token and a revoked token appear in no line the command line prints, nor in the engine messages', async () => {
    const teamToken = cluster.env['TEAM_A_TOKEN']!;
    assert.ok(teamToken.length >= 32);
    const revoked = 'revoked-0123456789abcdef0123456789abcdef';
    const revokedKc = writeKubeconfig(cluster, path.join(dir, 'revoked.json'), 'revoked', { token: revoked });
    await kubectl(cluster, ['create', 'namespace', 'team-a']).catch(() => undefined);
    await apply(ks('tenant', 'team-a'));
    await apply(ks('platform', 'flux-system'));
    const printed: string[] = [];
    const run = async (args: string[], kc: string, code: number) => {
      const r = await cli(args, kc);
      printed.push(r.out, r.err);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.out}${r.err}`);
      return r;
    };
    // connect + list (cluster scope forbidden: namespace-limited), an action, a forbidden action.
    const all = await run(['get', '-A', '-o', 'json'], cluster.kubeconfigTeamA, 0);
    assert.match(all.err, /forbidden/);
    assert.match(all.out, /"tenant"/);
    await run(['suspend', 'ks/tenant', '-n', 'team-a'], cluster.kubeconfigTeamA, 0);
    const denied = await run(['suspend', 'ks/platform', '-n', 'flux-system'], cluster.kubeconfigTeamA, 1);
    assert.match(denied.out + denied.err, /forbidden/i);
    // A rejected token: the 401 message.
    const rejected = await run(['get'], revokedKc, 1);
    assert.match(rejected.err + rejected.out, /401|Unauthorized|credential/i);

    // The engine in process: every phase and scope message, and an action's verdict.
    const explorer = new FluxExplorer({ kubeconfigFiles: [cluster.kubeconfigTeamA, revokedKc] });
    try {
      await explorer.loadKubeconfig();
      await explorer.show([TEAM_A, 'revoked']);
      const team = explorer.session(TEAM_A)!;
      const bad = explorer.session('revoked')!;
      await until('both sessions', () =>
        team.settled && (bad.settled || bad.phase.phase === 'error') ? true : undefined,
      );
      const verdict = await runAction(team, 'suspend', {
        kind: 'Kustomization',
        namespace: 'flux-system',
        name: 'platform',
      });
      assert.equal(verdict.ok, false);
      printed.push(JSON.stringify(verdict));
      for (const s of [team, bad]) {
        printed.push(JSON.stringify(s.phase));
        for (const k of s.kindStates()) for (const sc of k.scopes) printed.push(JSON.stringify(sc.phase));
      }
    } finally {
      await explorer.dispose();
    }
    const text = printed.join('\n');
    assert.match(text, /forbidden/);
    for (const secret of [teamToken, revoked])
      assert.ok(
        !text.includes(secret),
        `a token was printed:\n${text
          .split('\n')
          .filter((l) => l.includes(secret))
          .join('\n')}`,
      );
  });
});
