// The live explorer's end-to-end steps: the Flux views in a real code-server against the real test
// cluster (test/cluster, started by this run in a state folder of its own), whose Git server
// serves the repository the workspace is a clone of. Run by run.mjs after the language scenarios.
//
// The scenario opens with workspace trust on (Restricted Mode): the token context works, an exec
// credential plugin is not run; then trust is granted and the plugin runs. Then, trusted: the
// views list the cluster's objects with their real states; Reconcile reports the applied
// revision, Reconcile with Source each step's, Force a HelmRelease's forced upgrade; a pushed
// commit shows its revision without any refresh; Suspend and Resume; failure notifications (off
// by default; on: one per failure, none at a retry or for an object failing when listed); a broken
// commit shows its failure message; events, live YAML, trace, the failing-only, text and namespace
// filters, and actions greyed out for a user whose RBAC forbids them.
import fs from 'node:fs';
import path from 'node:path';
import { statusBarTexts } from './lib/workbench.mjs';
import {
  clearToasts,
  contextMenu,
  escapeRe,
  focusPane,
  hoverTooltip,
  rowMenuEntries,
  openFluxContainer,
  pane,
  rowLocator,
  rows,
  runPickCommand,
  waitRow,
  waitToast,
  waitViewMessage,
  widenSideBar,
} from './lib/fluxView.mjs';
import {
  cloneRepo,
  kubectl,
  kubectlJson,
  pushCommit,
  shortRevision,
  writeExecKubeconfig,
} from './lib/cluster.mjs';

export const ADMIN = 'flux-workbench-admin@flux-workbench-test';
export const TEAM_A = 'team-a-user@flux-workbench-test';
const EXEC = 'exec-user@flux-workbench-test';
const KINDS = 'gitrepositories,helmrepositories,helmcharts,kustomizations,helmreleases';

const README_SHOTS = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '../../test-results/e2e/readme',
);

/** A clipped screenshot for the README (copied by hand into media/ after looking at it). */
async function readmeShot(page, name, clip) {
  fs.mkdirSync(README_SHOTS, { recursive: true });
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(README_SHOTS, `${name}.png`), clip }).catch(() => {});
}

/** The workspace: a clone of the cluster's Git repository (what the cluster reconciles). */
export async function explorerWorkspace(cluster, ws, ctx) {
  ctx.cluster = cluster;
  ctx.clone = path.join(path.dirname(ws), 'pusher'); // a second clone the steps push from
  ctx.head = await cloneRepo(cluster, ws);
  await cloneRepo(cluster, ctx.clone);
  ctx.execMarker = path.join(path.dirname(ws), 'exec-plugin-ran');
  ctx.exec = writeExecKubeconfig(cluster, path.join(path.dirname(ws), 'exec-kubeconfig'), ctx.execMarker);
}

export function explorerEnv(ctx) {
  const c = ctx.cluster.env;
  return { KUBECONFIG: [c.KUBECONFIG, c.KUBECONFIG_TEAM_A, ctx.exec.file].join(':') };
}

