// `flux-workbench validate` on every core: each file is parsed, indexed and validated on one of a
// few threads (server/out/validate-worker.js, see validateWorker.ts), which keeps its parse from
// the indexing to the validation and gives the schema engine the very documents it parsed, so each
// document is parsed once. This thread reads the files, makes the workspace model of every
// thread's indexes, copies it to each thread, makes the cross-file findings and prints.
//
// Messages go in batches both ways (an array of requests, an array of answers): each message wakes
// the thread it is for, and a thousand files made four thousand wake-ups of threads that share two
// cores.
import { Worker } from 'node:worker_threads';
import type { FileIndex } from '../workspace/fileIndex';
import type { SourceSettings } from '../workspace/sources';
import type { PathTreeSnapshot } from '../workspace/pathTree';
import type { Workspace } from '../workspace/workspace';
import type { ValidationResult } from '../service/languageService';
import type { FluxTarget } from '../flux/fluxVersion';

export interface ValidateThreadOptions {
  /** The repositories checked: local schema files inside them may be read. */
  roots: string[];
  remoteSchemas: boolean;
  cacheDir: string;
}

export type ToValidateThread =
  | { type: 'init'; options: ValidateThreadOptions }
  | { type: 'index'; id: number; file: string; text: string }
  | {
      type: 'model';
      id: number;
      /** Every file of the model, in the model's order. */
      order: string[];
      /** The indexes of the files this thread did not index. */
      indexes: Array<[string, FileIndex]>;
      tree: PathTreeSnapshot;
      sourceRoots: string[];
      settings: SourceSettings;
      workspaceRoots: string[];
    }
  | { type: 'validate'; id: number; file: string; text?: string }
  /** The run is over: the thread lets its event loop end (and so writes its code cache). */
  | { type: 'close' };

export type FromValidateThread =
  | { type: 'indexed'; id: number; index: FileIndex }
  | { type: 'modelled'; id: number; target: FluxTarget }
  | { type: 'validated'; id: number; result: ValidationResult }
  | { type: 'failed'; id: number; message: string };

/** Requests sent together at most (a thread starts on the first of them as soon as they arrive). */
const BATCH = 16;

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Requests not sent yet (see {@link ValidateThreads.flush}). */
  outbox: ToValidateThread[];
  /** Characters given to it: the next file goes to the least loaded thread. */
  load: number;
  /** Requests not answered yet, by id. */
  waiting: Map<number, Pending<never>>;
  /** Why it stopped, once it did. */
  ended?: string;
}

/** The validation threads, as this thread asks them. */
export class ValidateThreads {
  private readonly threads: Thread[];
  /** The thread holding each file's parse. */
  private readonly owner = new Map<string, Thread>();
  private nextId = 1;
  /** Whether a {@link flush} is due at the end of this turn of the event loop. */
  private flushScheduled = false;

  /** `codeCache`: the folder of the threads' V8 code cache (see io/codeCache.ts), if any. */
  constructor(script: string, count: number, options: ValidateThreadOptions, codeCache?: string) {
    this.threads = Array.from({ length: Math.max(1, count) }, () => this.start(script, options, codeCache));
  }

  private start(script: string, options: ValidateThreadOptions, codeCache: string | undefined): Thread {
    const worker = new Worker(script, { workerData: { codeCache } });
    const t: Thread = { worker, outbox: [], load: 0, waiting: new Map() };
    worker.on('message', (batch: FromValidateThread[]) => {
      for (const m of batch) {
        const p = t.waiting.get(m.id) as Pending<unknown> | undefined;
        t.waiting.delete(m.id);
        if (m.type === 'failed') p?.reject(new Error(m.message));
        else p?.resolve(m.type === 'indexed' ? m.index : m.type === 'modelled' ? m.target : m.result);
      }
    });
    const end = (why: string) => {
      if (t.ended) return;
      t.ended = why;
      for (const p of t.waiting.values()) p.reject(new Error(why));
      t.waiting.clear();
    };
    worker.on('error', (err: Error & { code?: string }) =>
      end(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'a validation thread ran out of memory'
          : `a validation thread failed: ${err.message}`,
      ),
    );
    worker.on('exit', (code) => end(`a validation thread ended (exit code ${code})`));
    worker.postMessage([{ type: 'init', options }] satisfies ToValidateThread[]);
    return t;
  }

