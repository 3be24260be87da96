// Small helpers for the cluster tests: run the harness scripts, talk to the API server over
// HTTPS with a bearer token, and poll with a bounded deadline (no fixed sleeps).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLUSTER_SRC = dirname(fileURLToPath(import.meta.url));
export const REPO = join(CLUSTER_SRC, '..', '..');

/** Run a harness script; resolves { code, stdout, stderr, seconds }. Streams progress to stderr. */
export function runScript(script, { env = {}, args = [], quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('bash', [join(CLUSTER_SRC, script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!quiet) process.stderr.write(`  | ${d}`.replace(/\n(?=.)/g, '\n  | '));
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!quiet) process.stderr.write(`  ! ${d}`.replace(/\n(?=.)/g, '\n  ! '));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Read KEY=VALUE lines (cluster.env written by up.sh). */
export function readEnvFile(file) {
  const out = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export class Kube {
  constructor({ server, caFile, token }) {
    this.url = new URL(server);
    this.ca = readFileSync(caFile);
    this.token = token;
  }

  /** Raw request: resolves { status, body } (body parsed as JSON when possible). */
  request(method, path, body, contentType = 'application/json') {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          ca: this.ca,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(data !== undefined
              ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) }
              : {}),
          },
          timeout: 15000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            let parsed = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  async get(path) {
    const r = await this.request('GET', path);
    if (r.status !== 200)
      throw new Error(`GET ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  async mergePatch(path, patch) {
    const r = await this.request('PATCH', path, patch, 'application/merge-patch+json');
    if (r.status !== 200)
      throw new Error(`PATCH ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }
}

/** Paths of the Flux kinds used by the tests. */
export const paths = {
  gitrepo: (ns, n) => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/${n}`,
  helmrepo: (ns, n) => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/helmrepositories/${n}`,
  helmchart: (ns, n) => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/helmcharts/${n}`,
  ks: (ns, n) =>
    `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations/${n ?? ''}`.replace(/\/$/, ''),
  hr: (ns, n) => `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${ns}/helmreleases/${n}`,
  cm: (ns, n) => `/api/v1/namespaces/${ns}/configmaps/${n}`,
};

export function condition(obj, type) {
  return (obj?.status?.conditions ?? []).find((c) => c.type === type);
}

/**
 * Poll fn until it returns a truthy value; throws after timeoutMs with the last observation.
 * The interval is short (real signals, bounded deadline) — not a fixed sleep standing in for one.
 */
export async function waitFor(what, fn, { timeoutMs = 60000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = 'condition not met';
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function kubectl(args, { kubeconfig, input } = {}) {
  return execFileSync('kubectl', args, {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function git(args, cwd) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Cluster Test',
      GIT_AUTHOR_EMAIL: 'test@flux-workbench.invalid',
      GIT_COMMITTER_NAME: 'Cluster Test',
      GIT_COMMITTER_EMAIL: 'test@flux-workbench.invalid',
      GIT_TERMINAL_PROMPT: '0',
    },
  }).trim();
}

/**
 * Processes that belong to a cluster state folder: the command line mentions the folder, or the
 * environment has KUBECONFIG=<folder>/kubeconfig (up.sh exports it before starting anything).
 */
export function clusterProcesses(state) {
  const envMarker = `KUBECONFIG=${state}/kubeconfig\0`;
  const found = [];
  for (const pid of execFileSync('ls', ['/proc'], { encoding: 'utf8' }).split('\n')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    for (const [f, needle] of [
      ['cmdline', state + '/'],
      ['environ', envMarker],
    ]) {
      try {
        const text = readFileSync(`/proc/${pid}/${f}`, 'latin1');
        if (text.includes(needle)) {
          found.push({
            pid: Number(pid),
            cmdline: readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim(),
          });
          break;
        }
      } catch {
        /* gone or not readable */
      }
    }
  }
  return found;
}

/** True when the process exists and is not a zombie (exited, not yet reaped by its parent). */
export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

export { existsSync };