/** The state a kubectl object should be drawn with (the icon of the status function). */
function expectedIcon(o) {
  if (o.spec?.suspend) return 'debug-pause';
  const ready = (o.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (!ready) return 'circle-large-outline';
  if (ready.status === 'True') return 'pass';
  if (ready.status === 'False') return ready.reason === 'DependencyNotReady' ? 'watch' : 'error';
  return 'sync~spin';
}

function revisionOf(o) {
  return (
    o.status?.lastAppliedRevision ?? o.status?.artifact?.revision ?? o.status?.history?.[0]?.chartVersion
  );
}

export async function pickContexts(page, wanted) {
  await runPickCommand(page, 'Flux: Choose Kubernetes Contexts', 'Flux: Choose Kubernetes Contexts');
  const widget = page.locator('.quick-input-widget');
  const list = widget.locator('.quick-input-list .monaco-list-row');
  await list.first().waitFor({ timeout: 15_000 });
  for (let i = 0, n = await list.count(); i < n; i++) {
    const row = list.nth(i);
    const label = (await row.locator('.label-name').first().innerText()).trim();
    const checked = (await row.getAttribute('aria-checked')) === 'true';
    if (wanted.includes(label) !== checked) {
      await row.locator('.label-name').first().click();
      await page.waitForFunction(
        ([l, want]) => {
          const r = [
            ...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row'),
          ].find((e) => e.querySelector('.label-name')?.textContent?.trim() === l);
          return r && (r.getAttribute('aria-checked') === 'true') === want;
        },
        [label, wanted.includes(label)],
        { timeout: 10_000 },
      );
    }
  }
  await widget.locator('.monaco-button', { hasText: /^OK$/ }).first().click();
  await widget.waitFor({ state: 'hidden', timeout: 15_000 });
}

export async function stepRestricted(ctx) {
  const { page } = ctx;
  await page.goto(ctx.url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ state: 'attached', timeout: 60_000 });
  await page
    .locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' })
    .first()
    .waitFor({ timeout: 60_000 });
  await openFluxContainer(page);
  await widenSideBar(page);
  // The admin context (a token) is the kubeconfig's current context: shown, and it works untrusted.
  const admin = await waitRow(
    page,
    'Clusters',
    (r) => r.label === ADMIN && /Flux v2\.9\.4/.test(r.description),
    {
      timeout: 60_000,
      what: `${ADMIN} with its Flux version`,
    },
  );
  // The Notifications and Image Automation views appear once discovery says they are served; the
  // container lays its panes out again then, so collapse the others after that.
  for (const t of ['Notifications', 'Image Automation'])
    await pane(page, t).locator('.pane-header').waitFor({ timeout: 30_000 });
  await focusPane(page, 'Clusters');
  await pickContexts(page, [ADMIN, EXEC]);
  const message = await waitRow(
    page,
    'Clusters',
    (r) => /^Restricted Mode: the exec credential plugin/.test(r.label),
    {
      what: 'the Restricted Mode message of the exec context',
    },
  );
  // The context itself is not drawn as a broken cluster: it waits for trust.
  const execRow = await waitRow(
    page,
    'Clusters',
    (r) => r.label === EXEC && r.description === 'Restricted Mode: not connected',
    { what: `${EXEC} described as not connected in Restricted Mode` },
  );
  if (fs.existsSync(ctx.execMarker)) throw new Error('the exec credential plugin ran in Restricted Mode');
  return {
    admin: `${admin.label} | ${admin.description}`,
    exec: `${execRow.label} | ${execRow.description} | ${execRow.icon}`,
    message: message.label,
    pluginRan: false,
  };
}

export async function stepTrust(ctx) {
  const { page } = ctx;
  await page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).first().click();
  const editor = page.locator('.workspace-trust-editor');
  await editor.waitFor({ timeout: 30_000 });
  await editor
    .locator('.monaco-button', { hasText: /^Trust$/ })
    .first()
    .click();
  await page
    .locator('a.action-label[aria-label^="Close Modal Editor"]')
    .first()
    .click({ timeout: 10_000 })
    .catch(() => {});
  const exec = await waitRow(
    page,
    'Clusters',
    (r) => r.label === EXEC && /Flux v2\.9\.4/.test(r.description),
    {
      timeout: 60_000,
      what: `${EXEC} connected through its exec plugin after trust`,
    },
  );
  if (!fs.existsSync(ctx.execMarker))
    throw new Error('the exec context connected but the plugin marker is missing');
  await readmeShot(page, 'clusters', { x: 0, y: 0, width: 640, height: 330 });
  const runs = fs.readFileSync(ctx.execMarker, 'utf8').trim().split('\n').length;
  // Back to the admin context only (remembered for this workspace).
  await pickContexts(page, [ADMIN]);
  const until = Date.now() + 30_000;
  while ((await rows(page, 'Clusters')).some((r) => r.label === EXEC)) {
    if (Date.now() > until) throw new Error(`${EXEC} is still shown after choosing ${ADMIN} only`);
    await page.waitForTimeout(200);
  }
  return { exec: `${exec.label} | ${exec.description}`, pluginRuns: runs };
}

export async function stepLists(ctx) {
  const { page } = ctx;
  const items = (await kubectlJson(ctx.cluster, ['get', KINDS, '-A'])).items;
  const checked = [];
  for (const title of ['Sources', 'Workloads']) {
    await focusPane(page, title);
    for (const o of items) {
      const isWorkload = o.kind === 'Kustomization' || o.kind === 'HelmRelease';
      if ((title === 'Workloads') !== isWorkload) continue;
      const label = isWorkload ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
      const icon = expectedIcon(o);
      const rev = revisionOf(o);
      const row = await waitRow(
        page,
        title,
        (r) => r.label === label && r.icon === icon && (!rev || r.description.includes(shortRevision(rev))),
        { what: `${o.kind} ${label} drawn as ${icon}${rev ? ` at ${shortRevision(rev)}` : ''}` },
      );
      checked.push(`${title}: ${row.label} | ${row.description} | ${row.icon}`);
    }
  }
  if (checked.length < 8)
    throw new Error(`expected the seeded sources and workloads, checked only ${checked.length}`);
  return { checked };
}

