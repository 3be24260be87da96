#!/usr/bin/env node
// Smoke check of `npm run demo`, run exactly as the README says: it starts, prints its URL, that URL
// answers 200/302, the example it serves is a Git repository with one commit, Ctrl+C (SIGINT to its
// process group, as a terminal sends it) stops it, no process it started is left behind, and its
// temporary copy of the example repository is removed.
// With --fresh (what `npm test` runs): in a new copy of this repository (the files a clone would
// have: tracked and new, not ignored; `../shared` linked beside it) with an empty cache folder
// (FLUX_WORKBENCH_CACHE), so the whole first-run path runs under `npm run`: npm ci, Node 24,
// code-server's native build, playwright-core, packaging. Without it: this checkout, the usual cache.
// Unless --no-browser: Chromium opens the demo, the extension is active on the example repository
// (status bar "Flux schemas: ...", a hover on a Flux field) and the Problems panel has no error
// or warning for the files it opens (the example is meant to be clean). Screenshots go to
// test-results/demo/.
//   node test/e2e/demo-smoke.mjs [--fresh] [--no-browser]   (DEMO_SKIP_PACKAGE=1 reuses ./flux-workbench.vsix)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort, killGroup } from './lib/env.mjs';
import {
  launchChromium,
  waitForExplorer,
  quickOpen,
  gotoLine,
  waitCursor,
  problems,
} from './lib/workbench.mjs';
import { focusPane, openFluxContainer, pane, waitRow } from './lib/fluxView.mjs';

const SHOTS = path.join(REPO, 'test-results/demo');
const EXAMPLE_FILES = [
  'clusters/production/apps.yaml',
  'apps/production/demo-chart.yaml',
  'clusters/production/notifications.yaml',
  'apps/production/podinfo-replicas.yaml',
];

/** Open the demo in Chromium and check the extension works there and finds nothing wrong. */
async function browserCheck(url, failures, clusterUp) {
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-workbench-demo-chromium-'));
  const browser = await launchChromium(profile);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await waitForExplorer(page, 'clusters', 90_000);
    await page.screenshot({ path: path.join(SHOTS, '01-workbench.png') });
    for (const f of EXAMPLE_FILES) {
      await quickOpen(page, f);
    }
    await quickOpen(page, EXAMPLE_FILES[0]);
    const status = page
      .locator('.part.statusbar .statusbar-item', { hasText: /^\s*Flux schemas:\s*(?!loading)\S/i })
      .first();
    await status.waitFor({ timeout: 60_000 });
    log(`status bar: ${(await status.innerText()).trim()}`);
    // Hover `dependsOn` (line of the key in the example file) with the keyboard-free mouse path.
    const lines = fs
      .readFileSync(path.join(REPO, 'examples/flux-repo', EXAMPLE_FILES[0]), 'utf8')
      .split('\n');
    const line = lines.findIndex((l) => /^ {2}dependsOn:/.test(l)) + 1;
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await gotoLine(page, line);
    await page.keyboard.press('Home');
    await waitCursor(page, (p) => p.line === line && p.col > 1, 5000, 'the first non-blank column');
    const box = await page
      .locator('.editor-instance .monaco-editor .cursors-layer .cursor')
      .first()
      .boundingBox();
    await page.mouse.move(box.x + 20, box.y + box.height / 2, { steps: 4 });
    const hover = page
      .locator('.monaco-hover:visible')
      .filter({ hasText: /depend/i })
      .first();
    try {
      await hover.waitFor({ timeout: 20_000 });
      log(`hover: ${(await hover.innerText()).trim().replace(/\n+/g, ' | ').slice(0, 200)}`);
    } catch {
      failures.push(`no hover over dependsOn in ${EXAMPLE_FILES[0]}:${line}`);
    }
    await page.screenshot({ path: path.join(SHOTS, '02-hover.png') });
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ state: 'visible' });
    // Let validation of the opened files publish and the panel settle, then read it.
    let last = '';
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(500);
      const now = JSON.stringify(await problems(page));
      if (now === last && i >= 4) break;
      last = now;
    }
    const found = (await problems(page)).flatMap((g) =>
      g.markers
        .filter((m) => m.severity === 'error' || m.severity === 'warning')
        .map((m) => `${g.file}: ${m.text.replace(/\n/g, ' | ')}`),
    );
    await page.screenshot({ path: path.join(SHOTS, '03-problems.png') });
    if (found.length)
      failures.push(`the example repository should be clean, Problems shows: ${JSON.stringify(found)}`);
    else log(`Problems panel: no errors or warnings for ${EXAMPLE_FILES.length} opened files`);
    if (clusterUp) {
      // The demo cluster reconciles this very repository: the Flux view lists its objects, live.
      await openFluxContainer(page);
      // Notifications and Image Automation appear once discovery says they are served.
      for (const t of ['Notifications', 'Image Automation'])
        await pane(page, t).locator('.pane-header').waitFor({ timeout: 60_000 });
      await focusPane(page, 'Workloads');
      for (const name of ['apps', 'infrastructure', 'team-a-apps', 'demo-chart'])
        await waitRow(page, 'Workloads', (r) => r.label === name && r.icon === 'pass', {
          timeout: 90_000,
          what: `${name} Ready in the Flux view`,
        });
      log('Flux view: apps, infrastructure, team-a-apps and demo-chart Ready, as in the files');
      await page.screenshot({ path: path.join(SHOTS, '04-flux-view.png') });
    }
  } catch (e) {
    await browser
      .pages()[0]
      ?.screenshot({ path: path.join(SHOTS, 'failure.png') })
      .catch(() => {});
    throw e;
  } finally {
    await browser.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const START_TIMEOUT = Number(process.env.DEMO_SMOKE_TIMEOUT_MS || 20 * 60_000); // cold setup included
const FRESH = process.argv.includes('--fresh');
const log = (...a) => console.log(`[demo-smoke ${new Date().toISOString().slice(11, 19)}]`, ...a);

/** On failure, the fresh run's set-up logs and code-server log go to test-results/demo/. */
function keepFreshLogs(fresh) {
  const into = path.join(SHOTS, 'fresh-logs');
  for (const [from, name] of [
    [path.join(fresh.cache, 'e2e', 'logs'), 'setup'],
    [path.join(fresh.cache, 'demo', 'code-server.log'), 'code-server.log'],
  ]) {
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(into, { recursive: true });
    fs.cpSync(from, path.join(into, name), { recursive: true });
  }
  if (fs.existsSync(into)) log(`set-up logs of the fresh run kept in ${path.relative(REPO, into)}`);
}

/** pid -> { ppid, start } for every process, from /proc. */
function processTable() {
  const table = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(d), { state: rest[0], ppid: Number(rest[1]), start: rest[19] });
    } catch {
      /* gone */
    }
  }
  return table;
}

