// Live engine benchmark (issue 9, "Speed and memory"), against the real API server of test/cluster.
// @bench-needs-node22 (run.mjs runs this file on Node >= 22.19: @kubernetes/client-node 2.0).
// Baselines are measured in the same run:
//   1. cache complete (Kustomizations, HelmReleases, GitRepositories listed and watching) vs
//      `kubectl get kustomizations,helmreleases,gitrepositories -A -o json`, at 2,500 objects
//      (1,000 + 1,000 + 500, status written through the status subresource) and at 20,000;
//      target ≤ 1.2x;
//   2. a status change reaching the cache (and the batched notification views get), p95 ≤ 250 ms
//      (the best web UI polls every 30 s);
//   3. heap added by the cache for 2,500 objects, ≤ 60 MB;
//   4. an action's verdict vs the real `flux reconcile` of the flux CLI (which polls every 2 s) on
//      the same Kustomization, and our delay after the controller's status write reaches the API
//      server's watch (≤ 100 ms).
// The tree-paint and extension-host-stall figures belong to the views' benchmark: it can seed the
// same objects with test/cluster/engine/seed.ts (benchObjects, seed) and, with
// FLUX_WORKBENCH_BENCH_KEEP=1, this benchmark leaves its seeded cluster running and prints its KUBECONFIG.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { findKind, FluxExplorer, kindKey, runAction, type ContextSession } from '../../client/src/cluster';
import { kubectl, repoRoot, startCluster, stopCluster, until, type Cluster } from '../cluster/engine/harness';
import { adminClient, benchObjects, createNamespaces, seed, writeReady } from '../cluster/engine/seed';

const KINDS = ['Kustomization', 'HelmRelease', 'GitRepository'].map((k) => findKind(k)!);
const ADMIN = 'flux-workbench-admin@flux-workbench-test';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function timeKubectl(c: Cluster): Promise<{ ms: number; count: number }> {
  const t0 = performance.now();
  const out = await kubectl(c, ['get', 'kustomizations,helmreleases,gitrepositories', '-A', '-o', 'json']);
  const ms = performance.now() - t0;
  return { ms, count: (JSON.parse(out) as { items: unknown[] }).items.length };
}

/** A fresh explorer watching the three kinds until all are listed and watching; resolves its time. */
async function timeCache(
  c: Cluster,
  keep = false,
): Promise<{ ms: number; count: number; explorer: FluxExplorer; session: ContextSession }> {
  const t0 = performance.now();
  const explorer = new FluxExplorer({
    kubeconfigFiles: [c.kubeconfig],
    kinds: KINDS.map(kindKey),
    watchControllers: false,
    watchCrds: false,
  });
  await explorer.loadKubeconfig();
  await explorer.show([ADMIN]);
  const session = explorer.session(ADMIN)!;
  await until(
    'the cache to be complete',
    () => (KINDS.every((k) => session.reflectors(k)[0]?.synced) ? true : undefined),
    300_000,
    2,
  );
  const ms = performance.now() - t0;
  const count = KINDS.reduce((n, k) => n + session.list({ kind: k }).length, 0);
  if (!keep) await explorer.dispose();
  return { ms, count, explorer, session };
}

/** The longest the event loop waited while a fresh cache filled (what the extension host would feel). */
async function loopDelay(c: Cluster, label: string): Promise<void> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  await timeCache(c);
  h.disable();
  console.log(
    `| event-loop delay while the cache fills, ${label}: max (p99) | ${(h.max / 1e6).toFixed(0)} ms (${(h.percentile(99) / 1e6).toFixed(0)} ms) | | | no stall over 50 ms (the extension host's figure: views' benchmark): ${verdict(h.max / 1e6 <= 50)} |`,
  );
}

async function cacheVsKubectl(c: Cluster, label: string): Promise<void> {
  await timeKubectl(c); // warms kubectl's discovery cache and the API server
  await timeCache(c);
  const k: number[] = [];
  const ours: number[] = [];
  let counts = '';
  for (let i = 0; i < 3; i++) {
    const a = await timeKubectl(c);
    const b = await timeCache(c);
    k.push(a.ms);
    ours.push(b.ms);
    counts = `${b.count} cached, kubectl ${a.count}`;
  }
  const ratio = median(ours) / median(k);
  console.log(
    `| cache complete, ${label} (${counts}) | ${median(ours).toFixed(0)} ms | kubectl get -A -o json: ${median(k).toFixed(0)} ms | ${ratio.toFixed(2)}x | ≤ 1.2x: ${verdict(ratio <= 1.2)} |`,
  );
}

