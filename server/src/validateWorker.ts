// A validation thread of `flux-workbench validate` (server/out/validate-worker-main.js, run by
// validateWorkerEntry.ts): it parses and indexes the files it is given, keeps each parse, and
// validates them once it holds a copy of the whole workspace model (cli/validateThreads.ts says
// the protocol). Its documents are parsed by the schema engine's parser, and the engine is handed
// those very documents when it validates the same text, so each document is parsed once. Wiring
// only: messages in, the service, messages out.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Composer, LineCounter, Parser, type Document, type CST } from 'yaml';
import { getCustomTags } from 'yaml-language-server/out/src/languageservice/parser/custom-tag-provider.js';
import {
  SingleYAMLDocument,
  YAMLDocument,
  yamlDocumentsCache,
} from 'yaml-language-server/out/src/languageservice/parser/yaml-documents.js';
import { parse as engineParse } from 'yaml-language-server/out/src/languageservice/parser/yamlParser07.js';
import type { FromValidateThread, ToValidateThread, ValidateThreadOptions } from './cli/validateThreads';
import { SliceClock } from './io/slices';
import { FluxLanguageService } from './service/languageService';
import { LocalSchemaPolicy } from './service/localSchemas';
import { RemoteSchemaLoader } from './service/schemaLoader';
import { blankModelines, findModelines } from './service/modelines';
import { setDocumentsParser } from './workspace/documents';
import type { FileIndex } from './workspace/fileIndex';
import { Workspace } from './workspace/workspace';

// The answers to the requests of one message, sent together once they are all answered.
let answers: FromValidateThread[] = [];
const post = (m: FromValidateThread): void => void answers.push(m);

// The schema engine's parse of each piece this thread parsed, until its file is validated, by the
// text parsed: the piece with its modelines blanked. The engine is given a file's text with the
// modelines whose schema cannot be loaded blanked (see service/modelines.ts), usually all of them;
// blanking leaves each modeline a comment (`#` and spaces) and no code here reads comments, so the
// model's documents are the same either way. A text with a modeline left in is the engine's to
// parse (it reads the modeline).
const ENGINE_OPTIONS = { customTags: [] as string[], yamlVersion: '1.2' as const };
const parses = new Map<string, Array<YAMLDocument | LeanParse>>();
/** What each piece text parsed since the last `take` was parsed as (its key in `parses`). */
let parsedKeys: string[] = [];
setDocumentsParser((piece) => {
  const text = blankModelines(piece, findModelines(piece));
  const parsed = text.includes('&')
    ? engineParse(text, ENGINE_OPTIONS, TextDocument.create('file:///piece', 'yaml', 0, text))
    : leanParse(text);
  // Files with the same text (a repository's copies of one kustomization.yaml) each keep their own.
  const list = parses.get(text);
  if (list) list.push(parsed);
  else parses.set(text, [parsed]);
  parsedKeys.push(text);
  // The documents yaml composed (the engine keeps them whole: they are `Document.Parsed`).
  return parsed instanceof YAMLDocument
    ? parsed.documents.map((d) => d.internalDocument as Document.Parsed)
    : parsed.docs;
});

/**
 * The engine's parse of a piece without an anchor, kept lean until the piece is validated: the
 * documents yaml composed, without the lexer's tokens (the engine reads them for completion and
 * for the ranges of unused anchors, `&` in the text) and without the engine's own tree of them,
 * made when it is validated ({@link engineDocument}). Kept whole, a thousand files' tokens and
 * trees live until the last file is validated and cost the collector about a third of the parse.
 */
interface LeanParse {
  docs: Document.Parsed[];
  lineCounter: LineCounter;
  /** Each document's comments before its first content, as the engine gathers them. */
  headers: string[][];
}

/** What the engine's parse does (yamlParser07.js, 2.0.0), keeping {@link LeanParse}. */
function leanParse(text: string): LeanParse {
  // The engine reads the last line through a text buffer (every line's offset computed): the same
  // line is what follows the last line break (`\n`, `\r\n` or `\r`).
  const lastLineStart = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
  const lastLineEmpty = text.slice(lastLineStart).trim().length === 0;
  const lineCounter = new LineCounter();
  // The engine counts lines only when the last line is not blank; so here, for the same ranges.
  const parser = lastLineEmpty ? new Parser() : new Parser(lineCounter.addNewLine);
  const tokens = Array.from(parser.parse(text));
  const composer = new Composer({
    strict: false,
    customTags: getCustomTags(ENGINE_OPTIONS.customTags),
    version: ENGINE_OPTIONS.yamlVersion,
    keepSourceTokens: false,
  });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  return { docs, lineCounter, headers: headerComments(tokens) };
}

/**
 * The comments before each document's content: those at the top level after the previous
 * document's end marker or content, and those in the document's start.
 */
function headerComments(tokens: CST.Token[]): string[][] {
  const out: string[][] = [];
  let pending: string[] = [];
  for (const t of tokens) {
    if (t.type === 'comment') pending.push(t.source);
    else if (t.type === 'document') {
      for (const s of t.start) if (s.type === 'comment') pending.push(s.source);
      out.push(pending);
      pending = [];
    } else if (!['newline', 'space', 'byte-order-mark', 'directive'].includes(t.type)) pending = [];
  }
  if (pending.length) out.push(pending);
  return out;
}

