// Read-only virtual documents of the live explorer:
//   flux-live:   the live YAML of an object (managedFields hidden, Secret data masked by the
//                engine's sanitize); a cached Flux object follows every change of the cache,
//                any other object is fetched when the document opens.
//   flux-events: the Kubernetes Events of an object and of its source, newest first, kept live by
//                the engine's event watch while the document is open.

import * as vscode from 'vscode';
import { stringify } from 'yaml';
import { findKind, liveYaml, sanitize, watchEvents, type EventsView } from '../cluster';
import type { ExplorerService } from '../explorerService';
import { describeRef, type AnyTarget } from './targets';

export const LIVE_SCHEME = 'flux-live';
export const EVENTS_SCHEME = 'flux-events';

interface DocTarget {
  context: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export function docUri(scheme: string, t: AnyTarget): vscode.Uri {
  const q: DocTarget = {
    context: t.session.name,
    apiVersion: t.apiVersion,
    kind: t.kind,
    namespace: t.namespace,
    name: t.name,
  };
  const label =
    scheme === LIVE_SCHEME
      ? `${t.kind}-${t.namespace ? `${t.namespace}-` : ''}${t.name} (live).yaml`
      : `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name} (events)`;
  return vscode.Uri.from({ scheme, path: `/${label}`, query: JSON.stringify(q) });
}

function targetOf(uri: vscode.Uri): DocTarget {
  return JSON.parse(uri.query) as DocTarget;
}

const time = () => new Date().toISOString().slice(11, 19);

export class LiveDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** Open documents: their live subscription and last text. */
  private readonly open = new Map<string, { sub?: { dispose(): void }; text: string }>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly service: ExplorerService) {
    this.disposables.push(
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(LIVE_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(EVENTS_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((d) => this.close(d.uri)),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const key = uri.toString();
    const entry = this.open.get(key);
    if (entry?.sub) return entry.text;
    const t = targetOf(uri);
    const session = this.service.explorer.session(t.context);
    const what = describeRef(t);
    if (!session)
      return `# ${what}: context ${t.context} is not shown (choose it with "Flux: Choose Kubernetes Contexts")\n`;
    if (uri.scheme === EVENTS_SCHEME) {
      const state = { text: `# Events of ${what} and its source (context ${t.context}): loading…\n` } as {
        sub?: { dispose(): void };
        text: string;
      };
      this.open.set(key, state);
      state.sub = watchEvents(session, t, (v) => {
        state.text = eventsText(what, t.context, v);
        this.changed.fire(uri);
      });
      return state.text;
    }
    const k = findKind(t.kind);
    const cached =
      k && t.apiVersion.startsWith(`${k.group}/`) ? session.get(k, t.namespace, t.name) : undefined;
    if (cached && k) {
      // A Flux object: render from the cache and follow it.
      const state = { text: '' } as { sub?: { dispose(): void }; text: string };
      this.open.set(key, state);
      state.sub = session.observe(k, t.namespace, t.name, (o) => {
        state.text = o
          ? `# Live ${what} in context ${t.context}, as of ${time()} (read-only; follows the cluster; managedFields hidden)\n${stringify(sanitize(o.obj), { lineWidth: 0 })}`
          : `# ${what} was deleted from context ${t.context} (${time()})\n`;
        if (state.sub) this.changed.fire(uri);
      });
      return state.text;
    }
    const r = await liveYaml(session, t.apiVersion, t.kind, t.namespace, t.name);
    const text = r.yaml
      ? `# Live ${what} in context ${t.context}, fetched ${time()} (read-only; managedFields hidden${t.kind === 'Secret' ? ', Secret data masked' : ''}; reopen to refresh)\n${r.yaml}`
      : `# ${what}: ${r.error}\n`;
    this.open.set(key, { text });
    return text;
  }

  private close(uri: vscode.Uri): void {
    if (uri.scheme !== LIVE_SCHEME && uri.scheme !== EVENTS_SCHEME) return;
    const e = this.open.get(uri.toString());
    e?.sub?.dispose();
    this.open.delete(uri.toString());
  }

  dispose(): void {
    for (const e of this.open.values()) e.sub?.dispose();
    this.open.clear();
    for (const d of this.disposables) d.dispose();
  }
}

/** The events as a fixed-width table, newest first. */
export function eventsText(what: string, context: string, v: EventsView): string {
  const lines = [
    `# Events of ${what} and its source in context ${context}, newest first (live; as of ${time()})`,
  ];
  for (const p of v.problems) lines.push(`# ${p}`);
  if (v.events.length === 0) lines.push('# (no events: Kubernetes keeps events for one hour by default)');
  for (const e of v.events) {
    const count = e.count > 1 ? ` (x${e.count})` : '';
    lines.push(
      `${e.time.replace('T', ' ').replace('Z', '')}  ${e.type.padEnd(7)}  ${describeRef(e.about)}  ${e.reason}${count}`,
      `    ${e.message.replace(/\n/g, '\n    ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
