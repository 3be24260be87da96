#!/usr/bin/env node
// End-to-end test of Flux Workbench in a real VS Code (code-server 4.139.1 = VS Code 1.139.1)
// driven through Debian's Chromium by playwright-core.   npm run test:e2e
//
// 1. test/e2e/setup.sh provisions Node 24, code-server and playwright-core into the cache.
// 2. `npm run package` builds ./flux-workbench.vsix; code-server installs it into a fresh
//    extensions dir.
// 3. Two scenarios, each on a fresh temporary copy of test/fixtures/e2e-repo (the fixture is
//    never written): workspace trust off (its copy committed into a fresh git repository, for
//    the diff with HEAD), then on (Restricted Mode).
// Each step gets a screenshot test-results/e2e/<NN-step>.png. The last line of output is
// "N passed, M failed"; the exit code is non-zero when a step failed.
//
// Environment: E2E_SKIP_PACKAGE=1 reuses an existing ./flux-workbench.vsix; E2E_VSIX=<file> tests
// that vsix instead (no packaging); E2E_KEEP=1 keeps the temporary directory;
// E2E_STEP_TIMEOUT_MS (default 60000); E2E_ONLY=explorer runs only the live explorer's scenario;
// E2E_ONLY=bridge runs only its first two steps and the steps of the cluster in the editor;
// E2E_ONLY=graph runs only the dependency graph of a generated 300-object fleet (no cluster).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO,
  E2E_CACHE,
  freePort,
  run,
  stopGroup,
  killGroup,
  seedUserSettings,
  writeCodeServerConfig,
  installVsix,
  startCodeServer,
  copyDir,
  snapshotTree,
  git,
  gitInitCommit,
} from './lib/env.mjs';
import {
  launchChromium,
  waitForExplorer,
  explorerRows,
  quickOpen,
  statusBarTexts,
  gotoLine,
  openLineBelow,
  undoUntilClean,
  completionLabels,
  problems,
  waitCursor,
  runCommand,
} from './lib/workbench.mjs';
import {
  checkHeaderFits,
  stepDiffWithoutGit,
  stepPreviewFolder,
  stepProblemsCodeLink,
} from './lib/papercut-steps.mjs';
import { stepBuiltinHover, stepMigrateQuickFix, stepMigrateUndo } from './lib/builtinSteps.mjs';
import { startCluster, stopCluster } from './lib/cluster.mjs';
import * as explorer from './explorer.mjs';
import { stepNameCompletion, stepTemplateQuickFix } from './lib/semanticSteps.mjs';
import { bridgeSteps } from './bridge.mjs';
import { graphWorkspace, stepGraph300 } from './graph.mjs';

const FIXTURE = path.join(REPO, 'test/fixtures/e2e-repo');
const TARGET = 'clusters/dev/apps.yaml';
const RESULTS = path.join(REPO, 'test-results/e2e');
const VSIX = process.env.E2E_VSIX
  ? path.resolve(process.env.E2E_VSIX)
  : path.join(REPO, 'flux-workbench.vsix');
const STEP_TIMEOUT = Number(process.env.E2E_STEP_TIMEOUT_MS || 60_000);
const GLOBAL_TIMEOUT = 30 * 60_000; // browser phase only; setup and packaging have their own limits

const log = (...a) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------------------------------------
// Where things are in the fixture (read from the file, so the fixture can evolve).
function fixtureLayout() {
  const lines = fs.readFileSync(path.join(FIXTURE, TARGET), 'utf8').split('\n');
  const docs = [];
  let cur = { start: 1 };
  lines.forEach((l, i) => {
    const n = i + 1;
    if (/^---\s*$/.test(l)) {
      docs.push(cur);
      cur = { start: n + 1 };
    }
    const kind = /^kind:\s*(\w+)/.exec(l);
    if (kind) cur.kind = kind[1];
    if (/^spec:\s*$/.test(l)) cur.spec = n;
    if (cur.spec && !cur.interval && /^ {2}interval:/.test(l)) cur.interval = n;
    const key = /^ {2}(\w+):/.exec(l);
    if (cur.spec && key) (cur.specKeys ??= []).push(key[1]);
  });
  docs.push(cur);
  const byKind = Object.fromEntries(docs.filter((d) => d.kind).map((d) => [d.kind, d]));
  byKind.pruneeLine = lines.findIndex((l) => /^ {2}prunee:/.test(l)) + 1;
  if (!byKind.pruneeLine) throw new Error(`fixture ${TARGET} lost its deliberate spec.prunee error`);
  for (const k of ['GitRepository', 'Kustomization', 'HelmRelease']) {
    if (!byKind[k]?.spec) throw new Error(`fixture ${TARGET} has no ${k} document with a spec`);
  }
  return byKind;
}

// ---------------------------------------------------------------------------------------------
const results = []; // { id, name, ok, ms, error, shot }
let tmpDir = null; // removed on exit unless E2E_KEEP=1
let clusterDir = null; // the explorer scenario's test cluster, stopped on exit
const cleanups = new Set();
let stepCounter = 0;

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms))),
  ]);
}

async function screenshot(page, file) {
  if (!page) return null;
  try {
    await page.waitForTimeout(400); // settle fade-in animations before the picture only
    await page.screenshot({ path: file, timeout: 15_000 });
    return file;
  } catch (e) {
    log(`screenshot ${file} failed: ${e.message}`);
    return null;
  }
}

/** Run one named step under the step timeout; record the result and a screenshot. */
async function step(ctx, slug, name, fn, timeoutMs = STEP_TIMEOUT) {
  const id = String(++stepCounter).padStart(2, '0');
  const shotFile = path.join(RESULTS, `${id}-${slug}.png`);
  const t0 = Date.now();
  const r = {
    id,
    slug,
    name,
    scenario: ctx?.name ?? '-',
    ok: false,
    ms: 0,
    details: null,
    error: null,
    shot: null,
  };
  try {
    if (ctx?.fatal) throw new Error(`not run: ${ctx.fatal}`);
    if (ctx) ctx.stepId = id;
    r.details =
      (await withTimeout(
        Promise.resolve().then(() => fn(ctx)),
        timeoutMs,
        name,
      )) ?? null;
    r.ok = true;
  } catch (e) {
    r.error = e.message.split('\n').slice(0, 12).join('\n');
    if (ctx) ctx.failed = true;
  }
  r.ms = Date.now() - t0;
  r.shot = await screenshot(ctx?.page, shotFile);
  results.push(r);
  log(
    `${r.ok ? 'PASS' : 'FAIL'} ${id} ${name} (${r.ms} ms)${r.details ? `\n      ${JSON.stringify(r.details)}` : ''}${r.error ? `\n      ${r.error.replace(/\n/g, '\n      ')}` : ''}`,
  );
  // Leave the UI in a neutral state for the next step.
  if (ctx?.page && !ctx.fatal) {
    await ctx.page.keyboard.press('Escape').catch(() => {});
    await ctx.page.keyboard.press('Escape').catch(() => {});
  }
  return r.ok;
}