async function statusLatency(c: Cluster): Promise<void> {
  const { explorer, session } = await timeCache(c, true);
  const ks = findKind('Kustomization')!;
  const toCache: number[] = [];
  const toBatch: number[] = [];
  const api = adminClient(c);
  const patch = (ns: string, name: string, message: string) => writeReady(api, ns, name, 'False', message);
  for (let i = 0; i < 60; i++) {
    const name = `bench-ks-${(i * 37) % 1000}`;
    const ns = session.list({ kind: ks }).find((o) => o.name === name)!.namespace;
    const message = `bench ${i} ${Date.now()}`;
    let cachedAt = 0;
    let batchedAt = 0;
    const sub = session.observe(ks, ns, name, (o) => {
      if (!cachedAt && o?.status.message === message) cachedAt = performance.now();
    });
    const b = explorer.onDidChange((batch) => {
      if (!batchedAt && cachedAt && batch.some((ch) => ch.key === `${ns}/${name}`))
        batchedAt = performance.now();
    });
    const t0 = performance.now();
    await patch(ns, name, message);
    await until('the change', () => (batchedAt ? true : undefined), 10_000, 1);
    sub.dispose();
    b.dispose();
    // From the write request's start: the API server's commit is inside that interval.
    toCache.push(cachedAt - t0);
    toBatch.push(batchedAt - t0);
  }
  api.close();
  console.log(
    `| status write -> cache, p95 of 60 | ${pct(toCache, 95).toFixed(1)} ms (p50 ${pct(toCache, 50).toFixed(1)}) | the best web UI polls every 30 s | | ≤ 250 ms: ${verdict(pct(toCache, 95) <= 250)} |`,
  );
  console.log(
    `| status write -> batched change notification (what the tree refreshes on), p95 | ${pct(toBatch, 95).toFixed(1)} ms (p50 ${pct(toBatch, 50).toFixed(1)}) | | | ≤ 250 ms to the rendered node: ${verdict(pct(toBatch, 95) <= 250)} (rendering: views' benchmark) |`,
  );
  await explorer.dispose();
}

async function heap(c: Cluster): Promise<void> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const { explorer, count } = await timeCache(c, true);
  gc();
  gc();
  const mb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  console.log(
    `| heap added by the cache, ${count} objects${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: includes garbage)'} | ${mb.toFixed(1)} MB | | | ≤ 60 MB: ${verdict(mb <= 60)} |`,
  );
  await explorer.dispose();
}

