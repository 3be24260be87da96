import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeParams,
  type Position,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { readmeLinks, type DiagnosticCode } from './diagnosticCodes';
import { registerBuildHandler } from './handlers/build';
import { BuildWorkerHost } from './handlers/buildHost';
import { ClusterBuiltins } from './handlers/clusterBuiltins';
import { DiagnosticsScheduler } from './handlers/diagnostics';
import { ReadinessGate } from './handlers/readiness';
import { LiveHandlers } from './handlers/live';
import { SemanticsHandlers } from './handlers/semantics';
import { WorkspaceIndexer } from './handlers/workspaceIndex';
import { SemanticAnalysis } from './semantics/analysis';
import {
  ClusterCrdsNotification,
  ClusterOpenApiNotification,
  DEFAULT_SERVER_SETTINGS,
  SchemaStatusNotification,
  type ClusterCrdsParams,
  type ClusterOpenApiParams,
  type InitializationOptions,
  type SchemaStatusParams,
  type ServerSettings,
  type WorkspaceTrustParams,
  WorkspaceTrustNotification,
} from './protocol';
import { describeBuiltinOrigin } from './kubernetes/builtinSchemas';
import { codeActions, fixIo } from './service/codeActions';
import { LocalSchemaPolicy } from './service/localSchemas';
import { SchemaWorkers } from './service/schemaWorkers';
import { FluxLanguageService, uriToPath } from './service/languageService';
import { RemoteSchemaLoader } from './service/schemaLoader';
import { quietEngineNoise } from './service/engineLog';
import { Workspace } from './workspace/workspace';
import * as path from 'node:path';
import * as os from 'node:os';

// Wiring only: the connection (IPC from VS Code, or --stdio for other editors), documents, handlers.
const connection = createConnection(ProposedFeatures.all);
// Libraries warn about input (the yaml package: "Keys with collection values will be stringified");
// such a warning is about a user's file, not a failure of the server: it goes to the log as a line
// of information, never to stderr as an error.
process.removeAllListeners('warning');
process.on('warning', (w) => connection.console.log(`${w.name}: ${w.message}`));
// The connection routes console.error to the client's log; the engine's lines about documents
// without a root node are input, not faults (see service/engineLog.ts).
quietEngineNoise(console);
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace();
let service: FluxLanguageService | undefined;
let settings: ServerSettings = DEFAULT_SERVER_SETTINGS;
let roots: string[] = [];
let trusted = false;
let canPullConfiguration = false;
let remote: RemoteSchemaLoader;
const scheduler = new DiagnosticsScheduler(connection, documents, () => service);
// The bundled schemas start loading at `initialize` (they need no settings). Diagnostics wait for
// them, and so do completion and hover (bounded): an answer made without them would be empty or
// wrong, and an empty completion list tells a user there is nothing to complete.
// Diagnostics also wait for the first workspace scan: whether a file is a patch, a Helm template or
// a generator's input, and what its parents provide, is known only then.
let markSchemasLoaded: () => void = () => undefined;
const schemasReady = new Promise<void>((resolve) => (markSchemasLoaded = resolve));
let markScanned: () => void = () => undefined;
const scanned = new Promise<void>((resolve) => (markScanned = resolve));
scheduler.ready = Promise.all([schemasReady, scanned]).then(() => undefined);
const schemasGate = new ReadinessGate(schemasReady, 'the bundled Flux and Kubernetes schemas');
const scanGate = new ReadinessGate(scanned, "the workspace's CRDs (the workspace is being indexed)");
const analysis = new SemanticAnalysis(workspace.model);
let buildArtifactRoots: Record<string, string> = {};
let canRegisterWatchers = false;
const semantics = new SemanticsHandlers(
  connection,
  documents,
  analysis,
  () => ({ ...settings.semantics, debounceMs: settings.validation.debounce }),
  (doc) => scheduler.schedule(doc, 0),
);
const indexer = new WorkspaceIndexer(
  connection,
  documents,
  workspace,
  analysis,
  () => ({
    maxFileBytes: settings.validation.maxFileSize * 1024 * 1024,
    exclude: settings.workspace.exclude,
    sourceFolders: buildArtifactRoots,
  }),
  () => semantics.schedule(),
);