export async function stepReconcile(ctx) {
  const { page } = ctx;
  await focusPane(page, 'Workloads');
  await clearToasts(page);
  const m = await contextMenu(page, 'Workloads', 'apps', 'Reconcile');
  if (m.disabled) throw new Error('Reconcile is disabled for the admin');
  await m.click();
  const want = new RegExp(`Reconcile Kustomization flux-system/apps: applied revision main@sha1:${ctx.head}`);
  const toast = await waitToast(page, want, 60_000);
  await readmeShot(page, 'reconcile-verdict', { x: 880, y: 770, width: 560, height: 110 });
  const ks = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'apps']);
  const token = ks.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  if (!token || ks.status.lastHandledReconcileAt !== token)
    throw new Error(
      `the controller did not handle our request: requestedAt ${token}, lastHandledReconcileAt ${ks.status.lastHandledReconcileAt}`,
    );
  return { toast, token };
}

/**
 * Reconcile with Source: the GitRepository first, then the Kustomization; the notification names
 * both steps, and each controller handled the token of its step.
 */
export async function stepReconcileWithSource(ctx) {
  const { page } = ctx;
  await focusPane(page, 'Workloads');
  await clearToasts(page);
  await (await contextMenu(page, 'Workloads', 'apps', 'Reconcile with Source')).click();
  const head = `main@sha1:${ctx.head}`;
  const toast = await waitToast(
    page,
    new RegExp(
      `Reconcile with Source Kustomization flux-system/apps: applied revision ${head}.*GitRepository flux-system/flux-repo: applied revision ${head}`,
    ),
    90_000,
  );
  const handled = {};
  for (const [kind, name] of [
    ['gitrepository', 'flux-repo'],
    ['kustomization', 'apps'],
  ]) {
    const o = await kubectlJson(ctx.cluster, ['get', kind, '-n', 'flux-system', name]);
    const token = o.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
    if (!token || o.status.lastHandledReconcileAt !== token)
      throw new Error(
        `${kind} ${name}: requestedAt ${token}, lastHandledReconcileAt ${o.status.lastHandledReconcileAt}`,
      );
    handled[kind] = token;
  }
  // Each step writes its own token (RFC3339 with nanoseconds): the source's was written first.
  if (!(handled.gitrepository < handled.kustomization))
    throw new Error(`the source was not asked first: ${JSON.stringify(handled)}`);
  return { toast, handled };
}

/** Force HelmRelease: a one-off upgrade, confirmed through status.lastHandledForceAt. */
export async function stepForce(ctx) {
  const { page } = ctx;
  await focusPane(page, 'Workloads');
  await clearToasts(page);
  const m = await contextMenu(
    page,
    'Workloads',
    'demo-chart',
    'Force HelmRelease (One-off Install or Upgrade)',
  );
  if (m.disabled) throw new Error('Force is disabled for the admin');
  await m.click();
  const toast = await waitToast(
    page,
    /Force HelmRelease HelmRelease demo\/demo-chart: applied revision/,
    90_000,
  );
  const hr = await kubectlJson(ctx.cluster, ['get', 'helmrelease', '-n', 'demo', 'demo-chart']);
  const token = hr.metadata.annotations?.['reconcile.fluxcd.io/forceAt'];
  if (!token || hr.status.lastHandledForceAt !== token)
    throw new Error(`forceAt ${token}, lastHandledForceAt ${hr.status.lastHandledForceAt}`);
  const row = await waitRow(page, 'Workloads', (r) => r.label === 'demo-chart' && r.icon === 'pass', {
    what: 'demo-chart Ready after the forced upgrade',
  });
  return { toast, token, row: `${row.label} | ${row.description}` };
}

async function waitRevision(ctx, commit, timeout) {
  const { page } = ctx;
  const short = shortRevision(`main@sha1:${commit}`);
  const t0 = Date.now();
  await focusPane(page, 'Sources');
  const src = await waitRow(
    page,
    'Sources',
    (r) => r.label === 'flux-system/flux-repo' && r.description.includes(short),
    {
      timeout,
      what: `GitRepository flux-repo at ${short}`,
    },
  );
  const srcMs = Date.now() - t0;
  return { short, src: `${src.label} | ${src.description}`, srcMs };
}

export async function stepPushCommit(ctx) {
  const { page } = ctx;
  const tPush = Date.now();
  const commit = await pushCommit(ctx.cluster, ctx.clone, 'Change the app message', (dir) => {
    const f = path.join(dir, 'apps/production/app-config.yaml');
    fs.writeFileSync(
      f,
      fs.readFileSync(f, 'utf8').replace(/message: .*/, 'message: hello from the e2e commit'),
    );
  });
  ctx.head = commit;
  // No refresh: the GitRepository's interval (1m) fetches it; the watch brings it to the tree.
  const r = await waitRevision(ctx, commit, 150_000);
  await focusPane(page, 'Workloads');
  const ks = await waitRow(
    page,
    'Workloads',
    (x) => x.label === 'apps' && x.description.includes(r.short) && x.icon === 'pass',
    {
      timeout: 120_000,
      what: `Kustomization apps applied ${r.short}`,
    },
  );
  return { commit, ...r, apps: `${ks.label} | ${ks.description}`, msFromPush: Date.now() - tPush };
}

