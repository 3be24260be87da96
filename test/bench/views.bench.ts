// Benchmark of the Flux tree views (issue 9, "Speed and memory"): the real view models
// (client/src/views) over the real live engine (client/src/cluster) against the real API server of
// test/cluster, seeded with 1,000 Kustomizations, 1,000 HelmReleases and 500 GitRepositories
// (status written through the status subresource, no controllers). What VS Code's tree does is
// played by calling the models as its TreeDataProvider is called (getChildren, getTreeItem for
// every row it draws, again for each node a change refreshes); VS Code's own IPC and DOM are not
// in these figures.
// @bench-needs-node22 (run.mjs runs this file on Node >= 22.19: @kubernetes/client-node 2.0).
//   1. first paint: from a new explorer to the drawn Workloads and Sources trees, vs
//      `kubectl get kustomizations,helmreleases,gitrepositories -A -o json` + 0.3 s;
//   2. a status change written to the API server until its rendered tree node shows it, p95
//      ≤ 250 ms: a message change (that node only) and a Ready -> Failed flip (the node and its
//      group's counts, so the group's 50 children are drawn again);
//   3. no stall of the event loop (the extension host's) over 50 ms while the cache fills and the
//      trees are drawn, and while a burst of 200 status writes is applied to the trees.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { canI, findKind, FluxExplorer, type ChangeBatch } from '../../client/src/cluster';
import { emptyFilter } from '../../client/src/views/shared/filter';
import type { Node } from '../../client/src/views/shared/nodes';
import { Permissions } from '../../client/src/views/shared/permissions';
import type { ViewState } from '../../client/src/views/shared/state';
import type { TreeModel } from '../../client/src/views/shared/treeModel';
import { sourcesModel } from '../../client/src/views/sources/kindsModel';
import { WorkloadsModel } from '../../client/src/views/workloads/workloadsModel';
import { kubectl, startCluster, stopCluster, until, type Cluster } from '../cluster/engine/harness';
import { adminClient, benchObjects, createNamespaces, seed, writeReady } from '../cluster/engine/seed';

const ADMIN = 'flux-workbench-admin@flux-workbench-test';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** Every row of a tree as drawn now (roots, and the children of expanded nodes), in one go. */
function draw(model: TreeModel, node?: Node, expandAll = false): number {
  let rows = 0;
  for (const c of model.children(node)) {
    const item = model.item(c);
    rows++;
    if (
      item.collapsible === 'expanded' ||
      (expandAll && item.collapsible === 'collapsed' && c.type === 'group')
    )
      rows += draw(model, c, expandAll);
  }
  return rows;
}

/**
 * Plays VS Code's side of a TreeDataProvider: each request it sends the extension host is a task
 * of its own (getChildren of one parent with getTreeItem of each child; or, for a refresh, the
 * getTreeItem of every refreshed node, then getChildren of those that are expanded). Tasks run one
 * per event-loop turn, as IPC messages arrive, so one long task is what a user would feel.
 */
class Renderer {
  private readonly queue: (() => void)[] = [];
  private running = false;
  private readonly waiters: (() => void)[] = [];
  /** Milliseconds of the longest task (wall clock), and of CPU time (what load on the machine does not inflate). */
  longest = 0;
  longestCpu = 0;
  /** Called with each node whose item is drawn. */
  onItem: ((n: Node) => void) | undefined;

  constructor(
    readonly model: TreeModel,
    private readonly expandAll: boolean,
  ) {}

  private schedule(task: () => void): void {
    this.queue.push(task);
    if (this.running) return;
    this.running = true;
    const next = () => {
      const t = this.queue.shift();
      if (!t) {
        this.running = false;
        for (const w of this.waiters.splice(0)) w();
        return;
      }
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      t();
      const cpu = process.cpuUsage(c0);
      this.longest = Math.max(this.longest, performance.now() - t0);
      this.longestCpu = Math.max(this.longestCpu, (cpu.user + cpu.system) / 1000);
      setImmediate(next);
    };
    setImmediate(next);
  }

  private expands(c: Node, collapsible: string): boolean {
    return (
      collapsible === 'expanded' || (this.expandAll && collapsible === 'collapsed' && c.type === 'group')
    );
  }

