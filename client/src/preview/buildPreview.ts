import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  findFluxKustomizations,
  selectFluxKustomization,
} from '../../../server/src/build/fluxKustomizations';
import {
  BuildRequest,
  GitRevisionRequest,
  type BuildParams,
  type BuildResult,
  type GitRevisionParams,
  type GitRevisionResult,
} from '../../../server/src/protocol';
import type { Ctx } from '../ctx';
import { previewText } from './header';

export const PREVIEW_SCHEME = 'flux-build';

/** What a preview document shows; encoded in its URI's query so previews survive reloads. */
export interface PreviewTarget {
  uri: string;
  name?: string;
  namespace?: string;
  revision?: string;
  /** One side of a diff: the header leaves out durations, which always differ. */
  diff?: boolean;
}

export function previewUri(t: PreviewTarget): vscode.Uri {
  const source = vscode.Uri.parse(t.uri);
  const label = `${t.name ?? path.basename(source.path)}${t.revision ? `@${t.revision}` : ''} (Flux build).yaml`;
  return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: '/' + label, query: JSON.stringify(t) });
}

function targetOf(uri: vscode.Uri): PreviewTarget {
  return JSON.parse(uri.query) as PreviewTarget;
}

/**
 * The read-only `flux-build:` documents. Each asks the language server for `flux/build` and shows the
 * YAML under a header; it refreshes on save and, when `fluxWorkbench.build.previewOnType` is on,
 * while typing (debounced). A failed build keeps the last good YAML below the errors.
 */