/** The engine's document of a lean parse (its tree made now). */
function engineDocument(lean: LeanParse): YAMLDocument {
  const docs = lean.docs.map((d, i) => {
    const single = new SingleYAMLDocument(lean.lineCounter);
    single.documentHeaderComments = lean.headers[i] ?? [];
    single.internalDocument = d;
    return single;
  });
  return new YAMLDocument(docs, []);
}
const takeParsedKeys = (): string[] => {
  const keys = parsedKeys;
  parsedKeys = [];
  return keys;
};
// The engine's cache of parses takes its parser as a constructor argument; its one instance, which
// the engine uses, is given a parser that answers with the parse made here (same text, same options).
const cache = yamlDocumentsCache as unknown as { parse: typeof engineParse };
const engineOwnParse = cache.parse;
cache.parse = (text, options, document) => {
  const list = parses.get(text);
  const kept = list?.[0];
  const same = !options?.customTags?.length && (options?.yamlVersion ?? '1.2') === '1.2';
  if (!kept || !same) return engineOwnParse(text, options, document);
  if (kept instanceof YAMLDocument) return kept;
  const made = engineDocument(kept);
  list![0] = made;
  return made;
};

const workspace = new Workspace();
workspace.model.keepParses = true;
let service: FluxLanguageService | undefined;
let loaded: Promise<void> | undefined;
/** The text of each file indexed here, and its pieces (whose engine parses go once it is validated). */
const texts = new Map<string, { text: string; keys: string[] }>();
const own = new Map<string, FileIndex>();

function init(options: ValidateThreadOptions): void {
  loaded = Promise.all([workspace.loadBundled(), workspace.loadBuiltins()]).then(() => {
    const remote = new RemoteSchemaLoader({
      enabled: options.remoteSchemas,
      timeoutMs: 5000,
      cacheDir: options.cacheDir,
    });
    service = new FluxLanguageService(workspace.registry, workspace.model, remote, (f) =>
      workspace.problemsOf(f),
    );
    service.remoteWaitMs = Infinity; // a CI run waits for each modeline's schema once
    service.semanticsElsewhere = true;
    service.parseFor = (f) => workspace.model.takeParse(f);
    service.label = (f) => path.relative(process.cwd(), f);
    service.localSchemas = new LocalSchemaPolicy(
      () => options.roots,
      () => true,
    );
    // A document the engine takes longer than this on is said so (the run goes on).
    service.limits = { ...service.limits, validationBudgetMs: 120_000 };
  });
}

async function handle(m: ToValidateThread): Promise<void> {
  if (m.type === 'init') return init(m.options);
  if (m.type === 'close') return parentPort?.close();
  await loaded;
  const clock = new SliceClock(1000);
  if (m.type === 'index') {
    takeParsedKeys();
    const parsed = (await workspace.model.warmPieces(m.file, m.text, clock))!;
    const index = await workspace.model.indexSliced(m.file, m.text, parsed, clock);
    texts.set(m.file, { text: m.text, keys: takeParsedKeys() });
    own.set(m.file, index);
    post({ type: 'indexed', id: m.id, index });
    return;
  }
  if (m.type === 'model') {
    const others = new Map(m.indexes);
    for (const file of m.order) {
      const index = own.get(file) ?? others.get(file);
      if (index) workspace.updateFile(file, texts.get(file)?.text ?? '', index);
    }
    own.clear();
    workspace.roots.push(...m.workspaceRoots.filter((r) => !workspace.roots.includes(r)));
    workspace.model.restoreTree(m.tree);
    workspace.model.setRoots(m.sourceRoots);
    workspace.model.setSettings(m.settings);
    post({ type: 'modelled', id: m.id, target: service!.fluxTarget() });
    return;
  }
  const kept = texts.get(m.file);
  texts.delete(m.file);
  const text = kept?.text ?? m.text ?? '';
  takeParsedKeys();
  try {
    const doc = TextDocument.create(pathToFileURL(m.file).toString(), 'yaml', 1, text);
    const result = await service!.validate(doc);
    service!.forget(doc.uri);
    post({ type: 'validated', id: m.id, result });
  } catch (err) {
    post({ type: 'failed', id: m.id, message: (err as Error).message });
  } finally {
    // Its parses, and those made while it was validated (of a file not indexed here): one of each
    // text, as it may be another file's too.
    for (const k of [...(kept?.keys ?? []), ...takeParsedKeys()]) {
      const list = parses.get(k);
      list?.shift();
      if (!list?.length) parses.delete(k);
    }
  }
}

// One message at a time, each request of it in order: a file's validation never interleaves with
// another's.
let chain = Promise.resolve();
parentPort?.on('message', (batch: ToValidateThread[]) => {
  chain = chain.then(async () => {
    for (const m of batch)
      await handle(m).catch((err: unknown) => {
        if ('id' in m) post({ type: 'failed', id: m.id, message: (err as Error).message });
      });
    if (answers.length) parentPort?.postMessage(answers);
    answers = [];
  });
});