export async function stepSuspend(ctx) {
  const { page } = ctx;
  await focusPane(page, 'Workloads');
  await clearToasts(page);
  await (await contextMenu(page, 'Workloads', 'apps', 'Suspend')).click();
  const toast = await waitToast(page, /Suspend Kustomization flux-system\/apps: suspended/);
  const row = await waitRow(
    page,
    'Workloads',
    (r) => r.label === 'apps' && r.icon === 'debug-pause' && /suspended/.test(r.description),
    {
      what: 'apps drawn as suspended',
    },
  );
  const ks = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'apps']);
  if (ks.spec.suspend !== true) throw new Error(`spec.suspend is ${ks.spec.suspend}`);
  // Reconcile is no longer offered on a suspended object; Resume is.
  const entries = await rowMenuEntries(page, 'Workloads', 'apps');
  if (entries.some((e) => e.label === 'Reconcile') || !entries.some((e) => e.label === 'Resume'))
    throw new Error(`menu of a suspended object: ${JSON.stringify(entries)}`);
  return { toast, row: `${row.label} | ${row.description}`, menu: entries.map((e) => e.label) };
}

export async function stepResume(ctx) {
  const { page } = ctx;
  await clearToasts(page);
  await (await contextMenu(page, 'Workloads', 'apps', 'Resume')).click();
  const toast = await waitToast(
    page,
    new RegExp(`Resume Kustomization flux-system/apps: applied revision main@sha1:${ctx.head}`),
    90_000,
  );
  const row = await waitRow(page, 'Workloads', (r) => r.label === 'apps' && r.icon === 'pass', {
    what: 'apps Ready again',
  });
  return { toast, row: `${row.label} | ${row.description}` };
}

export async function stepBroken(ctx) {
  const { page } = ctx;
  const commit = await pushCommit(ctx.cluster, ctx.clone, 'Break the apps Kustomization', (dir) => {
    const f = path.join(dir, 'apps/production/kustomization.yaml');
    const text = fs.readFileSync(f, 'utf8');
    if (!/^ {2}- demo-chart\.yaml$/m.test(text)) throw new Error(`test bug: ${f} lists no demo-chart.yaml`);
    fs.writeFileSync(f, text.replace(/^( {2}- demo-chart\.yaml)$/m, '$1\n  - missing-file.yaml'));
  });
  ctx.broken = commit;
  await waitRevision(ctx, commit, 150_000);
  await focusPane(page, 'Workloads');
  const row = await waitRow(
    page,
    'Workloads',
    (r) => r.label === 'apps' && r.icon === 'error' && /failed/.test(r.description),
    {
      timeout: 120_000,
      what: 'apps drawn as failed',
    },
  );
  const ks = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'flux-system', 'apps']);
  const ready = ks.status.conditions.find((c) => c.type === 'Ready');
  if (ready.status !== 'False') throw new Error(`kubectl says Ready=${ready.status}`);
  // The failure message is the first child of the failed object.
  const apps = rowLocator(page, 'Workloads', 'apps');
  if ((await apps.getAttribute('aria-expanded')) !== 'true') await apps.locator('.monaco-tl-twistie').click();
  const first = ready.message.split('\n')[0].slice(0, 60);
  const msg = await waitRow(page, 'Workloads', (r) => r.level === 3 && r.label.startsWith(first), {
    what: `the failure message "${first}…" under apps`,
  });
  await readmeShot(page, 'workloads-failed', { x: 0, y: 0, width: 640, height: 400 });
  const tooltip = await hoverTooltip(page, 'Workloads', 'apps');
  if (!tooltip.includes('missing-file.yaml'))
    throw new Error(`tooltip lacks the failure: ${tooltip.slice(0, 400)}`);
  await readmeShot(page, 'tooltip', { x: 0, y: 100, width: 900, height: 560 });
  await page.mouse.move(900, 600);
  return {
    row: `${row.label} | ${row.description}`,
    message: msg.label,
    kubectl: ready.message.slice(0, 200),
  };
}

export async function stepEvents(ctx) {
  const { page } = ctx;
  await (await contextMenu(page, 'Workloads', 'apps', 'Show Events')).click();
  const editor = page
    .locator('.editor-instance .monaco-editor .view-lines', {
      hasText: 'Events of Kustomization flux-system/apps',
    })
    .first();
  await editor.waitFor({ timeout: 30_000 });
  await page
    .locator('.editor-instance .monaco-editor .view-lines', { hasText: /BuildFailed|ReconciliationFailed/ })
    .first()
    .waitFor({ timeout: 30_000 });
  await readmeShot(page, 'events', { x: 620, y: 40, width: 820, height: 360 });
  const text = (await editor.innerText()).replace(/\u00a0/g, ' ');
  const times = [...text.matchAll(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/gm)].map((m) => m[1]);
  for (let i = 1; i < times.length; i++)
    if (times[i] > times[i - 1]) throw new Error(`events not newest first: ${times.join(', ')}`);
  return { lines: text.split('\n').slice(0, 6), events: times.length };
}

