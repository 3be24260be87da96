import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FluxLanguageService } from '../service/languageService';

/**
 * Publishes diagnostics after a quiet period following each edit. A newer edit cancels the pending run;
 * a run whose document changed while it worked drops its result instead of publishing stale findings.
 * One run per document at a time: a run asked for while one is under way (the workspace model
 * changed the document's cross-file findings, the first scan ended) follows it, instead of sharing
 * the thread with it and doubling the wait for both on a large file.
 */
export class DiagnosticsScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Documents being validated, and whether another run was asked for meanwhile. */
  private readonly running = new Map<string, { again: boolean }>();
  private readonly reportedModelines = new Set<string>();
  debounceMs = 150;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly service: () => FluxLanguageService | undefined,
  ) {}

  schedule(doc: TextDocument, delay = this.debounceMs): void {
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        void this.run(doc.uri, doc.version);
      }, delay),
    );
  }

  scheduleAll(): void {
    for (const doc of this.documents.all()) this.schedule(doc, 0);
  }

  clear(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Resolved once the bundled schemas are loaded: findings made before would be wrong. */
  ready: Promise<void> = Promise.resolve();

  private async run(uri: string, version: number): Promise<void> {
    await this.ready;
    const service = this.service();
    const doc = this.documents.get(uri);
    if (!service || !doc || doc.version !== version) return;
    const active = this.running.get(uri);
    if (active) {
      active.again = true;
      return;
    }
    const state = { again: false };
    this.running.set(uri, state);
    try {
      const superseded = (): boolean => this.documents.get(uri)?.version !== version;
      // A newer edit stops this run between two documents; its own run follows.
      const result = await service.validate(doc, { isCancelled: superseded });
      if (result.cancelled || superseded()) return;
      for (const note of result.notes) {
        if (this.reportedModelines.has(note.url)) continue;
        this.reportedModelines.add(note.url);
        this.connection.console.info(
          `Schema ${note.url} (named by a modeline) could not be loaded: ${note.reason}. Flux kinds in such files are checked with the Flux schemas instead.`,
        );
      }
      await this.connection.sendDiagnostics({ uri, version, diagnostics: result.diagnostics });
    } catch (err) {
      this.connection.console.error(`validation of ${uri} failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      this.running.delete(uri);
      const now = this.documents.get(uri);
      if (state.again && now) this.schedule(now, 0);
    }
  }
}
