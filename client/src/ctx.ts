import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  SchemaStatusNotification,
  type InitializationOptions,
  type WorkspaceTrustParams,
  WorkspaceTrustNotification,
  type SchemaStatusParams,
} from '../../server/src/protocol';
import { readClientConfig } from './config';
import { ExplorerService } from './explorerService';
import type { FluxViews } from './views/register';

/**
 * Owns everything with a lifetime: the language client, the live explorer, the Flux views, the
 * log, the status item and every registration. Disposed as one when the extension deactivates.
 */
export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly statusItem: vscode.StatusBarItem;
  /** The live cluster explorer (started when a Flux view is first shown). */
  readonly live: ExplorerService;
  views: FluxViews | undefined;
  client: LanguageClient | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private schemaProblemShown = false;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Flux Workbench', { log: true });
    this.statusItem = vscode.window.createStatusBarItem(
      'fluxWorkbench.schemas',
      vscode.StatusBarAlignment.Right,
      100,
    );
    this.statusItem.name = 'Flux schemas';
    this.statusItem.text = '$(sync~spin) Flux schemas: loading';
    this.statusItem.command = 'fluxWorkbench.showOutput';
    this.live = new ExplorerService(extension.workspaceState, this.log);
    this.push(this.log, this.statusItem, this.live);
    this.updateStatusVisibility();
    this.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('fluxWorkbench.statusBar')) this.updateStatusVisibility();
      }),
    );
  }

  push(...items: vscode.Disposable[]): void {
    this.disposables.push(...items);
  }

  async startLanguageClient(): Promise<void> {
    const module = this.extension.asAbsolutePath(path.join('server', 'out', 'server.js'));
    // The server keeps V8's compiled code of its bundle here, so each start after the first is
    // quicker (server/src/start.ts).
    const env = {
      ...process.env,
      FLUX_WORKBENCH_COMPILE_CACHE: vscode.Uri.joinPath(this.extension.globalStorageUri, 'compile-cache')
        .fsPath,
    };
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { env } },
      debug: {
        module,
        transport: TransportKind.ipc,
        options: { env, execArgv: ['--nolazy', '--inspect=6019'] },
      },
    };
    const initializationOptions: InitializationOptions = {
      cacheDir: vscode.Uri.joinPath(this.extension.globalStorageUri, 'schemas').fsPath,
      // Local `$schema` files are read only in a trusted workspace.
      trusted: vscode.workspace.isTrusted,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'yaml' },
        { scheme: 'untitled', language: 'yaml' },
      ],
      // File events: the server registers the watchers it needs (every file of the workspace model).
      synchronize: { configurationSection: 'fluxWorkbench' },
      outputChannel: this.log,
      initializationOptions,
    };
    this.client = new LanguageClient('fluxWorkbench', 'Flux Workbench', serverOptions, clientOptions);
    this.push(
      this.client.onNotification(SchemaStatusNotification, (p: SchemaStatusParams) =>
        this.showSchemaStatus(p),
      ),
    );
    await this.client.start();
    this.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        const params: WorkspaceTrustParams = { trusted: true };
        void this.client?.sendNotification(WorkspaceTrustNotification, params);
      }),
    );
    this.log.info('language server started');
  }

  private showSchemaStatus(p: SchemaStatusParams): void {
    // "K8s v1.36.3", "K8s v1.36.3 from cluster prod"; "(bundled)" when a cluster's could not be used.
    const k8s = p.kubernetes
      ? ` · ${p.kubernetes.replace(/^.*?Kubernetes /, 'K8s ')}${p.kubernetesNote ? ' (bundled)' : ''}`
      : '';
    const target = p.fluxTarget
      ? ` · targets Flux ${p.fluxTarget.minor}${p.fluxTarget.pinned ? ' (pinned)' : ' (no pin)'}`
      : '';
    this.statusItem.text = p.available
      ? `$(check) Flux schemas: ${p.label}${target}${k8s}`
      : `$(warning) Flux schemas: none${target}${k8s}`;
    const lines = [
      p.available
        ? `Flux objects are validated with schemas from: ${p.label}.`
        : (p.problem ?? 'No Flux schemas.'),
      ...(p.fluxTarget
        ? [`API versions are judged against Flux ${p.fluxTarget.minor}: ${p.fluxTarget.reason}.`]
        : []),
      p.kubernetes
        ? `Kubernetes built-in kinds (Deployment, Service, ConfigMap, ...) are validated with schemas from: ${p.kubernetes} OpenAPI.`
        : (p.kubernetesProblem ?? 'Kubernetes built-in kinds are not validated.'),
      ...(p.kubernetesNote
        ? [`The shown cluster's own built-in schemas are not used: ${p.kubernetesNote}.`]
        : []),
      'Click for the Flux Workbench log.',
    ];
    this.statusItem.tooltip = lines.join('\n\n');
    for (const problem of [p.problem, p.kubernetesProblem]) {
      if (!problem) continue;
      this.log.warn(problem);
      if (!this.schemaProblemShown) {
        this.schemaProblemShown = true;
        void vscode.window.showInformationMessage(problem);
      }
    }
  }

  private updateStatusVisibility(): void {
    if (readClientConfig().showStatusItem) this.statusItem.show();
    else this.statusItem.hide();
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client)
      await client
        .stop()
        .catch((err: unknown) => this.log.error(`stopping the language server: ${String(err)}`));
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