function descendants(root) {
  const table = processTable();
  const out = new Map();
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    for (const [pid, info] of table) {
      if (info.ppid === p && !out.has(pid)) {
        out.set(pid, info.start);
        todo.push(pid);
      }
    }
  }
  return out;
}

function stillAlive(pids) {
  const table = processTable();
  return [...pids]
    .filter(([pid, start]) => table.get(pid)?.start === start && table.get(pid)?.state !== 'Z')
    .map(([pid]) => pid);
}

/**
 * A new copy of this repository as a clone of it would be (tracked files and new ones that are not
 * ignored: no node_modules, no build output), with `../shared` linked beside it as CI has it, and
 * an empty cache folder.
 */
function freshCopy() {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-workbench-fresh-'));
  const repo = path.join(top, 'flux-workbench');
  const files = execFileSync(
    'git',
    ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  )
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    const from = path.join(REPO, f);
    const st = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!st) continue; // deleted in the working tree
    const to = path.join(repo, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else {
      fs.copyFileSync(from, to);
      fs.chmodSync(to, st.mode);
    }
  }
  const shared = path.resolve(REPO, '..', 'shared');
  if (fs.existsSync(shared)) fs.symlinkSync(fs.realpathSync(shared), path.join(top, 'shared'));
  const cache = path.join(top, 'cache');
  fs.mkdirSync(cache);
  log(`fresh copy: ${files.length} files in ${repo}; empty cache ${cache}`);
  return { top, repo, cache, shared: fs.existsSync(shared) };
}

