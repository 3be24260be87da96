#!/usr/bin/env node
// Smoke check of `npm run demo` (examples/demo.sh): it starts, prints its URL, that URL answers
// 200/302, Ctrl+C (SIGINT to its process group, as a terminal sends it) stops it, and no process
// it started is left behind, and its temporary copy of the example repository is removed.
// Unless --no-browser: Chromium opens the demo, the extension is active on the example repository
// (status bar "Flux schemas: ...", a hover on a Flux field) and the Problems panel has no error
// or warning for the files it opens (the example is meant to be clean). Screenshots go to
// test-results/demo/.
//   node test/e2e/demo-smoke.mjs [--no-browser]   (DEMO_SKIP_PACKAGE=1 reuses ./flux-workbench.vsix)
import { spawn } from 'node:child_process';
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

const SHOTS = path.join(REPO, 'test-results/demo');
const EXAMPLE_FILES = [
  'clusters/production/apps.yaml',
  'infrastructure/controllers/ingress-nginx.yaml',
  'clusters/production/notifications.yaml',
  'apps/production/podinfo-replicas.yaml',
];

/** Open the demo in Chromium and check the extension works there and finds nothing wrong. */
async function browserCheck(url, failures) {
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
const log = (...a) => console.log(`[demo-smoke ${new Date().toISOString().slice(11, 19)}]`, ...a);

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

async function main() {
  const port = await freePort();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-workbench-demo-smoke-'));
  const t0 = Date.now();
  const child = spawn('bash', [path.join(REPO, 'examples/demo.sh')], {
    cwd: REPO,
    detached: true, // its own process group, like a foreground job in a terminal
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEMO_PORT: String(port), DEMO_STATE_DIR: state },
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
  try {
    let url = null;
    while (!url) {
      if (exited !== null) throw new Error(`demo.sh exited (${exited}) before printing its URL`);
      if (Date.now() - t0 > START_TIMEOUT) throw new Error(`no URL line within ${START_TIMEOUT} ms`);
      url = /demo is running: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out)?.[1] ?? null;
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`URL after ${Math.round((Date.now() - t0) / 1000)} s: ${url}`);
    if (!url.includes(`:${port}/`)) failures.push(`URL ${url} does not use DEMO_PORT ${port}`);
    const res = await fetch(url, { redirect: 'manual' });
    log(`GET ${url} -> ${res.status} ${res.headers.get('location') ?? ''}`);
    if (![200, 302].includes(res.status)) failures.push(`GET ${url} answered ${res.status}`);
    if (!process.argv.includes('--no-browser')) {
      try {
        await browserCheck(url, failures);
      } catch (e) {
        failures.push(`browser check: ${e.message.split('\n').slice(0, 4).join(' / ')}`);
      }
    }
    const workdir = /temporary copy\): (\S+)/.exec(out)?.[1];
    seen = descendants(child.pid);
    log(`demo.sh pid ${child.pid} has ${seen.size} descendant processes`);
    if (seen.size === 0) failures.push('no code-server process found under demo.sh');

    // Ctrl+C: SIGINT to the demo's process group.
    killGroup(child.pid, 'SIGINT');
    const until = Date.now() + 30_000;
    while (exited === null && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (exited === null) failures.push('demo.sh still running 30 s after SIGINT');
    else log(`demo.sh exited with ${exited}`);
    // Processes re-parented away from demo.sh are still tracked by (pid, start time).
    const deadline = Date.now() + 10_000;
    let alive = stillAlive(seen);
    while (alive.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      alive = stillAlive(seen);
    }
    if (alive.length) failures.push(`processes left behind: ${alive.join(', ')}`);
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
    fs.rmSync(state, { recursive: true, force: true });
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
