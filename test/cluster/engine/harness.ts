// Helpers for the engine's cluster tests (TypeScript, run on Node >= 22.19 because they load
// @kubernetes/client-node 2.0.1): start a cluster of their own with up.sh, run kubectl, restart the
// API server. Every wait is on a real signal with a deadline.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository: the nearest folder above this bundle (test/out/...) that has esbuild.mjs. */
export const repoRoot = (() => {
  for (let d = __dirname; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'esbuild.mjs'))) return d;
    if (path.dirname(d) === d) throw new Error(`no repository above ${__dirname}`);
  }
})();
const clusterSrc = path.join(repoRoot, 'test', 'cluster');

export interface Cluster {
  state: string;
  env: Record<string, string>;
  kubeconfig: string;
  kubeconfigTeamA: string;
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  quiet = false,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

/** Starts a cluster in a new state folder (`CLUSTER_CONTROLLERS` picks the controllers). */
export async function startCluster(prefix: string, controllers?: string): Promise<Cluster> {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const env: Record<string, string> = {
    FLUX_WORKBENCH_CLUSTER_DIR: state,
    ...(controllers !== undefined ? { CLUSTER_CONTROLLERS: controllers } : {}),
  };
  const r = await run('bash', [path.join(clusterSrc, 'up.sh')], env);
  if (r.code !== 0) throw new Error(`up.sh failed (${r.code}): ${r.err.slice(-2000)}`);
  const vars: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(state, 'cluster.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  return { state, env: vars, kubeconfig: vars['KUBECONFIG']!, kubeconfigTeamA: vars['KUBECONFIG_TEAM_A']! };
}

export async function stopCluster(c: Cluster | undefined): Promise<void> {
  if (!c) return;
  await run('bash', [path.join(clusterSrc, 'down.sh')], { FLUX_WORKBENCH_CLUSTER_DIR: c.state }, true);
}

/** Restarts kube-apiserver (and etcd, and compacts) with restart.sh. */
export async function restartApiServer(
  c: Cluster,
  opts: { etcd?: boolean; compact?: boolean; downSeconds?: number; etcdDelete?: string[] } = {},
): Promise<void> {
  const args = [path.join(clusterSrc, 'restart.sh')];
  for (const k of opts.etcdDelete ?? []) args.push('--etcd-delete', k);
  if (opts.etcd) args.push('--etcd');
  if (opts.compact) args.push('--compact');
  if (opts.downSeconds) args.push('--down', String(opts.downSeconds));
  const r = await run('bash', args, { FLUX_WORKBENCH_CLUSTER_DIR: c.state });
  if (r.code !== 0) throw new Error(`restart.sh failed: ${r.err}`);
}

/** kubectl against the cluster; rejects with stderr on failure. */
export function kubectl(
  c: Cluster,
  args: string[],
  opts: { input?: string; kubeconfig?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      args,
      {
        env: {
          ...process.env,
          KUBECONFIG: opts.kubeconfig ?? c.kubeconfig,
          KUBECACHEDIR: path.join(c.state, 'kube-cache'),
        },
        maxBuffer: 1 << 30,
      },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Polls `fn` until it returns a value other than undefined, or throws after the deadline. */
export async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A kubeconfig file with one context for the cluster, with the given user body. */
export function writeKubeconfig(
  c: Cluster,
  file: string,
  context: string,
  user: Record<string, unknown>,
  server = c.env['KAS_URL']!,
): string {
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: context, cluster: { server, 'certificate-authority': c.env['CA_FILE'] } }],
      users: [{ name: context, user }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      'current-context': context,
    }),
  );
  return file;
}
