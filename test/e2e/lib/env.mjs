// Shared plumbing for the end-to-end test and the demo smoke check: where setup.sh put things,
// free ports, running commands, and starting/stopping code-server as a process group.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CACHE_ROOT =
  process.env.FLUX_WORKBENCH_CACHE || path.join(os.homedir(), '.cache/flux-workbench');
export const E2E_CACHE = path.join(CACHE_ROOT, 'e2e');
export const NODE24_BIN = path.join(E2E_CACHE, 'node24/bin');
export const NODE24 = path.join(NODE24_BIN, 'node');
export const CODE_SERVER_ENTRY = path.join(
  E2E_CACHE,
  'code-server/node_modules/code-server/out/node/entry.js',
);
export const TOOLS_DIR = path.join(E2E_CACHE, 'tools');
export const CHROMIUM = '/usr/bin/chromium';

/** Environment for anything that must run on Node 24 (code-server and its extension host). */
export function node24Env(extra = {}) {
  return {
    ...process.env,
    PATH: `${NODE24_BIN}:${process.env.PATH}`,
    npm_config_nodedir: path.dirname(NODE24_BIN),
    ...extra,
  };
}

/** A port that was free a moment ago on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Run a command to completion, streaming its output with a prefix. Rejects on non-zero exit or
 * when it outlives timeoutMs (then its whole process group is killed).
 */
export function run(
  cmd,
  args,
  { cwd = REPO, env = process.env, timeoutMs = 15 * 60_000, quiet = false, logFile } = {},
) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const sink = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
    const onData = (d) => {
      out += d;
      if (out.length > 200_000) out = out.slice(-100_000);
      sink?.write(d);
      if (!quiet) process.stdout.write(d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      sink?.end();
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${out.slice(-3000)}`));
    });
  });
}

export function killGroup(pid, signal = 'SIGTERM') {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of group pgid exists. */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, wait up to graceMs, then SIGKILL whatever is left. */
export async function stopGroup(pid, graceMs = 5000) {
  if (!pid || !groupAlive(pid)) return;
  killGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && groupAlive(pid)) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
}

/** Settings that keep the web workbench deterministic (see /work/shared/FACTS.md). */
export const SEED_SETTINGS = {
  'files.autoSave': 'off',
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.startupPrompt': 'never',
  'git.enabled': false,
};

export function seedUserSettings(userDataDir, extra = {}) {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'settings.json'),
    JSON.stringify({ ...SEED_SETTINGS, ...extra }, null, 2) + '\n',
  );
}

/** code-server's own config file; passing --config keeps it from writing ~/.config/code-server. */
export function writeCodeServerConfig(file, port) {
  fs.writeFileSync(file, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
}

export function codeServerArgs({ config, port, userDataDir, extensionsDir, trust = false }) {
  return [
    CODE_SERVER_ENTRY,
    '--config',
    config,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];
}

/** Install a .vsix into extensionsDir with code-server itself (writes extensions.json). */
export async function installVsix({ vsix, userDataDir, extensionsDir, config }) {
  const out = await run(
    NODE24,
    [
      CODE_SERVER_ENTRY,
      '--config',
      config,
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--install-extension',
      vsix,
    ],
    { env: node24Env(), quiet: true, timeoutMs: 120_000 },
  );
  if (!/successfully installed/i.test(out)) throw new Error(`--install-extension did not confirm:\n${out}`);
  return out.trim();
}

/** Start code-server detached (own process group) with output to logFile; resolves when /healthz answers. */
export async function startCodeServer({
  port,
  userDataDir,
  extensionsDir,
  folder,
  trust = false,
  logFile,
  config,
  env = {},
  timeoutMs = 60_000,
}) {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(
    NODE24,
    [...codeServerArgs({ config, port, userDataDir, extensionsDir, trust }), folder],
    {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: node24Env(env),
    },
  );
  fs.closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (exited !== null) throw new Error(`code-server exited early (${exited}); see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return child;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopGroup(child.pid);
  throw new Error(`code-server did not answer /healthz within ${timeoutMs} ms; see ${logFile}`);
}

export function copyDir(src, dst) {
  fs.cpSync(src, dst, { recursive: true });
}

/**
 * Relative paths and contents of every file under dir, for before/after comparisons. `skipDirs`
 * names top-level folders left out (e.g. a `.git` the test itself created).
 */
export function snapshotTree(dir, { skipDirs = [] } = {}) {
  const out = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && d === dir && skipDirs.includes(e.name)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** `git <args>` in dir with a fixed identity and no user or system config; resolves to stdout. */
export function git(dir, args) {
  return run('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', ...args], {
    cwd: dir,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    quiet: true,
    timeoutMs: 60_000,
  });
}

/** Make dir a git repository with everything in it committed once; resolves to the commit hash. */
export async function gitInitCommit(dir) {
  await git(dir, ['init', '-q']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-qm', 'fixture']);
  const head = /\b[0-9a-f]{40}\b/.exec(await git(dir, ['rev-parse', 'HEAD']))?.[0];
  if (!head) throw new Error(`git rev-parse HEAD in ${dir} printed no commit hash`);
  return head;
}