export async function stepLiveYaml(ctx) {
  const { page } = ctx;
  await (await contextMenu(page, 'Workloads', 'apps', 'Show Live YAML')).click();
  const view = page
    .locator('.editor-instance .monaco-editor .view-lines', { hasText: 'kind: Kustomization' })
    .first();
  await view.waitFor({ timeout: 30_000 });
  const text = (await view.innerText()).replace(/\u00a0/g, ' ');
  if (/^\s*managedFields:/m.test(text)) throw new Error('live YAML shows managedFields');
  if (!/name: apps/.test(text)) throw new Error(`live YAML is not of apps: ${text.slice(0, 300)}`);
  const tab = (await page.locator('.tabs-container .tab.active').innerText()).trim();
  return { tab, head: text.split('\n').slice(0, 4) };
}

export async function stepTrace(ctx) {
  const { page } = ctx;
  await page.keyboard.press('Control+K');
  await page.keyboard.press('W'); // close the editors, so the tree has room
  await focusPane(page, 'Workloads');
  const inv = rowLocator(page, 'Workloads', 'Inventory');
  await inv.waitFor({ timeout: 15_000 });
  if ((await inv.getAttribute('aria-expanded')) !== 'true') await inv.locator('.monaco-tl-twistie').click();
  const entry = await waitRow(page, 'Workloads', (r) => /^ConfigMap demo\/app-config$/.test(r.label), {
    what: 'ConfigMap demo/app-config in the inventory',
  });
  await (await contextMenu(page, 'Workloads', entry.label, 'Trace')).click();
  const picks = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  await page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row', {
      hasText: 'from source: GitRepository flux-system/flux-repo',
    })
    .first()
    .waitFor({ timeout: 30_000 });
  const steps = (await picks.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  if (!steps.some((s) => /applied by: Kustomization flux-system\/apps/.test(s)))
    throw new Error(`trace lacks the owner: ${JSON.stringify(steps)}`);
  await readmeShot(page, 'trace', { x: 400, y: 0, width: 640, height: 260 });
  return { steps };
}

async function failingOnly(ctx) {
  const { page } = ctx;
  await page.keyboard.press('Escape');
  await focusPane(page, 'Workloads');
  const header = page.locator('[id="workbench.view.extension.flux"] .pane', {
    has: page.locator('.pane-header[aria-label^="Workloads"]'),
  });
  await header.locator('.pane-header').hover();
  await header.locator('.actions .action-label[aria-label="Show Failing Only"]').click();
  await waitRow(
    page,
    'Workloads',
    (r, all) => r.label === 'apps' && !all.some((x) => x.level === 2 && x.label !== 'apps'),
    {
      what: 'only the failing apps Kustomization',
    },
  );
  const shown = (await rows(page, 'Workloads'))
    .filter((r) => r.level <= 2)
    .map((r) => `${r.label} | ${r.description}`);
  const message = await waitViewMessage(page, 'Workloads', /Filtered: failing only/);
  await header.locator('.pane-header').hover();
  await header.locator('.actions .action-label[aria-label="Show All (Failing and Healthy)"]').click();
  await waitRow(page, 'Workloads', (r) => r.label === 'infrastructure', { what: 'all objects again' });
  return { shown, message };
}

/** Filter by Text and by Namespace (title actions); the view says what it filters; Clear Filters. */
async function filters(ctx) {
  const { page } = ctx;
  await focusPane(page, 'Workloads');
  const header = pane(page, 'Workloads');
  await header.locator('.pane-header').hover();
  await header.locator('.actions .action-label[aria-label="Filter by Text"]').click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('infra');
  await page.keyboard.press('Enter');
  await waitRow(
    page,
    'Workloads',
    (r, all) =>
      r.label === 'infrastructure' &&
      all.filter((x) => x.level === 2).every((x) => x.label === 'infrastructure'),
    { what: 'only infrastructure for the text "infra"' },
  );
  const byText = (await rows(page, 'Workloads')).map((r) => `${r.label} | ${r.description}`);
  const textMessage = await waitViewMessage(page, 'Workloads', /Filtered: “infra”/);
  // The text filter cleared (an empty text), then namespace team-a from the palette.
  await header.locator('.pane-header').hover();
  await header.locator('.actions .action-label[aria-label="Filter by Text"]').click();
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('');
  await page.keyboard.press('Enter');
  await runPickCommand(page, 'Flux: Filter by Namespace', 'Filter by Namespace');
  await page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /^\s*team-a\b/ })
    .first()
    .click();
  await waitRow(
    page,
    'Workloads',
    (r, all) => r.label === 'team-a-apps' && all.filter((x) => x.level <= 2).every((x) => x.label !== 'apps'),
    { what: 'only namespace team-a' },
  );
  const byNamespace = (await rows(page, 'Workloads')).map((r) => `${r.label} | ${r.description}`);
  await runCommandPalette(page, 'Flux: Clear Filters');
  await waitRow(
    page,
    'Workloads',
    (r, all) => r.label === 'apps' && all.some((x) => x.label === 'team-a-apps'),
    {
      what: 'every object again after Clear Filters',
    },
  );
  return { byText, textMessage, byNamespace };
}

