// What the language server learns from the shown clusters (issue 12): the CRDs each context serves
// (its schema registry then completes and validates other Flux versions and other operators' kinds,
// and names "cluster <context>" as their source), the OpenAPI v3 documents of its built-in API groups
// (Deployments, Services, ... are then checked against the cluster's Kubernetes version), the Flux
// objects each context holds (sourceRef and dependsOn also resolve against them; an ImagePolicy's
// latest image shows on setter markers), and answers to the server's questions for substituteFrom
// ConfigMaps and Secrets. A context that is no longer shown is forgotten on the server's side.

import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import type { ContextSession } from '../cluster';
import { FLUX_KINDS } from '../cluster/kinds';
import {
  crdGroupsOf,
  openApiNotifications,
  readCrds,
  readOpenApiDocuments,
  readOpenApiIndex,
  readVariableObject,
} from '../live/clusterReads';
import { objectsForServer } from '../live/serverObjects';
import type { ExplorerService } from '../explorerService';
import {
  ClusterCrdsNotification,
  ClusterObjectRequest,
  ClusterObjectsNotification,
  ClusterOpenApiNotification,
  type ClusterCrdsParams,
  type ClusterOpenApiParams,
  type ClusterObjectParams,
  type ClusterObjectResult,
  type ClusterObjectsParams,
} from '../../../server/src/protocol';

/** Object lists are sent at most this often per context (a relist brings thousands of changes). */
const OBJECTS_DEBOUNCE_MS = 1000;

interface Sent {
  /** CRD names and resourceVersions last sent (a reconnect re-reads them; unchanged ones are not resent). */
  crdSignature?: string;
  crdProblem?: string;
  /** The Kubernetes version and hash-pinned document URLs last sent (unchanged ones are not fetched again). */
  openApiSignature?: string;
  objects: boolean;
}

export class ClusterBridge implements vscode.Disposable {
  private readonly sent = new Map<string, Sent>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly crdReads = new Map<string, Promise<void>>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Secret values sent to the server for revealing builds, while a diff masks them. */
  private readonly collectors = new Set<Map<string, string>>();

