// The cluster inside the editor (issue 12), end to end in code-server against the real test
// cluster of the explorer's scenario (run.mjs runs these steps after the explorer's; each step
// sets up what it needs, so E2E_ONLY=bridge runs them right after the explorer's first two).
//
// Live state above the Kustomization of the example repository and Reconcile from it, ending in
// the controller's verdict; a plain manifest in its Kustomization's live inventory; the cluster's
// CRDs and substituteFrom values in the language server; Go to Definition from a tree item; the
// dependsOn graph with a chain the controllers really block; Diff Build with Cluster.
import fs from 'node:fs';
import path from 'node:path';
import { quickOpen, runCommand, statusBarTexts, waitCursor } from './lib/workbench.mjs';
import {
  clearToasts,
  contextMenu,
  focusPane,
  openFluxContainer,
  rowLocator,
  waitToast,
} from './lib/fluxView.mjs';
import { kubectl, kubectlJson, shortRevision } from './lib/cluster.mjs';
import { ADMIN, pickContexts } from './explorer.mjs';
import { hoverKeyAt } from './lib/builtinSteps.mjs';

const README_SHOTS = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '../../test-results/e2e/readme',
);

async function readmeShot(page, name, clip) {
  fs.mkdirSync(README_SHOTS, { recursive: true });
  await page.waitForTimeout(500);
  await page
    .screenshot({ path: path.join(README_SHOTS, `${name}.png`), ...(clip ? { clip } : {}) })
    .catch(() => {});
}

/** The texts of the CodeLens lines drawn in the active editor. */
async function lensTexts(page) {
  return (await page.locator('.editor-instance .monaco-editor .codelens-decoration').allInnerTexts()).map(
    (t) => t.replace(/\u00a0/g, ' ').trim(),
  );
}

async function waitLens(page, re, timeout = 60_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const texts = await lensTexts(page);
    const hit = texts.find((t) => re.test(t));
    if (hit) return { hit, texts };
    if (Date.now() > until)
      throw new Error(`no CodeLens matching ${re} after ${timeout} ms; lenses: ${JSON.stringify(texts)}`);
    await page.waitForTimeout(250);
  }
}

