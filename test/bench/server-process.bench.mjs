// The language server as an editor starts it: a new `node server/out/server.js --stdio` process.
//   - cold start: process start -> first non-empty completion on a 5,014-line Flux file (p50 of 5),
//     in wall time and in the server's CPU time (user + system, from /proc: on a loaded machine
//     the wall time measures the load); the completion is sent right after `initialized`, so it
//     also checks that no early request is answered with an empty list;
//   - open -> first diagnostics: 200 real files of the corpus (Flux objects, Deployments, Services,
//     ConfigMaps, ...) opened one after another, each timed from didOpen to its publishDiagnostics;
//   - memory: the process's RSS after the big file's completions and hovers and those 200 files.
// Baselines in the same run: `node -e 0` (the floor of any Node process), bare yaml-language-server
// as a language server with the same bundled schemas (test/bench/bare-yls-server.entry.ts: no Flux
// checks, no workspace model, no debounce), and a process that only loads vscode-languageserver.
// Targets from issue 13: start <= 150 ms, open -> diagnostics p50 <= 5 ms, RSS <= 240 MiB.
// Every process runs on the Node the editor runs the server on: code-server's Node 24 (the one
// test/build/ensure-node24.sh installs; FW_BENCH_NODE names another). The server gets a compile
// cache folder as the extension gives it one (FLUX_WORKBENCH_COMPILE_CACHE, server/src/start.ts:
// V8's code of every function the session compiled, written as the process exits); the first
// start fills it and is printed on its own, the p50 is of the starts after it. The bare
// baseline gets the same cache through Node's own NODE_COMPILE_CACHE.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const rpc = require('vscode-jsonrpc/node');
// FW_BENCH_SERVER: another build's server.js, for a before/after comparison in one run.
const server = process.env.FW_BENCH_SERVER ?? join(root, 'server', 'out', 'server.js');
const bare = join(root, 'test', 'out', 'bench', 'bare-yls-server.entry.js');
const corpus = join(root, '..', 'shared', 'corpus');
const nodeBin =
  process.env.FW_BENCH_NODE ??
  execFileSync('bash', [join(root, 'test', 'build', 'ensure-node24.sh')], { encoding: 'utf8' }).trim();
const cacheRoot = mkdtempSync(join(os.tmpdir(), 'fw-bench-compile-cache-'));
/** The environment of a server process: a compile cache folder of its own per server script. */
function serverEnv(script) {
  const dir = join(cacheRoot, script === bare ? 'bare' : 'ours');
  return { ...process.env, FLUX_WORKBENCH_COMPILE_CACHE: dir, NODE_COMPILE_CACHE: dir };
}
const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

function bigFile() {
  const docs = [];
  let lines = 0;
  for (let n = 0; lines < 5000; n++) {
    const d = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app-${n}
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/app-${n}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;
    docs.push(d);
    lines += d.split('\n').length;
  }
  return docs.join('---\n');
}

/** CPU time (user + system) of a live process so far, in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

function start(script, dir) {
  const t0 = performance.now();
  const proc = spawn(nodeBin, [script, '--stdio'], { stdio: 'pipe', env: serverEnv(script) });
  proc.stderr.resume();
  const conn = rpc.createMessageConnection(
    new rpc.StreamMessageReader(proc.stdout),
    new rpc.StreamMessageWriter(proc.stdin),
  );
  const diagnostics = new Map();
  const waiters = new Map();
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    diagnostics.set(p.uri, p);
    waiters.get(p.uri)?.(p);
  });
  conn.onNotification(() => {});
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.listen();
  const init = conn
    .sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(dir).toString(),
      workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'bench' }],
      capabilities: { workspace: { configuration: true } },
    })
    .then(() => conn.sendNotification('initialized', {}));
  const open = (file, text) => {
    const uri = pathToFileURL(file).toString();
    void conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
    return uri;
  };
  /** Opens a file and resolves with the ms until its first diagnostics. */
  const openTimed = (file, text) =>
    new Promise((resolve, reject) => {
      const uri = pathToFileURL(file).toString();
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}`)), 60_000);
      const t = performance.now();
      waiters.set(uri, () => {
        waiters.delete(uri);
        clearTimeout(timer);
        resolve(performance.now() - t);
      });
      open(file, text);
    });
  const waitDiagnostics = (uri, ms = 60_000) =>
    diagnostics.has(uri)
      ? Promise.resolve(diagnostics.get(uri))
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}`)), ms);
          waiters.set(uri, (p) => {
            clearTimeout(timer);
            resolve(p);
          });
        });
  // As VS Code's client stops a server: shutdown, exit, then up to 2 s for the process to end
  // (vscode-languageclient's checkProcessDied) before it is killed. The server writes its code
  // cache as it exits (server/src/start.ts).
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const stop = async () => {
    try {
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => proc.kill(), 2000);
    await exited;
    clearTimeout(timer);
    conn.dispose();
  };
  return { t0, proc, conn, init, open, openTimed, waitDiagnostics, stop };
}