connection.onInitialize((params: InitializeParams) => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  canRegisterWatchers = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  roots = (params.workspaceFolders ?? []).map((f) => URI.parse(f.uri).fsPath);
  if (roots.length === 0 && params.rootUri) roots = [URI.parse(params.rootUri).fsPath];
  workspace.roots.push(...roots);
  const init = (params.initializationOptions ?? {}) as InitializationOptions;
  remote = new RemoteSchemaLoader({
    enabled: settings.schemas.remote,
    timeoutMs: settings.schemas.remoteTimeout,
    cacheDir: init.cacheDir ?? path.join(os.homedir(), '.cache', 'flux-workbench', 'schemas'),
  });
  service = new FluxLanguageService(workspace.registry, workspace.model, remote, (f) =>
    workspace.problemsOf(f),
  );
  trusted = init.trusted === true;
  service.localSchemas = new LocalSchemaPolicy(
    () => roots,
    () => trusted,
  );
  service.codeHref = codeLinks();
  service.label = (f) => workspace.label(f);
  service.builtinsNote = () => clusterBuiltins.note();
  service.parseFor = (f) => workspace.model.parseOf(f);
  service.schemaWorkers = schemaWorkers;
  void Promise.all([workspace.loadBundled(), workspace.loadBuiltins()])
    .catch((err: unknown) => connection.console.error(`schemas failed to load: ${(err as Error).message}`))
    .finally(() => markSchemasLoaded());
  service.semantics = analysis;
  semantics.codeHref = service.codeHref;
  semantics.register();
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      completionProvider: { triggerCharacters: [':', ' ', '-', '{'] },
      definitionProvider: true,
      referencesProvider: true,
      documentLinkProvider: { resolveProvider: false },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
    serverInfo: { name: 'Flux Workbench language server' },
  };
});

connection.onInitialized(async () => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, undefined);
    await refreshSettings();
  }
  await schemasReady;
  sendStatus();
  // The open documents first, then the workspace scan, so the first answers do not wait for it;
  // the scan reports progress, and the open buffers win over the files it reads.
  for (const doc of documents.all()) await updateFromBuffer(doc);
  void indexer.watch(canRegisterWatchers);
  try {
    await indexer.indexAll(roots);
  } finally {
    markScanned();
  }
  sendStatus();
  scheduler.scheduleAll();
});

async function refreshSettings(): Promise<void> {
  const previousExclude =
    analysis.ready && workspace.scannedRootOf(roots[0] ?? '')
      ? JSON.stringify(settings.workspace.exclude)
      : undefined;
  try {
    const raw = (await connection.workspace.getConfiguration(
      'fluxWorkbench',
    )) as Partial<ServerSettings> | null;
    settings = {
      validation: { ...DEFAULT_SERVER_SETTINGS.validation, ...(raw?.validation ?? {}) },
      schemas: { ...DEFAULT_SERVER_SETTINGS.schemas, ...(raw?.schemas ?? {}) },
      workspace: { ...DEFAULT_SERVER_SETTINGS.workspace, ...(raw?.workspace ?? {}) },
      semantics: { ...DEFAULT_SERVER_SETTINGS.semantics, ...(raw?.semantics ?? {}) },
    };
    const build = (raw as { build?: { artifactRoots?: Record<string, string> } } | null)?.build;
    buildArtifactRoots =
      build?.artifactRoots && typeof build.artifactRoots === 'object' ? build.artifactRoots : {};
    workspace.model.setSettings({ ...workspace.model.settings, sourceFolders: buildArtifactRoots });
    if (previousExclude !== undefined && previousExclude !== JSON.stringify(settings.workspace.exclude)) {
      // Other paths are left out now: index the folders again.
      for (const root of roots) workspace.removeUnder(root);
      void indexer.indexAll(roots).then(() => scheduler.scheduleAll());
    }
  } catch (err) {
    connection.console.warn(`could not read settings, using defaults: ${(err as Error).message}`);
  }
  scheduler.debounceMs = settings.validation.debounce;
  remote?.configure({ enabled: settings.schemas.remote, timeoutMs: settings.schemas.remoteTimeout });
  if (service)
    service.limits = { ...service.limits, maxFileBytes: settings.validation.maxFileSize * 1024 * 1024 };
}

