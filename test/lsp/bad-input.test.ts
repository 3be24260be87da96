import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hoverText, LspClient } from './client';

/** Every request must answer within this budget, whatever the input. */
const BUDGET_MS = 2000;

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t };
}

const aliasBomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat(
    'bcdefghi'.split('').map(
      (c, i) =>
        `${c}: &${c} [${Array(9)
          .fill('*' + 'abcdefghi'[i])
          .join(',')}]`,
    ),
  )
  .join('\n');

const cases: Array<{ name: string; text: string; expect?: RegExp }> = [
  { name: 'malformed YAML', text: 'apiVersion: v1\nkind: [unclosed\n  - x: : :\n"oops' },
  { name: 'alias bomb', text: aliasBomb },
  { name: 'recursive anchors', text: 'a: &x\n  b: *x\n  c: &y [*y, *x]\n' },
  { name: 'tabs', text: 'apiVersion: v1\nkind: ConfigMap\n\tdata:\n\t\tx: 1\n' },
  { name: 'binary file', text: 'PK\u0003\u0004\u0000\u0000garbage\u0000\u0001', expect: /Binary content/ },
  {
    name: 'kind without apiVersion',
    text: 'kind: Kustomization\nmetadata:\n  name: x\n',
    expect: /has no apiVersion/,
  },
  {
    name: 'deep nesting',
    text: 'a: ' + '['.repeat(5000) + ']'.repeat(5000),
    expect: /Nesting is \d+ levels deep/,
  },
  {
    name: 'git conflict markers',
    text: 'apiVersion: v1\n<<<<<<< HEAD\nkind: A\n=======\nkind: B\n>>>>>>> x\n',
  },
];

describe('bad input: the server never crashes or hangs and says what it skipped', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-bad-'));
    // A CRD whose schema is broken sits in the workspace from the start.
    writeFileSync(
      path.join(dir, 'broken-crd.yaml'),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties: "not a map"
`,
    );
    client = new LspClient();
    await client.initialize(dir);
  });
  after(async () => client.stop());

  for (const c of cases) {
    it(`${c.name}: diagnostics, completion and hover each answer within ${BUDGET_MS} ms`, async () => {
      const file = path.join(dir, c.name.replace(/\W+/g, '-') + '.yaml');
      writeFileSync(file, c.text);
      const uri = client.open(file, c.text);
      const t0 = performance.now();
      const diags = await client.diagnosticsFor(uri, 10_000);
      // The debounce is part of the wait; the budget is for the work.
      assert.ok(
        performance.now() - t0 < BUDGET_MS + 500,
        `diagnostics took ${Math.round(performance.now() - t0)} ms`,
      );
      if (c.expect) {
        const messages = diags.map((d) => (typeof d.message === 'string' ? d.message : d.message.value));
        assert.ok(
          messages.some((m) => c.expect!.test(m)),
          `expected ${c.expect} in ${messages.join(' | ')}`,
        );
      }
      const completion = await timed(client.complete(uri, 1, 2));
      assert.ok(completion.ms < BUDGET_MS, `completion took ${completion.ms} ms`);
      const hover = await timed(client.hover(uri, 0, 1));
      assert.ok(hover.ms < BUDGET_MS, `hover took ${hover.ms} ms`);
      assert.equal(client.proc.exitCode, null, `server alive; stderr: ${client.stderr.slice(-500)}`);
    });
  }

  it('a 20 MB file is skipped with one information diagnostic naming the size limit setting', async () => {
    const line = 'key: ' + 'x'.repeat(95) + '\n';
    const text =
      'apiVersion: v1\nkind: ConfigMap\ndata:\n' +
      ('  ' + line).repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    const uri = client.open(path.join(dir, 'huge.yaml'), text);
    const diags = await client.diagnosticsFor(uri, 15_000);
    assert.equal(diags.length, 1);
    assert.match(
      String(diags[0]!.message),
      /larger than the limit of 2\.0 MB \(setting fluxWorkbench\.validation\.maxFileSize\)/,
    );
    const completion = await timed(client.complete(uri, 3, 2));
    assert.ok(completion.ms < BUDGET_MS);
  });

  it('a CRD with a broken schema is reported on the CRD, and its kind is not validated', async () => {
    const crd = path.join(dir, 'broken-crd.yaml');
    const { readFileSync } = await import('node:fs');
    const uri = client.open(crd, readFileSync(crd, 'utf8'));
    const diags = await client.diagnosticsFor(uri);
    assert.ok(
      diags.some((d) =>
        /This CRD's schema could not be used: version v1: "properties" is not an object/.test(
          String(d.message),
        ),
      ),
      JSON.stringify(diags),
    );
    const widget = client.open(
      path.join(dir, 'widget.yaml'),
      'apiVersion: example.com/v1\nkind: Widget\nspec:\n  anything: 1\n',
    );
    assert.deepEqual(await client.diagnosticsFor(widget), []);
    assert.equal(hoverText(await client.hover(widget, 1, 1)), '');
  });

  it('is still answering after all of the above', async () => {
    const uri = client.open(
      path.join(dir, 'ok.yaml'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: x\nspec:\n  interval: 1m\n  url: https://x\n  bogus: 1\n',
    );
    const diags = await client.diagnosticsFor(uri);
    assert.ok(diags.some((d) => /bogus/.test(String(d.message))));
  });
});
