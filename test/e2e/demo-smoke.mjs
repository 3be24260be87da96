#!/usr/bin/env node
// Smoke check of `npm run demo` (examples/demo.sh): it starts, prints its URL, that URL answers
// 200/302, Ctrl+C (SIGINT to its process group, as a terminal sends it) stops it, and no process
// it started is left behind, and its temporary copy of the example repository is removed.
//   node test/e2e/demo-smoke.mjs        (DEMO_SKIP_PACKAGE=1 to reuse ./flux-workbench.vsix)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort, killGroup } from './lib/env.mjs';

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
  return [...pids].filter(([pid, start]) => table.get(pid)?.start === start && table.get(pid)?.state !== 'Z').map(([pid]) => pid);
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