// ---------------------------------------------------------------------------------------------
async function prepare(tmp) {
  const t0 = Date.now();
  log('provisioning: test/e2e/setup.sh');
  await run('bash', [path.join(REPO, 'test/e2e/setup.sh')], { timeoutMs: 20 * 60_000 });
  const tSetup = Date.now() - t0;

  if (!fs.existsSync(path.join(REPO, 'node_modules'))) {
    log('node_modules missing: npm ci');
    await run('npm', ['ci', '--no-audit', '--no-fund'], { timeoutMs: 10 * 60_000 });
  }
  const t1 = Date.now();
  if ((process.env.E2E_SKIP_PACKAGE === '1' || process.env.E2E_VSIX) && fs.existsSync(VSIX)) {
    log(`reusing ${VSIX} (E2E_SKIP_PACKAGE / E2E_VSIX)`);
  } else {
    log('building the extension: npm run package');
    fs.rmSync(VSIX, { force: true });
    await run('npm', ['run', 'package'], {
      timeoutMs: 10 * 60_000,
      quiet: true,
      logFile: path.join(RESULTS, 'package.log'),
    });
    if (!fs.existsSync(VSIX)) throw new Error(`npm run package did not produce ${VSIX}`);
  }
  const tPackage = Date.now() - t1;

  const t2 = Date.now();
  const extensionsDir = path.join(tmp, 'extensions');
  const config = path.join(tmp, 'install-config.yaml');
  writeCodeServerConfig(config, 0);
  const out = await installVsix({
    vsix: VSIX,
    userDataDir: path.join(tmp, 'ud-install'),
    extensionsDir,
    config,
  });
  log(`installed: ${out.split('\n').pop()}`);
  const tInstall = Date.now() - t2;
  log(`timings: setup ${tSetup} ms, package ${tPackage} ms, install ${tInstall} ms`);
  return { extensionsDir };
}

/** Start code-server + Chromium for one scenario; steps then use ctx.page. */
async function openScenario(name, { tmp, extensionsDir, trust, gitRepo = false, workspace, env }) {
  const dir = path.join(tmp, name);
  const ctx = {
    name,
    trust,
    dir,
    ws: path.join(dir, 'workspace'),
    ud: path.join(dir, 'user-data'),
    logFile: path.join(dir, 'code-server.log'),
    consoleLog: [],
    layout: fixtureLayout(),
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (workspace) await workspace(ctx.ws, ctx);
    else copyDir(FIXTURE, ctx.ws);
    // The diff with HEAD needs a repository: commit the copy once before code-server opens it
    // (the fixture itself has no .git and is never written).
    if (gitRepo) ctx.gitHead = await gitInitCommit(ctx.ws);
    seedUserSettings(ctx.ud);
    const port = await freePort();
    const config = path.join(dir, 'config.yaml');
    writeCodeServerConfig(config, port);
    const t0 = Date.now();
    ctx.server = await startCodeServer({
      port,
      userDataDir: ctx.ud,
      extensionsDir,
      folder: ctx.ws,
      trust,
      logFile: ctx.logFile,
      config,
      ...(env ? { env: typeof env === 'function' ? env(ctx) : env } : {}),
    });
    cleanups.add(ctx.server.pid);
    ctx.url = `http://127.0.0.1:${port}/`;
    log(`[${name}] code-server pid ${ctx.server.pid} on ${ctx.url} (healthz after ${Date.now() - t0} ms)`);
    ctx.browser = await launchChromium(path.join(dir, 'chromium-profile'));
    ctx.page = ctx.browser.pages()[0] ?? (await ctx.browser.newPage());
    ctx.page.setDefaultTimeout(30_000);
    ctx.page.on('console', (m) => ctx.consoleLog.push(`[${m.type()}] ${m.text()}`));
    ctx.page.on('pageerror', (e) => ctx.consoleLog.push(`[pageerror] ${e.message}`));
  } catch (e) {
    ctx.fatal = e.message.split('\n')[0];
  }
  return ctx;
}

async function closeScenario(ctx) {
  if (ctx.failed || ctx.fatal) saveDiagnostics(ctx);
  if (ctx.browser)
    await withTimeout(ctx.browser.close(), 15_000, 'closing Chromium').catch((e) => log(e.message));
  if (ctx.server) {
    await stopGroup(ctx.server.pid);
    cleanups.delete(ctx.server.pid);
  }
}

