import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { hoverText, labels, LspClient } from './client';

const KUSTOMIZATION = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: 
`;

// A CRD that only the workspace defines: its schema comes with the workspace scan.
const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                colour: { type: string, enum: [red, green] }
                sprockets: { type: integer }
`;

const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  colour: red
  
`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-startup-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/**
 * The first requests of a new server process: sent in the same tick as `initialized` and the
 * document's open, before the server has loaded anything. Each must get the real answer (it waits
 * for the schemas), never an empty one.
 */
describe('language server over stdio: the first answers after start', () => {
  let client: LspClient | undefined;
  afterEach(async () => client?.stop());

  it('a completion and a hover sent with `initialized` answer from the Flux schemas', async () => {
    const dir = workspace({ 'clusters/apps.yaml': KUSTOMIZATION });
    client = new LspClient();
    await client.initialize(dir);
    const uri = client.open(path.join(dir, 'clusters/apps.yaml'), KUSTOMIZATION);
    // No await between them: all three reach the server before its schemas are loaded.
    const [keys, values, hover] = await Promise.all([
      client.complete(uri, 6, 2),
      client.complete(uri, 8, 10),
      client.hover(uri, 6, 3),
    ]);
    assert.ok(labels(keys).includes('prune'), `spec keys: ${labels(keys).join(', ')}`);
    assert.ok(labels(keys).includes('path'), `spec keys: ${labels(keys).join(', ')}`);
    assert.deepEqual(labels(values).sort(), ['Bucket', 'ExternalArtifact', 'GitRepository', 'OCIRepository']);
    assert.match(hoverText(hover), /interval/i);
  });

  it("a kind defined by the workspace's CRD is completed once the scan has found it", async () => {
    const dir = workspace({ 'crds/widget.yaml': WIDGET_CRD, 'apps/widget.yaml': WIDGET });
    client = new LspClient();
    await client.initialize(dir);
    const uri = client.open(path.join(dir, 'apps/widget.yaml'), WIDGET);
    const list = await client.complete(uri, 6, 2);
    assert.ok(labels(list).includes('sprockets'), `Widget spec keys: ${labels(list).join(', ')}`);
  });

  it('an opened document is judged without the edit debounce; an edit waits for it', async () => {
    const bad = KUSTOMIZATION.replace('interval: 10m', 'interval: often');
    const dir = workspace({ 'first.yaml': KUSTOMIZATION, 'apps.yaml': bad });
    // A debounce far longer than any wait below: diagnostics on open cannot be waiting for it.
    client = new LspClient({ configuration: { validation: { debounce: 60_000 } } });
    await client.initialize(dir);
    // Start-up judges the documents open then; the document that matters is opened after it.
    await client.diagnosticsFor(client.open(path.join(dir, 'first.yaml'), KUSTOMIZATION), 30_000);
    const uri = client.open(path.join(dir, 'apps.yaml'), bad);
    const opened = await client.diagnosticsFor(uri, 30_000);
    assert.ok(
      opened.some((d) => /interval|duration/i.test(String(d.message))),
      JSON.stringify(opened.map((d) => d.message)),
    );
    client.change(uri, KUSTOMIZATION);
    await assert.rejects(client.diagnosticsFor(uri, 2000), /timed out/);
  });
});