/** Line (1-based) of `name: <name>` in a workspace file. */
function nameLine(ws, rel, name) {
  const lines = fs.readFileSync(path.join(ws, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s+name:\\s+${name}\\s*$`).test(l));
  if (i < 0) throw new Error(`test bug: no "name: ${name}" in ${rel}`);
  return i + 1;
}

/** Live state above infrastructure.yaml's Kustomization, as kubectl reads it; a plain manifest's inventory line. */
export async function stepLens(ctx) {
  const { page } = ctx;
  await openFluxContainer(page);
  await pickContexts(page, [ADMIN]);
  await runCommand(page, 'View: Close All Editor Groups');
  const ks = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'infrastructure']);
  const rev = shortRevision(ks.status.lastAppliedRevision);
  await quickOpen(page, 'clusters/production/infrastructure.yaml');
  const { hit, texts } = await waitLens(
    page,
    new RegExp(`Ready · ${rev.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · `),
  );
  for (const want of ['Reconcile', 'Suspend', 'Show in Flux View'])
    if (!texts.some((t) => t.includes(want)))
      throw new Error(`the live lens offers no ${want}: ${JSON.stringify(texts)}`);
  await readmeShot(page, 'live-lens', { x: 620, y: 60, width: 820, height: 260 });
  // A plain manifest rendered by that Kustomization: in its live inventory, at its revision.
  await quickOpen(page, 'infrastructure/controllers/namespace.yaml');
  const inv = await waitLens(page, /applied by Kustomization flux-system\/infrastructure at /);
  if (!inv.hit.includes(rev))
    throw new Error(`the inventory lens names another revision: ${inv.hit} (kubectl: ${rev})`);
  return { kubectl: rev, lens: hit, inventory: inv.hit };
}

/** Reconcile from the lens: the notification is the engine's verdict, and the controller handled our token. */
export async function stepLensReconcile(ctx) {
  const { page } = ctx;
  await clearToasts(page);
  await quickOpen(page, 'clusters/production/infrastructure.yaml');
  await waitLens(page, /Ready · /);
  await page
    .locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: /^Reconcile$/ })
    .first()
    .click();
  const toast = await waitToast(page, /Reconcile Kustomization flux-system\/infrastructure: /, 90_000);
  const ks = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'infrastructure']);
  const token = ks.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  if (!token || ks.status.lastHandledReconcileAt !== token)
    throw new Error(
      `the controller did not handle the request: requestedAt ${token}, lastHandledReconcileAt ${ks.status.lastHandledReconcileAt}`,
    );
  if (!toast.includes(`applied revision ${ks.status.lastAppliedRevision}`))
    throw new Error(
      `the verdict does not name the applied revision ${ks.status.lastAppliedRevision}: ${toast}`,
    );
  await readmeShot(page, 'lens-reconcile');
  // Show in Flux View: the lens selects the object's item in the Workloads view.
  await page
    .locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: /^Show in Flux View$/ })
    .first()
    .click();
  const row = rowLocator(page, 'Workloads', 'infrastructure');
  await page.waitForFunction(
    (el) => el?.getAttribute('aria-selected') === 'true',
    await row.elementHandle({ timeout: 30_000 }),
    { timeout: 30_000 },
  );
  return { toast, token, revealed: 'Workloads: infrastructure selected' };
}

/** The cluster's CRDs name the schema source; a preview takes substituteFrom from the cluster. */
export async function stepClusterLanguage(ctx) {
  const { page } = ctx;
  const until = Date.now() + 60_000;
  let schemas = [];
  for (;;) {
    schemas = (await statusBarTexts(page)).filter((t) => t.includes('Flux schemas'));
    if (schemas.some((t) => t.includes(`cluster (${ADMIN})`))) break;
    if (Date.now() > until)
      throw new Error(`the status bar does not name the cluster's schemas: ${JSON.stringify(schemas)}`);
    await page.waitForTimeout(500);
  }
  // A value only the cluster has: the preview must show it (the repository says production-eu-west-1).
  await kubectl(ctx.cluster, [
    '-n',
    'flux-system',
    'patch',
    'configmap',
    'cluster-vars',
    '--type=merge',
    '-p',
    '{"data":{"CLUSTER_NAME":"from-the-live-cluster"}}',
  ]);
  try {
    await runCommand(page, 'View: Close All Editor Groups');
    await quickOpen(page, 'clusters/production/apps.yaml');
    await page
      .locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'Preview build' })
      .first()
      .click();
    const preview = page.locator('.editor-instance .monaco-editor .view-lines', {
      hasText: 'values from cluster',
    });
    await preview.first().waitFor({ timeout: 60_000 });
    // The header wraps its long lines ("#   " continues them): read them joined.
    const text = (await preview.first().innerText()).replace(/\u00a0/g, ' ').replace(/\n#\s{3,}/g, ' ');
    if (!text.includes(`values from cluster ${ADMIN}`))
      throw new Error(`the header does not name the cluster: ${text.slice(0, 800)}`);
    if (!/CLUSTER_NAME=from-the-live-cluster/.test(text))
      throw new Error(`CLUSTER_NAME is not the cluster's value: ${text.slice(0, 1200)}`);
    await readmeShot(page, 'preview-cluster-values');
    return {
      status: schemas.find((t) => t.includes('cluster')),
      header: text.split('\n').filter((l) => /values from cluster|CLUSTER_NAME/.test(l)),
    };
  } finally {
    await kubectl(ctx.cluster, [
      '-n',
      'flux-system',
      'patch',
      'configmap',
      'cluster-vars',
      '--type=merge',
      '-p',
      '{"data":{"CLUSTER_NAME":"production-eu-west-1"}}',
    ]);
  }
}

/**
 * The cluster's /openapi/v3 as the built-in kinds' schemas: the status bar names the cluster and its
 * Kubernetes version, a hover on a Deployment field names it as the source; and the setter marker
 * of that Deployment shows the ImagePolicy's latest image from the cluster (its status written as
 * image-reflector-controller would: that controller does not run in the test cluster).
 */
export async function stepClusterBuiltins(ctx) {
  const { page } = ctx;
  const file = 'apps/base/podinfo/deployment.yaml';
  const k8s = `K8s v1.36 from cluster ${ADMIN}`;
  const until = Date.now() + 90_000;
  let status = '';
  for (;;) {
    status = (await statusBarTexts(page)).find((t) => t.includes('Flux schemas')) ?? '';
    if (status.includes(k8s)) break;
    if (Date.now() > until)
      throw new Error(`the status bar does not say "${k8s}": ${JSON.stringify(status)}`);
    await page.waitForTimeout(500);
  }
  await runCommand(page, 'View: Close All Editor Groups');
  await quickOpen(page, file);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'Deployment' }).waitFor();
  const lines = fs.readFileSync(path.join(ctx.ws, file), 'utf8').split('\n');
  const replicas = lines.findIndex((l) => /^ {2}replicas:/.test(l)) + 1;
  const hover = await hoverKeyAt(page, replicas, /desired pods/i);
  const source = `Kubernetes v1.36 OpenAPI from cluster ${ADMIN}`;
  if (!hover.includes(source))
    throw new Error(`the hover does not name "${source}": ${JSON.stringify(hover)}`);
  await readmeShot(page, 'hover-cluster-builtins', { x: 620, y: 90, width: 820, height: 190 });
  await page.keyboard.press('Escape');
  await kubectl(ctx.cluster, [
    '-n',
    'flux-system',
    'patch',
    'imagepolicy',
    'podinfo',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { latestRef: { name: 'ghcr.io/stefanprodan/podinfo', tag: '6.9.3' } } }),
  ]);
  // The cursor inside the marker (the editor scrolls to it: the line is wider than the editor),
  // then Show Hover (Ctrl+K Ctrl+I), until the cluster's object list (sent at most once a second)
  // has reached the server.
  const want = `Latest image in cluster ${ADMIN}: ghcr.io/stefanprodan/podinfo:6.9.3`;
  const markerLine = lines.findIndex((l) => l.includes('$imagepolicy')) + 1;
  const col = lines[markerLine - 1].indexOf('flux-system:podinfo') + 5;
  const markerUntil = Date.now() + 60_000;
  let marker = '';
  for (;;) {
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`:${markerLine}:${col}`);
    await page.keyboard.press('Enter');
    await waitCursor(
      page,
      (p) => p.line === markerLine && p.col === col,
      15_000,
      `Ln ${markerLine}, Col ${col}`,
    );
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const shown = page
      .locator('.monaco-hover:visible')
      .filter({ hasText: 'Image automation setter' })
      .first();
    await shown.waitFor({ timeout: 20_000 }).catch(() => undefined);
    marker = (await shown.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    if (marker.includes(want)) break;
    if (Date.now() > markerUntil)
      throw new Error(`the marker's hover does not show "${want}": ${JSON.stringify(marker)}`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
  await readmeShot(page, 'hover-setter-latest-image', { x: 620, y: 340, width: 820, height: 160 });
  return { status, hover: hover.slice(-300), marker: marker.slice(0, 400) };
}

/** Go to Definition from the Workloads item of team-a-apps opens its file at the line of its name. */
export async function stepDefinition(ctx) {
  const { page } = ctx;
  await runCommand(page, 'View: Close All Editor Groups');
  await focusPane(page, 'Workloads');
  await (await contextMenu(page, 'Workloads', 'team-a-apps', 'Go to Definition')).click();
  await page.locator('.tabs-container .tab.active', { hasText: 'team-a.yaml' }).waitFor({ timeout: 30_000 });
  const line = nameLine(ctx.ws, 'clusters/production/team-a.yaml', 'team-a-apps');
  const pos = await waitCursor(page, (p) => p.line === line, 10_000, `line ${line}`);
  return { file: 'clusters/production/team-a.yaml', line: pos.text };
}

const CHAIN = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: e2e-broken, namespace: flux-system }
spec:
  interval: 10m
  path: ./no-such-folder
  prune: false
  sourceRef: { kind: GitRepository, name: flux-repo }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: e2e-waiting, namespace: flux-system }