  /** getChildren(parent) and getTreeItem of each child; expanded children are requested next. */
  private fetch(parent: Node | undefined): void {
    this.schedule(() => {
      for (const c of this.model.children(parent)) {
        const it = this.model.item(c);
        this.onItem?.(c);
        if (this.expands(c, it.collapsible)) this.fetch(c);
      }
    });
  }

  /** onDidChangeTreeData(nodes), or (undefined) of the whole tree. */
  refresh(nodes: readonly Node[] | undefined): void {
    if (!nodes) return this.fetch(undefined);
    if (nodes.length === 0) return;
    this.schedule(() => {
      for (const n of nodes) {
        const it = this.model.item(n);
        this.onItem?.(n);
        if (it.collapsible === 'expanded' || (n.type === 'group' && this.expandAll)) this.fetch(n);
      }
    });
  }

  idle(): Promise<void> {
    return this.running ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }
}

function viewState(explorer: FluxExplorer): ViewState {
  const permissions = new Permissions(
    (context, kind, namespace) => canI(explorer.session(context)!, 'patch', kind, namespace),
    () => undefined,
  );
  return { explorer, filter: emptyFilter(), permissions, now: () => Date.now(), trusted: true };
}

async function timeKubectl(c: Cluster): Promise<number> {
  const t0 = performance.now();
  await kubectl(c, ['get', 'kustomizations,helmreleases,gitrepositories', '-A', '-o', 'json']);
  return performance.now() - t0;
}

interface Painted {
  explorer: FluxExplorer;
  workloads: WorkloadsModel;
  sources: TreeModel;
  renderers: Renderer[];
  ms: number;
  rows: number;
}

/**
 * A new explorer (all Flux kinds, as the extension runs it) until both trees are drawn complete.
 * The trees are drawn as VS Code draws them (Renderer): once at the start, then each batch of
 * changes refreshes the nodes the model names (the whole tree when it says so).
 */
async function firstPaint(c: Cluster, expandAll: boolean, withViews = true): Promise<Painted> {
  const t0 = performance.now();
  const explorer = new FluxExplorer({ kubeconfigFiles: [c.kubeconfig] });
  const state = viewState(explorer);
  const workloads = new WorkloadsModel(state);
  const sources = sourcesModel(state);
  const renderers = [new Renderer(workloads, expandAll), new Renderer(sources, expandAll)];
  const ks = findKind('Kustomization')!;
  const complete = () => {
    const s = explorer.session(ADMIN);
    return !!s && s.settled && s.list({ kind: ks }).length >= 1000;
  };
  const sub = explorer.onDidChange((b: ChangeBatch) => {
    if (withViews) for (const r of renderers) r.refresh(r.model.changed(b));
  });
  await explorer.loadKubeconfig();
  if (withViews) for (const r of renderers) r.refresh(undefined);
  void explorer.show([ADMIN]);
  // Complete when every workload and source of the seed is in a drawn group (not "listing ...")
  // and VS Code's side has nothing left to ask.
  let at = 0;
  await until(
    'the trees drawn',
    async () => {
      if (!complete()) return undefined;
      if (!withViews) return true;
      await Promise.all(renderers.map((r) => r.idle()));
      if (workloads.children().filter((n) => n.type === 'group').length < 20) return undefined;
      at = performance.now();
      return true;
    },
    300_000,
    5,
  );
  sub.dispose();
  const ms = (at || performance.now()) - t0;
  const rows = withViews ? draw(workloads, undefined, expandAll) + draw(sources, undefined, expandAll) : 0;
  return { explorer, workloads, sources, renderers, ms, rows };
}

async function paintVsKubectl(c: Cluster): Promise<void> {
  await timeKubectl(c);
  await (await firstPaint(c, false)).explorer.dispose();
  for (const expandAll of [false, true]) {
    const k: number[] = [];
    const ours: number[] = [];
    let rows = 0;
    let longest = 0;
    let longestCpu = 0;
    for (let i = 0; i < 3; i++) {
      k.push(await timeKubectl(c));
      const p = await firstPaint(c, expandAll);
      ours.push(p.ms);
      rows = p.rows;
      longest = Math.max(longest, ...p.renderers.map((r) => r.longest));
      longestCpu = Math.max(longestCpu, ...p.renderers.map((r) => r.longestCpu));
      await p.explorer.dispose();
    }
    const target = median(k) + 300;
    console.log(
      `| first paint, ${expandAll ? 'every group expanded' : 'groups as they open at this size (collapsed)'} (${rows} rows; longest drawing task ${longest.toFixed(0)} ms, CPU ${longestCpu.toFixed(0)} ms) | ${median(ours).toFixed(0)} ms | kubectl get -A -o json: ${median(k).toFixed(0)} ms | ${(median(ours) / median(k)).toFixed(2)}x | ≤ kubectl + 300 ms (${target.toFixed(0)} ms): ${verdict(median(ours) <= target)} |`,
    );
  }
}

