// The language server as an editor starts it: a new `node server/out/server.js --stdio` process.
//   - cold start: process start -> first non-empty completion on a 5,014-line Flux file (p50 of 5);
//   - memory: the process's RSS after that file's completions and hovers and after opening 200 real
//     files of the corpus (Flux objects, Deployments, Services, ConfigMaps, ...) and receiving their
//     diagnostics.
// Baseline in the same run: a bare `node` process that loads the same bundle's dependencies
// (vscode-languageserver + yaml-language-server) and answers nothing, so the figures say what the
// server adds on top of its libraries. Targets from issue 13: start <= 150 ms, RSS <= 240 MiB.
import { spawn } from 'node:child_process';
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
const corpus = join(root, '..', 'shared', 'corpus');

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

function start(dir) {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [server, '--stdio'], { stdio: 'pipe' });
  const conn = rpc.createMessageConnection(
    new rpc.StreamMessageReader(proc.stdout),
    new rpc.StreamMessageWriter(proc.stdin),
  );
  const diagnostics = new Map();
  const waiters = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    diagnostics.set(p.uri, p);
    for (const w of waiters.splice(0)) w();
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
  const waitDiagnostics = (uri, ms = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}`)), ms);
      const check = () => {
        if (diagnostics.has(uri)) {
          clearTimeout(timer);
          resolve(diagnostics.get(uri));
        } else waiters.push(check);
      };
      check();
    });
  const rss = () => {
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  };
  const stop = async () => {
    try {
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } catch {
      // already gone
    }
    conn.dispose();
    proc.kill();
  };
  return { t0, proc, conn, init, open, waitDiagnostics, rss, stop };
}

async function coldStart(dir, file, text, position) {
  const s = start(dir);
  await s.init;
  const uri = s.open(file, text);
  for (let i = 0; i < 2000; i++) {
    const r = await s.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position });
    const items = Array.isArray(r) ? r : (r?.items ?? []);
    if (items.length) {
      const ms = performance.now() - s.t0;
      await s.stop();
      return ms;
    }
  }
  await s.stop();
  throw new Error('completion stayed empty');
}

/** What the libraries alone cost: a process that loads them and exits when asked. */
function baselineRss() {
  const script = `require(${JSON.stringify(require.resolve('vscode-languageserver/node'))});
process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ['-e', script], { stdio: 'pipe' });
  return new Promise((resolve) => {
    proc.stdout.once('data', () => {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      proc.kill();
      resolve(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024);
    });
  });
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

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'fw-bench-server-'));
  const file = join(dir, 'big.yaml');
  const text = bigFile();
  writeFileSync(file, text);
  const lines = text.split('\n');
  const specLine = lines.findIndex((l) => l.startsWith('spec:')) + 1;
  const position = { line: specLine, character: 2 };

  const starts = [];
  for (let i = 0; i < 5; i++) starts.push(await coldStart(dir, file, text, position));
  const nodeAlone = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await new Promise((r) => spawn(process.execPath, ['-e', '0']).on('exit', r));
    nodeAlone.push(performance.now() - t);
  }
  const p50 = pct(starts, 50);
  console.log(`\n# Server process: cold start to the first non-empty completion (${lines.length}-line file)`);
  console.log('| measure | p50 | all runs | node -e 0 p50 (baseline) | target |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| start -> first non-empty completion | ${p50.toFixed(0)} ms | ${starts.map((x) => x.toFixed(0)).join(', ')} ms | ${pct(nodeAlone, 50).toFixed(0)} ms | ≤ 150 ms: ${p50 <= 150 ? 'met' : 'MISSED'} |`,
  );

  // Memory: the big file's completions and hovers, then 200 real files opened.
  const s = start(existsSync(corpus) ? join(corpus, 'joryirving__home-ops') : dir);
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
  let opened = 0;
  if (existsSync(corpus)) {
    const files = yamlFiles(join(corpus, 'joryirving__home-ops'))
      .filter((f) => readFileSync(f, 'utf8').includes('apiVersion:'))
      .slice(0, 200);
    for (const f of files) {
      const u = s.open(f, readFileSync(f, 'utf8'));
      await s.waitDiagnostics(u);
      opened++;
    }
  }
  const rss = s.rss();
  await s.stop();
  const base = await baselineRss();
  console.log(
    `\n# Server process RSS after the big file's completions/hovers and ${opened} corpus files opened with diagnostics`,
  );
  console.log('| server RSS | libraries alone (baseline) | target |');
  console.log('|---|---|---|');
  console.log(
    `| ${rss.toFixed(0)} MiB | ${base.toFixed(0)} MiB | ≤ 240 MiB: ${rss <= 240 ? 'met' : 'MISSED'} |`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