spec:
  interval: 10m
  retryInterval: 10s
  path: ./infrastructure/controllers
  prune: false
  dependsOn: [{ name: infrastructure }, { name: e2e-broken }]
  sourceRef: { kind: GitRepository, name: flux-repo }
`;

/** The dependsOn graph: a chain the controllers block (Ready -> Failed -> Waiting), its colours, why blocked. */
export async function stepGraph(ctx) {
  const { page } = ctx;
  const file = path.join(path.dirname(ctx.ws), 'e2e-chain.yaml');
  fs.writeFileSync(file, CHAIN);
  await kubectl(ctx.cluster, ['apply', '-f', file]);
  // Wait until the controllers have judged both (kubectl's word, not ours).
  const until = Date.now() + 90_000;
  let waiting;
  let broken;
  for (;;) {
    broken = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'e2e-broken']);
    waiting = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'e2e-waiting']);
    const r = (o) => (o.status?.conditions ?? []).find((c) => c.type === 'Ready');
    if (r(broken)?.status === 'False' && r(waiting)?.reason === 'DependencyNotReady') break;
    if (Date.now() > until)
      throw new Error(`the controllers did not block the chain: ${JSON.stringify([r(broken), r(waiting)])}`);
    await page.waitForTimeout(1000);
  }
  await runCommand(page, 'View: Close All Editor Groups');
  await runCommand(page, 'Flux: Show Dependency Graph');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const node = (name) => frame.locator(`g.node[data-id="Kustomization/flux-system/${name}"]`);
  const classOf = async (name, want) => {
    const until = Date.now() + 30_000;
    for (;;) {
      const cls = (await node(name).getAttribute('class', { timeout: 30_000 })) ?? '';
      if (cls.split(' ').includes(want)) return cls;
      if (Date.now() > until) throw new Error(`${name} is drawn as "${cls}", not ${want}`);
      await page.waitForTimeout(500);
    }
  };
  const classes = {
    infrastructure: await classOf('infrastructure', 'ready'),
    'e2e-broken': await classOf('e2e-broken', 'failed'),
    'e2e-waiting': await classOf('e2e-waiting', 'waiting'),
  };
  const kinds = await kubectlJson(ctx.cluster, ['get', 'kustomizations,helmreleases', '-A']);
  const drawn = await frame.locator('g.node.workload').count();
  if (drawn !== kinds.items.length)
    throw new Error(`${drawn} workload nodes drawn, kubectl lists ${kinds.items.length}`);
  const edges = await frame.locator('path.edge.dependsOn').count();
  await node('e2e-waiting').click();
  const root = (await frame.locator('#blockedRoot').innerText({ timeout: 10_000 })).trim();
  const chain = await frame.locator('#chain li').allInnerTexts();
  const brokenMessage = broken.status.conditions.find((c) => c.type === 'Ready').message;
  if (chain[0] !== 'Kustomization/flux-system/e2e-broken') throw new Error(`the chain starts at ${chain[0]}`);
  if (!root.includes(brokenMessage.slice(0, 40)))
    throw new Error(`why blocked lacks the controller's message "${brokenMessage}": ${root}`);
  await readmeShot(page, 'dependency-graph');
  // From a node to the file that defines it: the graph opens at a readable zoom on the failing
  // object, so first Fit the whole graph in view, as a user would.
  await frame.locator('#zoomFit').click();
  await node('infrastructure').click();
  await frame.locator('#details button[data-action="open"]').click();
  await page
    .locator('.tabs-container .tab.active', { hasText: 'infrastructure.yaml' })
    .waitFor({ timeout: 30_000 });
  await kubectl(ctx.cluster, ['delete', '-f', file, '--wait=false']).catch(() => {});
  return { classes, drawn, edges, chain, root, opened: 'clusters/production/infrastructure.yaml' };
}

