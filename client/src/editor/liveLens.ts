// Live state above every Flux object of an open file (issue 12), as CodeLens or as an inline hint
// (`fluxWorkbench.live.display`): per shown context, the object's state, revision and age, with
// Reconcile / Suspend / Resume / Show in Flux View running the explorer's commands (which end in
// the engine's verdict). The language server says which objects the file defines and in which
// namespaces Flux applies them (flux/fileObjects, once per document version); matching them to the
// cache is map lookups (client/src/live/match.ts), redone when the explorer's watches change it.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ExplorerService } from '../explorerService';
import { InventoryIndex } from '../live/inventoryIndex';
import { lensLine, type LensAction, type LensLine } from '../live/lensText';
import { fluxKindOf, matchObject } from '../live/match';
import {
  FileObjectsRequest,
  type FileObjectsParams,
  type FileObjectsResult,
} from '../../../server/src/protocol';

export type LiveDisplay = 'codeLens' | 'inlayHint' | 'off';

/** Live lenses are redrawn at most this often while the cache changes. */
const REDRAW_MS = 1000;
/** Ages ("5m ago") are redrawn this often. */
const TICK_MS = 30_000;

const ACTION: Record<LensAction, { title: string; command: string }> = {
  reconcile: { title: 'Reconcile', command: 'fluxWorkbench.reconcile' },
  suspend: { title: 'Suspend', command: 'fluxWorkbench.suspend' },
  resume: { title: 'Resume', command: 'fluxWorkbench.resume' },
  reveal: { title: 'Show in Flux View', command: 'fluxWorkbench.revealInFluxView' },
};

/** One item to draw: a line of words and the commands after it. */
interface LiveItem {
  /** The CodeLens goes above the document's first line of YAML (with the build lenses)… */
  line: number;
  /** …the inline hint at the end of its metadata.name line. */
  nameLine: number;
  title: string;
  tooltip: string;
  commands: vscode.Command[];
}

export function liveDisplay(): LiveDisplay {
  return vscode.workspace.getConfiguration('fluxWorkbench.live').get<LiveDisplay>('display', 'codeLens');
}

