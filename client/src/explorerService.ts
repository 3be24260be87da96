// The live explorer as the extension runs it: one FluxExplorer (client/src/cluster) built from the
// settings and the workspace's trust, the contexts the user chose (remembered per workspace; the
// kubeconfig is never written), the shared filter and permission answers, and one fan-out of the
// engine's batched changes. It starts when a Flux view is first shown or when this workspace
// already chose contexts, so opening a YAML file never connects to a cluster by surprise.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { canI, FluxExplorer, type ChangeBatch } from './cluster';
import { readExplorerConfig } from './config';
import { emptyFilter, type Filter } from './views/shared/filter';
import { Permissions } from './views/shared/permissions';
import type { ViewState } from './views/shared/state';

const CONTEXTS_KEY = 'fluxWorkbench.explorer.contexts';

/** 'all': refresh everything (the explorer was rebuilt, the filter changed). */
export type ExplorerEvent =
  | ChangeBatch
  | 'all'
  | { permission: { context: string; kind: string; namespace: string } };

export class ExplorerService implements vscode.Disposable, ViewState {
  explorer: FluxExplorer = new FluxExplorer({ allowExec: false });
  readonly filter: Filter = emptyFilter();
  readonly permissions: Permissions;
  started = false;
  private readonly listeners = new Set<(e: ExplorerEvent) => void>();
  private sub: { dispose(): void } | undefined;
  private watchers: fs.FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.permissions = new Permissions(
      (context, kind, namespace) => {
        const s = this.explorer.session(context);
        if (!s) return Promise.reject(new Error(`context ${context} is not shown`));
        return canI(s, 'patch', kind, namespace);
      },
      (context, kind, namespace) => this.emit({ permission: { context, kind, namespace } }),
    );
    this.disposables.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.log.info(
          'workspace trusted: restarting the live explorer (exec credential plugins may run now)',
        );
        if (this.started) void this.restart();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          this.started &&
          (e.affectsConfiguration('fluxWorkbench.explorer.kubeconfig') ||
            e.affectsConfiguration('fluxWorkbench.explorer.namespaces') ||
            e.affectsConfiguration('fluxWorkbench.explorer.requestTimeout'))
        )
          void this.restart();
      }),
    );
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  now(): number {
    return Date.now();
  }

  /** Contexts chosen in this workspace (undefined: never chosen). */
  remembered(): string[] | undefined {
    return this.memento.get<string[]>(CONTEXTS_KEY);
  }

  /** Starts the explorer once (further calls wait for the first). */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const cfg = readExplorerConfig();
    const files = cfg.kubeconfig.map(resolvePath);
    this.explorer = new FluxExplorer({
      ...(files.length ? { kubeconfigFiles: files } : {}),
      allowExec: vscode.workspace.isTrusted,
      requestTimeoutMs: cfg.requestTimeoutSeconds * 1000,
      namespaces: cfg.namespaces,
    });
    this.sub = this.explorer.onDidChange((b) => this.onBatch(b));
    const kc = await this.explorer.loadKubeconfig();
    this.started = true;
    for (const p of kc.problems)
      this.log.warn(`kubeconfig: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
    this.log.info(
      `live explorer: kubeconfig ${kc.files.join(', ') || '(none)'} (${kc.origin}), ${kc.contexts.length} contexts; exec plugins ${vscode.workspace.isTrusted ? 'allowed' : 'not run (Restricted Mode)'}`,
    );
    this.watchKubeconfig(kc.files);
    const names = this.remembered() ?? (kc.currentContext ? [kc.currentContext] : []);
    await this.showContexts(names.filter((n) => this.explorer.context(n)));
    this.emit('all');
  }

  private onBatch(b: ChangeBatch): void {
    // Ask about patch rights for each (context, kind, namespace) as its objects arrive.
    for (const c of b) {
      if (c.what !== 'object' || !c.kind || !c.key || c.type === 'DELETED') continue;
      const s = this.explorer.session(c.context);
      const kind = s?.discovery?.kinds.find((k) => `${k.kind}.${k.group}` === c.kind);
      if (kind) this.permissions.request(c.context, kind, c.key.slice(0, c.key.indexOf('/')));
    }
    this.emit(b);
  }

  private async showContexts(names: string[]): Promise<void> {
    this.log.info(`live explorer: showing ${names.length ? names.join(', ') : 'no context'}`);
    await this.explorer.show(names);
    for (const s of this.explorer.sessionList())
      if (s.phase.phase === 'error') this.log.warn(`context ${s.name}: ${s.phase.message}`);
  }

  /** Shows exactly these contexts and remembers them for this workspace. */
  async setContexts(names: string[]): Promise<void> {
    await this.memento.update(CONTEXTS_KEY, names);
    if (!this.started) return this.start();
    const shown = this.explorer.sessionList().map((s) => s.name);
    for (const n of shown) if (!names.includes(n)) this.permissions.forget(n);
    await this.showContexts(names);
    this.emit('all');
  }

  /** Rebuilds the explorer (trust granted, settings changed), keeping the chosen contexts. */
  async restart(): Promise<void> {
    await this.starting;
    this.sub?.dispose();
    this.closeWatchers();
    const old = this.explorer;
    this.starting = undefined;
    this.started = false;
    this.permissions.forget();
    await old.dispose();
    await this.start();
  }

  /** Re-reads the kubeconfig files (they changed on disk) and shows the chosen contexts again. */
  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      void (async () => {
        const names = this.explorer.sessionList().map((s) => s.name);
        const kc = await this.explorer.loadKubeconfig();
        this.log.info(`kubeconfig changed on disk: ${kc.contexts.length} contexts`);
        this.watchKubeconfig(kc.files);
        await this.showContexts(names.filter((n) => this.explorer.context(n)));
        this.emit('all');
      })();
    }, 500);
  }

  private watchKubeconfig(files: readonly string[]): void {
    this.closeWatchers();
    for (const f of files) {
      try {
        // The folder, not the file: editors and `kubectl config` replace the file by renaming.
        const w = fs.watch(path.dirname(f), (_e, name) => {
          if (name === path.basename(f)) this.scheduleReload();
        });
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // A missing folder: nothing to watch (the kubeconfig problems say the file is missing).
      }
    }
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  onDidChange(listener: (e: ExplorerEvent) => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  /** Tell every view to refresh as a whole (the filter changed, ...). */
  emit(e: ExplorerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error(`explorer listener: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    this.closeWatchers();
    this.sub?.dispose();
    for (const d of this.disposables) d.dispose();
    void this.explorer.dispose();
  }
}

/** "~/x" and paths relative to the first workspace folder, made absolute. */
function resolvePath(p: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  if (path.isAbsolute(p)) return p;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  return path.resolve(root, p);
}
