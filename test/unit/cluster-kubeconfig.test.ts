// kubeconfig reading with kubectl's merge rules, malformed files named with their line, NO_PROXY,
// the jittered backoff, and the exec credential cache's single flight. Pure modules: no cluster.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Backoff, classifyStatus, watchTimeoutSeconds } from '../../client/src/cluster/backoff';
import { ExecCredentialCache, runExecPlugin } from '../../client/src/cluster/exec';
import { formatProblem, kubeconfigFiles, loadKubeconfig } from '../../client/src/cluster/kubeconfig';
import { proxyFor, useProxy } from '../../client/src/cluster/proxy';

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-kubeconfig-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const A = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: shared
  cluster:
    server: https://a.example:6443
    certificate-authority: pki/ca.crt
users:
- name: admin
  user:
    token: token-a
contexts:
- name: a
  context: {cluster: shared, user: admin, namespace: team-a}
- name: both
  context: {cluster: shared, user: admin}
`;
const B = `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: shared
  cluster: {server: https://b.example:6443}
- name: only-b
  cluster: {server: https://only-b.example}
users:
- name: admin
  user: {token: token-b}
- name: runner
  user:
    exec: {command: ./bin/get-token, apiVersion: client.authentication.k8s.io/v1}
contexts:
- name: both
  context: {cluster: only-b, user: runner}
- name: b
  context: {cluster: only-b, user: runner}
- name: dangling
  context: {cluster: nowhere, user: admin}
`;

describe('kubeconfig', () => {
  it('KUBECONFIG lists several files: the first definition of a name and the first current-context win', async () => {
    const dir = tmp({ 'a/config': A, 'b/config': B });
    const env = {
      KUBECONFIG: [path.join(dir, 'a/config'), path.join(dir, 'missing'), path.join(dir, 'b/config')].join(
        path.delimiter,
      ),
    };
    const kc = await loadKubeconfig({ env });
    assert.equal(kc.origin, 'KUBECONFIG');
    assert.equal(kc.currentContext, 'a');
    assert.deepEqual(
      kc.contexts.map((c) => c.name),
      ['a', 'both', 'b', 'dangling'],
    );
    const a = kc.contexts[0]!;
    assert.equal(a.server, 'https://a.example:6443');
    assert.equal(a.namespace, 'team-a');
    // Relative paths are resolved against the folder of the file that defines them.
    assert.equal(a.cluster!.body['certificate-authority'], path.join(dir, 'a/pki/ca.crt'));
    // "both" comes from a's file; its user "admin" too (first definition wins).
    const both = kc.contexts[1]!;
    assert.equal(both.file, path.join(dir, 'a/config'));
    assert.equal(both.user!.body['token'], 'token-a');
    const b = kc.contexts[2]!;
    assert.equal(b.file, path.join(dir, 'b/config'));
    assert.deepEqual(b.user!.body['exec'], {
      command: path.join(dir, 'b/bin/get-token'),
      apiVersion: 'client.authentication.k8s.io/v1',
    });
    assert.notEqual(a.key, b.key);
    assert.deepEqual(kc.contexts[3]!.problems, ['cluster "nowhere" is not defined in any kubeconfig file']);
    assert.deepEqual(kc.problems, []);
  });

  it('without KUBECONFIG, ~/.kube/config', () => {
    assert.deepEqual(kubeconfigFiles({}, '/home/u'), { files: ['/home/u/.kube/config'], origin: 'default' });
    assert.deepEqual(kubeconfigFiles({ KUBECONFIG: '' }, '/home/u').files, ['/home/u/.kube/config']);
  });

  it('a malformed file is named with its line; the other files still load', async () => {
    const bad = 'apiVersion: v1\nclusters:\n- name: x\n  cluster:\n    server: [unclosed\ncontexts: []\n';
    const dir = tmp({ bad: bad, good: A });
    const kc = await loadKubeconfig({ env: { KUBECONFIG: `${dir}/bad${path.delimiter}${dir}/good` } });
    assert.equal(kc.problems.length, 1);
    const p = kc.problems[0]!;
    assert.equal(p.file, path.join(dir, 'bad'));
    assert.ok(p.line && p.line >= 5 && p.line <= 6, `line ${p.line}`);
    assert.match(formatProblem(p), new RegExp(`^${dir}/bad:\\d+: not valid YAML`));
    assert.deepEqual(
      kc.contexts.map((c) => c.name),
      ['a', 'both'],
    );
  });

  it('a file that is YAML but not a kubeconfig says where', async () => {
    const dir = tmp({ c: 'clusters:\n  name: x\n', d: 'users:\n- user: {token: t}\n', e: '- 1\n- 2\n' });
    for (const [f, re] of [
      ['c', /"clusters" must be a list/],
      ['d', /users\[0\] has no name/],
      ['e', /not a kubeconfig/],
    ] as const) {
      const kc = await loadKubeconfig({ files: [path.join(dir, f)] });
      assert.match(formatProblem(kc.problems[0]!), re);
      assert.ok(kc.problems[0]!.line);
    }
  });

  it('an explicit file that does not exist is a problem; an empty file is no contexts', async () => {
    const dir = tmp({ empty: '' });
    assert.match(
      (await loadKubeconfig({ files: [path.join(dir, 'nope')] })).problems[0]!.message,
      /file not found/,
    );
    const kc = await loadKubeconfig({ files: [path.join(dir, 'empty')] });
    assert.deepEqual([kc.contexts.length, kc.problems.length], [0, 0]);
  });
});

describe('proxy', () => {
  it('proxy-url wins; HTTPS_PROXY otherwise, unless NO_PROXY matches; loopback is never proxied', () => {
    const env = { HTTPS_PROXY: 'proxy.corp:3128', NO_PROXY: '.internal,10.0.0.0/8,exact.example,other:8443' };
    assert.equal(proxyFor('https://k8s.example:6443', 'http://p:1', env), 'http://p:1');
    assert.equal(proxyFor('https://k8s.example:6443', undefined, env), 'http://proxy.corp:3128');
    assert.equal(proxyFor('https://api.internal:6443', undefined, env), undefined);
    assert.equal(proxyFor('https://10.1.2.3:6443', undefined, env), undefined);
    assert.equal(proxyFor('https://exact.example', undefined, env), undefined);
    assert.equal(proxyFor('https://sub.exact.example', undefined, env), undefined);
    assert.equal(proxyFor('https://other:8443', undefined, env), undefined);
    assert.equal(proxyFor('https://other:6443', undefined, env), 'http://proxy.corp:3128');
    assert.equal(proxyFor('https://127.0.0.1:6443', undefined, env), undefined);
    assert.equal(proxyFor('https://localhost:6443', undefined, env), undefined);
    assert.equal(proxyFor('https://k8s.example', undefined, { https_proxy: 'http://low:1' }), 'http://low:1');
    assert.equal(useProxy('anything', '443', '*'), false);
  });
});

describe('backoff', () => {
  it('doubles from base to cap with jitter in [d/2, d], and honours Retry-After', () => {
    let r = 0;
    const b = new Backoff(1000, 8000, () => r);
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 4000, 4000]);
    r = 1;
    b.reset();
    assert.deepEqual([b.next(), b.next(), b.next(5000)], [1000, 2000, 6000]);
    r = 0;
    assert.equal(b.next(500), 500, 'Retry-After is the delay, plus up to a second of jitter');
    const delays = Array.from({ length: 50 }, () => new Backoff(1000, 30_000).next());
    assert.ok(new Set(delays).size > 40, 'reconnect delays are spread, not equal');
  });

  it('classifies failures; watch timeouts are 5-10 min', () => {
    assert.deepEqual(
      [410, 401, 403, 404, 500, 429].map((s) => classifyStatus(s).kind),
      ['gone', 'unauthorized', 'forbidden', 'notFound', 'transient', 'transient'],
    );
    assert.equal(
      watchTimeoutSeconds(() => 0),
      300,
    );
    assert.equal(
      watchTimeoutSeconds(() => 0.999),
      599,
    );
  });
});

describe('exec credential plugins', () => {
  const script = (body: string) => {
    const dir = tmp({ 'plugin.sh': `#!/bin/sh\n${body}\n` });
    fs.chmodSync(path.join(dir, 'plugin.sh'), 0o755);
    return { command: path.join(dir, 'plugin.sh'), dir };
  };

  it('one run for concurrent callers, reused until shortly before expiry, run again after invalidate', async () => {
    const { command, dir } = script(
      `echo run >> "${'$'}0.runs"; printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t1","expirationTimestamp":"2999-01-01T00:00:00Z"}}'`,
    );
    const cache = new ExecCredentialCache((e, i) => runExecPlugin(e, i, 5000));
    const creds = await Promise.all(Array.from({ length: 10 }, () => cache.get('k', { command })));
    assert.ok(creds.every((c) => c.token === 't1'));
    assert.equal(fs.readFileSync(path.join(dir, 'plugin.sh.runs'), 'utf8').trim().split('\n').length, 1);
    await cache.get('k', { command });
    assert.equal(cache.runs.get('k'), 1);
    cache.invalidate('k');
    await cache.get('k', { command });
    assert.equal(cache.runs.get('k'), 2);
  });

  it('a credential about to expire is refreshed', async () => {
    const soon = new Date(Date.now() + 30_000).toISOString();
    const { command } = script(`printf '{"status":{"token":"t","expirationTimestamp":"${soon}"}}'`);
    const cache = new ExecCredentialCache((e, i) => runExecPlugin(e, i, 5000));
    await cache.get('k', { command });
    await cache.get('k', { command });
    assert.equal(cache.runs.get('k'), 2);
  });

  it('failure shows stderr and the exit code; a hung plugin times out; a missing one shows installHint', async () => {
    const { command } = script('echo "error: you must log in: run acme login" >&2; exit 3');
    await assert.rejects(
      runExecPlugin({ command }, undefined, 5000),
      /failed \(exit 3\): error: you must log in: run acme login/,
    );
    const hung = script('sleep 30');
    await assert.rejects(
      runExecPlugin({ command: hung.command }, undefined, 300),
      /did not answer within 0 s|did not answer/,
    );
    await assert.rejects(
      runExecPlugin(
        { command: '/nonexistent/kubelogin', installHint: 'Install kubelogin from your package manager.' },
        undefined,
        1000,
      ),
      /could not be started.*\nInstall kubelogin/s,
    );
  });

  it('a plugin that needs a terminal is not started; the message says how to log in', async () => {
    const { command, dir } = script(`echo run >> "${'$'}0.runs"`);
    await assert.rejects(
      runExecPlugin({ command, interactiveMode: 'Always' }, undefined, 1000),
      /needs a terminal \(interactiveMode: Always\): run it once in a terminal/,
    );
    assert.equal(fs.existsSync(path.join(dir, 'plugin.sh.runs')), false);
  });

  it('passes KUBERNETES_EXEC_INFO (non-interactive, cluster info when asked) and exec.env', async () => {
    const { command } = script(
      `printf '{"status":{"token":"%s"}}' "$(printf '%s|%s' "$FOO" "$KUBERNETES_EXEC_INFO" | base64 -w0)"`,
    );
    const cred = await runExecPlugin(
      { command, env: [{ name: 'FOO', value: 'bar' }], provideClusterInfo: true },
      { server: 'https://x' },
      5000,
    );
    const [foo, info] = Buffer.from(cred.token!, 'base64').toString().split('|');
    assert.equal(foo, 'bar');
    assert.deepEqual(JSON.parse(info!).spec, { interactive: false, cluster: { server: 'https://x' } });
  });
});