/** A failed filter step clears the filters, so that the steps after it see every object. */
const clearingFilters = (fn) => async (ctx) => {
  try {
    return await fn(ctx);
  } catch (e) {
    await ctx.page.keyboard.press('Escape');
    await runCommandPalette(ctx.page, 'Flux: Clear Filters').catch(() => {});
    throw e;
  }
};
export const stepFailingOnly = clearingFilters(failingOnly);
export const stepFilters = clearingFilters(filters);

/** Runs a palette command that opens nothing of its own. */
async function runCommandPalette(page, label) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${label}`);
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: label })
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/**
 * A user whose RBAC allows reading every Flux object but patching only in team-a: the actions
 * on flux-system's objects are greyed out, and the tooltip says why.
 */
export async function stepReadonly(ctx) {
  const { page } = ctx;
  const rbac = path.join(path.dirname(ctx.ws), 'team-a-reader.yaml');
  fs.writeFileSync(
    rbac,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: e2e-flux-reader }
rules:
  - apiGroups: [source.toolkit.fluxcd.io, kustomize.toolkit.fluxcd.io, helm.toolkit.fluxcd.io, notification.toolkit.fluxcd.io, image.toolkit.fluxcd.io, source.extensions.fluxcd.io]
    resources: ['*']
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: e2e-flux-reader-team-a }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-flux-reader }
subjects: [{ kind: User, name: team-a-user, apiGroup: rbac.authorization.k8s.io }]
`,
  );
  await kubectl(ctx.cluster, ['apply', '-f', rbac]);
  await pickContexts(page, [TEAM_A]);
  await focusPane(page, 'Workloads');
  await waitRow(page, 'Workloads', (r) => r.label === 'infrastructure', {
    timeout: 60_000,
    what: 'flux-system objects for team-a-user',
  });
  // The patch permission is asked (SelfSubjectAccessReview) as objects arrive; wait for the answer.
  const until = Date.now() + 30_000;
  let entries = [];
  for (;;) {
    entries = await rowMenuEntries(page, 'Workloads', 'infrastructure');
    if (entries.find((e) => e.label === 'Reconcile')?.disabled) break;
    if (Date.now() > until)
      throw new Error(
        `Reconcile is not greyed out for team-a-user on flux-system: ${JSON.stringify(entries)}`,
      );
    await page.waitForTimeout(500);
  }
  // In team-a the same user may patch: Reconcile is enabled there.
  const own = await rowMenuEntries(page, 'Workloads', 'team-a-apps');
  if (own.find((e) => e.label === 'Reconcile')?.disabled !== false)
    throw new Error(`Reconcile should be enabled in team-a: ${JSON.stringify(own)}`);
  // Last, so that the screenshot shows it: the tooltip says why.
  const tooltip = await hoverTooltip(page, 'Workloads', 'infrastructure');
  if (!/Actions unavailable:.*may not patch kustomizations/.test(tooltip.replace(/\n/g, ' ')))
    throw new Error(`tooltip does not say why: ${tooltip.slice(-300)}`);
  await readmeShot(page, 'readonly', { x: 0, y: 120, width: 900, height: 520 });
  const status = (await statusBarTexts(page)).filter((t) => t.includes(TEAM_A));
  return {
    flux_system: entries.filter((e) => e.disabled).map((e) => e.label),
    reason: tooltip.split('\n').find((l) => /Actions unavailable/.test(l)),
    status,
  };
}

// ---------------------------------------------------------------------------------------------
// Failure notifications (fluxWorkbench.explorer.notifyOnFailure, off by default): a Kustomization
// of its own (team-a/e2e-notify, its objects prefixed so that they are no one else's) made to fail
// for real by patching its path to a missing folder; kustomize-controller then retries every 5 s,
// each retry a Ready=Unknown and a Ready=False write.

const NOTIFY = 'e2e-notify';
const notifyToasts = (page) =>
  page.locator('.notifications-toasts .notification-toast', { hasText: `team-a/${NOTIFY}` });

