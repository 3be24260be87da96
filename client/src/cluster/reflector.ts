// One list + watch of one resource (in one namespace, or all), the shape of client-go's reflector
// (research/live-explorer.md section 3.5): a paginated list, then a watch from its resourceVersion
// with bookmarks and a random 5-10 min server timeout; the resourceVersion advances on every event
// and bookmark, so a reconnect resumes where it stopped and only a 410 relists. Failures back off
// with jitter (Retry-After honoured); 403, 404 and 401 become states the views show, retried slowly
// and at once on `retryNow()`. managedFields are dropped on ingest.

import { Backoff, classifyStatus, watchTimeoutSeconds } from './backoff';
import { isRecord, type KubeObject } from './object';
import type { ApiResponse, Transport } from './transport';

/** The resource a reflector lists and watches. */
export interface ResourceRef {
  group: string; // '' for the core group
  version: string;
  plural: string;
  /** The kind of the items (list items carry no kind). */
  kind: string;
}

/** Where a reflector stands. `synced` stays true through later failures: the items are then stale. */
export type ReflectorPhase =
  | { phase: 'starting' }
  | { phase: 'listing' }
  | { phase: 'watching' }
  | { phase: 'backoff'; error: string; retryAt: number }
  | { phase: 'forbidden'; message: string; retryAt: number }
  | { phase: 'notInstalled'; message: string; retryAt: number }
  | { phase: 'unauthorized'; message: string; retryAt: number }
  | { phase: 'stopped' };

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorSink {
  /** An object was added, changed or removed (also for the differences a relist finds). */
  onEvent(type: WatchEventType, obj: KubeObject): void;
  /** The phase changed. */
  onPhase?(phase: ReflectorPhase): void;
  /** A list completed (the items are now complete). */
  onSynced?(): void;
}

export interface ReflectorOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  /** A watch silent for this long is reopened (bookmarks come about every minute). */
  inactivityMs?: number;
  random?: () => number;
  /** Ask for metadata only (PartialObjectMetadata), for kinds whose bodies are large (CRDs). */
  metadataOnly?: boolean;
  /**
   * The server-side timeout of every watch, in seconds; by default random in 5-10 min. The
   * API server sends a bookmark 2 s before it (and about every minute): a short one lets a test see
   * a bookmark in seconds.
   */
  watchTimeoutSeconds?: number;
}

const META_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const META_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** Counters the tests and benchmarks read. */
export interface ReflectorStats {
  lists: number;
  pages: number;
  watches: number;
  events: number;
  bookmarks: number;
  gone: number;
  /** Every backoff delay taken, in ms, with its cause. */
  delays: { ms: number; cause: string }[];
}

