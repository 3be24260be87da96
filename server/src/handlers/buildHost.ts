import { Worker } from 'node:worker_threads';
import type {
  BuildParams,
  BuildResult,
  BuildSettings,
  ClusterObjectParams,
  ClusterObjectResult,
  GitRevisionParams,
  GitRevisionResult,
} from '../protocol';
import type { BuildContext } from '../service/buildPreview';
import { gitRevisionOf } from '../service/gitRevision';
import { nodeSpawner } from '../io/io';

/** A build request as the build worker receives it (plain data: it crosses threads). */
export interface BuildJob {
  type: 'build';
  id: number;
  params: BuildParams;
  settings: BuildSettings;
  roots: string[];
  buffers: Array<[string, string]>;
  canAskCluster: boolean;
}

/** Whether the build may ask the client for a cluster's objects (see {@link ClusterQuestion}). */
export interface BuildJobOptions {
  canAskCluster: boolean;
}

export type BuildJobReply =
  | { id: number; result: BuildResult }
  | { id: number; bug: string }
  | ClusterQuestion;

/** Worker -> host: the build reads a cluster's ConfigMap or Secret; the host asks the client. */
export interface ClusterQuestion {
  type: 'askCluster';
  id: number;
  question: number;
  params: ClusterObjectParams;
}

/** Host -> worker: the answer to a {@link ClusterQuestion}. */
export interface ClusterAnswer {
  type: 'clusterAnswer';
  question: number;
  result?: ClusterObjectResult;
  error?: string;
}

/** Beyond the build's own timeout (which stops kustomize), the time its JavaScript work may take. */
const GRACE_MS = 10_000;
/** The worker's heap; a build that needs more is stopped with a message (the server lives on). */
const WORKER_HEAP_MB = 768;

interface Pending {
  resolve: (r: BuildResult) => void;
  askCluster: BuildContext['askCluster'];
  params: BuildParams;
  started: number;
  timer: NodeJS.Timeout;
}

/**
 * Runs build previews in a worker thread (server/out/build-worker.js). A build past its time
 * limit (`build.timeout` plus a grace for its own work) or its memory limit is stopped by ending
 * the thread, and answered with an error saying so; a cancellation is passed on. The worker is
 * started on the first build and again after it was ended, so its caches (parent builds) last
 * across builds.
 */
export class BuildWorkerHost {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly script: string,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * A revision's commit: git commands only (child processes), so it runs here, without the build
   * engine (which only the worker loads: the server's bundle leaves it out, and starts sooner).
   */
  gitRevision(params: GitRevisionParams, signal?: AbortSignal): Promise<GitRevisionResult> {
    return gitRevisionOf(nodeSpawner, params, signal);
  }

  build(params: BuildParams, ctx: BuildContext): Promise<BuildResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const limitMs = ctx.settings.build.timeout * 1000 + GRACE_MS;
    return new Promise<BuildResult>((resolve) => {
      const timer = setTimeout(
        () =>
          this.stop(
            `the build did not finish within ${Math.round(limitMs / 1000)} s (setting fluxWorkbench.build.timeout plus ${GRACE_MS / 1000} s for its own work) and was stopped`,
          ),
        limitMs,
      );
      this.pending.set(id, { resolve, params, started: Date.now(), timer, askCluster: ctx.askCluster });
      ctx.signal?.addEventListener('abort', () => worker.postMessage({ type: 'cancel', id }), { once: true });
      const job: BuildJob = {
        type: 'build',
        id,
        params,
        settings: ctx.settings,
        roots: [...ctx.roots],
        buffers: [...ctx.buffers],
        canAskCluster: ctx.askCluster !== undefined,
      };
      worker.postMessage(job);
    });
  }

  dispose(): void {
    this.stop('the language server is stopping');
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    worker.on('message', (reply: BuildJobReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      if ('type' in reply) {
        const answer = (a: Omit<ClusterAnswer, 'type' | 'question'>): void =>
          worker.postMessage({
            type: 'clusterAnswer',
            question: reply.question,
            ...a,
          } satisfies ClusterAnswer);
        if (!p.askCluster) answer({ error: 'no cluster connection' });
        else
          p.askCluster(reply.params).then(
            (result) => answer({ result }),
            (err: unknown) => answer({ error: (err as Error).message }),
          );
        return;
      }
      this.pending.delete(reply.id);
      clearTimeout(p.timer);
      if ('result' in reply) p.resolve(reply.result);
      else {
        this.log(`build of ${p.params.uri} failed with an internal error: ${reply.bug}`);
        p.resolve(failure(p, `internal error of the build: ${reply.bug.split('\n')[0]}`));
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const why =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the build needed more than ${WORKER_HEAP_MB} MB of memory and was stopped`
          : `the build thread failed: ${err.message}`;
      this.stop(why);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.stop('the build thread ended');
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the worker; every build still running on it is answered with `why`. */
  private stop(why: string): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.resolve(failure(p, why));
    }
    if (worker) void worker.terminate();
  }
}

function failure(p: Pending, message: string): BuildResult {
  return {
    ok: false,
    yaml: '',
    objectCount: 0,
    title: p.params.uri.split('/').pop() ?? p.params.uri,
    files: [],
    overlays: [],
    variables: [],
    unresolved: [],
    warnings: [],
    errors: [{ message }],
    durationMs: Date.now() - p.started,
    ...(p.params.revision ? { revision: p.params.revision } : {}),
  };
}