/**
 * Start -> first non-empty completion. The completion is sent as soon as `initialized` is, and
 * again while the answer is empty; every empty answer is counted (it should be none).
 */
async function coldStart(script, dir, file, text, position) {
  const s = start(script, dir);
  await s.init;
  const uri = s.open(file, text);
  let empty = 0;
  for (let i = 0; i < 2000; i++) {
    const r = await s.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position });
    const items = Array.isArray(r) ? r : (r?.items ?? []);
    if (items.length) {
      const ms = performance.now() - s.t0;
      const cpu = cpuMs(s.proc.pid);
      await s.stop();
      return { ms, cpu, empty };
    }
    empty++;
  }
  await s.stop();
  throw new Error('completion stayed empty');
}

/** What the libraries alone cost: a process that loads them and exits when asked. */
function baselineRss() {
  const script = `require(${JSON.stringify(require.resolve('vscode-languageserver/node'))});
process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const proc = spawn(nodeBin, ['-e', script], { stdio: 'pipe' });
  return new Promise((resolve) => {
    proc.stdout.once('data', () => {
      const rss = rssMiB(proc.pid);
      proc.kill();
      resolve(rss);
    });
  });
}

/** The floor of any Node process: start one and hear back from it (its own CPU time so far). */
async function nodeAlone() {
  const t = performance.now();
  const proc = spawn(nodeBin, [
    '-e',
    'const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))',
  ]);
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  await new Promise((r) => proc.on('exit', r));
  return { ms: performance.now() - t, cpu: Number(out) };
}

function yamlFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** The memory workload, and the open -> diagnostics timings it makes on the way. */
async function workload(script, dir, file, text, specLine, files) {
  const s = start(script, existsSync(corpus) ? join(corpus, 'joryirving__home-ops') : dir);
  await s.init;
  const uri = s.open(file, text);
  await s.waitDiagnostics(uri);
  for (let i = 0; i < 60; i++) {
    const line = specLine + 12 * 13 * i;
    await s.conn.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line, character: 2 },
    });
    await s.conn.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line, character: 3 },
    });
  }
  const opens = [];
  for (const f of files) opens.push(await s.openTimed(f, readFileSync(f, 'utf8')));
  const rss = rssMiB(s.proc.pid);
  await s.stop();
  return { opens, rss };
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'fw-bench-server-'));
  const file = join(dir, 'big.yaml');
  const text = bigFile();
  writeFileSync(file, text);
  const lines = text.split('\n');
  const specLine = lines.findIndex((l) => l.startsWith('spec:')) + 1;
  const position = { line: specLine, character: 2 };
  const hasBare = existsSync(bare);

  // Interleaved, so the machine's load falls on both alike.
  // The first start of each fills its compile cache (what the first start after an install costs).
  const first = { ours: await coldStart(server, dir, file, text, position) };
  if (hasBare) first.bare = await coldStart(bare, dir, file, text, position);
  const runs = { ours: [], bare: [], node: [] };
  for (let i = 0; i < 5; i++) {
    runs.ours.push(await coldStart(server, dir, file, text, position));
    if (hasBare) runs.bare.push(await coldStart(bare, dir, file, text, position));
    runs.node.push(await nodeAlone());
  }
  const p50 = (rs, k) =>
    pct(
      rs.map((r) => r[k]),
      50,
    );
  const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
  console.log(
    `\n# Server process: cold start to the first non-empty completion (${lines.length}-line file; Node ${version}; p50 of 5 starts with the compile cache filled)`,
  );
  console.log('| process | wall p50 | CPU p50 | wall, all runs | empty answers before | target |');
  console.log('|---|---|---|---|---|---|');
  const row = (name, rs, target) =>
    console.log(
      `| ${name} | ${p50(rs, 'ms').toFixed(0)} ms | ${p50(rs, 'cpu').toFixed(0)} ms | ${rs.map((r) => r.ms.toFixed(0)).join(', ')} ms | ${rs.map((r) => r.empty ?? '–').join(', ')} | ${target} |`,
    );
  row(
    'Flux Workbench',
    runs.ours,
    `≤ 150 ms: wall ${verdict(p50(runs.ours, 'ms') <= 150)}, CPU ${verdict(p50(runs.ours, 'cpu') <= 150)}; no empty answer: ${verdict(runs.ours.every((r) => r.empty === 0))}`,
  );
  if (hasBare) row('bare yaml-language-server (baseline)', runs.bare, '');
  row('node -e 0 (floor)', runs.node, '');
  console.log(
    `(first start, compile cache empty: Flux Workbench ${first.ours.ms.toFixed(0)} ms${first.bare ? `, bare yaml-language-server ${first.bare.ms.toFixed(0)} ms` : ''})`,
  );
  if (hasBare)
    console.log(
      `(ratio to bare yaml-language-server: wall ${(p50(runs.ours, 'ms') / p50(runs.bare, 'ms')).toFixed(2)}x, CPU ${(p50(runs.ours, 'cpu') / p50(runs.bare, 'cpu')).toFixed(2)}x; CPU time in 10 ms ticks)`,
    );

  const files = existsSync(corpus)
    ? yamlFiles(join(corpus, 'joryirving__home-ops'))
        .filter((f) => readFileSync(f, 'utf8').includes('apiVersion:'))
        .slice(0, 200)
    : [];
  const ours = await workload(server, dir, file, text, specLine, files);
  const base = hasBare ? await workload(bare, dir, file, text, specLine, files) : undefined;
  if (files.length) {
    console.log(
      `\n# File opened -> its first diagnostics, ${files.length} corpus files (joryirving__home-ops)`,
    );
    console.log('| process | p50 | p95 | target |');
    console.log('|---|---|---|---|');
    const o50 = pct(ours.opens, 50);
    console.log(
      `| Flux Workbench | ${o50.toFixed(1)} ms | ${pct(ours.opens, 95).toFixed(1)} ms | p50 ≤ 5 ms: ${verdict(o50 <= 5)} |`,
    );
    if (base)
      console.log(
        `| bare yaml-language-server (baseline) | ${pct(base.opens, 50).toFixed(1)} ms | ${pct(base.opens, 95).toFixed(1)} ms | ratio p50 ${(o50 / pct(base.opens, 50)).toFixed(2)}x |`,
      );
  }
  const libs = await baselineRss();
  console.log(
    `\n# Server process RSS after the big file's completions/hovers and ${files.length} corpus files opened with diagnostics`,
  );
  console.log(
    '| Flux Workbench | bare yaml-language-server (baseline) | vscode-languageserver alone | target |',
  );
  console.log('|---|---|---|---|');
  console.log(
    `| ${ours.rss.toFixed(0)} MiB | ${base ? `${base.rss.toFixed(0)} MiB` : 'n/a'} | ${libs.toFixed(0)} MiB | ≤ 240 MiB: ${verdict(ours.rss <= 240)} |`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