export class LiveLenses implements vscode.CodeLensProvider, vscode.InlayHintsProvider, vscode.Disposable {
  private readonly lensChanged = new vscode.EventEmitter<void>();
  private readonly hintChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensChanged.event;
  readonly onDidChangeInlayHints = this.hintChanged.event;
  private readonly files = new Map<string, { version: number; result: Promise<FileObjectsResult> }>();
  private readonly inventories = new InventoryIndex();
  private redrawTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly live: ExplorerService,
    private readonly client: () => LanguageClient | undefined,
  ) {
    const tick = setInterval(() => this.redraw(), TICK_MS);
    this.disposables.push(
      this.lensChanged,
      this.hintChanged,
      new vscode.Disposable(() => clearInterval(tick)),
      live.onDidChange(() => this.scheduleRedraw()),
      vscode.workspace.onDidCloseTextDocument((d) => this.files.delete(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('fluxWorkbench.live.display')) this.redraw();
      }),
    );
  }

  private scheduleRedraw(): void {
    this.redrawTimer ??= setTimeout(() => {
      this.redrawTimer = undefined;
      this.redraw();
    }, REDRAW_MS);
  }

  private redraw(): void {
    this.lensChanged.fire();
    this.hintChanged.fire();
  }

  /** The file's objects as the server knows them (one request per document version). */
  private fileObjects(doc: vscode.TextDocument): Promise<FileObjectsResult> {
    const key = doc.uri.toString();
    const hit = this.files.get(key);
    if (hit?.version === doc.version) return hit.result;
    const client = this.client();
    const result: Promise<FileObjectsResult> = client
      ? client
          .sendRequest<FileObjectsResult>(FileObjectsRequest, { uri: key } satisfies FileObjectsParams)
          .catch((err: unknown) => ({ objects: [], problem: (err as Error).message }))
      : Promise.resolve({ objects: [], problem: 'the language server is not running' });
    this.files.set(key, { version: doc.version, result });
    return result;
  }

  /** The items of a document, from its objects and the cache as it is now. */
  async items(doc: vscode.TextDocument): Promise<LiveItem[]> {
    if (doc.uri.scheme !== 'file') return [];
    const { objects } = await this.fileObjects(doc);
    if (!objects.some((o) => fluxKindOf(o) || o.renderedBy.length)) return [];
    const sessions = this.live.started ? this.live.explorer.sessionList() : [];
    const out: LiveItem[] = [];
    objects.forEach((o) => {
      const flux = fluxKindOf(o) !== undefined;
      const nameLine = (o.nameRange ?? o.range).start.line;
      // Above the object, not between its lines: skip the comments and blank lines it starts with.
      let line = Math.min(o.range.start.line, nameLine);
      while (line < nameLine && /^\s*(#.*)?$/.test(doc.lineAt(line).text)) line++;
      if (o.duplicateOf !== undefined) {
        const first = objects[o.duplicateOf]!;
        out.push({
          line,
          nameLine,
          title: `$(warning) ${o.kind} ${o.name} is defined twice in this file (first at line ${(first.nameRange ?? first.range).start.line + 1}): live state is shown there`,
          tooltip: 'Flux applies the last document of a duplicate: remove one of them.',
          commands: [],
        });
        return;
      }
      if (sessions.length === 0) {
        // Plain manifests stay quiet without a cluster; a Flux object says where its state would be.
        if (flux)
          out.push({
            line,
            nameLine,
            title: '$(debug-disconnect) no cluster',
            tooltip: 'No cluster context is shown in the Flux view. Choose one to see the live state here.',
            commands: [{ title: 'Choose Context…', command: 'fluxWorkbench.pickContexts' }],
          });
        return;
      }
      for (const s of sessions) {
        const m = matchObject(o, s, this.inventories);
        // A plain manifest no Kustomization of the cluster knows: nothing to say above it.
        if (!flux && m.type === 'absent') continue;
        out.push(itemOf(line, nameLine, lensLine(m, sessions.length > 1 ? s.name : ''), s.name));
      }
    });
    return out;
  }

  async provideCodeLenses(
    doc: vscode.TextDocument,
    token: vscode.CancellationToken,
  ): Promise<vscode.CodeLens[]> {
    if (liveDisplay() !== 'codeLens') return [];
    const items = await this.items(doc);
    if (token.isCancellationRequested) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const it of items) {
      const range = new vscode.Range(it.line, 0, it.line, 0);
      lenses.push(new vscode.CodeLens(range, { title: it.title, tooltip: it.tooltip, command: '' }));
      for (const c of it.commands) lenses.push(new vscode.CodeLens(range, c));
    }
    return lenses;
  }

  async provideInlayHints(
    doc: vscode.TextDocument,
    range: vscode.Range,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlayHint[]> {
    if (liveDisplay() !== 'inlayHint') return [];
    const items = await this.items(doc);
    if (token.isCancellationRequested) return [];
    return items
      .filter((it) => it.nameLine >= range.start.line && it.nameLine <= range.end.line)
      .map((it) => {
        const parts: vscode.InlayHintLabelPart[] = [
          Object.assign(new vscode.InlayHintLabelPart(` ${plain(it.title)}`), { tooltip: it.tooltip }),
        ];
        for (const c of it.commands)
          parts.push(Object.assign(new vscode.InlayHintLabelPart(` · ${c.title}`), { command: c }));
        const hint = new vscode.InlayHint(doc.lineAt(it.nameLine).range.end, parts);
        hint.paddingLeft = true;
        return hint;
      });
  }

  dispose(): void {
    clearTimeout(this.redrawTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/** Inlay hints show no codicons: the state words stay, the "$(name)" goes. */
function plain(title: string): string {
  return title.replace(/\$\([a-z0-9~-]+\)\s*/g, '');
}

function itemOf(line: number, nameLine: number, l: LensLine, context: string): LiveItem {
  const t = l.target;
  const ref = t ? { context, kind: t.kind.kind, namespace: t.namespace, name: t.name } : undefined;
  return {
    line,
    nameLine,
    title: l.title,
    tooltip: l.tooltip,
    commands: ref
      ? l.actions.map((a) => ({
          ...ACTION[a],
          tooltip: `${ACTION[a].title} ${ref.kind} ${ref.namespace}/${ref.name} in ${context}`,
          arguments: [ref],
        }))
      : [],
  };
}
