import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');

/**
 * The command line runs its command's bundle and the validation threads' bundle with a V8 code
 * cache (server/src/io/codeCache.ts): written at the end of the first run, taken by the next ones,
 * said and replaced when V8 refuses it; FLUX_WORKBENCH_COMPILE_CACHE names the folder, empty turns
 * it off. Whatever the cache, the findings are the same.
 */
describe('validate: V8 code caches of the command line', () => {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'fw-codecache-repo-'));
  writeFileSync(
    path.join(repo, 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: 1\n',
  );
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', '.'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^cm\.yaml:6:6: error: Incorrect type\. Expected "string"\./m);
    return r;
  };
  const caches = (folder: string) =>
    existsSync(folder)
      ? readdirSync(folder)
          .filter((f) => f.endsWith('.v8cache'))
          .sort()
      : [];

  it('written by the first run, taken by the next, replaced when refused', () => {
    const folder = path.join(mkdtempSync(path.join(os.tmpdir(), 'fw-codecache-')), 'cache');
    const first = run({ FLUX_WORKBENCH_COMPILE_CACHE: folder });
    assert.equal(first.stderr, '');
    const written = caches(folder);
    assert.equal(written.length, 2, written.join(', '));
    assert.match(written[0]!, /^cli-validate-\d+-\d+-v[\d.]+-\w+\.v8cache$/);
    assert.match(written[1]!, /^validate-worker-main-\d+-\d+-v[\d.]+-\w+\.v8cache$/);
    const mtimes = written.map((f) => statSync(path.join(folder, f)).mtimeMs);

    const second = run({ FLUX_WORKBENCH_COMPILE_CACHE: folder });
    assert.equal(second.stderr, '');
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(
      written.map((f) => statSync(path.join(folder, f)).mtimeMs),
      mtimes,
      'taken, not written again',
    );

    for (const f of written) writeFileSync(path.join(folder, f), 'not a V8 code cache');
    const third = run({ FLUX_WORKBENCH_COMPILE_CACHE: folder });
    assert.match(
      third.stderr,
      /code cache .*cli-validate-.* refused by this Node: compiling cli-validate\.js/,
    );
    assert.match(
      third.stderr,
      /code cache .*validate-worker-main-.* refused by this Node: compiling validate-worker-main\.js/,
    );
    assert.equal(third.stdout, first.stdout);
    assert.deepEqual(caches(folder), written);
    for (const f of written)
      assert.ok(statSync(path.join(folder, f)).size > 100_000, `${f}: a new cache replaced the refused one`);
  });

  it('kept under ~/.cache/flux-workbench/compile-cache unless the variable names a folder or is empty', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'fw-codecache-home-'));
    const folder = path.join(home, '.cache', 'flux-workbench', 'compile-cache');
    run({ HOME: home, FLUX_WORKBENCH_COMPILE_CACHE: '' });
    assert.deepEqual(caches(folder), [], 'empty: no cache');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.FLUX_WORKBENCH_COMPILE_CACHE;
    const r = spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', '.'], {
      cwd: repo,
      encoding: 'utf8',
      env,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(caches(folder).length, 2);
  });
});
