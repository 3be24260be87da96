import * as path from 'node:path';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  type Connection,
  type FileEvent,
  type TextDocuments,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readFileP, statP } from '../io/io';
import type { SemanticAnalysis } from '../semantics/analysis';
import { DEFAULT_LIMITS, refusal } from '../service/textGuards';
import { uriToPath } from '../service/languageService';
import type { Workspace } from '../workspace/workspace';

/** What the indexer needs of the settings. */
export interface IndexSettings {
  maxFileBytes: number;
  exclude: string[];
  /** fluxWorkbench.build.artifactRoots: the folder a source holds. */
  sourceFolders: Record<string, string>;
}

/**
 * Keeps the workspace model current: the first scan of every workspace folder (after the first
 * answers, with progress, yielding to requests), then file events (created, changed and deleted
 * files and folders; a changed .gitignore or .sourceignore rescans its folder). Open buffers are
 * authoritative: their events are ignored.
 */
export class WorkspaceIndexer {
  private indexing: Promise<void> | undefined;
  private pending: FileEvent[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly workspace: Workspace,
    private readonly analysis: SemanticAnalysis,
    private readonly settings: () => IndexSettings,
    /** Told after every change of the model (to re-publish findings). */
    private readonly changed: () => void,
  ) {}

  /** Asks the client to send events for every file (YAML, ignore files, and the files generators read). */
  async watch(dynamicRegistration: boolean): Promise<void> {
    if (!dynamicRegistration) return;
    try {
      await this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*' }],
      });
    } catch (err) {
      this.connection.console.warn(
        `file events not registered (${(err as Error).message}): the model follows open files only`,
      );
    }
  }

  /** The first scan of every folder; findings wait for it (a half-read workspace would cry wolf). */
  indexAll(roots: readonly string[]): Promise<void> {
    this.indexing = this.run(roots);
    return this.indexing;
  }

  private async run(roots: readonly string[]): Promise<void> {
    this.analysis.ready = false;
    const progress = await this.connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin(
      'Flux: indexing the workspace',
      0,
      roots.length ? `${roots.length} folder(s)` : undefined,
      true,
    );
    let cancelled = false;
    progress?.token.onCancellationRequested(() => (cancelled = true));
    const s = this.settings();
    this.workspace.model.setSettings({ ...this.workspace.model.settings, sourceFolders: s.sourceFolders });
    try {
      for (const root of roots) {
        const started = Date.now();
        const scan = await this.workspace.scan(root, {
          maxFileBytes: s.maxFileBytes,
          exclude: s.exclude,
          isCancelled: () => cancelled,
          refuse: (text) => this.refused(text),
          onProgress: (done, total) =>
            progress?.report(
              Math.round((done / Math.max(1, total)) * 100),
              `${done}/${total} files of ${path.basename(root)}`,
            ),
        });
        this.connection.console.info(
          `workspace model: ${scan.files.length} YAML files of ${root} indexed in ${Date.now() - started} ms` +
            (scan.ignored
              ? `; ${scan.ignored} paths left out by .gitignore, .sourceignore or the exclude setting`
              : '') +
            (scan.cancelled ? '; cancelled: cross-file checks are off until the next full scan' : ''),
        );
        for (const sk of scan.skipped.slice(0, 20))
          this.connection.console.info(`  not indexed: ${sk.path}: ${sk.reason}`);
        if (scan.skipped.length > 20)
          this.connection.console.info(`  … and ${scan.skipped.length - 20} more not indexed`);
        if (scan.cancelled) return;
      }
      // Buffers opened meanwhile win over what the scan read from disk.
      for (const doc of this.documents.all()) await this.updateBuffer(doc);
      this.analysis.ready = true;
    } finally {
      progress?.done();
      this.changed();
      const queued = this.pending;
      this.pending = [];
      if (queued.length) await this.onFileEvents(queued);
    }
  }

  /** An open buffer's text, into the model (a file too large is left as the scan saw it). */
  async updateBuffer(doc: TextDocument): Promise<boolean> {
    const file = uriToPath(doc.uri);
    if (!file || Buffer.byteLength(doc.getText()) > this.settings().maxFileBytes) return false;
    // Files outside the workspace folders are not part of the model.
    if (
      !this.workspace.roots.some(
        (r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep),
      )
    )
      return false;
    if (this.workspace.ignoredReason(file, false)) return false;
    await this.workspace.updateFileSliced(file, doc.getText());
    return true;
  }

  /**
   * The model follows the file on disk again (its buffer was closed, perhaps without saving), read
   * by the scan's rules.
   */
  async reload(file: string): Promise<void> {
    if (!this.workspace.scannedRootOf(file)) return;
    const st = await statP(file).catch(() => undefined);
    if (st?.isDirectory()) return;
    if (st) await this.readFile(file, st);
    else this.workspace.removeFile(file);
  }

  /**
   * A file of a scanned folder, read as the scan reads it: ignored files are recorded as such, a
   * file that is not a regular file (a FIFO or a device named *.yaml) is never opened, and one over
   * the size limit or refused by the text guards is left out of the model (as the scan leaves it),
   * instead of being parsed for seconds in the background.
   */
  private async readFile(file: string, st: { isFile(): boolean; size: number }): Promise<void> {
    const reason = this.workspace.ignoredReason(file, false);
    if (reason) {
      this.workspace.model.tree.addIgnored(file, reason);
      return;
    }
    if (!/\.ya?ml$/i.test(file)) {
      if (st.isFile()) this.workspace.model.addPath(file, 'file');
      return;
    }
    const text =
      st.isFile() && st.size <= this.settings().maxFileBytes
        ? await readFileP(file, 'utf8').catch(() => undefined)
        : undefined;
    if (text === undefined || this.refused(text)) this.workspace.removeFile(file);
    else await this.workspace.updateFileSliced(file, text);
  }

  /** Why the scan does not index a text (its size, its nesting), or undefined. */
  private refused(text: string): string | undefined {
    return refusal(text, { ...DEFAULT_LIMITS, maxFileBytes: this.settings().maxFileBytes });
  }

  /** workspace/didChangeWatchedFiles. */
  async onFileEvents(changes: readonly FileEvent[]): Promise<void> {
    if (!this.analysis.ready && this.indexing) {
      this.pending.push(...changes); // applied when the first scan is done
      return;
    }
    const rescans = new Set<string>();
    for (const change of changes) {
      const file = uriToPath(change.uri);
      if (!file || !this.workspace.scannedRootOf(file) || this.documents.get(change.uri)) continue;
      const base = path.basename(file);
      if (base === '.gitignore' || base === '.sourceignore') {
        rescans.add(path.dirname(file));
        continue;
      }
      if (change.type === FileChangeType.Deleted) {
        // A file, or a folder and everything below it.
        if (this.workspace.model.get(file)) this.workspace.removeFile(file);
        else this.workspace.removeUnder(file);
        continue;
      }
      const st = await statP(file).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        if (!this.workspace.ignoredReason(file, true)) rescans.add(file);
        continue;
      }
      await this.readFile(file, st);
    }
    for (const dir of rescans) {
      // Ignore rules changed: what the folder holds is read again from scratch.
      this.workspace.removeUnder(dir);
      await this.workspace.rescan(dir);
    }
    this.changed();
  }
}