function client(c: Cluster) {
  const api = adminClient(c);
  const patchStatus = (ns: string, name: string, ready: 'True' | 'False', message: string) =>
    writeReady(api, ns, name, ready, message);
  return { patchStatus, close: api.close };
}

/** From a status write to the rendered node showing it, through the engine's batches and the model. */
async function changeToNode(c: Cluster, p: Painted): Promise<void> {
  const { explorer, workloads } = p;
  const ks = findKind('Kustomization')!;
  const s = explorer.session(ADMIN)!;
  const api = client(c);
  const r = new Renderer(workloads, true); // every namespace expanded, as a user looking at them
  r.refresh(undefined);
  await r.idle();
  const sub = explorer.onDidChange((batch) => r.refresh(workloads.changed(batch)));
  const byName = new Map(s.list({ kind: ks }).map((o) => [o.name, o.namespace]));
  for (const flip of [false, true]) {
    const ms: number[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `bench-ks-${(i * 37 + (flip ? 500 : 0)) % 1000}`;
      const ns = byName.get(name)!;
      const id = `fluxWorkbench.workloads|${ADMIN}|Kustomization|${ns}/${name}`;
      const message = `bench ${flip ? 'flip' : 'message'} ${i} ${Date.now()}`;
      if (!flip) {
        // Failed already (untimed): the timed write changes only its message.
        await api.patchStatus(ns, name, 'False', `${message} (before)`);
        await until(
          'failed',
          () => (s.get(ks, ns, name)?.status.state === 'Failed' ? true : undefined),
          10_000,
          1,
        );
        await new Promise((res) => setTimeout(res, 100));
        await r.idle();
      }
      let seenAt = 0;
      // Drawn: VS Code asked for the node's item again after the cache had the new status.
      r.onItem = (n) => {
        if (!seenAt && n.id === id && s.get(ks, ns, name)?.status.message === message)
          seenAt = performance.now();
      };
      const t0 = performance.now();
      // A failed object's message changes (same state), or a Ready object turns Failed.
      await api.patchStatus(ns, name, 'False', message);
      await until('the node', () => (seenAt ? true : undefined), 10_000, 1);
      ms.push(seenAt - t0);
      r.onItem = undefined;
      await api.patchStatus(
        ns,
        name,
        'True',
        'Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567',
      );
      await new Promise((res) => setTimeout(res, 100));
      await r.idle();
    }
    console.log(
      `| status write -> rendered tree node, ${flip ? 'Ready -> Failed (node and its group redrawn)' : 'message change (that node only)'}, p95 of 40 | ${pct(ms, 95).toFixed(1)} ms (p50 ${pct(ms, 50).toFixed(1)}) | the best web UI polls every 30 s | | ≤ 250 ms: ${verdict(pct(ms, 95) <= 250)} |`,
    );
  }
  sub.dispose();
  console.log(
    `| longest drawing task while changes arrived (VS Code's getChildren/getTreeItem of one request) | ${r.longest.toFixed(1)} ms | | | |`,
  );
  api.close();
}

