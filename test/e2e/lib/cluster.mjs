// The real test cluster (test/cluster) for the explorer's end-to-end steps: started in a state
// folder of the e2e run's own (never the developer's or another run's), read with kubectl, and
// changed the way a user changes it: by pushing commits to its Git server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, git, run } from './env.mjs';

/** Reads $STATE/cluster.env (KEY=VALUE lines). */
export function clusterEnv(state) {
  const vars = {};
  for (const line of fs.readFileSync(path.join(state, 'cluster.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

/**
 * Starts `test/cluster/up.sh` in `state` (output to logFile). Resolves { state, env } when it
 * printed KUBECONFIG=..., rejects with the end of its log otherwise.
 */
export function startCluster(state, logFile, timeoutMs = 8 * 60_000) {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    const child = spawn('bash', [path.join(REPO, 'test/cluster/up.sh')], {
      env: { ...process.env, FLUX_WORKBENCH_CLUSTER_DIR: state },
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`test/cluster/up.sh did not finish within ${timeoutMs} ms (log: ${logFile})`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const out = fs.readFileSync(logFile, 'utf8');
      if (code === 0 && /^KUBECONFIG=/m.test(out)) resolve({ state, env: clusterEnv(state) });
      else
        reject(new Error(`test/cluster/up.sh exited with ${code}: ${out.split('\n').slice(-12).join('\n')}`));
    });
  });
}

export async function stopCluster(state) {
  if (!state || !fs.existsSync(state)) return;
  await run('bash', [path.join(REPO, 'test/cluster/down.sh')], {
    env: { ...process.env, FLUX_WORKBENCH_CLUSTER_DIR: state },
    quiet: true,
    timeoutMs: 120_000,
  }).catch(() => {});
}

/** kubectl against the cluster (admin); resolves stdout. */
export function kubectl(cluster, args, { kubeconfig } = {}) {
  return run('kubectl', args, {
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig ?? cluster.env.KUBECONFIG,
      KUBECACHEDIR: path.join(cluster.state, 'kube-cache'),
    },
    quiet: true,
    timeoutMs: 60_000,
  });
}

export async function kubectlJson(cluster, args) {
  return JSON.parse(await kubectl(cluster, [...args, '-o', 'json']));
}

/** Clones the cluster's Git repository into dir (what the cluster reconciles). */
export async function cloneRepo(cluster, dir) {
  await run('git', ['clone', '-q', cluster.env.GIT_URL, dir], { quiet: true, timeoutMs: 60_000 });
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * Commits `edit(dir)`'s changes in a clone of the cluster's repository and pushes them to the
 * Git server; resolves the new commit hash.
 */
export async function pushCommit(cluster, dir, message, edit) {
  await git(dir, ['pull', '-q', '--ff-only']);
  await edit(dir);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-qm', message]);
  await git(dir, ['push', '-q', 'origin', 'HEAD:main']);
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * A kubeconfig with one context whose user runs an exec credential plugin (a shell script that
 * records that it ran in `marker`, then prints the cluster's admin token as an ExecCredential).
 */
export function writeExecKubeconfig(cluster, file, marker, context = 'exec-user@flux-workbench-test') {
  const script = path.join(path.dirname(file), 'exec-credential.sh');
  fs.writeFileSync(
    script,
    `#!/bin/sh\necho ran >> '${marker}'\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${cluster.env.ADMIN_TOKEN}'\n`,
    { mode: 0o700 },
  );
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'exec-cluster',
          cluster: { server: cluster.env.KAS_URL, 'certificate-authority': cluster.env.CA_FILE },
        },
      ],
      users: [
        {
          name: 'exec-user',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: script,
              interactiveMode: 'Never',
            },
          },
        },
      ],
      contexts: [
        { name: context, context: { cluster: 'exec-cluster', user: 'exec-user', namespace: 'flux-system' } },
      ],
    }),
    { mode: 0o600 },
  );
  return { file, context, script };
}

/** "main@sha1:0123abcd" as `flux get` (and the tree) shortens revisions. */
export function shortRevision(rev) {
  return rev.replace(/\b(sha1|sha256):([0-9a-f]{8})[0-9a-f]+/g, '$1:$2');
}