/**
 * Sets a boolean user setting in the Settings editor, as a user does (ticks its checkbox), and
 * closes the editor.
 */
async function setBooleanSetting(ctx, key, value) {
  const { page } = ctx;
  await runCommandPalette(page, 'Preferences: Open User Settings');
  const editor = page.locator('.settings-editor');
  await editor.waitFor({ timeout: 15_000 });
  const search = editor.locator('.settings-header .suggest-input-container .monaco-editor').first();
  await search.waitFor({ timeout: 15_000 });
  await search.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(key);
  // The row of that setting: its label is the key's last part in words ("Notify On Failure").
  const label = key
    .split('.')
    .pop()
    .replace(/([A-Z])/g, ' $1')
    .replace(/^./, (c) => c.toUpperCase());
  const item = editor.locator('.setting-item-bool', { hasText: label }).first();
  const box = item.locator('.setting-value-checkbox');
  await box.waitFor({ timeout: 15_000 });
  if ((await box.getAttribute('aria-checked')) !== String(value)) await box.click();
  const file = path.join(ctx.ud, 'User', 'settings.json');
  const until = Date.now() + 10_000;
  while ((JSON.parse(fs.readFileSync(file, 'utf8'))[key] ?? false) !== value) {
    if (Date.now() > until)
      throw new Error(`${key} is not ${value} in ${file}: ${fs.readFileSync(file, 'utf8')}`);
    await page.waitForTimeout(200);
  }
  await closeEditors(page);
}

/** Closes every editor (a modal one, as the Settings editor may be, by its close button). */
async function closeEditors(page) {
  const modal = page.locator('a.action-label[aria-label^="Close Modal Editor"]').first();
  if (await modal.isVisible().catch(() => false)) await modal.click();
  await page.keyboard.press('Control+K');
  await page.keyboard.press('W');
  await page.locator('.settings-editor').waitFor({ state: 'hidden', timeout: 10_000 });
  await page.mouse.move(1100, 150); // no hover left on the tree for the screenshots
}