function saveDiagnostics(ctx) {
  try {
    if (fs.existsSync(ctx.logFile))
      fs.copyFileSync(ctx.logFile, path.join(RESULTS, `${ctx.name}-code-server.log`));
    // The workbench's logs include each output channel of the extension host (the extension's
    // LogOutputChannels: output_logging_*/N-<name>.log) and exthost.log.
    const logs = path.join(ctx.ud, 'logs');
    if (fs.existsSync(logs))
      fs.cpSync(logs, path.join(RESULTS, `${ctx.name}-vscode-logs`), { recursive: true });
    fs.writeFileSync(path.join(RESULTS, `${ctx.name}-browser-console.log`), ctx.consoleLog.join('\n') + '\n');
    log(`[${ctx.name}] saved logs to ${path.relative(REPO, RESULTS)}/${ctx.name}-*`);
  } catch (e) {
    log(`saving diagnostics failed: ${e.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Steps

async function stepReady(ctx) {
  const t0 = Date.now();
  await ctx.page.goto(ctx.url, { waitUntil: 'domcontentloaded' });
  await waitForExplorer(ctx.page, 'clusters');
  return { explorer: await explorerRows(ctx.page), readyMs: Date.now() - t0 };
}

async function stepOpenAndStatus(ctx) {
  const { page } = ctx;
  const tOpen = Date.now();
  await quickOpen(page, TARGET);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'GitRepository' }).waitFor();
  const openMs = Date.now() - tOpen;
  // The item may first say "Flux schemas: loading"; wait until it names where the schemas came from.
  const any = page.locator('.part.statusbar .statusbar-item', { hasText: /^\s*Flux schemas:/ }).first();
  const named = page
    .locator('.part.statusbar .statusbar-item', { hasText: /^\s*Flux schemas:\s*(?!loading)\S/i })
    .first();
  const seen = new Set();
  const t0 = Date.now();
  while (!(await named.isVisible())) {
    if (await any.isVisible()) seen.add((await any.innerText().catch(() => '')).trim());
    if (Date.now() - t0 > 45_000) {
      throw new Error(
        `no status bar item "Flux schemas: <source>"; seen ${JSON.stringify([...seen])}; status bar: ${JSON.stringify(await statusBarTexts(page))}`,
      );
    }
    await page.waitForTimeout(250);
  }
  const text = (await named.innerText()).trim();
  const tooltip = (await named.getAttribute('aria-label')) ?? '';
  return {
    status: text,
    ariaLabel: tooltip,
    before: [...seen].filter((t) => t !== text),
    openMs,
    sourceNamedMs: Date.now() - tOpen,
  };
}

/**
 * Completion on a new line (indent 2) under spec: of one document of the multi-document file.
 * yaml-language-server does not propose keys already present in the mapping, so the expected
 * fields are those of the kind that the fixture's document does not set yet.
 */
async function completionIn(ctx, kind, want, notWant) {
  const { page } = ctx;
  const doc = ctx.layout[kind];
  const present = want.filter((w) => doc.specKeys.includes(w));
  if (present.length)
    throw new Error(
      `test bug: fixture ${kind} already sets ${present} (yaml-language-server would not propose them)`,
    );
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  let labels;
  try {
    await openLineBelow(page, doc.spec, 2);
    labels = await completionLabels(page);
  } finally {
    await page.waitForTimeout(300);
    await screenshot(page, path.join(RESULTS, `${ctx.stepId}-completion-${kind.toLowerCase()}-list.png`));
    await page.keyboard.press('Escape');
    await undoUntilClean(page);
  }
  const missing = want.filter((w) => !labels.includes(w));
  const wrong = notWant.filter((w) => labels.includes(w));
  if (missing.length || wrong.length) {
    throw new Error(
      `${kind} spec completion: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(wrong)}; got ${JSON.stringify(labels)}`,
    );
  }
  const duplicates = [...new Set(labels.filter((l, i) => labels.indexOf(l) !== i))];
  return {
    kind,
    line: doc.spec + 1,
    count: labels.length,
    labels,
    ...(duplicates.length ? { duplicates } : {}),
  };
}

async function stepHover(ctx) {
  const { page } = ctx;
  const doc = ctx.layout.Kustomization;
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await gotoLine(page, doc.interval);
  await page.keyboard.press('Home'); // first non-blank column: the start of `interval`
  const pos = await waitCursor(
    page,
    (p) => p.line === doc.interval && p.col > 1,
    5000,
    'the first non-blank column',
  );
  if (pos.col !== 3)
    throw new Error(`expected the cursor at column 3 of line ${doc.interval}, status bar says ${pos.text}`);
  // Hover the mouse over the key, just right of the cursor.
  const cursor = page.locator('.editor-instance .monaco-editor .cursors-layer .cursor').first();
  const box = await cursor.boundingBox();
  if (!box) throw new Error('cannot locate the editor cursor');
  await page.mouse.move(box.x + 200, box.y - 200);
  await page.mouse.move(box.x + 20, box.y + box.height / 2, { steps: 4 });
  const hover = page
    .locator('.monaco-hover:visible')
    .filter({ hasText: /interval/i })
    .first();
  try {
    await hover.waitFor({ timeout: 20_000 });
  } catch {
    const visible = await page.locator('.monaco-hover:visible').allInnerTexts();
    throw new Error(
      `no hover with "interval" over line ${doc.interval}; visible hovers: ${JSON.stringify(visible)}`,
    );
  }
  const text = (await hover.innerText()).trim();
  const problemsFound = [];
  if (!/The interval at which/i.test(text))
    problemsFound.push('no CRD description ("The interval at which ...")');
  if (!/bundled|Schema source/i.test(text))
    problemsFound.push('no footer naming the schema source ("bundled" / "Schema source")');
  if (problemsFound.length)
    throw new Error(`hover text lacks ${problemsFound.join(' and ')}: ${JSON.stringify(text)}`);
  return { hover: text.slice(0, 400) };
}

async function openProblems(page) {
  if (
    !(await page
      .locator('.markers-panel')
      .isVisible()
      .catch(() => false))
  ) {
    await page.keyboard.press('Control+Shift+M');
  }
  await page.locator('.markers-panel').waitFor({ state: 'visible' });
}

/** The Problems panel lists the seeded `prunee` error and no other error for apps.yaml. */
async function stepProblems(ctx, waitMs = 45_000) {
  const { page } = ctx;
  await openProblems(page);
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'prunee' }).first();
  try {
    await row.waitFor({ timeout: waitMs });
  } catch {
    // Tell "no diagnostics at all" from "diagnostics not in the panel".
    const squiggles = await page
      .locator('.editor-instance .monaco-editor')
      .first()
      .locator('.squiggly-error, .squiggly-warning, .squiggly-info')
      .count();
    throw new Error(
      `no Problems row mentions "prunee" after ${waitMs} ms; panel: ${JSON.stringify(await problems(page))}; squiggles in the editor: ${squiggles}`,
    );
  }
  // Validation is debounced and may publish in parts: let the panel settle, then judge.
  let last = '';
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(300);
    const now = JSON.stringify(await problems(page));
    if (now === last) break;
    last = now;
  }
  const groups = await problems(page);
  const mine = groups.filter((g) => g.file.startsWith('apps.yaml'));
  const markers = mine.flatMap((g) => g.markers);
  // The brief asks for a row naming prunee; its severity is the extension's choice (yaml-language-server
  // reports unknown properties as warnings), so it is recorded, not asserted.
  const prunee = markers.filter((m) => m.text.includes('prunee'));
  if (prunee.length !== 1)
    throw new Error(`expected one Problems row mentioning "prunee", got ${JSON.stringify(markers)}`);
  if (!['error', 'warning'].includes(prunee[0].severity))
    throw new Error(`the prunee row is neither an error nor a warning: ${JSON.stringify(prunee[0])}`);
  const others = markers.filter(
    (m) => m !== prunee[0] && (m.severity === 'error' || m.severity === 'warning'),
  );
  const at = /\[Ln (\d+), Col (\d+)\]/.exec(prunee[0].text);
  if (!at || Number(at[1]) !== ctx.layout.pruneeLine) {
    throw new Error(
      `the "prunee" error is not on line ${ctx.layout.pruneeLine}: ${JSON.stringify(prunee[0].text)}`,
    );
  }
  if (others.length)
    throw new Error(
      `expected no other error or warning rows for apps.yaml (the rest is valid), got ${JSON.stringify(others)}`,
    );
  return {
    severity: prunee[0].severity,
    row: prunee[0].text.replace(/\n/g, ' | '),
    otherRowsForFile: markers
      .filter((m) => m !== prunee[0])
      .map((m) => `${m.severity}: ${m.text.replace(/\n/g, ' | ')}`),
  };
}

/** 1-based line of the first line of a fixture file matching `re`. */
function fixtureLine(rel, re) {
  const n =
    fs
      .readFileSync(path.join(FIXTURE, rel), 'utf8')
      .split('\n')
      .findIndex((l) => re.test(l)) + 1;
  if (!n) throw new Error(`fixture ${rel} has no line matching ${re}`);
  return n;
}

/**
 * Flux semantics in the Problems panel, for files that were never opened: the dependsOn cycle of
 * staging/ (at both members, with the other member as related information) and the
 * sourceRef to a GitRepository defined nowhere.
 */
async function stepSemanticProblems(ctx) {
  const { page } = ctx;
  await openProblems(page);
  const cycleRow = page.locator('.markers-panel .monaco-list-row', { hasText: 'dependsOn cycle' }).first();
  try {
    await cycleRow.waitFor({ timeout: 45_000 });
  } catch {
    throw new Error(
      `no Problems row names a dependsOn cycle; panel: ${JSON.stringify(await problems(page))}`,
    );
  }
  let last = '';
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(300);
    const now = JSON.stringify(await problems(page));
    if (now === last) break;
    last = now;
  }
  const groups = await problems(page);
  const staging = (name) => groups.find((g) => g.file.startsWith(name) && g.label.includes('staging'));
  const web = staging('web.yaml');
  const infra = staging('infra.yaml');
  if (!web || !infra)
    throw new Error(`no Problems groups for staging/web.yaml and infra.yaml: ${JSON.stringify(groups)}`);
  const find = (g, re) => g.markers.filter((m) => re.test(m.text));
  const cycleWeb = find(web, /dependsOn cycle: (web → infra → web|infra → web → infra)/).filter(
    (m) => m.severity === 'error',
  );
  const cycleInfra = find(infra, /dependsOn cycle/).filter((m) => m.severity === 'error');
  const missing = find(web, /GitRepository flux-system\/fleet/).filter((m) => m.severity === 'warning');
  // Related information: rows under the marker naming the other end (file and message).
  const related = find(web, /depends on web/).filter((m) => !m.severity);
  const line = (m) => Number(/\[Ln (\d+)/.exec(m.text)?.[1]);
  const dependsLine = fixtureLine('staging/web.yaml', /- name: infra/);
  const fleetLine = fixtureLine('staging/web.yaml', /name: fleet/);
  if (cycleWeb.length !== 1 || line(cycleWeb[0]) !== dependsLine)
    throw new Error(
      `expected one dependsOn cycle error at web.yaml line ${dependsLine}: ${JSON.stringify(web.markers)}`,
    );
  if (cycleInfra.length !== 1)
    throw new Error(`expected one dependsOn cycle error in infra.yaml: ${JSON.stringify(infra.markers)}`);
  if (missing.length !== 1 || line(missing[0]) !== fleetLine)
    throw new Error(
      `expected one warning for GitRepository fleet at line ${fleetLine}: ${JSON.stringify(web.markers)}`,
    );
  if (related.length < 1 || !/infra\.yaml/.test(related[0].text))
    throw new Error(
      `the cycle error has no related information naming infra.yaml: ${JSON.stringify(web.markers)}`,
    );
  return {
    cycle: cycleWeb[0].text.replace(/\n/g, ' | '),
    related: related[0].text.replace(/\n/g, ' | '),
    missing: missing[0].text.replace(/\n/g, ' | '),
  };
}

/**
 * Go to Definition (F12) on the name of a sourceRef opens the GitRepository it names, in another
 * file, at its name; the CodeLens above the Kustomization names what it depends on.
 */
async function stepGotoDefinition(ctx) {
  const { page } = ctx;
  await quickOpen(page, 'staging/infra.yaml');
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'name: infra' }).waitFor();
  const lens = page.locator('.editor-instance .monaco-editor .codelens-decoration', {
    hasText: 'depends on web',
  });
  await lens.first().waitFor({ timeout: 30_000 });
  const lenses = await page.locator('.editor-instance .monaco-editor .codelens-decoration').allInnerTexts();
  const sourceLine = fixtureLine('staging/infra.yaml', /name: podinfo/);
  await gotoLine(page, sourceLine);
  await page.keyboard.press('End');
  await waitCursor(page, (p) => p.line === sourceLine && p.col > 10, 5000, `the end of line ${sourceLine}`);
  await page.keyboard.press('F12');
  const target = fixtureLine(TARGET, /^ {2}name: podinfo/);
  await page.locator('.tabs-container .tab.active', { hasText: 'apps.yaml' }).waitFor({ timeout: 15_000 });
  const pos = await waitCursor(page, (p) => p.line === target, 15_000, `line ${target} of ${TARGET}`);
  // The breadcrumbs name the file's folder and the document symbol of the object at the cursor
  // (the symbol is drawn once the document symbols of the newly opened file arrive).
  const breadcrumbs = page.locator('.editor-group-container.active .breadcrumbs-control').first();
  const want = (t) =>
    /clusters\W+dev\W+apps\.yaml/.test(t) && t.includes('GitRepository flux-system/podinfo');
  let crumbs = '';
  for (const end = Date.now() + 10_000; Date.now() < end; await page.waitForTimeout(200)) {
    crumbs = (await breadcrumbs.innerText()).replace(/\s+/g, ' ');
    if (want(crumbs)) break;
  }
  if (!want(crumbs))
    throw new Error(`go to definition opened "${crumbs}", not the GitRepository of ${TARGET}`);
  return { lenses, landedOn: `${crumbs} ${pos.text}` };
}

/**
 * Reload the window with apps.yaml open: VS Code restores the editor before the extension and its
 * language server are up (what a user sees every morning), and the problem must still appear.
 */
async function stepProblemsAfterReload(ctx) {
  const { page } = ctx;
  await page.evaluate(() => (window.__fluxWorkbenchE2e = 'before-reload'));
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Developer: Reload Window');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Reload Window' }).waitFor();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__fluxWorkbenchE2e === undefined, null, { timeout: 30_000 });
  await waitForExplorer(page, 'clusters');
  await page.locator('.tabs-container .tab.active', { hasText: 'apps.yaml' }).waitFor();
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'GitRepository' }).waitFor();
  return stepProblems(ctx, Math.max(10_000, STEP_TIMEOUT - 15_000));
}

/**
 * The build preview: the "Preview build" CodeLens of a kustomization.yaml opens a read-only
 * `flux-build:` document beside it, rendered by the real kubectl kustomize, whose header names the
 * engine.
 */
async function stepPreviewBuild(ctx) {
  const { page } = ctx;
  await quickOpen(page, 'clusters/dev/kustomization.yaml');
  const lens = page
    .locator('.contentWidgets .codelens-decoration a, .codelens-decoration a', { hasText: 'Preview build' })
    .first();
  await lens.waitFor({ timeout: 30_000 });
  await lens.click();
  const tab = page.locator('.tabs-container .tab', { hasText: '(Flux build).yaml' }).first();
  await tab.waitFor({ timeout: 30_000 });
  const view = page
    .locator('.editor-instance .monaco-editor .view-lines', { hasText: '# Flux build preview' })
    .first();
  await view.waitFor({ timeout: 30_000 });
  await page
    // Rendered objects follow the header (the editor only draws the lines in view).
    .locator('.editor-instance .monaco-editor .view-lines', {
      hasText: /#\s+unresolved\s+variables:\s+none[\s\S]*kind:\s/,
    })
    .first()
    .waitFor({ timeout: 30_000 });
  const text = await view.innerText();
  const engine = /engine: ([^\n]*)/.exec(text.replace(/\u00a0/g, ' '))?.[1] ?? '';
  if (!/kustomize/.test(engine))
    throw new Error(`the preview header does not name the engine: ${text.slice(0, 400)}`);
  // Beside its source, the preview has half the editor area: its header must still fit.
  const fit = await checkHeaderFits(page);
  return { tab: (await tab.innerText()).trim(), engine, fit };
}

/** The line of the HelmRelease's `retries: <n>` in TARGET: the value the diff step edits. */
function retriesLine(text) {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => /^\s+retries:\s*\d+\s*$/.test(l));
  if (index < 0) throw new Error(`fixture ${TARGET} has no "retries: <n>" line for the diff step to edit`);
  const value = /(\d+)\s*$/.exec(lines[index])[1];
  return { line: index + 1, text: lines[index], value, lines };
}

/**
 * Where `re` matches a rendered line of one pane of the diff editor, whether that line carries the
 * diff editor's insert (modified pane) or delete (original pane) highlight. Monaco draws the text in
 * `.view-lines` and the line decorations in `.view-overlays`, one absolutely placed row per line:
 * the two are matched by their `top`.
 */
async function paneLine(pane, re, highlight) {
  return pane.evaluate(
    (el, { source, flags, highlight }) => {
      const re = new RegExp(source, flags);
      const norm = (t) => t.replace(/\u00a0/g, ' ');
      const row = [...el.querySelectorAll('.view-lines .view-line')].find((l) =>
        re.test(norm(l.textContent)),
      );
      if (!row) return null;
      const top = row.style.top;
      const overlay = [...el.querySelectorAll('.view-overlays > div')].find((o) => o.style.top === top);
      return {
        text: norm(row.textContent),
        top,
        highlighted: !!overlay?.querySelector(highlight),
      };
    },
    { source: re.source, flags: re.flags, highlight },
  );
}

/**
 * "Diff build with HEAD": save an edit that changes the rendered output, click the CodeLens of
 * clusters/dev/kustomization.yaml, and read both panes of the diff editor: the build of git HEAD
 * (left) still has the old value, the working-tree build (right) the new one, the changed line is
 * highlighted on both sides, and both headers name the engine. The edit is reverted by the next step.
 */
async function stepDiffWithHead(ctx) {
  const { page } = ctx;
  if (!ctx.gitHead) throw new Error('test bug: the workspace copy is not a git repository');
  const file = path.join(ctx.ws, TARGET);
  const before = retriesLine(fs.readFileSync(file, 'utf8'));
  const oldValue = before.value;
  const newValue = String(Number(oldValue) + 6);
  const expected = before.lines
    .map((l, i) => (i === before.line - 1 ? l.replace(/\d+(\s*)$/, `${newValue}$1`) : l))
    .join('\n');

  // One full-width group (the diff editor is side by side only when it is wide enough) and no
  // panel: more of the diff in view and in the screenshot.
  await runCommand(page, 'View: Close All Editor Groups');
  if (await page.locator('.part.panel').isVisible()) await runCommand(page, 'View: Hide Panel');
  await quickOpen(page, TARGET);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'GitRepository' }).waitFor();
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await gotoLine(page, before.line);
  await page.keyboard.press('End');
  await waitCursor(
    page,
    (p) => p.line === before.line && p.col === before.text.trimEnd().length + 1,
    5000,
    `the end of line ${before.line}`,
  );
  for (let i = 0; i < oldValue.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type(newValue);
  await page.locator('.tabs-container .tab.active.dirty').waitFor({ timeout: 5000 });
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 15_000 });
  const saved = fs.readFileSync(file, 'utf8');
  if (saved !== expected)
    throw new Error(
      `after Ctrl+S line ${before.line} of ${TARGET} on disk is ${JSON.stringify(saved.split('\n')[before.line - 1])}, expected retries: ${newValue}`,
    );

  await quickOpen(page, 'clusters/dev/kustomization.yaml');
  const lens = page
    .locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'Diff build with HEAD' })
    .first();
  await lens.waitFor({ timeout: 30_000 });
  await lens.click();

  const tab = page.locator('.tabs-container .tab.active', { hasText: 'Flux build at HEAD ↔ working tree' });
  await tab.waitFor({ timeout: 45_000 });
  const diff = page.locator('.editor-instance .monaco-diff-editor').first();
  await diff.waitFor();
  const side = (cls) => diff.locator(`.editor.${cls}`).first();
  const [left, right] = [side('original'), side('modified')];
  // Both builds are done when both headers are drawn.
  await left
    .locator('.view-lines', { hasText: /Flux\sbuild\spreview\sat\sHEAD/ })
    .waitFor({ timeout: 45_000 });
  await right.locator('.view-lines', { hasText: /Flux\sbuild\spreview/ }).waitFor({ timeout: 45_000 });

  const oldRe = new RegExp(`^\\s*retries:\\s+${oldValue}\\s*$`);
  const newRe = new RegExp(`^\\s*retries:\\s+${newValue}\\s*$`);
  // The editors draw only the lines in view: step through the changes (Alt+F5, "Go to Next Change")
  // until the changed line is drawn in both panes.
  let l = null;
  let r = null;
  for (let i = 0; i < 8; i++) {
    [l, r] = [
      await paneLine(left, oldRe, '.line-delete, .char-delete'),
      await paneLine(right, newRe, '.line-insert, .char-insert'),
    ];
    if (l && r) break;
    await right.locator('.view-lines').click();
    await page.keyboard.press('Alt+F5');
    await page.waitForTimeout(300);
  }
  const text = async (pane) => (await pane.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  const [leftText, rightText] = [await text(left), await text(right)];
  const problemsFound = [];
  if (!l) problemsFound.push(`the HEAD side (left) shows no "retries: ${oldValue}"`);
  if (!r) problemsFound.push(`the working-tree side (right) shows no "retries: ${newValue}"`);
  if (await paneLine(left, newRe, '*'))
    problemsFound.push(`the HEAD side already shows the edited "retries: ${newValue}"`);
  if (await paneLine(right, oldRe, '*'))
    problemsFound.push(`the working-tree side still shows "retries: ${oldValue}"`);
  if (l && !l.highlighted) problemsFound.push('the old line is not highlighted as removed');
  if (r && !r.highlighted) problemsFound.push('the new line is not highlighted as inserted');
  const engine = (t) => /# engine: ([^\n]*)/.exec(t)?.[1] ?? '';
  for (const [name, t] of [
    ['left', leftText],
    ['right', rightText],
  ]) {
    if (!/kubectl kustomize/.test(engine(t)))
      problemsFound.push(`the ${name} header does not name kubectl kustomize`);
    if (/# ERROR:/.test(t)) problemsFound.push(`the ${name} build reports an error`);
  }
  if (/ at HEAD/.test(/# Flux build preview[^\n]*/.exec(rightText)?.[0] ?? ''))
    problemsFound.push('the right side is a build at HEAD, not of the working tree');
  if (problemsFound.length)
    throw new Error(
      `${problemsFound.join('; ')}\nleft:\n${leftText.slice(0, 1500)}\nright:\n${rightText.slice(0, 1500)}`,
    );
  return {
    tab: (await tab.innerText()).trim(),
    edit: `${TARGET}:${before.line} retries ${oldValue} -> ${newValue} (saved)`,
    left: {
      header: /# Flux build preview[^\n]*/.exec(leftText)[0],
      engine: engine(leftText),
      line: l.text.trim(),
    },
    right: {
      header: /# Flux build preview[^\n]*/.exec(rightText)[0],
      engine: engine(rightText),
      line: r.text.trim(),
    },
  };
}

/**
 * Undo the diff step's edit on disk (`git checkout` in the temporary copy): the working tree is the
 * committed fixture again, and the open diff's working-tree side follows it back to the old value.
 */
async function stepDiffRestore(ctx) {
  const { page } = ctx;
  if (!ctx.gitHead) throw new Error('test bug: the workspace copy is not a git repository');
  await git(ctx.ws, ['checkout', '--', TARGET]);
  const status = (await git(ctx.ws, ['status', '--porcelain'])).trim();
  if (status)
    throw new Error(`the working tree differs from the fixture commit after git checkout:\n${status}`);
  const committed = fs.readFileSync(path.join(FIXTURE, TARGET), 'utf8');
  if (fs.readFileSync(path.join(ctx.ws, TARGET), 'utf8') !== committed)
    throw new Error(`${TARGET} in the workspace copy is not the fixture's after git checkout`);
  if (await page.locator('.tabs-container .tab.dirty').count())
    throw new Error(
      `dirty tabs: ${JSON.stringify(await page.locator('.tabs-container .tab.dirty').allInnerTexts())}`,
    );
  const { value } = retriesLine(committed);
  const right = page.locator('.editor-instance .monaco-diff-editor .editor.modified').first();
  const diffOpen = await right.isVisible();
  if (diffOpen) {
    // VS Code reloads the unchanged buffer from disk, and the preview follows open buffers.
    await page
      .waitForFunction(
        ({ value }) => {
          const el = document.querySelector(
            '.editor-instance .monaco-diff-editor .editor.modified .view-lines',
          );
          return !!el && new RegExp(`retries:\\s+${value}\\b`).test(el.textContent.replace(/\u00a0/g, ' '));
        },
        { value },
        { timeout: 30_000 },
      )
      .catch(() => {
        throw new Error(`the diff's working-tree side did not return to retries: ${value} after the revert`);
      });
  }
  return {
    reverted: TARGET,
    gitStatus: 'clean',
    head: ctx.gitHead.slice(0, 12),
    diffWorkingTreeSide: diffOpen ? `back to retries: ${value}` : 'not open (not checked)',
  };
}

async function stepRestrictedReady(ctx) {
  const details = await stepReady(ctx);
  const restricted = ctx.page
    .locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' })
    .first();
  try {
    await restricted.waitFor({ timeout: 20_000 });
  } catch {
    throw new Error(
      `workspace trust is on but no "Restricted Mode" status item; status bar: ${JSON.stringify(await statusBarTexts(ctx.page))}`,
    );
  }
  return { ...details, restricted: true };
}

/**
 * Restricted Mode: the lens title says a trusted workspace is needed; clicking it opens a preview
 * whose header names no engine and says why nothing ran.
 */
async function stepRestrictedPreview(ctx) {
  const { page } = ctx;
  await quickOpen(page, 'clusters/dev/kustomization.yaml');
  const lens = page
    .locator('.contentWidgets .codelens-decoration a, .codelens-decoration a', {
      hasText: 'Preview build (needs a trusted workspace)',
    })
    .first();
  try {
    await lens.waitFor({ timeout: 30_000 });
  } catch {
    const titles = await page.locator('.codelens-decoration a').allInnerTexts();
    throw new Error(
      `no "Preview build (needs a trusted workspace)" CodeLens; lenses: ${JSON.stringify(titles)}`,
    );
  }
  await lens.click();
  await page
    .locator('.tabs-container .tab', { hasText: '(Flux build).yaml' })
    .first()
    .waitFor({ timeout: 30_000 });
  const view = page
    .locator('.editor-instance .monaco-editor .view-lines', { hasText: '# Flux build preview' })
    .first();
  await view.waitFor({ timeout: 30_000 });
  const text = (await view.innerText()).replace(/\u00a0/g, ' ');
  if (!/engine: none/.test(text) || !/ERROR: Restricted Mode/.test(text) || /kind:\s/.test(text))
    throw new Error(
      `the Restricted Mode preview should name no engine, render nothing and say why: ${text.slice(0, 500)}`,
    );
  return { header: text.split('\n').filter((l) => /engine:|ERROR:/.test(l)) };
}

async function stepRestrictedDiagnostic(ctx) {
  const { page } = ctx;
  const t0 = Date.now();
  await quickOpen(page, TARGET);
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'GitRepository' }).waitFor();
  // Leave room inside the step's limit for a precise failure message.
  const details = await stepProblems(ctx, Math.max(10_000, STEP_TIMEOUT - (Date.now() - t0) - 8_000));
  const status = (await statusBarTexts(page)).filter((t) => /Flux schemas:|Restricted Mode/.test(t));
  return { ...details, status };
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const tStart = Date.now();
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const tmp = (tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-workbench-e2e-')));
  const fixtureBefore = snapshotTree(FIXTURE);
  // The test cluster of the explorer's steps starts now, in a state folder of this run's own, while
  // the extension is packaged and the language scenarios run.
  // E2E_ONLY=graph needs no cluster: none is started.
  const onlyGraph = process.env.E2E_ONLY === 'graph';
  const clusterState = path.join(tmp, 'cluster');
  let clusterUp = null;
  if (!onlyGraph) {
    clusterDir = clusterState;
    log(`starting the test cluster in ${clusterState} (log: ${path.relative(REPO, RESULTS)}/cluster-up.log)`);
    clusterUp = startCluster(clusterState, path.join(RESULTS, 'cluster-up.log'));
    clusterUp.catch(() => {}); // awaited by the explorer scenario
  }
  let prep = null;
  let prepError = null;
  try {
    prep = await prepare(tmp);
  } catch (e) {
    prepError = e.message.split('\n')[0];
    log(`preparation failed: ${e.message}`);
  }

  const watchdog = setTimeout(() => {
    log(`global timeout (${GLOBAL_TIMEOUT} ms): killing everything`);
    for (const pid of cleanups) killGroup(pid, 'SIGKILL');
    finish(tStart, tmp);
    process.exit(1);
  }, GLOBAL_TIMEOUT);
  watchdog.unref();

  const workspaces = [];
  // E2E_ONLY=explorer runs only the live explorer's scenario (for working on it).
  const onlyBridge = process.env.E2E_ONLY === 'bridge';
  const onlyExplorer = process.env.E2E_ONLY === 'explorer' || onlyBridge || onlyGraph;
  // Scenario 1: workspace trust off (--disable-workspace-trust).
  if (!onlyExplorer) {
    const ctx = prepError
      ? { name: 'trust-off', fatal: `preparation failed: ${prepError}` }
      : await openScenario('trust-off', { tmp, ...prep, trust: false, gitRepo: true });
    try {
      await step(ctx, 'workbench-ready', 'workbench ready: explorer lists the fixture', stepReady);
      if (ctx.failed) ctx.fatal ??= 'the workbench did not become ready';
      await step(
        ctx,
        'open-flux-file-status',
        `open ${TARGET}: status bar names the Flux schema source`,
        stepOpenAndStatus,
      );
      await step(
        ctx,
        'completion-gitrepository',
        'completion under GitRepository spec: GitRepository fields only',
        (c) =>
          completionIn(
            c,
            'GitRepository',
            ['ref', 'secretRef', 'recurseSubmodules', 'include'],
            ['chart', 'chartRef', 'values', 'releaseName', 'prune'],
          ),
      );
      await step(
        ctx,
        'completion-helmrelease',
        'completion under HelmRelease spec: HelmRelease fields only',
        (c) =>
          completionIn(
            c,
            'HelmRelease',
            ['chartRef', 'values', 'valuesFrom', 'upgrade'],
            ['url', 'ref', 'recurseSubmodules', 'prune'],
          ),
      );
      await step(
        ctx,
        'hover-interval',
        'hover on Kustomization spec.interval: CRD description and schema source',
        stepHover,
      );
      await step(
        ctx,
        'problems-prunee',
        'Problems panel: the seeded prunee problem and nothing else for the file',
        (c) => stepProblems(c),
      );
      await step(
        ctx,
        'problems-after-reload',
        'reload the window with the file open: the prunee problem is reported again',
        stepProblemsAfterReload,
        STEP_TIMEOUT + 30_000, // includes a whole window reload
      );
      await step(
        ctx,
        'problems-code-link',
        'the Problems row shows the code unknown-field; clicking it opens its row of the README',
        stepProblemsCodeLink,
      );
      await step(
        ctx,
        'semantics-problems',
        'Problems panel: a dependsOn cycle (with related information) and a missing sourceRef, in files never opened',
        stepSemanticProblems,
      );
      await step(
        ctx,
        'goto-definition',
        'Go to Definition on a sourceRef opens the GitRepository in another file; the CodeLens names the dependency',
        stepGotoDefinition,
      );
      await step(
        ctx,
        'preview-build',
        'Preview build CodeLens opens the rendered build beside the source, naming the engine; its header fits',
        stepPreviewBuild,
      );
      await step(
        ctx,
        'preview-folder',
        'Preview Build on a folder in the explorer with no editor open: one editor group, no empty one',
        stepPreviewFolder,
      );
      await step(
        ctx,
        'diff-build-head',
        'Diff build with HEAD CodeLens after a saved edit: HEAD build left (old value), working tree right (new value)',
        stepDiffWithHead,
        STEP_TIMEOUT + 30_000, // an edit and save, then two builds (one from git archive)
      );
      await step(
        ctx,
        'diff-build-restore',
        'revert the edit (git checkout): working tree clean again',
        stepDiffRestore,
      );
      await step(
        ctx,
        'builtin-hover',
        'a Deployment: status bar and hover name the Kubernetes v1.36.3 built-in schemas',
        stepBuiltinHover,
      );
      await step(
        ctx,
        'quickfix-migrate',
        'a HelmRelease of a removed apiVersion: the Migrate quick fix rewrites it and the problem goes',
        stepMigrateQuickFix,
      );
      await step(ctx, 'quickfix-undo', 'undo the quick fix: nothing written to disk', stepMigrateUndo);
      await step(
        ctx,
        'name-completion',
        'dependsOn name completion lists the Kustomizations of the workspace (edit undone)',
        stepNameCompletion,
      );
      await step(
        ctx,
        'quickfix-template',
        'an ImageUpdateAutomation template using .Updated: the quick fix writes .Changed and the problem goes (undone)',
        stepTemplateQuickFix,
      );
    } finally {
      await closeScenario(ctx);
      if (ctx.ws) workspaces.push({ ws: ctx.ws, gitHead: ctx.gitHead });
    }
  }
  // Scenario 2: workspace trust on: the folder opens in Restricted Mode; the extension declares
  // untrustedWorkspaces: limited, so language features must still work.
  if (!onlyExplorer) {
    const ctx = prepError
      ? { name: 'trust-on', fatal: `preparation failed: ${prepError}` }
      : await openScenario('trust-on', { tmp, ...prep, trust: true });
    try {
      await step(
        ctx,
        'restricted-ready',
        'trust on: workbench ready in Restricted Mode',
        stepRestrictedReady,
      );
      if (ctx.failed) ctx.fatal ??= 'the workbench did not become ready';
      await step(
        ctx,
        'restricted-diagnostic',
        'trust on: the prunee problem appears in Restricted Mode',
        stepRestrictedDiagnostic,
      );
      await step(
        ctx,
        'restricted-preview',
        'trust on: the CodeLens says a preview needs trust, and the preview runs nothing and says why',
        stepRestrictedPreview,
      );
      await step(
        ctx,
        'diff-without-git',
        'trust granted, no Git repository: the diff lens and command say so plainly, no diff opens',
        stepDiffWithoutGit,
      );
    } finally {
      await closeScenario(ctx);
      if (ctx.ws) workspaces.push({ ws: ctx.ws });
    }
  }
  if (!onlyExplorer)
    await step(
      null,
      'nothing-saved',
      'the workspace copies and the fixture are unchanged (nothing saved)',
      async () => {
        if (prepError) throw new Error(`not run: preparation failed: ${prepError}`);
        const changed = [];
        for (const { ws, gitHead } of workspaces) {
          // A `.git` this test created (for the diff with HEAD) is left out of the comparison; instead
          // HEAD must still be the fixture commit and nothing may differ from it (`git status`).
          if (gitHead) {
            const head = (await git(ws, ['rev-parse', 'HEAD'])).trim();
            if (head !== gitHead) changed.push(`${path.basename(path.dirname(ws))}: HEAD moved to ${head}`);
            const status = (await git(ws, ['status', '--porcelain', '--ignored'])).trim();
            if (status)
              changed.push(`${path.basename(path.dirname(ws))}: git status: ${status.replace(/\n/g, '; ')}`);
          }
          const after = snapshotTree(ws, { skipDirs: gitHead ? ['.git'] : [] });
          for (const [f, content] of Object.entries(fixtureBefore))
            if (after[f] !== content) changed.push(`${path.basename(path.dirname(ws))}:${f}`);
          for (const f of Object.keys(after))
            if (!(f in fixtureBefore)) changed.push(`${path.basename(path.dirname(ws))}:+${f}`);
        }
        const fixtureAfter = snapshotTree(FIXTURE);
        if (JSON.stringify(fixtureAfter) !== JSON.stringify(fixtureBefore))
          changed.push('the fixture itself');
        if (changed.length) throw new Error(`files changed: ${changed.join(', ')}`);
        return { compared: workspaces.length };
      },
    );
  // The dependency graph of a generated 300-object fleet, no cluster (test/e2e/graph.mjs).
  if (!onlyExplorer || onlyGraph) {
    const ctx = prepError
      ? { name: 'graph', fatal: `preparation failed: ${prepError}` }
      : await openScenario('graph', { tmp, ...prep, trust: false, workspace: graphWorkspace });
    try {
      await step(ctx, 'graph-ready', 'workbench ready: explorer lists the fleet', stepReady);
      if (ctx.failed) ctx.fatal ??= 'the workbench did not become ready';
      await step(
        ctx,
        'graph-300',
        'dependency graph of 300 objects: readable, searchable, zoomable',
        stepGraph300,
        120_000,
      );
    } finally {
      await closeScenario(ctx);
    }
  }
  // Scenario 3: the live explorer against the real test cluster (trust on, then granted).
  if (!onlyGraph) {
    let cluster = null;
    let clusterError = null;
    try {
      cluster = await clusterUp;
      log(`test cluster up: ${cluster.env.KAS_URL}, Git ${cluster.env.GIT_URL}`);
    } catch (e) {
      clusterError = e.message;
      log(`the test cluster did not start: ${e.message}`);
    }
    const ctx = prepError
      ? { name: 'explorer', fatal: `preparation failed: ${prepError}` }
      : clusterError
        ? { name: 'explorer', fatal: `the test cluster did not start: ${clusterError.split('\n')[0]}` }
        : await openScenario('explorer', {
            tmp,
            ...prep,
            trust: true,
            workspace: (ws, c) => explorer.explorerWorkspace(cluster, ws, c),
            env: explorer.explorerEnv,
          });
    try {
      const steps = [
        [
          'explorer-restricted',
          'Restricted Mode: the token context works, the exec plugin is not run',
          explorer.stepRestricted,
          90_000,
        ],
        [
          'explorer-trust',
          'trust granted: the exec plugin runs and its context connects',
          explorer.stepTrust,
          90_000,
        ],
        [
          'explorer-lists',
          'Sources and Workloads list the cluster’s objects with their real states (as kubectl says)',
          explorer.stepLists,
        ],
        [
          'explorer-reconcile',
          'right-click Reconcile: the notification reports the applied revision',
          explorer.stepReconcile,
          90_000,
        ],
        [
          'explorer-reconcile-with-source',
          'Reconcile with Source: the GitRepository first, then apps; each step’s token handled',
          explorer.stepReconcileWithSource,
          120_000,
        ],
        [
          'explorer-force',
          'Force HelmRelease: the verdict after status.lastHandledForceAt equals our token',
          explorer.stepForce,
          120_000,
        ],
        [
          'explorer-push-commit',
          'a commit pushed to the Git server shows its new revision in the tree, no refresh',
          explorer.stepPushCommit,
          300_000,
        ],
        [
          'explorer-suspend',
          'Suspend: the Kustomization shows suspended (and kubectl agrees)',
          explorer.stepSuspend,
        ],
        [
          'explorer-resume',
          'Resume: Ready again, the verdict names the applied revision',
          explorer.stepResume,
          120_000,
        ],
        [
          'explorer-notify-off',
          'notifyOnFailure off (its default): a Kustomization that fails for real raises no notification',
          explorer.stepNotifyOff,
          120_000,
        ],
        [
          'explorer-notify-failing',
          'notifyOnFailure on: one notification names the object and the controller’s message, none at its retry; Show Events',
          explorer.stepNotifyFailing,
          120_000,
        ],
        [
          'explorer-notify-startup',
          'notifyOnFailure on: a context shown with the object already failing announces nothing',
          explorer.stepNotifyStartup,
          120_000,
        ],
        [
          'explorer-broken',
          'a broken Kustomization pushed to Git shows its failure message',
          explorer.stepBroken,
          300_000,
        ],
        ['explorer-events', 'Show Events: live, newest first, with the failure', explorer.stepEvents],
        ['explorer-live-yaml', 'Show Live YAML: read-only, managedFields hidden', explorer.stepLiveYaml],
        ['explorer-trace', 'Trace from an inventory entry: owner and source', explorer.stepTrace],
        [
          'explorer-failing-only',
          'the failing-only filter shows only the failing object',
          explorer.stepFailingOnly,
        ],
        [
          'explorer-filters',
          'Filter by Text and by Namespace: only the matching objects, the view says so; Clear Filters',
          explorer.stepFilters,
        ],
        [
          'explorer-readonly',
          'RBAC: actions the user may not take are greyed out, the tooltip says why',
          explorer.stepReadonly,
          120_000,
        ],
        // The cluster inside the editor (issue 12).
        ...bridgeSteps,
      ].filter(([slug]) => !onlyBridge || /^(explorer-restricted|explorer-trust|bridge-)/.test(slug));
      for (const [slug, name, fn, ms] of steps) {
        await step(ctx, slug, name, fn, ms ?? STEP_TIMEOUT);
        if (slug === 'explorer-restricted' && ctx.failed)
          ctx.fatal ??= 'the Flux views did not show the cluster';
      }
    } finally {
      await closeScenario(ctx);
      await stopCluster(clusterState);
    }
  }
  clearTimeout(watchdog);
  return finish(tStart, tmp);
}