/** Diff Build with Cluster: a local edit shows as drift of the live ConfigMap, Secrets masked. */
export async function stepDiffWithCluster(ctx) {
  const { page } = ctx;
  const rel = 'apps/production/app-config.yaml';
  const f = path.join(ctx.ws, rel);
  const before = fs.readFileSync(f, 'utf8');
  const live = await kubectlJson(ctx.cluster, ['-n', 'demo', 'get', 'configmap', 'app-config']);
  fs.writeFileSync(f, before.replace(/^( {2}message: ).*$/m, '$1changed in the editor'));
  try {
    await runCommand(page, 'View: Close All Editor Groups');
    await quickOpen(page, 'clusters/production/apps.yaml');
    await runCommand(page, 'Flux: Diff Build with Cluster');
    const tab = page.locator('.tabs-container .tab.active', { hasText: 'build (dry run)' });
    await tab.waitFor({ timeout: 90_000 });
    const diff = page.locator('.editor-instance .monaco-diff-editor').first();
    const right = diff.locator('.editor.modified').first();
    await right
      .locator('.lines-content > .view-lines', { hasText: 'ConfigMap/demo/app-config drifted' })
      .waitFor({ timeout: 30_000 });
    // Side by side, or inline when the editor is narrow (the removed lines are then view zones of
    // the modified editor): the build's own lines have the edit, and the live value is shown removed.
    const norm = (t) => t.replace(/\u00a0/g, ' ');
    const built = norm(await right.locator('.lines-content > .view-lines').innerText());
    const whole = norm(await diff.innerText());
    if (!built.includes('message: changed in the editor'))
      throw new Error(`the build side lacks the edit:\n${built.slice(0, 1500)}`);
    if (built.includes(`message: ${live.data.message}`))
      throw new Error(`the build side still has the live value:\n${built.slice(0, 1500)}`);
    if (!whole.includes(`message: ${live.data.message}`))
      throw new Error(`the cluster side lacks the live value:\n${whole.slice(0, 1500)}`);
    const after = await kubectlJson(ctx.cluster, ['-n', 'demo', 'get', 'configmap', 'app-config']);
    if (after.data.message !== live.data.message) throw new Error('the dry run changed the live ConfigMap');
    await readmeShot(page, 'diff-with-cluster');
    return { tab: (await tab.innerText()).trim(), header: built.split('\n').slice(0, 3) };
  } finally {
    fs.writeFileSync(f, before);
  }
}

