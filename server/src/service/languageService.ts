import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DiagnosticSeverity,
  MarkupKind,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type Position,
  type Range,
} from 'vscode-languageserver-types';
import type { LanguageService } from 'yaml-language-server';
import { DIAGNOSTIC_SOURCE, isDiagnosticCode, type DiagnosticCode } from '../diagnosticCodes';
import { schemaAt } from '../flux/jsonSchema';
import { fluxTarget, judgeApiVersion, type FluxTarget } from '../flux/fluxVersion';
import { describeBuiltinSchemas } from '../kubernetes/builtinSchemas';
import { apiVersionOf } from '../kubernetes/openapiToSchema';
import {
  describeOrigin,
  type CrdProblem,
  type SchemaOrigin,
  type SchemaRegistry,
} from '../flux/schemaRegistry';
import type { WorkspaceModel } from '../workspace/model';
import { kustomizationSchema } from '../kustomize/kustomizationSchema';
import { notCheckedMessage } from '../flux/complexity';
import { isBlankDocument, pieceAt, sameSplit, shiftRanges, splitDocuments } from '../flux/pieces';
import { parsePiece, reparseSliced, type ParsedText } from '../workspace/parsedText';
import {
  DEFAULT_PIECE_LIMITS,
  docAt,
  nullValueAt,
  pathAt,
  type DocInfo,
  type ParsedFile,
  type Piece,
  type PieceLimits,
} from '../workspace/documents';
import { nameEngineDiagnostic } from './engineCodes';
import { documentSnippetCompletions } from './snippets';
import { canonicalKustomizeKeys, durationMessage } from './fluxMeaning';
import type { SemanticAnalysis } from '../semantics/analysis';
import { toDiagnostic } from '../semantics/findings';
import { completeNames } from '../semantics/completion';
import { Navigation } from '../semantics/navigation';
import { textHash } from '../workspace/fileIndex';
import { blankModelines, findModelines } from './modelines';
import { LocalSchemaPolicy, NOT_FOLLOWED } from './localSchemas';
import type { RemoteSchemaLoader } from './schemaLoader';
import type { SchemaWorkers } from './schemaWorkers';
import { drainSliced, SliceClock } from '../io/slices';
import {
  configureSchemaEngine,
  createSchemaEngine,
  CRD_STORE,
  K8S_ALL,
  K8S_TYPE_BASE,
  KUSTOMIZE_FILE_SCHEMA,
} from './schemaEngine';
import { checkText, DEFAULT_LIMITS, type GuardVerdict, type TextLimits } from './textGuards';

export { DIAGNOSTIC_SOURCE };

let engineVersion = 0;

const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io';

export interface ValidationNote {
  kind: 'modeline-unloaded';
  url: string;
  reason: string;
}

export interface ValidationResult {
  diagnostics: Diagnostic[];
  notes: ValidationNote[];
  /** Set when `isCancelled` stopped the work: the diagnostics are not the document's. */
  cancelled?: true;
  /** Set when the file's cross-file findings belong with these and are made elsewhere ({@link FluxLanguageService.semanticsElsewhere}). */
  semanticsDue?: true;
}

export interface ValidateOptions {
  /** Asked between documents; true stops the work (a newer edit of the same document). */
  isCancelled?: () => boolean;
}

/** The service's limits: the cheap text guards, the per-document limits, the time slicing. */
export interface ServiceLimits extends TextLimits {
  pieces: PieceLimits;
  /** Longest stretch of main-thread work before other requests get their turn. */
  sliceMs: number;
  /** Main-thread time one validation may take before it stops and says so. */
  validationBudgetMs: number;
  /** Documents this large or larger go to the schema workers, when there are any. */
  workerMinBytes: number;
}

export const DEFAULT_SERVICE_LIMITS: ServiceLimits = {
  ...DEFAULT_LIMITS,
  pieces: DEFAULT_PIECE_LIMITS,
  sliceMs: 20,
  validationBudgetMs: 10_000,
  // The engine validates a costly document (a large CRD) at about 4 ms per KB: from 16 KB on, it
  // could hold this thread for longer than a request may wait.
  workerMinBytes: 16 * 1024,
};

/** A document version as the service works on it: its pieces, their parse, modeline notes. */
/** kustomize's file names: their keys are matched case-insensitively (see canonicalKustomizeKeys). */
const KUSTOMIZATION_FILE = /(^|[\\/])kustomization\.ya?ml$/;

/** A text's split, and the parse of one of its pieces (see splitOf). */
interface SplitMemo {
  text: string;
  pieces: Piece[];
  piece?: { offset: number; text: string; docs: DocInfo[] };
  limits?: ServiceLimits;
}

/** What a request at one place reads of a file's parse (see viewAt). */
type View = Pick<Prepared, 'file' | 'pieces' | 'pieceDocs'>;

interface Prepared {
  version: number;
  text: string;
  /** The parse of `text`, from which the next version's is made. */
  parsed: ParsedText;
  file: ParsedFile;
  /** The pieces of the text the schema engine sees (see prepare). */
  pieces: readonly Piece[];
  notes: ValidationNote[];
  /** Modelines naming local files that are not followed (outside the workspace, not a file, ...). */
  modelineDiagnostics: Diagnostic[];
  /** The text documents given to the schema engine for hover and completion, by piece text. */
  pieceDocs: Map<string, TextDocument>;
}

/**
 * The Flux language service: yaml-language-server with Flux's schemas chosen per document by
 * apiVersion + kind, plus the Flux knowledge a generic validator lacks. No LSP connection, no vscode.
 */