/**
 * Diagnostic codes link to their row of the README shipped beside the server (server/out/..), which
 * is README.md in a checkout and readme.md in an installed extension (vsce renames it). The README
 * is read with the first code to link (the first diagnostics), not before the first answers.
 */
function codeLinks(): (code: DiagnosticCode) => string | undefined {
  let links: ((code: DiagnosticCode) => string | undefined) | undefined;
  return (code) => (links ??= readCodeLinks())(code);
}

function readCodeLinks(): (code: DiagnosticCode) => string | undefined {
  const root = path.resolve(__dirname, '..', '..');
  try {
    const name = readdirSync(root).find((f) => /^readme\.md$/i.test(f)) ?? 'README.md';
    const readme = path.join(root, name);
    return readmeLinks(readFileSync(readme, 'utf8'), pathToFileURL(readme).toString());
  } catch (err) {
    connection.console.warn(`diagnostic codes have no links: ${(err as Error).message}`);
    return () => undefined;
  }
}

let lastStatus = '';
function sendStatus(): void {
  const status = workspace.registry.fluxStatus();
  const params: SchemaStatusParams = { available: status.available, label: status.label };
  if (!status.available) {
    params.problem =
      `No Flux schemas: ${workspace.bundledProblem ?? 'none bundled'} and no Flux CRDs in the workspace, so Flux objects are not validated. ` +
      "Fix: reinstall Flux Workbench, or commit your cluster's Flux CRDs (e.g. `flux install --export > gotk-components.yaml`).";
  }
  const builtins = workspace.registry.builtins;
  if (builtins) params.kubernetes = describeBuiltinOrigin(builtins.origin);
  else if (workspace.builtinsProblem)
    params.kubernetesProblem = `${workspace.builtinsProblem}: Deployments, Services, ConfigMaps and other built-in kinds are not validated. Fix: reinstall Flux Workbench.`;
  const note = clusterBuiltins.note();
  if (note) params.kubernetesNote = note;
  if (service) {
    const target = service.fluxTarget();
    params.fluxTarget = { minor: target.minor, pinned: target.pinned, reason: target.reason };
  }
  const key = JSON.stringify(params);
  if (key === lastStatus) return;
  lastStatus = key;
  void connection.sendNotification(SchemaStatusNotification, params);
}

async function updateFromBuffer(doc: TextDocument): Promise<void> {
  const before = workspace.registry.generation;
  const pinsBefore = JSON.stringify(workspace.model.fluxPins());
  if (!(await indexer.updateBuffer(doc))) return;
  semantics.schedule();
  // New CRDs or a changed Flux pin change what every open document is judged against.
  if (workspace.registry.generation !== before || JSON.stringify(workspace.model.fluxPins()) !== pinsBefore) {
    sendStatus();
    scheduler.scheduleAll();
  }
}

// TextDocuments announces an open as an open followed by a content change: an opened document is
// judged at once, only edits wait for the debounce (setting fluxWorkbench.validation.debounce).
const justOpened = new Set<string>();
documents.onDidOpen(({ document }) => justOpened.add(document.uri));
documents.onDidChangeContent(({ document }) => {
  void updateFromBuffer(document);
  scheduler.schedule(document, justOpened.delete(document.uri) ? 0 : undefined);
});
documents.onDidClose(({ document }) => {
  service?.forget(document.uri);
  scheduler.clear(document.uri);
  // The model goes back to the file on disk (the buffer may have been closed without saving).
  const file = uriToPath(document.uri);
  if (file) void indexer.reload(file).finally(() => semantics.closed(document.uri));
});