export class BuildPreviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly lastGood = new Map<string, string>();
  private readonly running = new Map<string, vscode.CancellationTokenSource>();
  private readonly disposables: vscode.Disposable[] = [];
  private typingTimer: NodeJS.Timeout | undefined;
  /** The cluster context whose substituteFrom values a build takes (set by the live editor), if any. */
  clusterContext: ((t: PreviewTarget) => string | undefined) | undefined;

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this),
      vscode.workspace.onDidSaveTextDocument((d) => this.sourceChanged(d, true)),
      vscode.workspace.onDidChangeTextDocument((e) => this.sourceChanged(e.document, false)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.refreshAll()),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === PREVIEW_SCHEME) this.lastGood.delete(d.uri.toString());
      }),
    );
  }

  /**
   * Opens (or reveals) the preview of `target` beside the active editor, with progress and cancel.
   * With no editor open (a folder previewed from the explorer), in the active group: "beside"
   * nothing would leave an empty group on the left.
   */
  async open(target: PreviewTarget): Promise<void> {
    const viewColumn = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const uri = previewUri(target);
    const doc = await this.withProgress(
      `Building ${target.name ?? path.basename(vscode.Uri.parse(target.uri).path)}`,
      () => Promise.resolve(vscode.workspace.openTextDocument(uri)),
    );
    await vscode.window.showTextDocument(doc, { viewColumn, preview: false, preserveFocus: true });
  }

  /**
   * Opens VS Code's diff editor: the build at git HEAD on the left, the current build on the right.
   * Without a HEAD (not a Git repository, no commit yet, Restricted Mode) it says so instead.
   */
  async diffWithHead(target: PreviewTarget): Promise<void> {
    const head = await gitHead(this.ctx, target.uri);
    if (!head.ok) return void vscode.window.showInformationMessage(`Diff Build with HEAD: ${head.message}`);
    const left = previewUri({ ...target, revision: 'HEAD', diff: true });
    const right = previewUri({ ...target, revision: undefined, diff: true });
    await this.withProgress('Building at HEAD and now', async () => {
      await Promise.all([vscode.workspace.openTextDocument(left), vscode.workspace.openTextDocument(right)]);
    });
    const name = target.name ?? path.basename(vscode.Uri.parse(target.uri).path);
    await vscode.commands.executeCommand(
      'vscode.diff',
      left,
      right,
      `${name}: Flux build at HEAD ↔ working tree`,
      { preview: false },
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const key = uri.toString();
    const target = targetOf(uri);
    const client = this.ctx.client;
    if (!client)
      return '# Flux build preview: the Flux language server is not running (see "Flux: Show Output").\n';
    this.running.get(key)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running.set(key, cts);
    const sub = token.onCancellationRequested(() => cts.cancel());
    const params: BuildParams = {
      uri: target.uri,
      trusted: vscode.workspace.isTrusted,
      ...(target.name !== undefined ? { name: target.name } : {}),
      ...(target.namespace ? { namespace: target.namespace } : {}),
      ...(target.revision ? { revision: target.revision } : {}),
    };
    // A preview takes the connected cluster's values (the header names the cluster); the two sides
    // of a diff with HEAD take the repository's, so that only the commits differ.
    const context = target.revision || target.diff ? undefined : this.clusterContext?.(target);
    if (context) params.cluster = { context };
    try {
      const result = await client.sendRequest<BuildResult>(BuildRequest, params, cts.token);
      if (result.ok) this.lastGood.set(key, result.yaml);
      else
        this.ctx.log.warn(
          `build of ${result.title} failed: ${result.errors.map((e) => e.message).join('; ')}`,
        );
      return previewText(
        result,
        (u) => vscode.workspace.asRelativePath(vscode.Uri.parse(u)),
        result.ok ? undefined : this.lastGood.get(key),
        { timings: !target.diff },
      );
    } catch (err) {
      if (cts.token.isCancellationRequested)
        return '# Flux build preview: the build was cancelled. Save the file or run "Flux: Preview Build" again.\n';
      this.ctx.log.error(`flux/build failed: ${(err as Error).stack ?? String(err)}`);
      return `# Flux build preview: the request failed: ${(err as Error).message}\n`;
    } finally {
      sub.dispose();
      cts.dispose();
      if (this.running.get(key) === cts) this.running.delete(key);
    }
  }

  private async withProgress<T>(title: string, work: () => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (_progress, token) => {
        // Cancelling stops every build this command started (a diff runs two).
        token.onCancellationRequested(() => {
          for (const cts of this.running.values()) cts.cancel();
        });
        return work();
      },
    );
  }

  private sourceChanged(doc: vscode.TextDocument, saved: boolean): void {
    if (doc.uri.scheme !== 'file' || !/\.ya?ml$|\/Kustomization$/.test(doc.uri.path)) return;
    if (saved) {
      this.refreshAll();
      return;
    }
    const config = vscode.workspace.getConfiguration('fluxWorkbench.build');
    if (!config.get<boolean>('previewOnType', true)) return;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.refreshAll(), config.get<number>('debounce', 500));
  }

  /** Re-renders every open preview of the working tree (previews at a revision do not change). */
  private refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) {
      if (d.uri.scheme === PREVIEW_SCHEME && !targetOf(d.uri).revision) this.changed.fire(d.uri);
    }
  }

  dispose(): void {
    clearTimeout(this.typingTimer);
    for (const cts of this.running.values()) cts.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

/** Whether the file at `uri` has a git HEAD to compare with, asked of the language server. */
async function gitHead(ctx: Ctx, uri: string): Promise<GitRevisionResult> {
  if (!ctx.client)
    return { ok: false, reason: 'no language server', message: 'the Flux language server is not running.' };
  const params: GitRevisionParams = { uri, revision: 'HEAD', trusted: vscode.workspace.isTrusted };
  return ctx.client.sendRequest<GitRevisionResult>(GitRevisionRequest, params);
}

/**
 * "Preview build" / "Diff with HEAD" above every Flux Kustomization and in every kustomization.yaml.
 * The diff lens says when there is no HEAD to compare with (not a Git repository, no commit yet).
 */
export class BuildCodeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions = [
    this.changed,
    // The titles say when Restricted Mode stops previews; granting trust changes them.
    vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('fluxWorkbench.build.codeLens')) this.changed.fire();
    }),
  ];

  constructor(private readonly ctx: Ctx) {}

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('fluxWorkbench.build').get<boolean>('codeLens', true)) return [];
    // In Restricted Mode no program runs: the lens says so up front (the preview explains how to trust).
    const restricted = vscode.workspace.isTrusted ? '' : ' (needs a trusted workspace)';
    let noHead = '';
    const pair = (line: number, args: unknown[]): vscode.CodeLens[] => {
      const range = new vscode.Range(line, 0, line, 0);
      return [
        new vscode.CodeLens(range, {
          title: `Preview build${restricted}`,
          command: 'fluxWorkbench.previewBuild',
          arguments: args,
        }),
        new vscode.CodeLens(range, {
          title: `Diff build with HEAD${restricted || noHead}`,
          command: 'fluxWorkbench.diffBuildWithHead',
          arguments: args,
        }),
      ];
    };
    const kustomizations = findFluxKustomizations(doc.getText());
    const isKustomizationFile = /^(kustomization\.ya?ml|Kustomization)$/.test(path.basename(doc.uri.path));
    if (kustomizations.length === 0 && !isKustomizationFile) return [];
    if (!restricted) {
      const head = await gitHead(this.ctx, doc.uri.toString()).catch(() => undefined);
      if (head && !head.ok) noHead = ` (${head.reason})`;
    }
    const lenses = kustomizations.flatMap((k) => pair(k.startLine, [doc.uri, k.name, k.namespace]));
    if (lenses.length === 0) lenses.push(...pair(0, [doc.uri]));
    return lenses;
  }
}

