import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { widgetCrd } from '../lsp/widgetCrd';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');

/** `validate --no-remote-schemas .` run in `dir`, on `threads` validation threads. */
const validateIn = (dir: string, threads: string) =>
  spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', '.'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FLUX_WORKBENCH_VALIDATE_THREADS: threads },
  });

/** The counts of validation threads each test runs with: one, and several that share the files. */
const THREADS = ['1', '3'];

const crd = widgetCrd(['required: [size]', 'properties:', '  size: {type: integer}']);

/**
 * `validate` parses and indexes each file on a thread as soon as the scan reads it, before the rest
 * of the repository (CRDs included) is read, and validates it on that thread from its kept parse. A
 * file whose kind a CRD read later defines must be judged by that CRD, as in a run that reads
 * everything first.
 */
describe('validate: schema work started during the scan', () => {
  it('a CRD read after the file that uses it still decides its findings', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-ahead-'));
    // Sorted before the CRD: the scan reads it first.
    writeFileSync(
      path.join(dir, 'a-widget.yaml'),
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  colour: red\n',
    );
    // Between them, enough files that the workers have judged the Widget before the CRD is read
    // (their start takes a few hundred ms; these take longer to scan).
    mkdirSync(path.join(dir, 'm'));
    for (let i = 0; i < 3000; i++)
      writeFileSync(
        path.join(dir, 'm', `cm-${String(i).padStart(4, '0')}.yaml`),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  key: value\n`,
      );
    writeFileSync(path.join(dir, 'z-crd.yaml'), crd);
    for (const threads of THREADS) {
      const r = validateIn(dir, threads);
      assert.equal(r.stderr, '');
      assert.match(
        r.stdout,
        /^a-widget\.yaml:5:1: error: Missing property "size"\. \[missing-required\]$/m,
        `${threads} threads`,
      );
      assert.equal(r.status, 1);
      assert.match(r.stdout, /3002 files checked/);
    }
  });
});

/**
 * A thread keeps the parse of a piece without an anchor lean until it validates it (no lexer
 * tokens, the engine's tree made then): the findings must be those of the engine's own parse,
 * positions included. The expected lines are what the engine's whole parse gives (the build
 * before the lean parse, run on these files).
 */
describe('validate: findings from the threads’ kept parses', () => {
  it('unused anchors and unresolved aliases, a last line without a newline, comments and end markers between documents', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lean-'));
    writeFileSync(
      path.join(dir, 'anchor.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &unused\n    x: y\ndata:\n  k: v\n',
    );
    writeFileSync(
      path.join(dir, 'multi.yaml'),
      '# head\n---\n# second head\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: 3\n...\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: many\n',
    );
    writeFileSync(
      path.join(dir, 'no-newline.yaml'),
      '# a comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: notanumber',
    );
    // The engine looks for anchors and aliases only in documents whose text has an `&` or a `*`
    // (esbuild.mjs, anchorsOnlyWhereMarked): one in each document of several.
    writeFileSync(
      path.join(dir, 'marks.yaml'),
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  k: v',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alias\ndata:\n  k: *missing',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n used\n  labels: &b\n    x: y\ndata:\n  k: *n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "*&"\n',
      ].join('\n---\n'),
    );
    for (const threads of THREADS) {
      const r = validateIn(dir, threads);
      assert.equal(r.stderr, '');
      assert.deepEqual(
        r.stdout.trim().split('\n').slice(0, -1),
        [
          'anchor.yaml:5:11: info: Unused anchor "&unused" [unused-anchor]',
          'marks.yaml:13:6: info: Unresolved alias "*missing" [yaml-syntax]',
          'marks.yaml:19:11: info: Unused anchor "&b" [unused-anchor]',
          'multi.yaml:8:7: error: Incorrect type. Expected "object(ConfigMap (v1))". [wrong-type]',
          'multi.yaml:15:1: error: Missing property "selector". [missing-required]',
          'multi.yaml:15:1: error: Missing property "template". [missing-required]',
          'multi.yaml:16:13: error: Incorrect type. Expected "integer". [wrong-type]',
          'no-newline.yaml:8:13: error: Incorrect type. Expected "integer". [wrong-type]',
        ],
        `${threads} threads`,
      );
      assert.equal(r.status, 1);
    }
  });

  it('says a FLUX_WORKBENCH_VALIDATE_THREADS that is not a count, and runs with the default', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-threads-'));
    writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
    const r = validateIn(dir, 'many');
    assert.match(
      r.stderr,
      /^warning: FLUX_WORKBENCH_VALIDATE_THREADS=many is not a number of threads from 1 to 64; using the default$/m,
    );
    assert.match(r.stdout, /1 files checked/);
    assert.equal(r.status, 0);
  });
});
