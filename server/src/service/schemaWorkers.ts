import { Worker } from 'node:worker_threads';
import type { Diagnostic } from 'vscode-languageserver-types';

/** A document for the schema engine, and the generation of the schemas it is to be judged by. */
export interface SchemaJob {
  uri: string;
  languageId: string;
  text: string;
  generation: number;
}

/** Several jobs of one schema generation in one message (one answer): fewer messages each way. */
export type SchemaWorkerRequest =
  | {
      type: 'validate';
      id: number;
      generation: number;
      documents: Array<Omit<SchemaJob, 'generation'>>;
    }
  | { type: 'schemaText'; question: number; text: string; error?: undefined }
  | { type: 'schemaText'; question: number; text?: undefined; error: string };

export type SchemaWorkerReply =
  | { type: 'schema'; question: number; uri: string }
  | { type: 'result'; id: number; diagnostics: Diagnostic[][] }
  | { type: 'failed'; id: number; message: string };

/** The engine's findings, or why there are none: the job was stopped (a limit, a failure). */
export type SchemaVerdict = { diagnostics: Diagnostic[] } | { stopped: string };

export interface SchemaWorkerOptions {
  /** server/out/schema-worker.js */
  script: string;
  /** How many threads at most (each one job at a time). */
  threads: number;
  /** A job running longer than this (wall time: it runs beside the main thread) is stopped. */
  timeLimitMs: number;
  /** Heap of each thread; a job needing more is stopped, not the server. */
  heapMb: number;
  /** Answers the engine's schema requests (the main thread holds the schemas). */
  requestSchema: (uri: string) => Promise<string>;
}

interface Queued {
  job: SchemaJob;
  resolve: (v: SchemaVerdict | undefined) => void;
  isCancelled: (() => boolean) | undefined;
}

interface Slot {
  worker: Worker | undefined;
  running: { jobs: Queued[]; id: number; timer: NodeJS.Timeout } | undefined;
}

/** A message takes queued jobs up to this many characters of text (at least one job). */
const BATCH_CHARS = 64 * 1024;
const BATCH_JOBS = 256;

/**
 * Runs the schema engine on worker threads: documents whose validation could hold the main thread
 * past its budget (large ones), or every document of a command-line run, which so uses both cores.
 * Each thread takes one message of jobs at a time (queued jobs of one schema generation, up to
 * BATCH_CHARS of text); threads start on the first job and again after one was ended (a message
 * over its time or memory limit, whose jobs are answered with why). A cancelled job still
 * queued is dropped (answered `undefined`); one running finishes on its thread and its result is
 * dropped, since ending the thread would cost the next job the engine's start and its schemas.
 */
export class SchemaWorkers {
  private readonly queue: Queued[] = [];
  private readonly slots: Slot[];
  private nextId = 1;

  constructor(private readonly options: SchemaWorkerOptions) {
    this.slots = Array.from({ length: Math.max(1, options.threads) }, () => ({
      worker: undefined,
      running: undefined,
    }));
  }

  validate(job: SchemaJob, isCancelled?: () => boolean): Promise<SchemaVerdict | undefined> {
    return new Promise((resolve) => {
      this.queue.push({ job, resolve, isCancelled });
      this.dispatch();
    });
  }

  /** Ends every thread; jobs still running or queued are answered with `why`. */
  dispose(why = 'the language server is stopping'): void {
    for (const q of this.queue.splice(0)) q.resolve({ stopped: why });
    for (const slot of this.slots) this.end(slot, why);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.running) continue;
      // The jobs of the message, taken off the queue at once (a queue of 25,000 jobs is common
      // for `validate`; shifting them one by one would move the rest each time).
      const jobs: Queued[] = [];
      let chars = 0;
      let taken = 0;
      for (; taken < this.queue.length && jobs.length < BATCH_JOBS; taken++) {
        const next = this.queue[taken]!;
        if (next.isCancelled?.()) {
          next.resolve(undefined);
          continue;
        }
        const fits =
          jobs.length === 0 ||
          (next.job.generation === jobs[0]!.job.generation && chars + next.job.text.length <= BATCH_CHARS);
        if (!fits) break;
        jobs.push(next);
        chars += next.job.text.length;
      }
      this.queue.splice(0, taken);
      if (!jobs.length) break;
      const worker = (slot.worker ??= this.start(slot));
      worker.ref();
      const id = this.nextId++;
      const limit = this.options.timeLimitMs;
      const timer = setTimeout(
        () =>
          this.end(
            slot,
            `the schema engine did not finish within ${limit < 1000 ? `${limit} ms` : `${Math.round(limit / 1000)} s`} and was stopped`,
          ),
        limit,
      );
      slot.running = { jobs, id, timer };
      const request: SchemaWorkerRequest = {
        type: 'validate',
        id,
        generation: jobs[0]!.job.generation,
        documents: jobs.map(({ job: { uri, languageId, text } }) => ({ uri, languageId, text })),
      };
      worker.postMessage(request);
    }
  }

  private start(slot: Slot): Worker {
    const worker = new Worker(this.options.script, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
    });
    worker.on('message', (m: SchemaWorkerReply) => {
      if (m.type === 'schema') {
        this.options.requestSchema(m.uri).then(
          (text) => worker.postMessage({ type: 'schemaText', question: m.question, text }),
          (err: unknown) =>
            worker.postMessage({ type: 'schemaText', question: m.question, error: (err as Error).message }),
        );
        return;
      }
      const running = slot.running;
      if (!running || running.id !== m.id) return;
      this.finish(slot, m.type === 'result' ? m.diagnostics : { stopped: m.message });
    });
    worker.on('error', (err: Error & { code?: string }) => {
      this.end(
        slot,
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the schema engine needed more than ${this.options.heapMb} MB of memory and was stopped`
          : `the schema engine's thread failed: ${err.message}`,
      );
    });
    worker.on('exit', () => {
      if (slot.worker === worker) this.end(slot, "the schema engine's thread ended");
    });
    return worker;
  }

  /** Answers the slot's jobs: each its findings, or all the same stop. */
  private finish(slot: Slot, outcome: Diagnostic[][] | { stopped: string }): void {
    const running = slot.running!;
    clearTimeout(running.timer);
    slot.running = undefined;
    running.jobs.forEach((q, i) => {
      const verdict = Array.isArray(outcome) ? { diagnostics: outcome[i] ?? [] } : outcome;
      q.resolve(q.isCancelled?.() ? undefined : verdict);
    });
    if (!this.queue.length) slot.worker?.unref(); // an idle thread keeps no process alive
    this.dispatch();
  }

  /** Ends the slot's thread, answering its running job with `why`. */
  private end(slot: Slot, why: string): void {
    const worker = slot.worker;
    slot.worker = undefined;
    if (slot.running) this.finish(slot, { stopped: why });
    if (worker) void worker.terminate();
  }
}
