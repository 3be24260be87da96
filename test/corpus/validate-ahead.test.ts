import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { widgetCrd } from '../lsp/widgetCrd';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');

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
    const r = spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', '.'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^a-widget\.yaml:5:1: error: Missing property "size"\. \[missing-required\]$/m);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /3002 files checked/);
  });
});