  /**
   * Sends the requests made so far. Others than {@link index} are sent at the end of the turn of
   * the event loop they were made in, together; the indexing requests, made one per file the scan
   * reads, in batches of {@link BATCH}, and the caller flushes at the end of the scan.
   */
  flush(): void {
    this.flushScheduled = false;
    for (const t of this.threads) this.send(t);
  }

  private send(t: Thread): void {
    if (!t.outbox.length || t.ended) return;
    t.worker.postMessage(t.outbox);
    t.outbox = [];
  }

  private ask<T>(t: Thread, message: (id: number) => ToValidateThread, held = false): Promise<T> {
    if (t.ended) return Promise.reject(new Error(t.ended));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      t.waiting.set(id, { resolve, reject } as Pending<never>);
      t.outbox.push(message(id));
      if (t.outbox.length >= BATCH) this.send(t);
      else if (!held && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private leastLoaded(): Thread {
    return this.threads.filter((t) => !t.ended).sort((a, b) => a.load - b.load)[0] ?? this.threads[0]!;
  }

  /**
   * Parses and indexes `text` on a thread, which keeps the parse for {@link validate}. Sent with
   * the next {@link BATCH} or at {@link flush}.
   */
  index(file: string, text: string): Promise<FileIndex> {
    const t = this.leastLoaded();
    t.load += text.length;
    this.owner.set(file, t);
    return this.ask(t, (id) => ({ type: 'index', id, file, text }), true);
  }

  /** Gives every thread a copy of the workspace's model (made of all their indexes). */
  async copyModel(workspace: Workspace): Promise<FluxTarget> {
    const model = workspace.model;
    const all = [...model.allFiles()];
    const order = all.map((f) => f.file);
    const tree = model.tree.snapshot();
    const targets = await Promise.all(
      this.threads.map((t) =>
        this.ask<FluxTarget>(t, (id) => ({
          type: 'model',
          id,
          order,
          indexes: all.filter((f) => this.owner.get(f.file) !== t).map((f) => [f.file, f]),
          tree,
          sourceRoots: [...model.sourceRoots],
          settings: model.settings,
          workspaceRoots: [...workspace.roots],
        })),
      ),
    );
    return targets[0]!;
  }

  /**
   * Validates a file on the thread that parsed it (`text` is sent only to another thread, for a
   * file no thread indexed). An Error when the thread failed.
   */
  validate(file: string, text: string): Promise<ValidationResult | Error> {
    let t = this.owner.get(file);
    const own = t !== undefined && !t.ended;
    if (!own) {
      t = this.leastLoaded();
      t.load += text.length;
    }
    return this.ask<ValidationResult>(t!, (id) => ({
      type: 'validate',
      id,
      file,
      ...(own ? {} : { text }),
    })).catch((err: Error) => err);
  }

  /**
   * Ends the threads: each is told to close and given `graceMs` to end by itself (writing its code
   * cache when it has none yet), then stopped.
   */
  async dispose(graceMs = 2000): Promise<void> {
    await Promise.all(
      this.threads.map(async (t) => {
        const running = !t.ended;
        t.ended ??= 'the run is over';
        if (running) {
          const exited = new Promise<void>((resolve) => t.worker.once('exit', () => resolve()));
          t.worker.postMessage([{ type: 'close' }] satisfies ToValidateThread[]);
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            exited,
            new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
          ]);
          clearTimeout(timer);
        }
        await t.worker.terminate();
      }),
    );
  }
}