async function main() {
  const port = await freePort();
  const t0 = Date.now();
  let cwd = REPO;
  let state = null;
  let fresh = null;
  const env = { ...process.env, DEMO_PORT: String(port) };
  if (FRESH) {
    fresh = freshCopy();
    cwd = fresh.repo;
    env.FLUX_WORKBENCH_CACHE = fresh.cache;
    // The README's way: the CRDs come from ../shared beside the clone.
    if (fresh.shared) delete env.FLUX_CRDS_DIR;
  } else {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-workbench-demo-smoke-'));
    env.DEMO_STATE_DIR = state;
  }
  // Exactly the README's command (the bug this catches hid behind `bash examples/demo.sh`).
  log(`npm run demo in ${cwd}${FRESH ? ' (empty cache)' : ''}`);
  const child = spawn('npm', ['run', 'demo'], {
    cwd,
    detached: true, // its own process group, like a foreground job in a terminal
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let exited = null;
  child.on('exit', (code, sig) => (exited = code ?? sig));
  const onData = (d) => {
    out += d;
    process.stdout.write(d);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const failures = [];
  let seen = new Map();
  let clusterState = null;
  try {
    let url = null;
    while (!url) {
      if (exited !== null) throw new Error(`npm run demo exited (${exited}) before printing its URL`);
      if (Date.now() - t0 > START_TIMEOUT) throw new Error(`no URL line within ${START_TIMEOUT} ms`);
      url = /demo is running: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out)?.[1] ?? null;
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`URL after ${Math.round((Date.now() - t0) / 1000)} s: ${url}`);
    // "cluster up in <state>: ..." when the demo started its cluster, else "no cluster: <why>".
    clusterState = /cluster up in (\S+):/.exec(out)?.[1] ?? null;
    log(
      clusterState
        ? `demo cluster in ${clusterState}`
        : `no demo cluster: ${/no cluster: (.*)/.exec(out)?.[1] ?? '?'}`,
    );
    if (!url.includes(`:${port}/`)) failures.push(`URL ${url} does not use DEMO_PORT ${port}`);
    const res = await fetch(url, { redirect: 'manual' });
    log(`GET ${url} -> ${res.status} ${res.headers.get('location') ?? ''}`);
    if (![200, 302].includes(res.status)) failures.push(`GET ${url} answered ${res.status}`);
    if (!process.argv.includes('--no-browser')) {
      try {
        await browserCheck(url, failures, clusterState !== null);
      } catch (e) {
        failures.push(`browser check: ${e.message.split('\n').slice(0, 4).join(' / ')}`);
      }
    }
    const workdir = /temporary copy\): (\S+)/.exec(out)?.[1];
    // "Diff Build with HEAD" needs a HEAD: the copy must be a Git repository with one clean commit.
    if (!workdir) failures.push('npm run demo did not name its copy of the example repository');
    else {
      try {
        const count = execFileSync('git', ['-C', workdir, 'rev-list', '--count', 'HEAD'], {
          encoding: 'utf8',
        });
        const status = execFileSync('git', ['-C', workdir, 'status', '--porcelain'], { encoding: 'utf8' });
        if (count.trim() !== '1') failures.push(`the example copy has ${count.trim()} commits, expected 1`);
        if (status.trim()) failures.push(`the example copy is not clean after its first commit: ${status}`);
        else log(`example copy ${workdir}: a Git repository with 1 commit, clean`);
      } catch (e) {
        failures.push(`the example copy is not a Git repository with a commit: ${e.message.split('\n')[0]}`);
      }
    }
    seen = descendants(child.pid);
    log(`npm run demo (pid ${child.pid}) has ${seen.size} descendant processes`);
    if (seen.size === 0) failures.push('no code-server process found under npm run demo');

    // Ctrl+C: SIGINT to the demo's process group.
    killGroup(child.pid, 'SIGINT');
    const until = Date.now() + 30_000;
    while (exited === null && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (exited === null) failures.push('npm run demo still running 30 s after SIGINT');
    else log(`npm run demo exited with ${exited}`);
    // Processes re-parented away from demo.sh are still tracked by (pid, start time).
    const deadline = Date.now() + 10_000;
    let alive = stillAlive(seen);
    while (alive.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      alive = stillAlive(seen);
    }
    if (alive.length) failures.push(`processes left behind: ${alive.join(', ')}`);
    // The cluster's processes are not descendants (up.sh starts them in sessions of their own).
    if (clusterState) {
      const pidsDir = path.join(clusterState, 'pids');
      const left = (fs.existsSync(pidsDir) ? fs.readdirSync(pidsDir) : [])
        .filter((f) => f.endsWith('.pid'))
        .map((f) => Number(fs.readFileSync(path.join(pidsDir, f), 'utf8')))
        .filter((pid) => {
          try {
            process.kill(pid, 0);
            return true;
          } catch {
            return false;
          }
        });
      if (left.length) failures.push(`demo cluster processes left running: ${left.join(', ')}`);
      else log('demo cluster stopped');
    }
    if (workdir && fs.existsSync(workdir)) failures.push(`temporary work dir left behind: ${workdir}`);
    try {
      await fetch(url, { redirect: 'manual' });
      failures.push(`${url} still answers after stop`);
    } catch {
      /* refused: good */
    }
  } catch (e) {
    failures.push(e.message);
  } finally {
    killGroup(child.pid, 'SIGKILL');
    for (const pid of stillAlive(seen)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (state) fs.rmSync(state, { recursive: true, force: true });
    if (fresh) {
      if (failures.length) keepFreshLogs(fresh);
      fs.rmSync(fresh.top, { recursive: true, force: true });
    }
  }
  log(`total ${Math.round((Date.now() - t0) / 1000)} s`);
  if (failures.length) {
    for (const f of failures) log(`FAIL: ${f}`);
    console.log('demo smoke: FAILED');
    process.exit(1);
  }
  console.log('demo smoke: passed');
}

main();
