import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { CompletionList, Diagnostic, Hover } from 'vscode-languageserver-types';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

/** The repository: the nearest folder above this bundle (test/out/lsp, test/out/cluster/...) with esbuild.mjs. */
export const repoRoot = (() => {
  for (let d = __dirname; path.dirname(d) !== d; d = path.dirname(d))
    if (existsSync(path.join(d, 'esbuild.mjs'))) return d;
  return path.resolve(__dirname, '..', '..', '..');
})();
export const serverPath = path.join(repoRoot, 'server', 'out', 'server.js');

/**
 * A real LSP client over stdio against the built server (`node server/out/server.js --stdio`),
 * speaking JSON-RPC with vscode-jsonrpc. Nothing in the server is mocked.
 */
export class LspClient {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly conn: MessageConnection;
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  private waiters: Array<() => void> = [];
  stderr = '';
  private version = new Map<string, number>();

  constructor(
    private readonly options: {
      configuration?: Record<string, unknown>;
      /** Sent as initializationOptions (e.g. `trusted`, as VS Code's workspace trust says). */
      initializationOptions?: Record<string, unknown>;
      /** The Node binary to run the server on (default: this one) and extra environment. */
      node?: string;
      env?: Record<string, string>;
    } = {},
  ) {
    // FLUX_WORKBENCH_SERVER_NODE_ARGS: Node options for the server process only, e.g. `--cpu-prof
    // --cpu-prof-dir=/tmp/prof` to profile it under a test or a fuzz reproducer (NODE_OPTIONS
    // refuses --cpu-prof, and would profile the test process too).
    const nodeArgs = (process.env.FLUX_WORKBENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.proc = spawn(options.node ?? process.execPath, [...nodeArgs, serverPath, '--stdio'], {
      stdio: 'pipe',
      env: { ...process.env, ...options.env },
    });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    // A notification written while the server exits (after `exit`, or when a test ends) meets a
    // closed pipe: EPIPE then is the end of the session, not a failure of the test that ran.
    this.proc.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    this.conn = createMessageConnection(
      new StreamMessageReader(this.proc.stdout),
      new StreamMessageWriter(this.proc.stdin),
    );
    this.conn.onNotification((method, params) => {
      this.notifications.push({ method, params });
      if (method === 'textDocument/publishDiagnostics') {
        const p = params as PublishDiagnosticsParams;
        this.diagnostics.set(p.uri, p);
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.conn.onRequest('workspace/configuration', (params: { items: unknown[] }) =>
      params.items.map(() => options.configuration ?? null),
    );
    this.conn.onRequest('client/registerCapability', () => null);
    // vscode-jsonrpc hands $/progress to progress handlers, not to the notification handler above.
    this.conn.onUnhandledProgress((params) => {
      this.notifications.push({ method: '$/progress', params });
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.listen();
  }

  async initialize(root: string): Promise<void> {
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).toString(),
      workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'ws' }],
      ...(this.options.initializationOptions
        ? { initializationOptions: this.options.initializationOptions }
        : {}),
      capabilities: {
        workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } },
        textDocument: { hover: { contentFormat: ['markdown'] } },
        window: { workDoneProgress: true },
      },
    });
    await this.conn.sendNotification('initialized', {});
  }

  /** Resolves when `predicate` holds, re-checked on every notification; rejects after `ms`. */
  waitFor<T>(predicate: () => T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      const check = (): void => {
        const v = predicate();
        if (v !== undefined && v !== false) {
          clearTimeout(timer);
          resolve(v);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  open(file: string, text: string): string {
    const uri = pathToFileURL(file).toString();
    this.version.set(uri, 1);
    this.diagnostics.delete(uri);
    void this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
    return uri;
  }

  change(uri: string, text: string): number {
    const v = (this.version.get(uri) ?? 1) + 1;
    this.version.set(uri, v);
    void this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ text }],
    });
    return v;
  }

  /** Diagnostics published for the document's current version. */
  diagnosticsFor(uri: string, ms = 10_000): Promise<Diagnostic[]> {
    const want = this.version.get(uri);
    return this.waitFor(
      () => {
        const p = this.diagnostics.get(uri);
        return p && (p.version === undefined || p.version === want) ? p.diagnostics : undefined;
      },
      ms,
      `diagnostics for ${uri}`,
    );
  }

  complete(uri: string, line: number, character: number): Promise<CompletionList | null> {
    return this.conn.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line, character },
    });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line, character },
    });
  }

  /** Any request, by method name (definition, references, codeLens, ...). */
  request<T>(method: string, params: unknown): Promise<T> {
    return this.conn.sendRequest(method, params);
  }

  /** Diagnostics last published for a URI the client has not opened (workspace-wide findings). */
  publishedFor(
    uri: string,
    predicate: (d: Diagnostic[]) => boolean,
    ms = 30_000,
    what = uri,
  ): Promise<Diagnostic[]> {
    return this.waitFor(
      () => {
        const p = this.diagnostics.get(uri);
        return p && predicate(p.diagnostics) ? p.diagnostics : undefined;
      },
      ms,
      `diagnostics for ${what}`,
    );
  }

  async stop(): Promise<void> {
    // Every promise here may settle after the connection is gone: each has its own catch, or the
    // test runner reports the late rejection as a failure of the whole file.
    const shutdown = this.conn.sendRequest('shutdown').catch(() => undefined);
    await Promise.race([shutdown, new Promise((r) => setTimeout(r, 2000))]);
    await this.conn.sendNotification('exit').catch(() => undefined);
    if (this.proc.exitCode === null && this.proc.signalCode === null)
      await new Promise((r) => {
        const timer = setTimeout(r, 2000);
        this.proc.once('exit', () => {
          clearTimeout(timer);
          r(undefined);
        });
      });
    this.conn.dispose();
    this.proc.kill();
  }
}

export function hoverText(h: Hover | null): string {
  if (!h) return '';
  const c = h.contents;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : x.value)).join('\n');
  return c.value;
}

export function labels(list: CompletionList | null): string[] {
  return (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : String(i.label)));
}