connection.onDidChangeConfiguration(async () => {
  if (canPullConfiguration) await refreshSettings();
  scheduler.scheduleAll();
  semantics.schedule(0);
});

connection.onDidChangeWatchedFiles(async ({ changes }) => {
  const before = workspace.registry.generation;
  await indexer.onFileEvents(changes);
  sendStatus();
  if (workspace.registry.generation !== before) scheduler.scheduleAll();
});

connection.onNotification(WorkspaceTrustNotification, (params: WorkspaceTrustParams) => {
  trusted = params.trusted === true;
  service?.forgetAll();
  scheduler.scheduleAll();
});

connection.onNotification(ClusterCrdsNotification, (params: ClusterCrdsParams) => {
  const problems = workspace.registry.setClusterCrds(params.context, params.crds);
  if (problems.length) connection.console.warn(`${problems.length} cluster CRDs could not be converted`);
  sendStatus();
  scheduler.scheduleAll();
});

// The built-in kinds' schemas of a shown cluster replace the bundled ones while it is shown.
const clusterBuiltins = new ClusterBuiltins(
  path.join(__dirname, 'openapi-worker.js'),
  () => workspace.bundledBuiltins,
  (source) => {
    if (workspace.registry.builtins !== source) workspace.registry.setBuiltins(source);
  },
  connection.console,
);
connection.onNotification(ClusterOpenApiNotification, (params: ClusterOpenApiParams) =>
  clusterBuiltins.set(params).then(() => {
    sendStatus();
    scheduler.scheduleAll();
  }),
);

connection.onHover(async ({ textDocument, position }) => {
  const doc = await readyFor('hover', textDocument.uri, position);
  return doc && service ? service.hover(doc, position) : null;
});

connection.onCodeAction(async ({ textDocument, context }) => {
  const doc = documents.get(textDocument.uri);
  if (!doc) return null;
  const io = fixIo((file) => documents.get(URI.file(file).toString())?.getText());
  return codeActions(doc, context.diagnostics, io);
});

connection.onCompletion(async ({ textDocument, position }) => {
  const doc = await readyFor('completion', textDocument.uri, position);
  return doc && service ? service.complete(doc, position) : null;
});

/**
 * The document of a request once what the answer needs is loaded: the bundled schemas always, and
 * the workspace scan too when the document's kind is none of theirs (a CRD of the workspace).
 */
async function readyFor(request: string, uri: string, position: Position): Promise<TextDocument | undefined> {
  await schemasGate.wait(request);
  const doc = documents.get(uri);
  if (doc && service && !scanGate.isReady && (await service.kindUnknownAt(doc, position)))
    await scanGate.wait(request);
  return documents.get(uri);
}

// Large documents are validated on a thread of their own, stopped at a time and memory limit.
const schemaWorkers = new SchemaWorkers({
  script: path.join(__dirname, 'schema-worker.js'),
  threads: 1,
  // FLUX_WORKBENCH_SCHEMA_TIME_LIMIT_MS: another limit, to see a stopped job (the LSP tests do).
  timeLimitMs: Number(process.env.FLUX_WORKBENCH_SCHEMA_TIME_LIMIT_MS) || 30_000,
  heapMb: 512,
  requestSchema: (uri) => service!.requestSchema(uri),
});

// Builds run on a thread of their own (see handlers/buildHost.ts), stopped at their time limit.
const builds = new BuildWorkerHost(path.join(__dirname, 'build-worker.js'), (m) =>
  connection.console.warn(m),
);
registerBuildHandler(connection, documents, () => roots, builds);
connection.onShutdown(() => {
  builds.dispose();
  schemaWorkers.dispose();
});
new LiveHandlers(
  connection,
  () => workspace.model,
  // Cross-file reference checks resolve against the cluster's objects too (once they run here).
  (added, removed) => {
    const resolver = service?.semantics?.resolver;
    for (const s of added) resolver?.addSource(s);
    for (const s of removed) resolver?.removeSource(s);
    service?.semantics?.invalidate();
    scheduler.scheduleAll();
    semantics.schedule(0);
  },
).register();

documents.listen(connection);
connection.listen();