function finish(tStart, tmp) {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  fs.writeFileSync(
    path.join(RESULTS, 'results.json'),
    JSON.stringify({ totalMs: Date.now() - tStart, results }, null, 2) + '\n',
  );
  if (process.env.E2E_KEEP === '1') log(`kept ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  log(`total ${Math.round((Date.now() - tStart) / 1000)} s; screenshots in ${path.relative(REPO, RESULTS)}/`);
  for (const r of results)
    console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.id}-${r.slug}${r.ok ? '' : `: ${r.error.split('\n')[0]}`}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of cleanups) killGroup(pid, 'SIGKILL');
    process.exit(130);
  });
}
process.on('exit', () => {
  for (const pid of cleanups) killGroup(pid, 'SIGKILL');
  // down.sh stops the cluster's processes by their recorded PIDs (synchronously, on exit too).
  if (clusterDir)
    spawnSync('bash', [path.join(REPO, 'test/cluster/down.sh')], {
      env: { ...process.env, FLUX_WORKBENCH_CLUSTER_DIR: clusterDir },
      stdio: 'ignore',
    });
  if (tmpDir && process.env.E2E_KEEP !== '1') fs.rmSync(tmpDir, { recursive: true, force: true });
});

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    for (const pid of cleanups) killGroup(pid, 'SIGKILL');
    console.log(
      `${results.filter((r) => r.ok).length} passed, ${Math.max(1, results.filter((r) => !r.ok).length)} failed`,
    );
    process.exit(1);
  },
);