/** Our verdict vs `flux reconcile` on the same Kustomization (real controllers). */
async function actionVerdict(): Promise<void> {
  let flux: string;
  try {
    flux = execFileSync('bash', [path.join(repoRoot, 'test/build/ensure-flux-cli.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    if (!fs.existsSync(flux)) throw new Error(`no binary at ${flux}`);
  } catch (err) {
    console.log(
      `| action verdict vs flux reconcile | not measured: the flux CLI could not be built (${(err as Error).message.split('\n')[0]}) | | | MISSED |`,
    );
    return;
  }
  const c = await startCluster('fw-bench-actions');
  try {
    const explorer = new FluxExplorer({ kubeconfigFiles: [c.kubeconfig] });
    await explorer.loadKubeconfig();
    await explorer.show([ADMIN]);
    const s = explorer.session(ADMIN)!;
    await until('listed', () => (s.settled ? true : undefined), 60_000);
    const ref = { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' };
    const ours: number[] = [];
    const cli: number[] = [];
    const lag: number[] = [];
    for (let i = 0; i < 3; i++) {
      // The moment the controller's status write reaches a plain watch of our own, beside the cache.
      let rawAt = 0;
      let token = '';
      const raw = rawWatch(c, (obj) => {
        if (!rawAt && token && obj?.status?.lastHandledReconcileAt === token) rawAt = performance.now();
      });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      const v = await runAction(s, 'reconcile', ref, {
        timeoutMs: 120_000,
        onProgress: () => undefined,
        onStep: (st) => (token = st.token ?? token),
      });
      const vAt = performance.now();
      token = token || (v.steps[0]?.token ?? '');
      await until('the raw watch', () => (rawAt || !token ? true : undefined), 5000, 5).catch(
        () => undefined,
      );
      raw.destroy();
      if (!v.ok) throw new Error(`reconcile failed: ${v.message}`);
      ours.push(vAt - t0);
      // Signed: negative when our cache saw the write before the reference watch did.
      if (rawAt) lag.push(vAt - rawAt);
      const t1 = performance.now();
      await new Promise<void>((resolve, reject) =>
        execFile(
          flux,
          ['reconcile', 'kustomization', 'apps', '-n', 'flux-system', '--timeout', '2m'],
          { env: { ...process.env, KUBECONFIG: c.kubeconfig } },
          (err, _o, e) => (err ? reject(new Error(e)) : resolve()),
        ),
      );
      cli.push(performance.now() - t1);
    }
    await explorer.dispose();
    const r = median(ours) / median(cli);
    console.log(
      `| reconcile Kustomization apps: verdict | ${median(ours).toFixed(0)} ms | flux reconcile (same object, same run): ${median(cli).toFixed(0)} ms | ${r.toFixed(2)}x | sooner than the CLI: ${verdict(median(ours) < median(cli))} |`,
    );
    console.log(
      `| verdict after the controller's status write reached a plain watch on its own connection (signed: negative = ours first) | ${lag.length ? `median ${median(lag).toFixed(1)} ms, max ${Math.max(...lag).toFixed(1)} ms` : 'not measured (the reference watch missed it)'} | | | ≤ 100 ms: ${verdict(lag.length > 0 && Math.max(...lag) <= 100)} |`,
    );
  } finally {
    await stopCluster(c);
  }
}

/** A plain watch of Kustomization flux-system/apps on its own connection (the reference timing). */
function rawWatch(
  c: Cluster,
  onObject: (o: { status?: Record<string, unknown> } | undefined) => void,
): { destroy(): void } {
  const url = new URL(c.env['KAS_URL']!);
  const req = https.request({
    host: url.hostname,
    port: url.port,
    path: '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations?watch=1&fieldSelector=metadata.name%3Dapps',
    ca: fs.readFileSync(c.env['CA_FILE']!),
    headers: { Authorization: `Bearer ${c.env['ADMIN_TOKEN']}` },
  });
  req.on('response', (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          onObject(JSON.parse(line).object);
        } catch {
          // partial line
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { destroy: () => req.destroy() };
}

async function main(): Promise<void> {
  console.log('live engine benchmark (real kube-apiserver and etcd; figures from this run)\n');
  console.log(
    '| measure | Flux Workbench | baseline in the same run | ratio | target |\n|---|---|---|---|---|',
  );
  const c = await startCluster('fw-bench', '');
  let keep = false;
  try {
    const namespaces = Array.from({ length: 20 }, (_, i) => `bench-${i}`);
    await createNamespaces(c, namespaces);
    await seed(
      c,
      benchObjects({ kustomizations: 1000, helmReleases: 1000, gitRepositories: 500, namespaces }),
    );
    await cacheVsKubectl(c, '2,500 objects');
    await loopDelay(c, '2,500 objects');
    await statusLatency(c);
    await heap(c);
    await seed(
      c,
      benchObjects({
        kustomizations: 17_500,
        helmReleases: 0,
        gitRepositories: 0,
        namespaces,
        prefix: 'bulk',
      }),
      48,
    );
    await cacheVsKubectl(c, '20,000 objects');
    await loopDelay(c, '20,000 objects');
    keep = process.env['FLUX_WORKBENCH_BENCH_KEEP'] === '1';
    if (keep)
      console.log(
        `\nseeded cluster left running: KUBECONFIG=${c.kubeconfig} (stop: FLUX_WORKBENCH_CLUSTER_DIR=${c.state} npm run cluster:down)`,
      );
  } finally {
    if (!keep) await stopCluster(c);
  }
  await actionVerdict();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`explorer.bench: failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
