import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type {
  CodeLens,
  CompletionList,
  DocumentLink,
  DocumentSymbol,
  Location,
  SymbolInformation,
} from 'vscode-languageserver-types';
import { hoverText, labels, LspClient } from './client';

const GIT = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://github.com/example/fleet
  ref:
    branch: main
`;

const ks = (name: string, spec: string): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  prune: true
${spec}`;

const text = (m: string | { value: string }): string => (typeof m === 'string' ? m : m.value);

const SOURCE = '  sourceRef:\n    kind: GitRepository\n    name: flux-system\n';

/**
 * The workspace model through the real server over stdio: indexing with progress, cross-file
 * diagnostics for files that are not open (with related information), navigation, name completion,
 * CodeLens, and re-diagnosis when another file changes.
 */
describe('language server over stdio: Flux semantics across the workspace', () => {
  let client: LspClient;
  let dir: string;
  const write = (rel: string, text: string): string => {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  const uri = (rel: string): string => pathToFileURL(path.join(dir, rel)).toString();

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-sem-'));
    write(
      'clusters/dev/flux-system/gotk-sync.yaml',
      GIT + '---\n' + ks('flux-system', `  path: ./clusters/dev\n${SOURCE}`),
    );
    write(
      'clusters/dev/infra.yaml',
      ks('infra', `  path: ./infra\n  dependsOn:\n    - name: apps\n${SOURCE}`),
    );
    write(
      'clusters/dev/apps.yaml',
      ks(
        'apps',
        `  path: ./apps\n  dependsOn:\n    - name: infra\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n`,
      ),
    );
    write('infra/kustomization.yaml', 'resources:\n  - namespace.yaml\n  - missing.yaml\n');
    write('infra/namespace.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: infra\n');
    write(
      'apps/cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata:\n  a: "1"\n',
    );
    client = new LspClient();
    await client.initialize(dir);
  });
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports indexing progress (window/workDoneProgress)', async () => {
    const kinds = await client.waitFor(() => {
      const k = client.notifications
        .filter((n) => n.method === '$/progress')
        .map((n) => (n.params as { value: { kind: string } }).value.kind);
      return k.includes('end') ? k : undefined;
    }, 30_000);
    assert.equal(kinds[0], 'begin');
  });

  it('publishes a dependsOn cycle and a missing sourceRef for files that are not open, with related information', async () => {
    const apps = await client.publishedFor(uri('clusters/dev/apps.yaml'), (d) => d.length >= 2);
    const cycle = apps.find((d) => d.code === 'depends-on-cycle')!;
    assert.match(text(cycle.message), /dependsOn cycle: (apps → infra → apps|infra → apps → infra)/);
    assert.equal(cycle.range.start.line, 10);
    assert.equal(cycle.relatedInformation?.[0]?.location.uri, uri('clusters/dev/infra.yaml'));
    const missing = apps.find((d) => d.code === 'reference-not-found')!;
    assert.match(text(missing.message), /GitRepository flux-system\/podinfo/);
    assert.equal(missing.range.start.line, 13);
    const infra = await client.publishedFor(uri('infra/kustomization.yaml'), (d) => d.length > 0);
    assert.deepEqual(
      infra.map((d) => [d.code, d.range.start.line]),
      [['kustomize-path-not-found', 2]],
    );
  });

  it('goes to the GitRepository from a sourceRef, and finds the references to it', async () => {
    const text = ks('infra', `  path: ./infra\n  dependsOn:\n    - name: apps\n${SOURCE}`);
    const u = client.open(path.join(dir, 'clusters/dev/infra.yaml'), text);
    await client.diagnosticsFor(u);
    const defs = await client.request<Location[]>('textDocument/definition', {
      textDocument: { uri: u },
      position: { line: 13, character: 12 },
    });
    assert.deepEqual(
      defs.map((d) => [d.uri, d.range.start.line]),
      [[uri('clusters/dev/flux-system/gotk-sync.yaml'), 3]],
    );
    const refs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: uri('clusters/dev/flux-system/gotk-sync.yaml') },
      position: { line: 3, character: 10 },
      context: { includeDeclaration: false },
    });
    assert.ok(
      refs.some((r) => r.uri === u && r.range.start.line === 13),
      JSON.stringify(refs),
    );
    const h = hoverText(await client.hover(u, 13, 12));
    assert.match(h, /GitRepository flux-system\/flux-system.*clusters\/dev\/flux-system\/gotk-sync\.yaml:4/);
  });

  it('completes names of objects in reference fields, filling in the kind', async () => {
    const text = ks('new', `  path: ./apps\n  sourceRef:\n    name: \n`);
    const u = client.open(path.join(dir, 'clusters/dev/new.yaml'), text);
    const list = await client.request<CompletionList>('textDocument/completion', {
      textDocument: { uri: u },
      position: { line: 10, character: 10 },
    });
    const item = list.items.find((i) => i.label === 'flux-system')!;
    assert.ok(item, JSON.stringify(labels(list)));
    assert.equal(item.detail, 'GitRepository flux-system/flux-system');
    assert.deepEqual(
      item.additionalTextEdits?.map((e) => e.newText),
      ['    kind: GitRepository\n'],
    );
    const deps = ks('new', `  path: ./apps\n  dependsOn:\n    - name: \n${SOURCE}`);
    client.change(u, deps);
    const names = labels(
      await client.request<CompletionList>('textDocument/completion', {
        textDocument: { uri: u },
        position: { line: 10, character: 12 },
      }),
    );
    assert.ok(names.includes('infra') && names.includes('apps') && !names.includes('new'), names.join(','));
  });

  it('CodeLens, document and workspace symbols, document links', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', {
      textDocument: { uri: uri('clusters/dev/infra.yaml') },
    });
    const titles = lenses.map((l) => l.command?.title);
    assert.ok(titles.includes('renders 1 file'), titles.join(' | '));
    assert.ok(titles.includes('depends on apps'));
    assert.ok(titles.includes('depended on by apps'));
    assert.equal(lenses[0]!.command?.command, 'fluxWorkbench.showLocations');
    const ns = await client.request<CodeLens[]>('textDocument/codeLens', {
      textDocument: { uri: uri('infra/namespace.yaml') },
    });
    assert.deepEqual(
      ns.map((l) => l.command?.title),
      ['rendered by Kustomization flux-system/infra'],
    );
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri: uri('clusters/dev/flux-system/gotk-sync.yaml') },
    });
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['GitRepository flux-system/flux-system', 'Kustomization flux-system/flux-system'],
    );
    const found = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'cmsettings' });
    assert.deepEqual(
      found.map((s) => s.name),
      ['ConfigMap apps/settings'],
    );
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', {
      textDocument: { uri: uri('infra/kustomization.yaml') },
    });
    assert.deepEqual(
      links.map((l) => l.target),
      [uri('infra/namespace.yaml')],
    );
  });

  it('re-diagnoses the files that depend on an edited one', async () => {
    const u = client.open(
      path.join(dir, 'clusters/dev/flux-system/gotk-sync.yaml'),
      GIT.replace('name: flux-system\n  namespace', 'name: renamed\n  namespace') +
        '---\n' +
        ks('flux-system', `  path: ./clusters/dev\n${SOURCE}`),
    );
    await client.diagnosticsFor(u);
    // A file created on disk (a file event) that names the renamed GitRepository resolves (its only
    // finding, which says the server has read it, is the dependsOn target that exists nowhere)...
    const extra = write(
      'clusters/dev/extra.yaml',
      ks(
        'extra',
        '  path: ./apps\n  dependsOn:\n    - name: nowhere\n  sourceRef:\n    kind: GitRepository\n    name: renamed\n',
      ),
    );
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(extra).toString(), type: 1 }],
    });
    const first = await client.publishedFor(uri('clusters/dev/extra.yaml'), (x) => x.length > 0);
    assert.deepEqual(
      first.map((x) => x.code),
      ['depends-on-not-found'],
    );
    // ...until the open buffer renames it again: the closed file's finding follows.
    client.change(
      u,
      GIT.replace('name: flux-system\n  namespace', 'name: other\n  namespace') +
        '---\n' +
        ks('flux-system', `  path: ./clusters/dev\n${SOURCE}`),
    );
    const d = await client.publishedFor(uri('clusters/dev/extra.yaml'), (x) =>
      x.some((y) => y.code === 'reference-not-found'),
    );
    assert.match(
      text(d.find((x) => x.code === 'reference-not-found')!.message),
      /GitRepository flux-system\/renamed/,
    );
  });
});