const previews = new WeakMap<Ctx, BuildPreviews>();

/** Registers the preview provider and the CodeLens once per context; returns the previews. */
export function registerBuildPreview(ctx: Ctx): BuildPreviews {
  let p = previews.get(ctx);
  if (!p) {
    p = new BuildPreviews(ctx);
    previews.set(ctx, p);
    const lenses = new BuildCodeLenses(ctx);
    ctx.push(
      p,
      lenses,
      vscode.languages.registerCodeLensProvider(
        [
          { scheme: 'file', language: 'yaml' },
          { scheme: 'file', pattern: '**/Kustomization' },
        ],
        lenses,
      ),
    );
  }
  return p;
}

/** The target of a command: explicit arguments (CodeLens, explorer), else the active editor's cursor. */
export function commandTarget(args: unknown[]): PreviewTarget | undefined {
  const [arg0, name, namespace] = args;
  if (arg0 instanceof vscode.Uri) {
    return {
      uri: arg0.toString(),
      ...(typeof name === 'string' ? { name } : {}),
      ...(typeof namespace === 'string' && namespace ? { namespace } : {}),
    };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== 'file') return undefined;
  const doc = editor.document;
  const k = selectFluxKustomization(findFluxKustomizations(doc.getText()), {
    offset: doc.offsetAt(editor.selection.active),
  });
  return {
    uri: doc.uri.toString(),
    ...(k ? { name: k.name, ...(k.namespace ? { namespace: k.namespace } : {}) } : {}),
  };
}

/** Command factories for the table in commands/index.ts. */
export const buildPreviewCommands = {
  previewBuild:
    (ctx: Ctx) =>
    async (...args: unknown[]) => {
      const target = commandTarget(args);
      if (!target)
        return void vscode.window.showInformationMessage(
          'Open a Flux Kustomization or a kustomization.yaml to preview its build.',
        );
      await registerBuildPreview(ctx).open(target);
    },
  diffBuildWithHead:
    (ctx: Ctx) =>
    async (...args: unknown[]) => {
      const target = commandTarget(args);
      if (!target)
        return void vscode.window.showInformationMessage(
          'Open a Flux Kustomization or a kustomization.yaml to diff its build with HEAD.',
        );
      await registerBuildPreview(ctx).diffWithHead(target);
    },
};
