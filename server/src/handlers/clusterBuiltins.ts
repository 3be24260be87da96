import { Worker } from 'node:worker_threads';
import type { ClusterOpenApiParams } from '../protocol';
import { ConvertedBuiltinSchemas, type BuiltinSchemaSource } from '../kubernetes/builtinSchemas';
import type { OpenApiConversion } from '../kubernetes/clusterOpenApi';

/** The conversion thread's heap; documents that need more end the thread with a message. */
const WORKER_HEAP_MB = 1024;
/** A conversion taking longer is stopped (about 0.3 s for Kubernetes v1.36's built-in groups). */
const TIMEOUT_MS = 120_000;

interface ContextState {
  /** The parts of a set received so far (see {@link ClusterOpenApiParams.part}). */
  parts?: { count: number; next: number; documents: ClusterOpenApiParams['documents'] };
  source?: ConvertedBuiltinSchemas;
  problem?: string;
  /** The notification being converted; a newer one for the context supersedes it. */
  pending?: object;
}

/**
 * The built-in kinds' schemas of the shown clusters (`flux/clusterOpenApi`): each context's documents
 * are converted on a worker thread of its own (server/out/openapi-worker.js), and the result
 * replaces the bundled schemas while the context is shown. With several contexts, the one whose
 * name sorts last answers (as for their CRDs); the bundled schemas answer again when it is forgotten.
 * `apply` is told which source to use now; it is called after every change.
 */
export class ClusterBuiltins {
  private readonly contexts = new Map<string, ContextState>();

  constructor(
    private readonly script: string,
    private readonly bundled: () => BuiltinSchemaSource | undefined,
    private readonly apply: (source: BuiltinSchemaSource | undefined) => void,
    private readonly log: { info(m: string): void; warn(m: string): void },
  ) {}

  /** Handles one notification; resolves once its documents are converted (or refused). */
  async set(p: ClusterOpenApiParams): Promise<void> {
    if (typeof p?.context !== 'string') return;
    let documents = Array.isArray(p.documents) ? p.documents : [];
    if (p.part && documents.length > 0) {
      const state = this.contexts.get(p.context) ?? {};
      this.contexts.set(p.context, state);
      const { index, count } = p.part;
      if (index === 0) state.parts = { count, next: 0, documents: [] };
      if (!state.parts || state.parts.count !== count || state.parts.next !== index) {
        // A part out of order (cannot happen on one connection): the set is not used.
        delete state.parts;
        return;
      }
      state.parts.documents.push(...documents);
      state.parts.next++;
      if (index < count - 1) return;
      documents = state.parts.documents;
      delete state.parts;
    }
    if (documents.length === 0) {
      if (typeof p.problem === 'string') {
        this.contexts.set(p.context, { problem: p.problem });
        this.log.warn(`cluster ${p.context}: its built-in schemas are not used: ${p.problem}`);
      } else this.contexts.delete(p.context);
      this.update();
      return;
    }
    const token = {};
    const state = this.contexts.get(p.context) ?? {};
    state.pending = token;
    this.contexts.set(p.context, state);
    const started = performance.now();
    const r = await this.convert(documents);
    if (this.contexts.get(p.context)?.pending !== token) return; // superseded or forgotten meanwhile
    delete state.pending;
    if (!r.ok) {
      delete state.source;
      state.problem = `its OpenAPI documents could not be used: ${r.problem}`;
      this.log.warn(`cluster ${p.context}: ${state.problem}`);
    } else {
      delete state.problem;
      const version = typeof p.kubernetesVersion === 'string' ? p.kubernetesVersion : 'version unknown';
      state.source = new ConvertedBuiltinSchemas(
        { kind: 'cluster', context: p.context, kubernetesVersion: version },
        { kinds: r.kinds, schemas: new Map(r.schemas) },
      );
      const bytes = documents.reduce((n, d) => n + (typeof d.text === 'string' ? d.text.length : 0), 0);
      const kept = r.schemas.reduce((n, [, text]) => n + text.length, 0);
      this.log.info(
        `cluster ${p.context}: ${r.kinds.length} built-in kinds (Kubernetes ${version}) from ${documents.length} OpenAPI documents (${Math.round(bytes / 1024)} KiB), converted off the request thread in ${Math.round(performance.now() - started)} ms (parse ${Math.round(r.parseMs)} ms, convert ${Math.round(r.convertMs)} ms); ${Math.round(kept / 1024)} KiB of schemas kept`,
      );
    }
    this.update();
  }

  /**
   * Why a shown cluster's own schemas are not in use while the bundled ones are, e.g. "cluster
   * prod: forbidden: get /openapi/v3 (RBAC)"; undefined when a cluster's schemas answer or all is well.
   */
  note(): string | undefined {
    if (this.active()) return undefined;
    const notes = [...this.contexts.entries()]
      .filter(([, s]) => s.problem)
      .map(([name, s]) => `cluster ${name}: ${s.problem}`);
    return notes.length ? notes.join('; ') : undefined;
  }

  private active(): ConvertedBuiltinSchemas | undefined {
    const names = [...this.contexts.keys()].filter((n) => this.contexts.get(n)!.source).sort();
    const last = names[names.length - 1];
    return last === undefined ? undefined : this.contexts.get(last)!.source;
  }

  private update(): void {
    this.apply(this.active() ?? this.bundled());
  }

  /** One thread per conversion (they are rare), ended when it answers, fails or runs too long. */
  private convert(documents: ClusterOpenApiParams['documents']): Promise<OpenApiConversion> {
    return new Promise((resolve) => {
      let worker: Worker;
      try {
        worker = new Worker(this.script, {
          workerData: { documents },
          resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
        });
      } catch (err) {
        resolve({ ok: false, problem: `the conversion thread did not start: ${(err as Error).message}` });
        return;
      }
      let done = false;
      const finish = (r: OpenApiConversion): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
        void worker.terminate();
      };
      const timer = setTimeout(
        () => finish({ ok: false, problem: `their conversion took longer than ${TIMEOUT_MS / 1000} s` }),
        TIMEOUT_MS,
      );
      worker.on('message', (r: OpenApiConversion) => finish(r));
      worker.on('error', (err: Error & { code?: string }) =>
        finish({
          ok: false,
          problem:
            err.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `their conversion needed more than ${WORKER_HEAP_MB} MB of memory and was stopped`
              : `the conversion thread failed: ${err.message}`,
        }),
      );
      worker.on('exit', () =>
        finish({ ok: false, problem: 'the conversion thread ended without an answer' }),
      );
    });
  }
}
