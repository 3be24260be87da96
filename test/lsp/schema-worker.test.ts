import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient } from './client';
import { widgetCrd } from './widgetCrd';

/** A Deployment with `replicas: three` and an unknown `portz`, padded to `bytes` with env entries. */
function deployment(bytes: number): { text: string; replicasLine: number; portzLine: number } {
  const head = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    metadata:',
    '      labels: {app: web}',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx',
    '          env:',
  ];
  const lines = [...head];
  for (let i = 0; lines.join('\n').length < bytes; i++)
    lines.push(`            - name: VARIABLE_${i}`, `              value: "value number ${i}"`);
  const portzLine = lines.length;
  lines.push('          portz: 80');
  const replicasLine = lines.length;
  lines.push('  replicas: three');
  return { text: lines.join('\n') + '\n', replicasLine, portzLine };
}

const summary = (diags: Diagnostic[]): string[] =>
  diags.map((d) => `${d.range.start.line}:${String(d.code)}:${d.message}`).sort();

/** Threads of the server process (a schema worker is one more). */
const threads = (client: LspClient): number => readdirSync(`/proc/${client.proc.pid}/task`).length;

describe('large documents are validated on a schema worker', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-schemaworker-'));
    client = new LspClient();
    await client.initialize(dir);
  });
  after(async () => client.stop());

  it('finds what the main thread finds, at the same lines, on a thread of its own', async () => {
    const small = deployment(0);
    const smallDiags = await client.diagnosticsFor(client.open(path.join(dir, 'small.yaml'), small.text));
    const before = threads(client);
    const large = deployment(40 * 1024);
    const largeDiags = await client.diagnosticsFor(client.open(path.join(dir, 'large.yaml'), large.text));
    assert.ok(threads(client) > before, 'a schema worker thread was started for the large document');
    const shift = (s: string[], from: number, to: number): string[] =>
      s.map((x) => x.replace(new RegExp(`^${from}:`), `${to}:`));
    // The same findings, each where it is in its file.
    const expected = shift(
      shift(summary(smallDiags), small.portzLine, large.portzLine),
      small.replicasLine,
      large.replicasLine,
    ).sort();
    assert.deepEqual(summary(largeDiags), expected);
    assert.ok(
      largeDiags.some((d) => d.range.start.line === large.replicasLine),
      'replicas: three is flagged',
    );
    assert.ok(
      largeDiags.some((d) => d.range.start.line === large.portzLine),
      'portz is flagged',
    );
  });

  it('an edit of the large document is validated again on the worker', async () => {
    const uri = path.join(dir, 'large.yaml');
    const large = deployment(40 * 1024);
    const fixed = large.text.replace('replicas: three', 'replicas: 3');
    const { pathToFileURL } = await import('node:url');
    const u = pathToFileURL(uri).toString();
    client.change(u, fixed);
    const diags = await client.diagnosticsFor(u);
    assert.ok(!diags.some((d) => d.range.start.line === large.replicasLine), 'the fixed line is clean');
    assert.ok(
      diags.some((d) => d.range.start.line === large.portzLine),
      'portz is still flagged',
    );
  });
});

describe('a document the schema worker cannot finish in time', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-schemaworker-limit-'));
    // The limit made tiny so that any job runs past it (FLUX_WORKBENCH_SCHEMA_TIME_LIMIT_MS).
    client = new LspClient({ env: { FLUX_WORKBENCH_SCHEMA_TIME_LIMIT_MS: '1' } });
    await client.initialize(dir);
  });
  after(async () => client.stop());

  it('is said on the document, and small documents are still checked', async () => {
    const large = deployment(40 * 1024);
    const diags = await client.diagnosticsFor(client.open(path.join(dir, 'large.yaml'), large.text));
    const stopped = diags.find((d) => d.code === 'validation-stopped');
    assert.ok(stopped, `a validation-stopped note among ${JSON.stringify(summary(diags))}`);
    assert.match(
      String(stopped.message),
      /not checked against its schema: the schema engine did not finish within/,
    );
    assert.ok(!diags.some((d) => d.range.start.line === large.replicasLine), 'no schema findings were made');
    const small = deployment(0);
    const smallDiags = await client.diagnosticsFor(client.open(path.join(dir, 'small.yaml'), small.text));
    assert.ok(smallDiags.some((d) => d.range.start.line === small.replicasLine));
  });
});

describe('the schema worker follows the schemas of the workspace', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-schemaworker-crd-'));
    client = new LspClient();
    await client.initialize(dir);
  });
  after(async () => client.stop());

  it('a CRD added after a large document was checked changes its findings', async () => {
    const items = Array.from({ length: 1200 }, (_, i) => `    - item number ${i}`).join('\n');
    const widget = `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  items:\n${items}\n`;
    assert.ok(widget.length > 16 * 1024);
    const uri = client.open(path.join(dir, 'widget.yaml'), widget);
    const first = await client.diagnosticsFor(uri);
    assert.ok(!first.some((d) => /size/.test(String(d.message))), 'no schema for Widget yet');
    const crd = widgetCrd([
      'required: [size]',
      'properties:',
      '  size: {type: integer}',
      '  items: {type: array, items: {type: string}}',
    ]);
    client.open(path.join(dir, 'widget-crd.yaml'), crd);
    const found = await client.waitFor(() => {
      const p = client.diagnostics.get(uri);
      return p?.diagnostics.find((d) => /size/.test(String(d.message)));
    });
    assert.match(String(found.message), /Missing property "size"/);
  });
});