/**
 * Two contexts on the same cluster: one line per context, each named. No context shown: a Flux
 * object says "no cluster" and the authoring lenses stay. The admin context is shown again after.
 */
export async function stepContexts(ctx) {
  const { page } = ctx;
  const EXEC = 'exec-user@flux-workbench-test';
  try {
    await pickContexts(page, [ADMIN, EXEC]);
    await runCommand(page, 'View: Close All Editor Groups');
    await quickOpen(page, 'clusters/production/infrastructure.yaml');
    const admin = await waitLens(page, new RegExp(`${ADMIN}: Ready · `));
    const exec = await waitLens(page, new RegExp(`${EXEC}: Ready · `));
    await pickContexts(page, []);
    const none = await waitLens(page, /no cluster/);
    if (!none.texts.some((t) => t.includes('Choose Context')))
      throw new Error(`"no cluster" offers no Choose Context: ${JSON.stringify(none.texts)}`);
    if (!none.texts.some((t) => t.includes('Preview build')))
      throw new Error(`the build lenses went with the cluster: ${JSON.stringify(none.texts)}`);
    return { two: [admin.hit.split('\n')[0], exec.hit.split('\n')[0]], none: none.hit.split('\n')[0] };
  } finally {
    await page.keyboard.press('Escape');
    await pickContexts(page, [ADMIN]).catch(() => {});
  }
}

/** The steps, for run.mjs: [slug, name, fn, timeout]. */
export const bridgeSteps = [
  [
    'bridge-lens',
    'live state above the Kustomization, as kubectl reads it; a plain manifest in its live inventory',
    stepLens,
    120_000,
  ],
  [
    'bridge-lens-reconcile',
    'Reconcile in the CodeLens: the verdict, handled by the controller; Show in Flux View selects its item',
    stepLensReconcile,
    120_000,
  ],
  [
    'bridge-cluster-language',
    'the cluster’s CRDs name the schema source; a preview takes substituteFrom from the cluster',
    stepClusterLanguage,
    120_000,
  ],
  [
    'bridge-cluster-builtins',
    'the cluster’s /openapi/v3: status bar and a Deployment hover name it; a setter marker shows the ImagePolicy’s latest image',
    stepClusterBuiltins,
    150_000,
  ],
  [
    'bridge-definition',
    'Go to Definition from a Workloads item opens the file at the line of its name',
    stepDefinition,
  ],
  [
    'bridge-graph',
    'dependency graph: the chain the controllers block, in its colours, why blocked; a node opens its file',
    stepGraph,
    180_000,
  ],
  [
    'bridge-diff',
    'Diff Build with Cluster: a local edit as drift of the live object, nothing written',
    stepDiffWithCluster,
    150_000,
  ],
  [
    'bridge-contexts',
    'two contexts: one lens line each, named; none shown: "no cluster", the authoring lenses stay',
    stepContexts,
    120_000,
  ],
];
