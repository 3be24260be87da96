import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-types';
import { LspClient } from './client';

const HR = `apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      valuesFile: values-prod.yaml
      sourceRef:
        kind: HelmRepository
        name: podinfo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: untouched
data:
  a: b
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 1h
  url: https://stefanprodan.github.io/podinfo
`;

/** Applies a code action's edit for `uri` to `text`, as an editor would. */
function apply(action: CodeAction, uri: string, text: string): string {
  const edits = action.edit?.changes?.[uri] ?? [];
  return TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
}

describe('language server over stdio: quick fixes', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-actions-'));
    // The base the kustomization below names exists before the server scans the workspace (the
    // cross-file checks would report a missing one).
    mkdirSync(path.join(dir, 'base'), { recursive: true });
    writeFileSync(path.join(dir, 'base', 'kustomization.yaml'), 'resources: []\n');
    client = new LspClient();
    await client.initialize(dir);
  });
  after(async () => client.stop());

  const actionsFor = (uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> =>
    client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0]!.range,
      context: { diagnostics },
    });

  it('migrates a HelmRelease of a removed apiVersion, fields too, and the result has no findings', async () => {
    const uri = client.open(path.join(dir, 'hr.yaml'), HR);
    const diags = await client.diagnosticsFor(uri);
    assert.deepEqual(
      diags.map((d) => d.code),
      ['removed-api-version'],
    );
    const actions = await actionsFor(uri, diags);
    assert.equal(actions.length, 1);
    assert.equal(
      actions[0]!.title,
      'Migrate HelmRelease to helm.toolkit.fluxcd.io/v2 (spec.chart.spec.valuesFile -> spec.chart.spec.valuesFiles)',
    );
    assert.equal(actions[0]!.kind, 'quickfix');
    const fixed = apply(actions[0]!, uri, HR);
    assert.match(fixed, /apiVersion: helm\.toolkit\.fluxcd\.io\/v2\n/);
    assert.match(fixed, /valuesFiles:\n\s+- values-prod\.yaml/);
    assert.ok(fixed.endsWith(HR.slice(HR.indexOf('---'))), 'the other document is untouched');
    client.change(uri, fixed);
    assert.deepEqual(await client.diagnosticsFor(uri), []);
  });

  it('rewrites an ImageUpdateAutomation message template from the removed .Updated to .Changed', async () => {
    const text =
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\n  namespace: default\nspec:\n  interval: 1m\n  url: https://example.com/repo.git\n---\n' +
      'apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\nmetadata:\n  name: auto\n  namespace: default\nspec:\n  interval: 30m\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  git:\n    commit:\n      author:\n        name: flux\n        email: flux@example.com\n' +
      '      messageTemplate: |\n        Files:\n        {{ range $f, $_ := .Updated.Files -}}\n        - {{ $f }}\n        {{ end -}}\n  update:\n    path: ./apps\n';
    const uri = client.open(path.join(dir, 'auto.yaml'), text);
    const diags = await client.diagnosticsFor(uri);
    assert.deepEqual(
      diags.map((d) => d.code),
      ['removed-template-field'],
    );
    const actions = await actionsFor(uri, diags);
    assert.equal(
      actions[0]?.title,
      'Rewrite the commit message template for .Changed (messageTemplate .Updated.Files -> .Changed.FileChanges)',
    );
    const fixed = apply(actions[0]!, uri, text);
    assert.equal(fixed, text.replace('.Updated.Files', '.Changed.FileChanges'));
    client.change(uri, fixed);
    assert.deepEqual(await client.diagnosticsFor(uri), []);
  });

  it("moves a Provider's deprecated spec.proxy into a Secret named by spec.proxySecretRef", async () => {
    const text =
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: slack\n  namespace: default\nspec:\n  type: slack\n  channel: general\n  proxy: http://proxy.internal:3128\n';
    const uri = client.open(path.join(dir, 'provider.yaml'), text);
    const diags = await client.diagnosticsFor(uri);
    assert.deepEqual(
      diags.map((d) => [d.code, d.message]),
      [['deprecated-field', '`proxy` is deprecated: Use ProxySecretRef instead. Will be removed in v1.']],
    );
    const actions = await actionsFor(uri, diags);
    assert.equal(actions[0]?.title, 'Move spec.proxy to a new Secret slack-proxy (spec.proxySecretRef)');
    const fixed = apply(actions[0]!, uri, text);
    assert.match(
      fixed,
      /^apiVersion: notification\.toolkit\.fluxcd\.io\/v1beta3\n[^]*  proxySecretRef:\n    name: slack-proxy\n---\n/,
    );
    assert.ok(!/^  proxy:/m.test(fixed), fixed);
    assert.match(
      fixed,
      /\nkind: Secret\nmetadata:\n  name: slack-proxy\n  namespace: default\nstringData:\n  address: http:\/\/proxy\.internal:3128\n$/,
    );
    client.change(uri, fixed);
    assert.deepEqual(await client.diagnosticsFor(uri), []);
  });

  it('fixes deprecated kustomization.yaml fields', async () => {
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    writeFileSync(
      path.join(dir, 'app', 'deploy.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    );
    const text = 'bases:\n  - ../base\ncommonLabels:\n  app: web\n';
    const uri = client.open(path.join(dir, 'app', 'kustomization.yaml'), text);
    const diags = await client.diagnosticsFor(uri);
    assert.deepEqual(
      diags.map((d) => d.code),
      ['deprecated-field', 'deprecated-field'],
    );
    const actions = await actionsFor(uri, diags);
    assert.equal(
      actions[0]?.title,
      'Replace deprecated kustomization fields (kustomize edit fix): bases -> resources; commonLabels -> labels (includeSelectors: true)',
    );
    const fixed = apply(actions[0]!, uri, text);
    assert.equal(
      fixed,
      'resources:\n  - ../base\nlabels:\n  - pairs:\n      app: web\n    includeSelectors: true\n',
    );
    client.change(uri, fixed);
    assert.deepEqual(await client.diagnosticsFor(uri), []);
  });
});
