import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { hoverText, labels, LspClient, repoRoot } from './client';
import { widgetCrd } from './widgetCrd';

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
const WIDGET_CRD = widgetCrd([
  'properties:',
  '  colour: { type: string, enum: [red, green] }',
  '  sprockets: { type: integer }',
]);

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

  it('in a file of hundreds of documents, the first answers come from the document at the cursor', async () => {
    // The request is answered from that document parsed alone while the whole file is still being
    // parsed for its diagnostics: the answer must be the one the whole parse would give.
    const docs: string[] = [];
    for (let i = 0; i < 400; i++)
      docs.push(
        KUSTOMIZATION.replace('name: apps', `name: app-${i}`).replace(
          '    kind: \n',
          '    kind: GitRepository\n',
        ),
      );
    const release =
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  interval: 5m\n  \n';
    const complex = '? '.repeat(30) + 'a\n';
    const text = [...docs.slice(0, 200), release, complex, ...docs.slice(200)].join('---\n');
    const lines = text.split('\n');
    const releaseLine = lines.indexOf('kind: HelmRelease') + 5; // the blank line in its spec
    const complexLine = lines.indexOf(complex.trimEnd());
    const dir = workspace({ 'big.yaml': text });
    client = new LspClient();
    await client.initialize(dir);
    const uri = client.open(path.join(dir, 'big.yaml'), text);
    const [spec, hover] = await Promise.all([
      client.complete(uri, releaseLine, 2),
      client.hover(uri, complexLine, 1),
    ]);
    assert.ok(labels(spec).includes('chart'), `HelmRelease spec keys: ${labels(spec).join(', ')}`);
    assert.ok(!labels(spec).includes('prune'), 'no Kustomization field in the HelmRelease');
    assert.match(hoverText(hover), /not checked against its schema/);
    // Once the whole file is parsed, the same answers.
    await client.diagnosticsFor(uri, 30_000);
    assert.deepEqual(labels(await client.complete(uri, releaseLine, 2)).sort(), labels(spec).sort());
    assert.equal(hoverText(await client.hover(uri, complexLine, 1)), hoverText(hover));
  });

  it("keeps V8's compiled code of the bundle in the folder the client names, and compiles without it when it is refused", async () => {
    // code-server runs the server on Node 24 (test/build/ensure-node24.sh installs the same one).
    const node = execFileSync('bash', [path.join(repoRoot, 'test', 'build', 'ensure-node24.sh')], {
      encoding: 'utf8',
    }).trim();
    const cache = path.join(mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-compile-cache-')), 'cache');
    const dir = workspace({ 'clusters/apps.yaml': KUSTOMIZATION });
    const codeCaches = () =>
      existsSync(cache) ? readdirSync(cache).filter((f) => /^server-main-.*\.v8cache$/.test(f)) : [];
    const session = async (env: Record<string, string>): Promise<string> => {
      client = new LspClient({ node, env });
      await client.initialize(dir);
      const uri = client.open(path.join(dir, 'clusters/apps.yaml'), KUSTOMIZATION);
      assert.ok(labels(await client.complete(uri, 6, 2)).includes('prune'));
      await client.stop();
      const stderr = client.stderr;
      client = undefined;
      return stderr;
    };
    await session({});
    assert.equal(existsSync(cache), false, 'nothing written without the variable');
    const env = { FLUX_WORKBENCH_COMPILE_CACHE: cache };
    await session(env);
    const [written] = codeCaches();
    assert.ok(written, 'the code cache was written at exit');
    const made = statSync(path.join(cache, written)).mtimeMs;
    // Taken on the next start, and not written again.
    assert.doesNotMatch(await session(env), /refused/);
    assert.equal(statSync(path.join(cache, written)).mtimeMs, made);
    // A cache V8 refuses (here: not a cache at all) is said, the server compiles and answers, and a
    // good cache replaces it at exit.
    writeFileSync(path.join(cache, written), 'not a V8 code cache');
    assert.match(await session(env), /code cache .* refused by this Node: compiling server-main\.js/);
    assert.ok(statSync(path.join(cache, written)).size > 100_000, 'a new cache replaced the refused one');
    assert.deepEqual(codeCaches(), [written]);
  });
});