/** The longest event-loop wait while the cache fills and both trees are drawn, then during a burst. */
async function stalls(c: Cluster): Promise<void> {
  // The engine alone first (what the views add is the difference).
  const h0 = monitorEventLoopDelay({ resolution: 5 });
  h0.enable();
  await (await firstPaint(c, true, false)).explorer.dispose();
  h0.disable();
  console.log(
    `| event-loop delay while the cache fills, the engine alone (baseline): max (p99) | ${(h0.max / 1e6).toFixed(0)} ms (${(h0.percentile(99) / 1e6).toFixed(0)} ms) | | | |`,
  );
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const p = await firstPaint(c, true);
  h.disable();
  const paintTask = Math.max(...p.renderers.map((r) => r.longest));
  const paintCpu = Math.max(...p.renderers.map((r) => r.longestCpu));
  console.log(
    `| event-loop delay while the cache fills and the trees are drawn (every group expanded): max (p99); the views' longest task (CPU) | ${(h.max / 1e6).toFixed(0)} ms (${(h.percentile(99) / 1e6).toFixed(0)} ms); ${paintTask.toFixed(1)} ms (${paintCpu.toFixed(1)} ms) | | | no stall over 50 ms: ${verdict(h.max / 1e6 <= 50)} (the views' own: ${verdict(paintTask <= 50)}) |`,
  );
  const ks = findKind('Kustomization')!;
  const s = p.explorer.session(ADMIN)!;
  const api = client(c);
  const targets = s.list({ kind: ks }).slice(0, 200);
  let handled = 0;
  let worst = 0;
  const r = new Renderer(p.workloads, true);
  r.refresh(undefined);
  await r.idle();
  r.longest = 0;
  const sub = p.explorer.onDidChange((batch) => {
    const t = performance.now();
    r.refresh(p.workloads.changed(batch));
    worst = Math.max(worst, performance.now() - t);
    handled += batch.length;
  });
  const h2 = monitorEventLoopDelay({ resolution: 5 });
  h2.enable();
  await Promise.all(targets.map((o, i) => api.patchStatus(o.namespace, o.name, 'False', `burst ${i}`)));
  await until('the burst', () => (handled >= 200 ? true : undefined), 30_000, 5).catch(() => undefined);
  await r.idle();
  h2.disable();
  sub.dispose();
  console.log(
    `| event-loop delay during a burst of 200 status writes (Ready -> Failed) applied to the trees: max (p99); the views' longest task (a batch's changes; a drawing request) | ${(h2.max / 1e6).toFixed(0)} ms (${(h2.percentile(99) / 1e6).toFixed(0)} ms); ${worst.toFixed(1)} ms; ${r.longest.toFixed(1)} ms (CPU ${r.longestCpu.toFixed(1)} ms) | | | no stall over 50 ms: ${verdict(h2.max / 1e6 <= 50)} (the views' own: ${verdict(Math.max(worst, r.longest) <= 50)}) |`,
  );
  await Promise.all(targets.map((o) => api.patchStatus(o.namespace, o.name, 'True', 'Applied revision: x')));
  api.close();
  await p.explorer.dispose();
}

/** The drawing alone (in-process CPU): every row of both trees, cold, then again with nothing changed. */
function drawCost(p: Painted): void {
  for (const m of [p.workloads, p.sources]) m.reset();
  let t = performance.now();
  const c0 = process.cpuUsage();
  const rows = draw(p.workloads, undefined, true) + draw(p.sources, undefined, true);
  const cold = performance.now() - t;
  const coldCpu = process.cpuUsage(c0);
  t = performance.now();
  draw(p.workloads, undefined, true);
  draw(p.sources, undefined, true);
  const warm = performance.now() - t;
  console.log(
    `| drawing every row of both trees (${rows} rows), cold; again with nothing changed | ${cold.toFixed(1)} ms (CPU ${((coldCpu.user + coldCpu.system) / 1000).toFixed(1)} ms, ${((coldCpu.user + coldCpu.system) / rows).toFixed(1)} µs a row); ${warm.toFixed(1)} ms | | | |`,
  );
}

async function main(): Promise<void> {
  console.log(
    'tree views benchmark (real view models over the live engine and a real kube-apiserver; figures from this run)\n',
  );
  console.log(
    '| measure | Flux Workbench | baseline in the same run | ratio | target |\n|---|---|---|---|---|',
  );
  const c = await startCluster('fw-bench-views', '');
  try {
    const namespaces = Array.from({ length: 20 }, (_, i) => `bench-${i}`);
    await createNamespaces(c, namespaces);
    await seed(
      c,
      benchObjects({ kustomizations: 1000, helmReleases: 1000, gitRepositories: 500, namespaces }),
    );
    await paintVsKubectl(c);
    const p = await firstPaint(c, false);
    await changeToNode(c, p);
    drawCost(p);
    await p.explorer.dispose();
    await stalls(c);
  } finally {
    await stopCluster(c);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`views.bench: failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