export class FluxLanguageService {
  private readonly yls: LanguageService;
  private readonly parsed = new Map<string, Prepared>();
  private readonly splits = new Map<string, SplitMemo>();
  private readonly guards = new Map<string, { text: string; limits: ServiceLimits; verdict: GuardVerdict }>();
  private readonly segmentCache = new Map<string, Map<string, Diagnostic[]>>();
  private segmentGeneration = -1;
  limits: ServiceLimits = DEFAULT_SERVICE_LIMITS;
  /** Where documents of `limits.workerMinBytes` and more are validated; on this thread when unset. */
  schemaWorkers: SchemaWorkers | undefined;
  /**
   * How long a request waits for a modeline's schema; a slower load goes on in the background and
   * the Flux schemas answer meanwhile. The CLI waits for the load (Infinity).
   */
  remoteWaitMs = 1000;
  /** Cross-file Flux findings (references, dependsOn, paths, variables); none when unset. */
  semantics: SemanticAnalysis | undefined;
  /**
   * The cross-file findings are made by another thread, which holds the whole model: results say
   * where they belong (`semanticsDue`) instead (the command line's validation threads).
   */
  semanticsElsewhere = false;
  /** A parse of a file another part already made (the workspace's), to start from. */
  parseFor: ((file: string) => ParsedText | undefined) | undefined;
  /** A file's name for messages (workspace-relative in the server and CLI). */
  label: (file: string) => string = (f) => f;
  /** Why a shown cluster's built-in schemas are not in use (said in hovers beside the bundled source). */
  builtinsNote: () => string | undefined = () => undefined;
  /** Which local schema files `$schema` keys and modelines may name (none until the host says). */
  localSchemas: LocalSchemaPolicy = LocalSchemaPolicy.none();
  /** The `codeDescription.href` of a code (the server links to its README); none by default. */
  codeHref: (code: DiagnosticCode) => string | undefined = () => undefined;

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly model: WorkspaceModel,
    private readonly remote: RemoteSchemaLoader,
    private readonly crdProblemsOf: (file: string) => CrdProblem[] = () => [],
  ) {
    this.yls = createSchemaEngine((uri) => this.requestSchema(uri));
    registry.onDidChange(() => this.resetEngine());
  }

  /** Counts the resets of the engine's schemas; a schema worker resets its own when it changes. */
  private schemaEpoch = 0;

  private resetEngine(): void {
    configureSchemaEngine(this.yls);
    this.schemaEpoch++;
  }

  /** Every schema the engine asks for is answered here, offline unless a modeline names a URL. */
  async requestSchema(uri: string): Promise<string> {
    if (uri === K8S_ALL) return JSON.stringify(this.rootStub());
    if (uri.startsWith(K8S_TYPE_BASE)) {
      const builtins = this.registry.builtins;
      const kind = builtins?.byTypeName(uri.slice(K8S_TYPE_BASE.length).split('#')[0]!);
      return (kind && (await builtins!.schemaText(kind))) ?? '{}';
    }
    if (uri === KUSTOMIZE_FILE_SCHEMA) {
      const s = kustomizationSchema('Kustomization');
      const kindSchema = s.properties!.kind!;
      kindSchema.enum = ['Kustomization', 'Component'];
      s.properties!.apiVersion!.enum = [
        'kustomize.config.k8s.io/v1beta1',
        'kustomize.config.k8s.io/v1',
        'kustomize.config.k8s.io/v1alpha1',
      ];
      return JSON.stringify(s);
    }
    if (uri.startsWith(CRD_STORE + '/')) {
      const m = /^([^/]+)\/([^/]+)_([^/_]+)\.json$/.exec(uri.slice(CRD_STORE.length + 1).split('#')[0]!);
      if (!m) return '{}';
      const [, group, kind, version] = m as unknown as [string, string, string, string];
      if (group === KUSTOMIZE_GROUP) {
        return JSON.stringify(
          kind === 'component' ? kustomizationSchema('Component') : kustomizationSchema('Kustomization'),
        );
      }
      const r = this.registry.resolve(group, version, kind);
      // Unknown kinds and unserved versions get an open schema; the latter get a Flux diagnostic instead.
      if (r) return r.found ? JSON.stringify(r.gvk.schema) : '{}';
      const builtins = this.registry.builtins;
      const builtin = builtins?.find(group, version, kind);
      return (builtin && (await builtins!.schemaText(builtin))) ?? '{}';
    }
    // A repository's `$schema` or modeline never makes the server read outside the workspace.
    if (uri.startsWith('file:')) return this.localSchemas.read(uri);
    return this.remote.load(uri);
  }

  /**
   * Offers apiVersion and kind values at the root of any document; validates nothing. Its `oneOf`
   * is how yaml-language-server finds schemas of core-group kinds (apiVersion "v1") and CRDs: it
   * looks there for an entry whose `_$ref` names the kind's OpenAPI type, and asks for
   * K8S_TYPE_BASE + that name. The entries never match (`not: {}`) and the first always does, so
   * the `oneOf` holds for any document.
   */
  private rootStub(): object {
    const types = [...this.registry.knownTypes()];
    const builtins = this.registry.builtins?.kinds() ?? [];
    for (const k of builtins) types.push({ apiVersion: apiVersionOf(k), kind: k.kind });
    const typeEntries = builtins
      .filter((k) => k.group === '' || k.group === 'apiextensions.k8s.io')
      .map((k) => ({ _$ref: k.typeName, not: {} }));
    return {
      properties: {
        apiVersion: { type: 'string', examples: [...new Set(types.map((t) => t.apiVersion))].sort() },
        kind: { type: 'string', examples: [...new Set(types.map((t) => t.kind))].sort() },
      },
      ...(typeEntries.length ? { oneOf: [{}, ...typeEntries] } : {}),
    };
  }

  /**
   * The text the schema engine sees: modelines whose schema cannot be loaded are blanked (offsets
   * unchanged), so the Flux schemas still apply. Cached per document version.
   */
  private async prepare(doc: TextDocument) {
    const cached = this.parsed.get(doc.uri);
    const text = doc.getText();
    if (cached && cached.version === doc.version && cached.text === text) return cached;
    const { notes, unloadable, modelineDiagnostics } = await this.modelines(doc, text);
    // The documents are parsed from the text as written, from the parse of the previous version
    // (an edit re-parses only the pieces it touched; the workspace's parse of the same text is
    // taken as it is), the new pieces in slices that yield the thread.
    const filePath = uriToPath(doc.uri);
    const shared = filePath ? this.parseFor?.(filePath) : undefined;
    const prev = shared?.text === text ? shared : (cached?.parsed ?? shared);
    const clock = new SliceClock(this.limits.sliceMs);
    const raw = (await reparseSliced(prev, text, clock, this.limits.pieces))!.parsed;
    const file = raw.file;
    let effectiveText = blankModelines(text, unloadable);
    if (KUSTOMIZATION_FILE.test(doc.uri))
      effectiveText = (await drainSliced(canonicalKustomizeKeys(effectiveText, file.docs), clock))!;
    // The schema engine sees the effective text (offsets unchanged), one document at a time.
    const pieces = effectiveText === text ? raw.pieces : sameSplit(raw.pieces, effectiveText);
    const entry: Prepared = {
      version: doc.version,
      text,
      parsed: raw,
      file,
      pieces,
      notes,
      modelineDiagnostics,
      pieceDocs: new Map(),
    };
    this.parsed.set(doc.uri, entry);
    return entry;
  }

  /**
   * What a request at `offset` needs: the prepared parse when this version has one, else only the
   * document at `offset` parsed on its own. A request in a large file just opened or edited (whose
   * whole parse the validation is making in slices) so waits for one document, not for all of them.
   * kustomization.yaml files (whose keys are canonicalized from the whole parse) and one-document
   * texts (where the two cost the same) take the prepared parse.
   */
  private async viewAt(doc: TextDocument, offset: number): Promise<View> {
    const cached = this.parsed.get(doc.uri);
    const text = doc.getText();
    if (
      (cached && cached.version === doc.version && cached.text === text) ||
      KUSTOMIZATION_FILE.test(doc.uri)
    )
      return this.prepare(doc);
    const split = this.splitOf(doc.uri, text);
    const piece = pieceAt(split.pieces, offset);
    if (!piece || split.pieces.length === 1) return this.prepare(doc);
    const { unloadable } = await this.modelines(doc, text);
    const effectiveText = blankModelines(text, unloadable);
    const seen = effectiveText === text ? piece : sameSplit([piece], effectiveText)[0]!;
    if (
      split.piece?.offset !== piece.offset ||
      split.piece.text !== piece.text ||
      split.limits !== this.limits
    )
      split.piece = { offset: piece.offset, text: piece.text, docs: parsePiece(piece, this.limits.pieces) };
    split.limits = this.limits;
    return { file: { docs: split.piece.docs }, pieces: [seen], pieceDocs: new Map() };
  }

  /**
   * The split of a document's text, made once per text: the requests at one place (the readiness
   * check, then the completion itself) and a user's next keystrokes in the same version read it
   * again, and in a large file each split reads every line. With it, the parse of the piece last
   * asked about (see viewAt).
   */
  private splitOf(uri: string, text: string): SplitMemo {
    const memo = this.splits.get(uri);
    if (memo?.text === text) return memo;
    const fresh: SplitMemo = { text, pieces: splitDocuments(text) };
    this.splits.set(uri, fresh);
    return fresh;
  }

  /** The modelines of a text: those whose schema cannot be loaded, and why. */
  private async modelines(doc: TextDocument, text: string) {
    const notes: ValidationNote[] = [];
    const unloadable = [];
    const modelineDiagnostics: Diagnostic[] = [];
    for (const m of findModelines(text)) {
      const ref = this.resolveRef(doc.uri, m.url);
      if (ref.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
        const refusal = await this.localSchemas.refusal(ref.startsWith('file:') ? ref : 'file:' + ref);
        if (refusal) {
          unloadable.push(m);
          modelineDiagnostics.push(
            diag(
              doc,
              [m.start, m.end],
              DiagnosticSeverity.Warning,
              `Schema ${m.url} ${refusal}`,
              'schema-not-followed',
            ),
          );
        }
        continue;
      }
      const check = await this.remote.check(ref, this.remoteWaitMs);
      if (!check.ok) {
        unloadable.push(m);
        if (!check.pending) notes.push({ kind: 'modeline-unloaded', url: m.url, reason: check.reason });
      }
    }
    return { notes, unloadable, modelineDiagnostics };
  }

  private resolveRef(docUri: string, ref: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return ref;
    try {
      return new URL(ref, docUri).toString();
    } catch {
      return ref;
    }
  }

  /** Drops every cached parse and finding (what a schema file may be read changed). */
  forgetAll(): void {
    for (const uri of [...this.parsed.keys()]) this.forget(uri);
    this.segmentCache.clear();
    this.resetEngine(); // the engine's own schema cache, failed loads included
  }

  /** {@link checkText} of a document's text, once per text (it reads the whole file). */
  private guard(uri: string, text: string): GuardVerdict {
    const last = this.guards.get(uri);
    if (last && last.text === text && last.limits === this.limits) return last.verdict;
    const verdict = checkText(text, this.limits);
    this.guards.set(uri, { text, limits: this.limits, verdict });
    return verdict;
  }

  forget(uri: string): void {
    this.parsed.delete(uri);
    this.splits.delete(uri);
    this.guards.delete(uri);
    this.segmentCache.delete(uri);
  }

  /**
   * Diagnostics of a document. The work is done one YAML document at a time, yielding the thread
   * every few milliseconds so that other requests are answered meanwhile; `isCancelled` (a newer
   * edit) stops it between documents, and after `limits.validationBudgetMs` of this thread's time
   * it stops with an information diagnostic naming what was not checked.
   */
  async validate(doc: TextDocument, options: ValidateOptions = {}): Promise<ValidationResult> {
    const text = doc.getText();
    const guard = this.guard(doc.uri, text);
    if (!guard.ok)
      return { diagnostics: this.finish([info(doc, 0, 0, guard.reason, guard.code)]), notes: [] };
    const filePath = uriToPath(doc.uri);
    // The passes over the whole file below yield the thread in slices of this clock (a file of tens
    // of thousands of documents takes hundreds of milliseconds), and stop for a newer edit.
    const clock = new SliceClock(this.limits.sliceMs);
    const isCancelled = options.isCancelled ?? (() => false);
    // The model's indexes (asked below per file and per document) are made in slices too, again
    // when the model changed while this work yielded; false when cancelled.
    let warmAt = -1;
    const warm = async (): Promise<boolean> => {
      if (warmAt === this.model.generation) return true;
      if (!(await this.model.warmSliced(clock, isCancelled))) return false;
      warmAt = this.model.generation;
      return true;
    };
    const cancelled = async (): Promise<boolean> =>
      clock.due && (await clock.yieldIfDue()) && (isCancelled() || !(await warm()));
    if (!(await warm())) return { diagnostics: [], notes: [], cancelled: true };
    if (filePath && this.model.isHelmTemplate(filePath)) {
      return { diagnostics: [], notes: [] }; // Go templates are not YAML until Helm renders them
    }
    if (filePath && this.model.isGeneratorInput(filePath)) {
      // Data a kustomize generator packs into a ConfigMap or Secret (or Helm values): never applied,
      // so not validated as objects; its substitution variables and conflict markers still count.
      const semantic = this.semantics ? await this.semanticDiagnostics(filePath, text, clock, options) : [];
      if (!semantic) return { diagnostics: [], notes: [], cancelled: true };
      return { diagnostics: this.finish(semantic), notes: [], ...this.due() };
    }
    const entry = await this.prepare(doc);
    let raw: Diagnostic[];
    let own: Diagnostic[];
    try {
      const found = await this.validateDocuments(doc, entry.pieces, entry.parsed.docsOf, options);
      if (!found) return { diagnostics: [], notes: entry.notes, cancelled: true };
      ({ raw, own } = found);
    } catch (err) {
      const message = `Validation failed inside the YAML engine: ${(err as Error).message}`;
      return {
        diagnostics: this.finish([info(doc, 0, 0, message, 'validation-failed')]),
        notes: entry.notes,
      };
    }
    if (looksLikeGoTemplate(text, raw)) {
      return {
        diagnostics: this.finish([
          info(
            doc,
            0,
            0,
            'Go template syntax ({{ }}) that is not valid YAML: not validated (render it first, e.g. helm template).',
            'helm-template',
          ),
        ]),
        notes: [],
      };
    }
    // Again: the model may have changed while the documents were validated.
    if (!(await warm())) return { diagnostics: [], notes: entry.notes, cancelled: true };
    const isPatch = filePath ? this.model.isPatchFile(filePath) : false;
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    for (const d of raw) {
      if (await cancelled()) return { diagnostics: [], notes: entry.notes, cancelled: true };
      const kept = this.adjust(doc, text, entry.file, d, isPatch);
      // One finding once (an empty required value can fail several of the engine's checks).
      const key =
        kept && `${kept.range.start.line}:${kept.range.start.character}:${String(kept.code)}:${msg(kept)}`;
      if (kept && !seen.has(key!)) {
        seen.add(key!);
        out.push(kept);
      }
    }
    out.push(...own, ...entry.modelineDiagnostics.map((d) => ({ ...d })));
    const flux = await this.fluxDiagnostics(doc, entry.file, filePath, cancelled);
    if (!flux) return { diagnostics: [], notes: entry.notes, cancelled: true };
    out.push(...flux);
    if (filePath) out.push(...this.crdProblemDiagnostics(doc, entry.file, filePath));
    if (filePath && this.semantics) {
      const semantic = await this.semanticDiagnostics(filePath, text, clock, options);
      if (!semantic) return { diagnostics: [], notes: entry.notes, cancelled: true };
      out.push(...semantic);
    }
    out.sort(
      (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
    );
    return { diagnostics: this.finish(out), notes: entry.notes, ...(filePath ? this.due() : {}) };
  }

  private due(): { semanticsDue?: true } {
    return this.semanticsElsewhere ? { semanticsDue: true } : {};
  }

  /** Every diagnostic leaves with this server's source, a named code and, when known, its link. */
  private finish(diagnostics: Diagnostic[]): Diagnostic[] {
    for (const d of diagnostics) {
      d.source = DIAGNOSTIC_SOURCE;
      // Codes are typed at every diag() call; the unit tests check that each one is registered.
      const href = isDiagnosticCode(d.code) ? this.codeHref(d.code) : undefined;
      if (href) d.codeDescription = { href };
    }
    return diagnostics;
  }

  /**
   * Schema validation one YAML document at a time, reusing the findings of documents whose text did
   * not change: an edit in a 5,000-line file re-validates only the document it touched. YAML anchors,
   * keys and schemas never cross a `---`, so per-document results equal whole-file results.
   */
  private async validateDocuments(
    doc: TextDocument,
    pieces: readonly Piece[],
    docsOf: ReadonlyArray<readonly DocInfo[]>,
    options: ValidateOptions,
  ): Promise<{ raw: Diagnostic[]; own: Diagnostic[] } | undefined> {
    const uri = doc.uri;
    // Findings depend on the schemas: a change of schema source (bundle loaded, CRDs found) voids them.
    if (this.segmentGeneration !== this.registry.generation) {
      this.segmentCache.clear();
      this.segmentGeneration = this.registry.generation;
    }
    const previous = this.segmentCache.get(uri) ?? new Map<string, Diagnostic[]>();
    const next = new Map<string, Diagnostic[]>();
    const raw: Diagnostic[] = [];
    const own: Diagnostic[] = [];
    const clock = new SliceClock(this.limits.sliceMs, true); // its CPU time is the validation budget
    let stopped = false;
    // Findings of each piece, in order; those of pieces on a schema worker arrive later.
    const results: Array<{ line: number; found: Diagnostic[] | Promise<Diagnostic[] | undefined> }> = [];
    for (let p = 0; p < pieces.length; p++) {
      const seg = pieces[p]!;
      // The documents parsed from this piece (the pieces the engine sees have the same boundaries).
      const skipped = docsOf[p]!.find((d) => d.notChecked || d.typeProblem);
      if (skipped) {
        own.push(this.skippedDiagnostic(doc, seg, skipped));
        continue;
      }
      let found = next.get(seg.text) ?? previous.get(seg.text);
      // Nothing but markers and comments: nothing to check (and the engine logs a spurious error on it).
      if (!found && isBlankDocument(seg.text)) found = [];
      if (found) {
        next.set(seg.text, found);
        results.push({ line: seg.line, found });
        continue;
      }
      if (this.schemaWorkers && seg.text.length >= this.limits.workerMinBytes) {
        results.push({
          line: seg.line,
          found: this.validateOnWorker(doc, seg, own, next, options),
        });
        continue;
      }
      if (await clock.yieldIfDue()) {
        if (options.isCancelled?.()) return undefined;
        if (clock.spentMs > this.limits.validationBudgetMs) {
          own.push(
            info(
              doc,
              seg.offset,
              seg.offset,
              `Validation stopped after ${Math.round(clock.spentMs)} ms: documents ${p + 1} to ${pieces.length} of this file (from line ${seg.line + 1}) were not checked against their schemas this time. They are checked on later edits.`,
              'validation-stopped',
            ),
          );
          stopped = true;
          break;
        }
      }
      found = await this.yls.doValidation(
        TextDocument.create(uri, doc.languageId, ++engineVersion, seg.text),
        true,
      );
      next.set(seg.text, found);
      results.push({ line: seg.line, found });
    }
    for (const r of results) {
      const found = await r.found;
      if (!found) return undefined; // cancelled while on a worker
      for (const d of found) {
        raw.push({
          ...d,
          range: {
            start: { line: d.range.start.line + r.line, character: d.range.start.character },
            end: { line: d.range.end.line + r.line, character: d.range.end.character },
          },
        });
      }
    }
    // Results of documents not reached this time stay for the next run.
    if (stopped) for (const [text, found] of previous) if (!next.has(text)) next.set(text, found);
    this.segmentCache.set(uri, next);
    return { raw, own };
  }

  /**
   * The engine's findings on one piece, from a schema worker. A piece the worker could not finish
   * (its time or memory limit) gets an information diagnostic saying so, and is tried again on the
   * next run; `undefined` when a newer edit cancelled the run.
   */
  private async validateOnWorker(
    doc: TextDocument,
    seg: Piece,
    own: Diagnostic[],
    next: Map<string, Diagnostic[]>,
    options: ValidateOptions,
  ): Promise<Diagnostic[] | undefined> {
    const verdict = await this.schemaWorkers!.validate(
      { uri: doc.uri, languageId: doc.languageId, text: seg.text, generation: this.schemaEpoch },
      options.isCancelled,
    );
    if (!verdict) return undefined;
    if ('stopped' in verdict) {
      const firstLine = seg.text.indexOf('\n');
      own.push(
        info(
          doc,
          seg.offset,
          seg.offset + (firstLine < 0 ? seg.text.length : firstLine),
          `This document was not checked against its schema: ${verdict.stopped}. The Flux checks still apply; it is tried again on the next edit.`,
          'validation-stopped',
        ),
      );
      return [];
    }
    next.set(seg.text, verdict.diagnostics);
    return verdict.diagnostics;
  }

  /** Why a document was not given to the schema engine, said on the document. */
  private skippedDiagnostic(doc: TextDocument, seg: Piece, d: DocInfo): Diagnostic {
    if (d.typeProblem) {
      const { key, range, source } = d.typeProblem;
      return diag(
        doc,
        range,
        DiagnosticSeverity.Error,
        `${key} must be a string${key === 'apiVersion' ? ' such as "v1" or "kustomize.toolkit.fluxcd.io/v1"' : ' such as "ConfigMap"'}, not ${source.trim()}: this document is not checked against a schema.`,
        'wrong-type',
      );
    }
    const firstLine = seg.text.indexOf('\n');
    const end = seg.offset + (firstLine < 0 ? seg.text.length : firstLine);
    return info(doc, seg.offset, end, notCheckedMessage(d.notChecked!.reason), 'document-not-checked');
  }

  /** Drops diagnostics that are false alarms for a Flux repository, each for a stated reason. */
  private adjust(
    doc: TextDocument,
    text: string,
    file: ParsedFile,
    d: Diagnostic,
    isPatch: boolean,
  ): Diagnostic | undefined {
    const start = doc.offsetAt(d.range.start);
    const end = doc.offsetAt(d.range.end);
    const span = text.slice(start, end);
    const message = typeof d.message === 'string' ? d.message : d.message.value;
    const isSchemaProblem = typeof d.source === 'string' && d.source.startsWith('yaml-schema');
    const code = nameEngineDiagnostic(d);
    d.code = code;
    if (code === 'pattern-mismatch') {
      const words = durationMessage(message, span);
      if (words) {
        d.code = 'invalid-duration';
        d.message = words;
        d.severity = DiagnosticSeverity.Error;
        return span.includes('${') ? undefined : d;
      }
    }
    if (isSchemaProblem) {
      // Strategic-merge directives ($patch: delete, $setElementOrder/..., $retainKeys) belong in patches.
      if (
        isPatch &&
        /^Property \$(patch|setElementOrder\/|retainKeys|deleteFromPrimitiveList\/)/.test(message)
      )
        return undefined;
      // Post-build substitution replaces ${VAR} before the API server sees the value.
      if (span.includes('${') && !span.includes('\n')) return undefined;
      // SOPS: kustomize-controller decrypts `ENC[...]` values (of any type) and drops the root `sops`
      // metadata before applying.
      if (
        /^\s*["']?ENC\[/.test(span) &&
        /Incorrect type|Value is not accepted|^String does not match/.test(message)
      )
        return undefined;
      if (message === 'Property sops is not allowed.') {
        const at = docAt(file, start);
        const where = at ? pathAt(at.contents, start - at.base) : ['?'];
        if (where.length === 0 || (where.length === 1 && where[0] === 'sops')) return undefined;
      }
      // The API server drops explicit nulls of non-nullable fields before validating: a null is not
      // a type error, but a required field whose value is dropped is then missing.
      if (
        /^\s*(null|Null|NULL|~)?\s*$/.test(span) &&
        (code === 'wrong-type' || code === 'value-not-allowed')
      ) {
        const empty = this.emptyRequiredField(file, start);
        if (!empty || isPatch || this.providedByParents(file, start, empty.path)) return undefined;
        const key = empty.path[empty.path.length - 1]!;
        return {
          ...d,
          range: { start: doc.positionAt(empty.keyRange[0]), end: doc.positionAt(empty.keyRange[1]) },
          severity: DiagnosticSeverity.Error,
          code: 'missing-required',
          message: `Missing property "${key}": it has no value, and the API server drops an empty value before it checks required fields.`,
        };
      }
      const missing = /^Missing property "([^"]+)"/.exec(message);
      if (missing) {
        // A file listed as a kustomize patch is a partial object by design.
        if (isPatch) return undefined;
        const info = docAt(file, start);
        const at = info ? [...pathAt(info.contents, start - info.base), missing[1]!] : [missing[1]!];
        if (this.providedByParents(file, start, at)) return undefined;
        d.severity = DiagnosticSeverity.Error;
      } else if (
        // What the API server (server-side apply rejects undeclared fields, as Flux applies) or
        // kustomize (unknown fields in kustomization.yaml) refuses is an error.
        code === 'unknown-field' ||
        code === 'wrong-type' ||
        code === 'value-not-allowed' ||
        /^String does not match/.test(message)
      ) {
        d.severity = DiagnosticSeverity.Error;
      }
    }
    const unresolvedTag = code === 'custom-tag' ? /^Unresolved tag: (.*)/.exec(message) : null;
    if (unresolvedTag) {
      // Custom tags are legal YAML; in a file that is not a Kubernetes object (an app's config file
      // packed into a ConfigMap, say) they belong to the program that reads it.
      const at = docAt(file, start);
      if (!at?.apiVersion || !at.kind) return undefined;
      d.severity = DiagnosticSeverity.Warning;
      d.message = `Custom tag ${unresolvedTag[1]}: the Kubernetes API does not understand YAML tags.`;
    }
    if (code === 'schema-unavailable') {
      if (message.includes(NOT_FOLLOWED)) {
        // A local path this server will not read: the user should know the schema is not in use.
        d.code = 'schema-not-followed';
        d.severity = DiagnosticSeverity.Warning;
      } else {
        // Only `$schema:` properties get here (modelines are checked first): say it quietly.
        d.severity = DiagnosticSeverity.Information;
      }
    }
    return d;
  }

  /** Whether a parent Kustomization's patch sets the field at `keyPath` of this Flux Kustomization. */
  private providedByParents(file: ParsedFile, offset: number, keyPath: readonly string[]): boolean {
    const info = docAt(file, offset);
    if (info?.kind !== 'Kustomization' || !info.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/'))
      return false;
    const provided = this.model.fieldsProvidedByParents(info.name ?? '', info.namespace ?? '', info.labels);
    return provided === 'all' || provided.has(keyPath.filter((p) => p !== '[]').join('.'));
  }

  /**
   * The field at `offset` when it has an empty or null value and the schema of its document's kind
   * requires it (offsets in the file).
   */
  private emptyRequiredField(
    file: ParsedFile,
    offset: number,
  ): { path: string[]; keyRange: [number, number] } | undefined {
    const info = docAt(file, offset);
    if (!info?.apiVersion || !info.kind) return undefined;
    const empty = nullValueAt(info.contents, offset - info.base);
    if (!empty) return undefined;
    const slash = info.apiVersion.lastIndexOf('/');
    const r = this.registry.resolve(
      info.apiVersion.slice(0, slash),
      info.apiVersion.slice(slash + 1),
      info.kind,
    );
    if (!r?.found) return undefined;
    const parent = schemaAt(r.gvk.schema, empty.path.slice(0, -1));
    if (!parent?.required?.includes(empty.path[empty.path.length - 1]!)) return undefined;
    return { path: empty.path, keyRange: [empty.keyRange[0] + info.base, empty.keyRange[1] + info.base] };
  }

  /**
   * The workspace model's findings for this file, when the model holds this very text (a file
   * validated before the model saw its latest edit waits for the next run).
   */
  private async semanticDiagnostics(
    file: string,
    text: string,
    clock: SliceClock,
    options: ValidateOptions,
  ): Promise<Diagnostic[] | undefined> {
    const semantics = this.semantics;
    const hash = textHash(text);
    if (!semantics || this.model.get(file)?.textHash !== hash) return [];
    // Made in slices; undefined when a newer edit cancelled the validation meanwhile.
    const findings = await semantics.findingsSliced(clock, options.isCancelled);
    if (!findings) return undefined;
    // The model may have changed while the findings were made: they are of the model as it is now.
    if (this.model.get(file)?.textHash !== hash) return [];
    return (findings.get(file) ?? []).map((f) => toDiagnostic(this.model, f, DIAGNOSTIC_SOURCE));
  }

  /**
   * Flux knowledge no schema holds: unserved API versions, kinds without apiVersion. `cancelled` is
   * asked between documents (it yields the thread when due); undefined when it said so.
   */
  private async fluxDiagnostics(
    doc: TextDocument,
    file: ParsedFile,
    filePath: string | undefined,
    cancelled: () => Promise<boolean>,
  ): Promise<Diagnostic[] | undefined> {
    const out: Diagnostic[] = [];
    // A patch with an explicit target patches what the target names: its own apiVersion is not used.
    if (filePath && this.model.isTargetedPatchFile(filePath)) return out;
    for (const info of file.docs) {
      if (await cancelled()) return undefined;
      if (info.typeProblem) continue; // said already: not a Kubernetes object the engines can read
      if (info.kind && !info.apiVersion && info.kindRange) {
        out.push(
          diag(
            doc,
            info.kindRange,
            DiagnosticSeverity.Information,
            `kind ${info.kind} has no apiVersion: this document was not validated.`,
            'missing-api-version',
          ),
        );
        continue;
      }
      if (!info.apiVersion || !info.kind || !info.apiVersionRange) continue;
      const slash = info.apiVersion.lastIndexOf('/');
      const group = slash < 0 ? '' : info.apiVersion.slice(0, slash);
      const version = info.apiVersion.slice(slash + 1);
      const r = slash < 0 ? undefined : this.registry.resolve(group, version, info.kind);
      if (!r) {
        const unserved = this.unservedBuiltin(group, version, info.kind);
        if (unserved)
          out.push(
            diag(doc, info.apiVersionRange, DiagnosticSeverity.Warning, unserved, 'unserved-kubernetes-api'),
          );
        continue;
      }
      const target = this.fluxTarget();
      const judged = judgeApiVersion(info.apiVersion, target);
      const served =
        r.servedVersions
          .filter((v) => v !== version && !judgeApiVersion(`${group}/${v}`, target))
          .map((v) => `${group}/${v}`)
          .join(', ') || 'none';
      if (judged?.status === 'removed-later') {
        // Served by the release the repository runs: it works today and breaks on the upgrade.
        out.push(
          diag(
            doc,
            info.apiVersionRange,
            DiagnosticSeverity.Warning,
            `${info.kind} ${info.apiVersion} is served by Flux ${target.minor}, which this repository targets (${target.reason}), ` +
              `but removed in Flux ${judged.removedIn}: move to ${served} before upgrading Flux to ${judged.removedIn} (quick fix: migrate)` +
              (r.found
                ? '.'
                : `. Not validated: the schemas in use (${originText(r.origin)}) do not have this version.`),
            'api-version-removed-later',
          ),
        );
        continue;
      }
      if (r.found) continue;
      const pinned =
        judged && target.pinned ? `; this repository targets Flux ${target.minor} (${target.reason})` : '';
      out.push(
        diag(
          doc,
          info.apiVersionRange,
          DiagnosticSeverity.Error,
          `${info.kind} ${info.apiVersion} is not served by the schemas in use (${originText(r.origin)})` +
            (judged ? `: it was removed in Flux ${judged.removedIn}${pinned}` : '') +
            `. Use ${served}.`,
          judged ? 'removed-api-version' : 'unserved-api-version',
        ),
      );
    }
    return out;
  }

  /**
   * The Flux release API versions are judged against: the workspace CRDs' release when the schemas
   * come from them, else the oldest pin in the workspace, else the newest release (see fluxVersion.ts).
   */
  fluxTarget(): FluxTarget {
    const origin = this.registry.fluxStatus().origin;
    const crds =
      origin?.kind === 'workspace'
        ? { file: origin.file, ...(origin.fluxVersion ? { fluxVersion: origin.fluxVersion } : {}) }
        : undefined;
    return fluxTarget(this.model.fluxPins(), crds, this.label);
  }

  /**
   * A built-in kind at an apiVersion the built-in schemas do not serve (batch/v1beta1 CronJob, say):
   * a warning, since the cluster may be older than the schemas' Kubernetes version. Kinds the group
   * does not have at all (a Talos `v1alpha1` config, say) are not Kubernetes objects: nothing.
   */
  private unservedBuiltin(group: string, version: string, kind: string): string | undefined {
    const builtins = this.registry.builtins;
    if (!builtins || builtins.find(group, version, kind)) return undefined;
    let apiVersions = builtins
      .versionsOf(group, kind)
      .map((v) => apiVersionOf({ group, version: v }))
      .join(', ');
    // Kubernetes removed the whole `extensions` group (its kinds moved to apps and networking.k8s.io).
    if (!apiVersions && group === 'extensions')
      apiVersions = builtins
        .kinds()
        .filter((k) => k.kind === kind && !k.version.includes('alpha') && !k.version.includes('beta'))
        .map(apiVersionOf)
        .join(', ');
    if (!apiVersions) return undefined;
    const from =
      builtins.origin.kind === 'bundled' ? 'the bundled schemas' : `cluster ${builtins.origin.context}`;
    return `${kind} ${apiVersionOf({ group, version })} is not served by Kubernetes ${builtins.origin.kubernetesVersion} (${from}): use ${apiVersions}. This document was not validated.`;
  }

  /** CRDs in this file whose schema could not be converted, said on the CRD itself. */
  private crdProblemDiagnostics(doc: TextDocument, file: ParsedFile, filePath: string): Diagnostic[] {
    const problems = this.crdProblemsOf(filePath);
    if (problems.length === 0) return [];
    const crdDocs = file.docs.filter((d) => d.kind === 'CustomResourceDefinition');
    return problems.map((p) => {
      const at = crdDocs[p.index];
      const range: [number, number] = at?.kindRange ?? [0, 0];
      return diag(
        doc,
        range,
        DiagnosticSeverity.Warning,
        `This CRD's schema could not be used: ${p.reason}. Objects of its kind are not validated.`,
        'crd-schema-unusable',
      );
    });
  }

  /**
   * The YAML document (piece) at a position, as the text document the schema engine is given:
   * only that document is parsed, so a request costs the size of one document, not of the file.
   * Undefined, with the reason, when the document is not given to the engine.
   */
  private async pieceFor(
    doc: TextDocument,
    position: Position,
  ): Promise<
    | { ok: true; entry: View; piece: Piece; pieceDoc: TextDocument; at: Position }
    | { ok: false; reason?: string }
  > {
    if (!this.guard(doc.uri, doc.getText()).ok) return { ok: false };
    const offset = doc.offsetAt(position);
    const entry = await this.viewAt(doc, offset);
    const piece = pieceAt(entry.pieces, offset);
    if (!piece) return { ok: false };
    for (const d of entry.file.docs) {
      if (d.base !== piece.offset) continue;
      if (d.notChecked) return { ok: false, reason: notCheckedMessage(d.notChecked.reason) };
      if (d.typeProblem)
        return {
          ok: false,
          reason: `${d.typeProblem.key} is not a string: this document is not checked against a schema.`,
        };
    }
    let pieceDoc = entry.pieceDocs.get(piece.text);
    if (!pieceDoc) {
      // yaml-language-server caches parses by uri + version only; a version of our own keeps a
      // reopened document (whose version restarts) from being answered with a stale parse.
      pieceDoc = TextDocument.create(doc.uri, doc.languageId, ++engineVersion, piece.text);
      entry.pieceDocs.set(piece.text, pieceDoc);
    }
    return {
      ok: true,
      entry,
      piece,
      pieceDoc,
      at: { line: position.line - piece.line, character: position.character },
    };
  }

  /**
   * Whether the document at `position` names an apiVersion and kind that no schema source knows
   * (neither the Flux schemas, the workspace's CRDs so far, nor the built-in kinds).
   */
  async kindUnknownAt(doc: TextDocument, position: Position): Promise<boolean> {
    if (!this.guard(doc.uri, doc.getText()).ok) return false;
    const offset = doc.offsetAt(position);
    const info = docAt((await this.viewAt(doc, offset)).file, offset);
    if (!info?.apiVersion || !info.kind) return false;
    const slash = info.apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : info.apiVersion.slice(0, slash);
    const version = info.apiVersion.slice(slash + 1);
    if (group === KUSTOMIZE_GROUP) return false;
    return (
      !this.registry.resolve(group, version, info.kind) &&
      !this.registry.builtins?.find(group, version, info.kind)
    );
  }

  async complete(doc: TextDocument, position: Position): Promise<CompletionList | null> {
    // Names of objects, folders and variables of the workspace, where a reference is written.
    const filePath = uriToPath(doc.uri);
    if (filePath && this.semantics && this.guard(doc.uri, doc.getText()).ok) {
      const names = completeNames(this.semantics, filePath, doc.getText(), doc.offsetAt(position));
      if (names) return { isIncomplete: false, items: names };
    }
    const p = await this.pieceFor(doc, position);
    if (!p.ok) return null;
    let list: CompletionList | null;
    try {
      list = shiftRanges(await this.yls.doComplete(p.pieceDoc, p.at, true), p.piece.line);
    } catch {
      return null; // e.g. recursive anchors overflow the engine's stack
    }
    const base = path.basename(uriToPath(doc.uri) ?? doc.uri);
    // Within the piece: a snippet is offered only in a document that is otherwise blank.
    const snippets = shiftRanges(documentSnippetCompletions(p.piece.text, p.at, base), p.piece.line);
    if (snippets.length === 0) return list;
    return { isIncomplete: list?.isIncomplete ?? false, items: [...(list?.items ?? []), ...snippets] };
  }

  async hover(doc: TextDocument, position: Position): Promise<Hover | null> {
    const p = await this.pieceFor(doc, position);
    if (!p.ok) {
      return p.reason
        ? { contents: { kind: MarkupKind.Markdown, value: `Flux Workbench: ${p.reason}` } }
        : null;
    }
    let hover: Hover | null;
    try {
      hover = shiftRanges(await this.yls.doHover(p.pieceDoc, p.at), p.piece.line);
    } catch {
      return null;
    }
    // What a reference, a variable or a setter marker stands for, above the schema's words.
    const filePath = uriToPath(doc.uri);
    const meaning =
      filePath && this.semantics
        ? new Navigation(this.semantics).hover(filePath, doc.offsetAt(position))
        : undefined;
    if (meaning) {
      const range = { start: doc.positionAt(meaning.span[0]), end: doc.positionAt(meaning.span[1]) };
      const schema = hover ? `\n\n---\n${hoverText(hover)}` : '';
      return { contents: { kind: MarkupKind.Markdown, value: meaning.markdown + schema }, range };
    }
    if (!hover) return null;
    const footer = this.schemaFooter(doc, p.entry.file, doc.offsetAt(position));
    const value = hoverText(hover);
    return {
      contents: { kind: MarkupKind.Markdown, value: footer ? `${value}\n\n---\n${footer}` : value },
      ...(hover.range ? { range: hover.range } : {}),
    };
  }

  /** Names the schema that answered for the document at `offset`. */
  schemaFooter(doc: TextDocument, file: ParsedFile, offset: number): string | undefined {
    const info: DocInfo | undefined = docAt(file, offset);
    const base = path.basename(uriToPath(doc.uri) ?? doc.uri);
    if (info?.apiVersion?.startsWith(KUSTOMIZE_GROUP + '/') || /^kustomization\.ya?ml$/.test(base)) {
      return 'Schema source: kustomize kustomization.yaml schema (built into Flux Workbench)';
    }
    if (!info?.apiVersion || !info.kind) return undefined;
    const slash = info.apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : info.apiVersion.slice(0, slash);
    const version = info.apiVersion.slice(slash + 1);
    const r = slash < 0 ? undefined : this.registry.resolve(group, version, info.kind);
    if (!r) {
      const builtins = this.registry.builtins;
      const k = builtins?.find(group, version, info.kind);
      if (!k) return undefined;
      const note = builtins!.origin.kind === 'bundled' ? this.builtinsNote() : undefined;
      return `Schema source: Kubernetes built-in kinds (${describeBuiltinSchemas(builtins!.origin)}) — ${k.kind} (${apiVersionOf(k)})${note ? `; ${note}, so the bundled schemas answer` : ''}`;
    }
    if (!r.found) return undefined;
    const release = r.origin.fluxVersion ? `, Flux ${r.origin.fluxVersion}` : '';
    return `Schema source: ${describeOrigin(r.origin)}${release} — ${r.gvk.kind} (${r.gvk.group}/${r.gvk.version})`;
  }
}

function originText(origin: SchemaOrigin): string {
  return describeOrigin(origin) + (origin.fluxVersion ? `, Flux ${origin.fluxVersion}` : '');
}

function hoverText(hover: Hover): string {
  const c = hover.contents;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : x.value)).join('\n\n');
  return c.value;
}

function looksLikeGoTemplate(text: string, diagnostics: Diagnostic[]): boolean {
  return (
    /\{\{[-\s]/.test(text) &&
    diagnostics.some(
      (d) =>
        d.severity === DiagnosticSeverity.Error &&
        !String(d.source ?? '').startsWith('yaml-schema') &&
        !/^Unresolved tag/.test(msg(d)),
    )
  );
}

function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function info(
  doc: TextDocument,
  start: number,
  end: number,
  message: string,
  code: DiagnosticCode,
): Diagnostic {
  return diag(doc, [start, end], DiagnosticSeverity.Information, message, code);
}

function diag(
  doc: TextDocument,
  [start, end]: [number, number],
  severity: DiagnosticSeverity,
  message: string,
  code: DiagnosticCode,
): Diagnostic {
  const range: Range = { start: doc.positionAt(start), end: doc.positionAt(end) };
  return { range, severity, message, code };
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