export function resourcePath(
  r: Pick<ResourceRef, 'group' | 'version' | 'plural'>,
  namespace?: string,
  name?: string,
): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return `${base}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** Drops what the explorer never shows and what costs the most memory. */
export function ingest(obj: KubeObject, r: ResourceRef): KubeObject {
  if (isRecord(obj.metadata)) delete obj.metadata.managedFields;
  // List items carry no kind; metadata-only items say PartialObjectMetadata.
  if (!obj.kind || obj.kind === 'PartialObjectMetadata') {
    obj.apiVersion = r.group === '' ? r.version : `${r.group}/${r.version}`;
    obj.kind = r.kind;
  }
  return obj;
}

export function objectKey(obj: { metadata: { name: string; namespace?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

export class Reflector {
  readonly items = new Map<string, KubeObject>();
  readonly stats: ReflectorStats = {
    lists: 0,
    pages: 0,
    watches: 0,
    events: 0,
    bookmarks: 0,
    gone: 0,
    delays: [],
  };
  phase: ReflectorPhase = { phase: 'starting' };
  synced = false;
  resourceVersion: string | undefined;
  private gen = 0;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private lastList = 0;
  private readonly backoff: Backoff;
  private readonly slowBackoff: Backoff;
  private readonly random: () => number;

  constructor(
    private readonly transport: Transport,
    readonly resource: ResourceRef,
    private readonly sink: ReflectorSink,
    private readonly opts: ReflectorOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
    this.backoff = new Backoff(1000, 15_000, this.random);
    this.slowBackoff = new Backoff(30_000, 300_000, this.random);
  }

  get namespace(): string | undefined {
    return this.opts.namespace;
  }

  start(): void {
    const gen = ++this.gen;
    void this.run(gen);
  }

  stop(): void {
    this.gen++;
    this.abort?.abort();
    this.wake?.();
    this.setPhase({ phase: 'stopped' });
  }

  /** Retry a failed or waiting reflector now (after "retry", or when its CRD appeared). */
  retryNow(): void {
    this.backoff.reset();
    this.slowBackoff.reset();
    this.wake?.();
  }

  /** Close the current watch so it resumes from the resourceVersion (tests of reconnects). */
  reconnect(): void {
    this.abort?.abort();
  }

  /** Keeps the last 500 delays (a long-lived reflector must not grow without bound). */
  private recordDelay(ms: number, cause: string): void {
    this.stats.delays.push({ ms, cause });
    if (this.stats.delays.length > 1000) this.stats.delays.splice(0, 500);
  }

  private setPhase(p: ReflectorPhase): void {
    this.phase = p;
    this.sink.onPhase?.(p);
  }

  private path(extra: Record<string, string>): string {
    const q = new URLSearchParams();
    if (this.opts.labelSelector) q.set('labelSelector', this.opts.labelSelector);
    if (this.opts.fieldSelector) q.set('fieldSelector', this.opts.fieldSelector);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return `${resourcePath(this.resource, this.opts.namespace)}?${q.toString()}`;
  }

  private sleep(ms: number, gen: number): Promise<void> {
    if (this.gen !== gen) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(gen: number): Promise<void> {
    while (this.gen === gen) {
      if (this.resourceVersion === undefined) {
        // A relist at most every 10 s, whatever forces it.
        const since = Date.now() - this.lastList;
        if (this.lastList && since < 10_000) await this.sleep(10_000 - since, gen);
        if (this.gen !== gen) return;
        if (!(await this.list(gen))) continue;
      }
      await this.watch(gen);
    }
  }

  private async list(gen: number): Promise<boolean> {
    if (!this.synced) this.setPhase({ phase: 'listing' });
    // Keys seen in this list. Each page is applied as it arrives (first paint need not wait for
    // the last page, and no single task handles every object); what was not seen is deleted at the end.
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv: string | undefined;
    this.lastList = Date.now();
    do {
      const res = await this.transport.request<{
        items?: KubeObject[];
        metadata?: { resourceVersion?: string; continue?: string };
      }>(
        'GET',
        this.path({ limit: String(this.opts.pageSize ?? 500), ...(cont ? { continue: cont } : {}) }),
        this.opts.metadataOnly ? { accept: META_LIST } : {},
      );
      if (this.gen !== gen) return false;
      if (res.status === 410 && cont) {
        // The continue token expired between pages: start the list again.
        cont = undefined;
        seen.clear();
        continue;
      }
      if (res.status !== 200 || !isRecord(res.body)) {
        await this.fail(res, 'list', gen);
        return false;
      }
      this.stats.pages++;
      for (const item of Array.isArray(res.body.items) ? res.body.items : []) {
        if (!isRecord(item) || !isRecord(item.metadata)) continue;
        const obj = ingest(item, this.resource);
        const key = objectKey(obj);
        seen.add(key);
        const old = this.items.get(key);
        if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
        this.items.set(key, obj);
        this.sink.onEvent(old ? 'MODIFIED' : 'ADDED', obj);
      }
      rv = res.body.metadata?.resourceVersion;
      cont = res.body.metadata?.continue || undefined;
    } while (cont);
    this.stats.lists++;
    // Objects deleted while we were away (a relist after 410 or a restart) go now.
    for (const [key, old] of this.items)
      if (!seen.has(key)) {
        this.items.delete(key);
        this.sink.onEvent('DELETED', old);
      }
    this.resourceVersion = rv;
    this.synced = true;
    this.sink.onSynced?.();
    return true;
  }

  private async watch(gen: number): Promise<void> {
    const ctrl = new AbortController();
    this.abort = ctrl;
    const stream = await this.transport.stream(
      this.path({
        watch: '1',
        resourceVersion: this.resourceVersion ?? '',
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(this.opts.watchTimeoutSeconds ?? watchTimeoutSeconds(this.random)),
      }),
      ctrl.signal,
      this.opts.metadataOnly ? META_WATCH : undefined,
    );
    if (this.gen !== gen) {
      ctrl.abort();
      return;
    }
    if (stream.status !== 200 || !stream.lines) {
      if (stream.status === 410) {
        this.stats.gone++;
        this.resourceVersion = undefined;
        return;
      }
      await this.fail(stream.response ?? { status: stream.status, body: undefined }, 'watch', gen);
      return;
    }
    this.stats.watches++;
    this.setPhase({ phase: 'watching' });
    const opened = Date.now();
    let events = 0;
    let silent = false;
    const inactivityMs = this.opts.inactivityMs ?? 90_000;
    let timer = setTimeout(onSilence, inactivityMs);
    timer.unref();
    function onSilence() {
      silent = true;
      ctrl.abort();
    }
    let error: string | undefined;
    let gone = false;
    try {
      for await (const line of stream.lines) {
        if (this.gen !== gen) break;
        clearTimeout(timer);
        timer = setTimeout(onSilence, inactivityMs);
        timer.unref();
        let ev: { type?: string; object?: KubeObject & { code?: number; message?: string } };
        try {
          ev = JSON.parse(line);
        } catch {
          continue;
        }
        if (!ev.object || !isRecord(ev.object)) continue;
        if (ev.type === 'ERROR') {
          if (ev.object.code === 410) {
            this.stats.gone++;
            this.resourceVersion = undefined;
            gone = true;
          } else error = `watch error: ${ev.object.message ?? ev.object.code}`;
          break;
        }
        const rv = isRecord(ev.object.metadata) ? ev.object.metadata.resourceVersion : undefined;
        if (ev.type === 'BOOKMARK') {
          this.stats.bookmarks++;
          if (rv) this.resourceVersion = rv;
          continue;
        }
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') continue;
        if (!isRecord(ev.object.metadata)) continue;
        const obj = ingest(ev.object, this.resource);
        const key = objectKey(obj);
        if (ev.type === 'DELETED') this.items.delete(key);
        else this.items.set(key, obj);
        if (rv) this.resourceVersion = rv;
        events++;
        this.stats.events++;
        this.sink.onEvent(ev.type, obj);
      }
    } catch (err) {
      if (!ctrl.signal.aborted) error = `watch stream broke: ${(err as Error).message}`;
    } finally {
      clearTimeout(timer);
      ctrl.abort();
    }
    if (this.gen !== gen) return;
    if (error) {
      await this.fail({ status: 0, body: undefined, error }, 'watch', gen);
      return;
    }
    if (gone) return; // relist now (at most one per 10 s, see run())
    if (silent || events > 0 || Date.now() - opened > 5000) {
      // A normal end (server timeout, silence, or a lively watch): resume from the resourceVersion.
      this.backoff.reset();
      return;
    }
    // Closed at once without events: back off, or a misbehaving server makes us spin.
    const ms = this.backoff.next();
    this.recordDelay(ms, 'watch closed at once');
    await this.sleep(ms, gen);
  }

  private async fail(res: ApiResponse, verb: 'list' | 'watch', gen: number): Promise<void> {
    const cls = res.status === 0 ? { kind: 'transient' as const } : classifyStatus(res.status);
    const scope = this.opts.namespace ? `in namespace ${this.opts.namespace}` : 'at the cluster scope';
    const what = `${this.resource.plural}${this.resource.group ? `.${this.resource.group}` : ''}`;
    let ms: number;
    if (cls.kind === 'gone') {
      this.stats.gone++;
      this.resourceVersion = undefined;
      return;
    } else if (cls.kind === 'forbidden') {
      ms = this.slowBackoff.next(res.retryAfterMs);
      this.setPhase({
        phase: 'forbidden',
        message: `forbidden: ${verb} ${what} ${scope}`,
        retryAt: Date.now() + ms,
      });
    } else if (cls.kind === 'notFound') {
      ms = this.slowBackoff.next(res.retryAfterMs);
      this.setPhase({
        phase: 'notInstalled',
        message: `${what} is not served by this cluster (CRD not installed)`,
        retryAt: Date.now() + ms,
      });
    } else if (cls.kind === 'unauthorized') {
      ms = this.slowBackoff.next(res.retryAfterMs);
      this.setPhase({
        phase: 'unauthorized',
        message: res.error ?? 'credentials rejected (401 Unauthorized)',
        retryAt: Date.now() + ms,
      });
    } else {
      ms = this.backoff.next(res.retryAfterMs);
      const error = res.error ?? `HTTP ${res.status}`;
      this.setPhase({
        phase: 'backoff',
        error: `${verb} ${what} ${scope}: ${error}`,
        retryAt: Date.now() + ms,
      });
    }
    this.recordDelay(ms, `${cls.kind} (${res.status})`);
    await this.sleep(ms, gen);
  }
}
