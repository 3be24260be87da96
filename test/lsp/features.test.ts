import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { hoverText, labels, LspClient, repoRoot } from './client';

const MULTI = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 5m
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10m
  prunee: true
  prune: true
  path: ./kustomize
  sourceRef:
    kind: GitRepository
    name: podinfo
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 30m
  suspend: "yes"
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
`;

describe('language server over stdio: per-document features with zero configuration', () => {
  let client: LspClient;
  let dir: string;
  let uri: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-'));
    writeFileSync(path.join(dir, 'apps.yaml'), MULTI);
    // The HelmRelease's chart source, so the workspace is whole: the cross-file checks (which run
    // before the first diagnostics, once the workspace is scanned) report a missing one.
    writeFileSync(
      path.join(dir, 'sources.yaml'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  interval: 1h\n  url: https://stefanprodan.github.io/podinfo\n',
    );
    client = new LspClient();
    await client.initialize(dir);
    uri = client.open(path.join(dir, 'apps.yaml'), MULTI);
  });
  after(async () => client.stop());

  it('reports each document against its own schema', async () => {
    const diags = await client.diagnosticsFor(uri);
    const lines = diags.map(
      (d) => `${d.range.start.line}:${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    assert.ok(
      lines.some((l) => l.startsWith('18:') && l.includes('prunee')),
      `unknown Kustomization field flagged: ${lines}`,
    );
    assert.ok(
      lines.some((l) => l.startsWith('32:') && l.includes('boolean')),
      `HelmRelease suspend type flagged: ${lines}`,
    );
    assert.equal(diags.length, 2, `only the two seeded problems: ${lines.join(' | ')}`);
    assert.ok(diags.every((d) => d.source === 'flux-workbench'));
  });

  it('names each diagnostic and links the code to its row of the README', async () => {
    const diags = await client.diagnosticsFor(uri);
    assert.deepEqual(
      diags.map((d) => d.code),
      ['unknown-field', 'wrong-type'],
    );
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8').split('\n');
    for (const d of diags) {
      const href = d.codeDescription?.href ?? '';
      const m = /^(file:.*README\.md)#L(\d+)$/.exec(href);
      assert.ok(m, `href ${href}`);
      assert.equal(fileURLToPath(m[1]!), path.join(repoRoot, 'README.md'));
      assert.ok(readme[Number(m[2]) - 1]!.includes(`id="${String(d.code)}"`), `line ${m[2]} holds ${d.code}`);
    }
  });

  it('completes GitRepository fields in the first document and HelmRelease fields in the third', async () => {
    // Line 7 is "  url: ..." in the GitRepository spec; ask at column 2 of a fresh key line.
    const text = MULTI.replace('  ref:\n', '  \n  ref:\n');
    const v = client.change(uri, text);
    assert.ok(v > 1);
    const git = labels(await client.complete(uri, 8, 2));
    assert.ok(git.includes('secretRef') && git.includes('ignore'), `GitRepository spec keys: ${git}`);
    assert.ok(!git.includes('chart'), 'no HelmRelease keys in a GitRepository');
    const text2 = text.replace('  interval: 30m\n  suspend', '  interval: 30m\n  \n  suspend');
    client.change(uri, text2);
    const helmLine = text2
      .split('\n')
      .findIndex((l, i, all) => l === '  ' && all[i - 1] === '  interval: 30m');
    const helm = labels(await client.complete(uri, helmLine, 2));
    assert.ok(
      helm.includes('chartRef') && helm.includes('values') && helm.includes('dependsOn'),
      `HelmRelease spec keys: ${helm}`,
    );
    assert.ok(!helm.includes('url'), 'no GitRepository keys in a HelmRelease');
    client.change(uri, MULTI);
  });

  it('offers whole-document snippets only where a new document can start', async () => {
    // Line 8 is a blank key line in the GitRepository's spec; line 12 an empty document between two.
    const text = MULTI.replace('  ref:\n', '  \n  ref:\n').replace(
      '---\napiVersion: kustomize',
      '---\n\n---\napiVersion: kustomize',
    );
    client.change(uri, text);
    const emptyList = await client.complete(uri, 12, 0);
    const empty = labels(emptyList);
    assert.ok(empty.includes('flux-kustomization') && empty.includes('flux-gitrepository'), `${empty}`);
    // The snippet replaces line 12 of the file (it is computed within the document at the cursor).
    const edit = emptyList?.items.find((i) => i.label === 'flux-kustomization')?.textEdit;
    assert.deepEqual(edit && 'range' in edit ? edit.range.start : undefined, { line: 12, character: 0 });
    assert.ok(!empty.includes('kustomization'), 'the kustomization.yaml snippet only in that file');
    const inSpec = labels(await client.complete(uri, 8, 2));
    const inValue = labels(await client.complete(uri, 7, 7));
    const topOfFull = labels(await client.complete(uri, 0, 0));
    for (const [where, got] of [
      ['inside spec:', inSpec],
      ['a value', inValue],
      ['a document with content', topOfFull],
    ] as const)
      assert.ok(!got.some((l) => l.startsWith('flux-')), `no snippet ${where}: ${got}`);
    client.change(uri, MULTI);
  });

  it('hovers with description, type and the schema source', async () => {
    const h = hoverText(await client.hover(uri, 17, 4)); // "interval" in the Kustomization spec
    assert.match(h, /interval at which/i);
    assert.match(h, /Type: `string`/);
    assert.match(
      h,
      /Schema source: bundled, Flux 2\.9\.4 — Kustomization \(kustomize\.toolkit\.fluxcd\.io\/v1\)/,
    );
  });

  it('announces the schema source', async () => {
    const status = await client.waitFor(
      () =>
        client.notifications.find((n) => n.method === 'flux/schemaStatus')?.params as
          | { label: string; available: boolean }
          | undefined,
    );
    assert.deepEqual(status, {
      available: true,
      label: 'bundled, Flux 2.9.4',
      kubernetes: 'bundled, Kubernetes v1.36.3',
      fluxTarget: {
        minor: '2.9',
        pinned: false,
        reason:
          'no Flux version pinned in the workspace (FluxInstance, install manifests or CRDs): Flux 2.9 assumed',
      },
    });
  });
});
