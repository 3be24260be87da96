import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DiagnosticCode } from '../diagnosticCodes';
import type { SemanticAnalysis } from '../semantics/analysis';
import { fileUri, toDiagnostic } from '../semantics/findings';
import { Navigation } from '../semantics/navigation';
import { SliceClock } from '../io/slices';
import { DIAGNOSTIC_SOURCE, uriToPath } from '../service/languageService';

/** Longest stretch of the publication's work before requests get their turn. */
const SLICE_MS = 20;

/**
 * LSP requests answered from the workspace model (definition, references, document links, document
 * and workspace symbols, CodeLens), and the cross-file findings of files that are not open, kept
 * published as the model changes. Open files get them with their full validation (the scheduler).
 */
export class SemanticsHandlers {
  private readonly navigation: Navigation;
  /** Last published semantic findings, by URI (a digest), for files and open documents alike. */
  private readonly published = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  codeHref: (code: DiagnosticCode) => string | undefined = () => undefined;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly analysis: SemanticAnalysis,
    private readonly options: () => { workspaceDiagnostics: boolean; codeLens: boolean; debounceMs: number },
    /** Re-validates an open document whose cross-file findings changed. */
    private readonly revalidate: (doc: TextDocument) => void,
  ) {
    this.navigation = new Navigation(analysis);
  }

  register(): void {
    const c = this.connection;
    const fileOf = (uri: string): string | undefined => uriToPath(uri);
    // An open document's offset; else the indexed file's (a request for a file not open, from a peek).
    const offset = (uri: string, position: { line: number; character: number }): number | undefined => {
      const doc = this.documents.get(uri);
      if (doc) return doc.offsetAt(position);
      const file = fileOf(uri);
      const starts = file ? this.analysis.model.get(file)?.lineStarts : undefined;
      return starts && position.line < starts.length
        ? starts[position.line]! + position.character
        : undefined;
    };
    c.onDefinition(({ textDocument, position }) => {
      const file = fileOf(textDocument.uri);
      const at = offset(textDocument.uri, position);
      return file && at !== undefined ? this.navigation.definition(file, at) : null;
    });
    c.onReferences(({ textDocument, position, context }) => {
      const file = fileOf(textDocument.uri);
      const at = offset(textDocument.uri, position);
      return file && at !== undefined
        ? this.navigation.references(file, at, context.includeDeclaration)
        : null;
    });
    c.onDocumentLinks(({ textDocument }) => {
      const file = fileOf(textDocument.uri);
      return file ? this.navigation.documentLinks(file) : null;
    });
    c.onDocumentSymbol(({ textDocument }) => {
      const file = fileOf(textDocument.uri);
      return file ? this.navigation.documentSymbols(file) : null;
    });
    c.onWorkspaceSymbol(({ query }) => this.navigation.workspaceSymbols(query));
    c.onCodeLens(({ textDocument }) => {
      const file = fileOf(textDocument.uri);
      return file && this.options().codeLens ? this.navigation.codeLenses(file) : [];
    });
  }

  /** After a change of the model: publish what changed (debounced, so typing stays cheap). */
  schedule(delay = this.options().debounceMs): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.publish(), delay);
  }

  /** A closed document's findings go back to being published from the model. */
  closed(uri: string): void {
    this.published.delete(uri);
    this.schedule(0);
  }

  /** Publications started; one under way gives up when a newer one starts. */
  private publications = 0;

  private async publish(): Promise<void> {
    this.timer = undefined;
    const publication = ++this.publications;
    // The findings of the whole workspace are made in slices that leave the thread to requests.
    const findings = await this.analysis.findingsSliced(
      new SliceClock(SLICE_MS),
      () => publication !== this.publications,
    );
    if (!findings) return;
    const { workspaceDiagnostics } = this.options();
    const model = this.analysis.model;
    const seen = new Set<string>();
    for (const [file, list] of findings) {
      const uri = fileUri(file);
      seen.add(uri);
      const diagnostics = list.map((f) => this.finish(toDiagnostic(model, f, DIAGNOSTIC_SOURCE)));
      this.send(uri, diagnostics, workspaceDiagnostics);
    }
    for (const uri of [...this.published.keys()])
      if (!seen.has(uri)) this.send(uri, [], workspaceDiagnostics);
  }

  private send(uri: string, diagnostics: Diagnostic[], workspaceDiagnostics: boolean): void {
    const digest = JSON.stringify(diagnostics);
    if (this.published.get(uri) === digest) return;
    if (diagnostics.length) this.published.set(uri, digest);
    else this.published.delete(uri);
    const doc = this.documents.get(uri);
    // An open document is validated as a whole (schema and semantics): ask for that.
    if (doc) this.revalidate(doc);
    else if (workspaceDiagnostics || diagnostics.length === 0)
      void this.connection.sendDiagnostics({ uri, diagnostics });
  }

  private finish(d: Diagnostic): Diagnostic {
    const href = typeof d.code === 'string' ? this.codeHref(d.code as DiagnosticCode) : undefined;
    if (href) d.codeDescription = { href };
    return d;
  }
}