  constructor(
    private readonly live: ExplorerService,
    private readonly client: () => LanguageClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      live.onDidChange((e) => {
        if (e === 'all') return this.syncAll();
        if ('permission' in e) return;
        const contexts = new Set<string>();
        let sessions = false;
        for (const c of e) {
          if (c.what === 'session' || c.what === 'kind') sessions = true;
          if (c.context) contexts.add(c.context);
        }
        if (sessions) this.syncAll();
        for (const name of contexts) this.scheduleObjects(name);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('fluxWorkbench.live.clusterSchemas')) {
          for (const s of this.sent.values()) delete s.crdSignature;
          this.syncAll();
        }
      }),
    );
  }

  /** Registers the server -> client request; call once the language client has started. */
  attach(client: LanguageClient): vscode.Disposable {
    const request = client.onRequest(ClusterObjectRequest, (p: ClusterObjectParams) => this.answer(p));
    // A restarted server knows nothing of the clusters: tell it again.
    const state = client.onDidChangeState((e) => {
      if (e.newState !== State.Running) return;
      this.sent.clear();
      this.syncAll();
    });
    this.syncAll();
    return vscode.Disposable.from(request, state);
  }

  private async answer(p: ClusterObjectParams): Promise<ClusterObjectResult> {
    const session = this.live.started ? this.live.explorer.session(p.context) : undefined;
    if (!session)
      return { status: 'error', message: `context ${p.context} is not connected in Flux Workbench` };
    if (!session.transport)
      return {
        status: 'error',
        message: `context ${p.context}: ${session.phase.phase === 'error' ? session.phase.message : 'not connected yet'}`,
      };
    try {
      const r = await readVariableObject(session.transport, p, AbortSignal.timeout(15_000));
      if (r.status === 'found' && p.reveal)
        for (const c of this.collectors)
          for (const k of r.secretKeys) {
            // Two Secrets with the same key and different values: both are masked.
            const id = c.has(k) && c.get(k) !== r.data[k] ? `${k} of ${p.namespace}/${p.name}` : k;
            c.set(id, r.data[k]!);
          }
      return r;
    } catch (err) {
      return { status: 'error', message: `context ${p.context}: ${(err as Error).message}` };
    }
  }

  /**
   * Collects the Secret values revealed to the server until `stop()`: a caller that asked for a
   * revealing build masks them in whatever it shows.
   */
  collectRevealed(): { values: ReadonlyMap<string, string>; stop(): void } {
    const values = new Map<string, string>();
    this.collectors.add(values);
    return { values, stop: () => this.collectors.delete(values) };
  }

  /** Sends what changed for every shown context and forgets the contexts no longer shown. */
  private syncAll(): void {
    const shown = new Map(
      (this.live.started ? this.live.explorer.sessionList() : []).map((s) => [s.name, s]),
    );
    for (const name of [...this.sent.keys()]) if (!shown.has(name)) this.forget(name);
    for (const s of shown.values()) {
      if (s.phase.phase !== 'ready') continue;
      this.scheduleObjects(s.name);
      if (!this.crdReads.has(s.name))
        this.crdReads.set(
          s.name,
          this.sendCrds(s)
            .then((crdGroups) => this.sendOpenApi(s, crdGroups))
            .finally(() => this.crdReads.delete(s.name)),
        );
    }
  }

  private forget(name: string): void {
    const client = this.client();
    this.sent.delete(name);
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
    if (!client) return;
    void client.sendNotification(ClusterCrdsNotification, {
      context: name,
      crds: [],
    } satisfies ClusterCrdsParams);
    void client.sendNotification(ClusterObjectsNotification, {
      context: name,
      objects: [],
    } satisfies ClusterObjectsParams);
    void client.sendNotification(ClusterOpenApiNotification, {
      context: name,
      documents: [],
    } satisfies ClusterOpenApiParams);
    this.log.info(
      `language server: context ${name} is no longer shown; its schemas and objects are forgotten`,
    );
  }

  private entry(name: string): Sent {
    let e = this.sent.get(name);
    if (!e) this.sent.set(name, (e = { objects: false }));
    return e;
  }

  /** Sends the CRDs when they changed; resolves to the groups they define (undefined: not read). */
  private async sendCrds(s: ContextSession): Promise<Set<string> | undefined> {
    const client = this.client();
    const transport = s.transport;
    if (!client || !transport) return undefined;
    const e = this.entry(s.name);
    if (!vscode.workspace.getConfiguration('fluxWorkbench.live').get<boolean>('clusterSchemas', true)) {
      if (e.crdSignature !== 'off') {
        e.crdSignature = 'off';
        await client.sendNotification(ClusterCrdsNotification, { context: s.name, crds: [] });
      }
      return undefined;
    }
    const r = await readCrds(transport, AbortSignal.timeout(30_000)).catch((err: unknown) => ({
      error: (err as Error).message,
    }));
    if ('error' in r) {
      if (e.crdProblem !== r.error)
        this.log.warn(
          `context ${s.name}: the cluster's CRDs are not used for completion and diagnostics: ${r.error}`,
        );
      e.crdProblem = r.error;
      return new Set();
    }
    delete e.crdProblem;
    const groups = crdGroupsOf(r.crds);
    const signature = r.crds
      .map((c) => {
        const md = (c as { metadata?: { name?: string; resourceVersion?: string } }).metadata;
        return `${md?.name}@${md?.resourceVersion}`;
      })
      .join(',');
    if (signature === e.crdSignature) return groups;
    e.crdSignature = signature;
    await client.sendNotification(ClusterCrdsNotification, {
      context: s.name,
      crds: r.crds,
    } satisfies ClusterCrdsParams);
    this.log.info(
      `language server: ${r.crds.length} CRDs of context ${s.name} feed completion and diagnostics`,
    );
    return groups;
  }

  /**
   * Sends the OpenAPI v3 documents of the cluster's built-in API groups when their hash-pinned URLs
   * or the version changed (the index is small; the documents, about 8 MB, are fetched only then),
   * or why they cannot be read (the server keeps the bundled schemas and says why).
   */
  private async sendOpenApi(s: ContextSession, crdGroups: Set<string> | undefined): Promise<void> {
    const client = this.client();
    const transport = s.transport;
    if (!client || !transport) return;
    const e = this.entry(s.name);
    const send = (p: ClusterOpenApiParams): Promise<void> =>
      client.sendNotification(ClusterOpenApiNotification, p);
    if (crdGroups === undefined) {
      // The setting is off: the bundled schemas answer.
      if (e.openApiSignature !== undefined && e.openApiSignature !== 'off')
        await send({ context: s.name, documents: [] });
      e.openApiSignature = 'off';
      return;
    }
    const signal = AbortSignal.timeout(60_000);
    const index = await readOpenApiIndex(transport, crdGroups, signal).catch((err: unknown) => ({
      error: (err as Error).message,
    }));
    const fail = async (error: string): Promise<void> => {
      if (e.openApiSignature === `error ${error}`) return;
      e.openApiSignature = `error ${error}`;
      this.log.warn(
        `context ${s.name}: the bundled built-in kinds' schemas are used, not the cluster's: ${error}`,
      );
      await send({ context: s.name, documents: [], problem: error });
    };
    if ('error' in index) return fail(index.error);
    const signature = [index.kubernetesVersion ?? '', ...index.entries.map((x) => x.url)].join('\n');
    if (signature === e.openApiSignature) return;
    const docs = await readOpenApiDocuments(transport, index.entries, signal).catch((err: unknown) => ({
      error: (err as Error).message,
    }));
    if ('error' in docs) return fail(docs.error);
    e.openApiSignature = signature;
    for (const part of openApiNotifications(s.name, index.kubernetesVersion, docs.documents))
      await send(part);
    this.log.info(
      `language server: the OpenAPI documents of ${docs.documents.length} built-in group versions of context ${s.name} (Kubernetes ${index.kubernetesVersion ?? 'version unknown'}) are sent for built-in kinds`,
    );
  }

  private scheduleObjects(name: string): void {
    if (this.timers.has(name)) return;
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        this.sendObjects(name);
      }, OBJECTS_DEBOUNCE_MS),
    );
  }

  private sendObjects(name: string): void {
    const client = this.client();
    const s = this.live.started ? this.live.explorer.session(name) : undefined;
    if (!client || !s || s.phase.phase !== 'ready') return;
    const objects = objectsForServer(FLUX_KINDS.flatMap((k) => s.list({ kind: k })));
    // An empty list tells the server to forget the context: send it only when objects were sent before.
    const e = this.entry(name);
    if (objects.length === 0 && !e.objects) return;
    e.objects = objects.length > 0;
    void client.sendNotification(ClusterObjectsNotification, {
      context: name,
      objects,
    } satisfies ClusterObjectsParams);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
