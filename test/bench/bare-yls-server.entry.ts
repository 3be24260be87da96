// The same-run baseline of test/bench/server-process.bench.mjs: bare yaml-language-server as a
// language server process, with the same bundled schemas as Flux Workbench (Flux CRDs and the
// grouped Kubernetes built-in kinds, answered through its Kubernetes mode and CRD store; core-group
// kinds such as ConfigMap get no schema here) and none of Flux Workbench's own work (no workspace
// model, no Flux checks, no debounce: diagnostics are computed when a document is opened or
// changed). Built to test/out/bench/bare-yls-server.entry.js; started with --stdio.
import { createConnection, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService, SchemaPriority } from 'yaml-language-server';
import { SettingsState } from 'yaml-language-server/out/src/yamlSettings.js';
import { Workspace } from '../../server/src/workspace/workspace';
import * as path from 'node:path';

const K8S =
  'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.34.1-standalone-strict/all.json';
const STORE = 'bench://store';
const serverOut = path.resolve(__dirname, '..', '..', '..', 'server', 'out');

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace();
const loaded = Promise.all([
  workspace.loadBundled(path.join(serverOut, 'crds', 'flux-schemas.json')),
  workspace.loadBuiltins(path.join(serverOut, 'kubernetes')),
]);

const settings = new SettingsState();
settings.kubernetesCRDStoreEnabled = true;
settings.kubernetesCRDStoreUrl = STORE;
const yls = getLanguageService({
  schemaRequestService: async (uri: string) => {
    await loaded;
    if (uri === K8S) return '{}';
    const m = /^bench:\/\/store\/([^/]+)\/([^_/]+)_([^./]+)\.json/.exec(uri);
    if (!m) return '{}';
    const [, group, kind, version] = m as unknown as [string, string, string, string];
    const r = workspace.registry.resolve(group, version, kind);
    if (r) return r.found ? JSON.stringify(r.gvk.schema) : '{}';
    const builtins = workspace.registry.builtins;
    const k = builtins?.find(group, version, kind);
    return (k && (await builtins!.schemaText(k))) ?? '{}';
  },
  workspaceContext: { resolveRelativePath: (rel: string, base: string) => new URL(rel, base).toString() },
  yamlSettings: settings,
});
yls.configure({
  validate: true,
  hover: true,
  completion: true,
  schemas: [{ uri: K8S, fileMatch: ['**/*.yaml', '**/*.yml'], priority: SchemaPriority.Settings }],
});

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: 1, hoverProvider: true, completionProvider: {} },
}));
documents.onDidChangeContent(async ({ document }) => {
  const diagnostics = await yls.doValidation(document, true);
  void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
});
connection.onCompletion(async ({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  return doc ? yls.doComplete(doc, position, true) : null;
});
connection.onHover(async ({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  return doc ? yls.doHover(doc, position) : null;
});
documents.listen(connection);
connection.listen();