async function notifyReady(ctx) {
  const o = await kubectlJson(ctx.cluster, ['get', 'kustomization', '-n', 'team-a', NOTIFY]);
  return (o.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

/** e2e-notify's Ready condition once it is False (not in the middle of a retry). */
async function failedReady(ctx) {
  const until = Date.now() + 30_000;
  for (;;) {
    const ready = await notifyReady(ctx);
    if (ready?.status === 'False') return ready;
    if (Date.now() > until) throw new Error(`${NOTIFY} is not failing: ${JSON.stringify(ready)}`);
    await ctx.page.waitForTimeout(200);
  }
}

/** Patches e2e-notify's path and waits for the tree to draw the state that follows. */
async function setNotifyPath(ctx, p, icon) {
  await kubectl(ctx.cluster, [
    'patch',
    'kustomization',
    '-n',
    'team-a',
    NOTIFY,
    '--type',
    'merge',
    '-p',
    JSON.stringify({ spec: { path: p } }),
  ]);
  await focusPane(ctx.page, 'Workloads');
  return waitRow(ctx.page, 'Workloads', (r) => r.label === NOTIFY && r.icon === icon, {
    timeout: 45_000,
    what: `${NOTIFY} drawn as ${icon}`,
  });
}

/** Waits until kustomize-controller has run e2e-notify again (a retry: Ready written anew). */
async function waitRetry(ctx, ready) {
  const until = Date.now() + 30_000;
  for (;;) {
    const now = await notifyReady(ctx);
    if (now?.status === 'False' && now.lastTransitionTime !== ready.lastTransitionTime) return now;
    if (Date.now() > until) throw new Error(`${NOTIFY} was not retried: ${JSON.stringify(now)}`);
    await ctx.page.waitForTimeout(300);
  }
}

/** The setting off (its default): a Ready Kustomization fails for real, and no notification shows. */
export async function stepNotifyOff(ctx) {
  const { page } = ctx;
  await clearToasts(page);
  const file = path.join(path.dirname(ctx.ws), `${NOTIFY}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: NOTIFY, namespace: 'team-a' },
      spec: {
        interval: '10m',
        retryInterval: '5s',
        path: './tenants/team-a',
        prune: true,
        targetNamespace: 'team-a',
        namePrefix: `${NOTIFY}-`,
        sourceRef: { kind: 'GitRepository', name: 'flux-repo', namespace: 'flux-system' },
      },
    }),
  );
  await kubectl(ctx.cluster, ['apply', '-f', file]);
  await focusPane(page, 'Workloads');
  await waitRow(page, 'Workloads', (r) => r.label === NOTIFY && r.icon === 'pass', {
    timeout: 45_000,
    what: `${NOTIFY} Ready`,
  });
  const row = await setNotifyPath(ctx, './missing', 'error');
  const ready = await failedReady(ctx);
  await waitRetry(ctx, ready);
  await page.waitForTimeout(1500);
  const shown = await notifyToasts(page).count();
  if (shown)
    throw new Error(`a notification with the setting off: ${await notifyToasts(page).first().innerText()}`);
  await setNotifyPath(ctx, './tenants/team-a', 'pass');
  return { failed: `${row.label} | ${row.description}`, kubectl: ready.message, toasts: shown };
}

/**
 * The setting on: the Ready Kustomization fails again; one notification names it with the
 * controller's message, and its retry raises no second one; its Show Events opens the events.
 */
export async function stepNotifyFailing(ctx) {
  const { page } = ctx;
  await clearToasts(page);
  await setBooleanSetting(ctx, 'fluxWorkbench.explorer.notifyOnFailure', true);
  const t0 = Date.now();
  await setNotifyPath(ctx, './missing', 'error');
  const ready = await failedReady(ctx);
  const message = ready.message.replace(/\s+/g, ' ').trim();
  const text = await waitToast(
    page,
    new RegExp(`Flux \\(${escapeRe(ADMIN)}\\): Kustomization team-a/${NOTIFY} failed: ${ready.reason}`),
    30_000,
  ).catch(async (e) => {
    const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    throw new Error(`${e.message.split('\n')[0]}; toasts: ${JSON.stringify(toasts)}`);
  });
  if (!text.includes(message))
    throw new Error(`the notification lacks the controller's message "${message}": ${text}`);
  const toastMs = Date.now() - t0;
  const toast = notifyToasts(page).first();
  const box = await toast.boundingBox();
  await page.screenshot({ path: path.join(README_SHOTS, '..', 'notify-failing-toast.png') });
  if (box)
    await readmeShot(page, 'failure-notification', {
      x: Math.max(0, box.x - 10),
      y: Math.max(0, box.y - 10),
      width: box.width + 20,
      height: box.height + 20,
    });
  // The same element stays: a second notification of the same text would replace it.
  await toast.evaluate((el) => el.setAttribute('data-e2e-first', '1'));
  const retried = await waitRetry(ctx, ready);
  await page.waitForTimeout(1500);
  const after = await notifyToasts(page).evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-e2e-first')),
  );
  if (after.length !== 1 || after[0] !== '1')
    throw new Error(
      `after a retry (Ready at ${retried.lastTransitionTime}) the notifications are ${JSON.stringify(after)}: announced again`,
    );
  await toast.locator('.monaco-button', { hasText: /^Show Events$/ }).click();
  const editor = page
    .locator('.editor-instance .monaco-editor .view-lines', {
      hasText: `Events of Kustomization team-a/${NOTIFY}`,
    })
    .first();
  await editor.waitFor({ timeout: 30_000 });
  await page
    .locator('.editor-instance .monaco-editor .view-lines', { hasText: ready.reason })
    .first()
    .waitFor({ timeout: 30_000 });
  const events = (await editor.innerText())
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .slice(0, 4);
  return { toast: text, toastMs, retriedAt: retried.lastTransitionTime, events };
}

/**
 * The setting on, e2e-notify failing: a context shown now (team-a-user, who sees team-a) lists
 * it already failing and announces nothing, at its first listing nor at the retries after.
 * Then only the admin context again, e2e-notify deleted, the setting off again.
 */
export async function stepNotifyStartup(ctx) {
  const { page } = ctx;
  await closeEditors(page);
  await clearToasts(page);
  try {
    await focusPane(page, 'Clusters');
    await pickContexts(page, [ADMIN, TEAM_A]);
    const row = await waitRow(
      page,
      'Clusters',
      (r) => r.label === TEAM_A && /· 1 failing ·/.test(r.description),
      { timeout: 45_000, what: `${TEAM_A} listing ${NOTIFY} as failing` },
    );
    const ready = await failedReady(ctx);
    const retried = await waitRetry(ctx, ready);
    await page.waitForTimeout(1500);
    const texts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    await page.screenshot({ path: path.join(README_SHOTS, '..', 'notify-startup-listed.png') });
    if (texts.some((t) => /turned failing| failed: /.test(t)))
      throw new Error(
        `a failure notification for an object already failing when listed: ${JSON.stringify(texts)}`,
      );
    return {
      teamA: `${row.label} | ${row.description}`,
      retriedAt: retried.lastTransitionTime,
      toasts: texts,
    };
  } finally {
    // Back to the admin context only, without e2e-notify, the setting off: as the steps after expect.
    await pickContexts(page, [ADMIN]).catch(() => {});
    await kubectl(ctx.cluster, ['delete', 'kustomization', '-n', 'team-a', NOTIFY, '--wait=true']).catch(
      () => {},
    );
    await setBooleanSetting(ctx, 'fluxWorkbench.explorer.notifyOnFailure', false);
  }
}
