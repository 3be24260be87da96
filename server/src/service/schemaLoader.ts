import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export interface RemoteSchemaOptions {
  /** When false, no request leaves the machine: remote schemas are reported as not loaded. */
  enabled: boolean;
  timeoutMs: number;
  /** Folder for the on-disk cache; none means memory only. */
  cacheDir?: string;
  /** Largest schema accepted (bytes); a larger answer is cut off and refused. */
  maxBytes?: number;
}

/** Remote schemas are JSON Schema documents: the largest in common use are a few megabytes. */
export const MAX_REMOTE_SCHEMA_BYTES = 16 * 1024 * 1024;

/** The body of a response, refused once it grows past `max` bytes (the rest is never read). */
async function readLimited(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new Error(`larger than ${Math.round(max / 1048576)} MB (${Math.round(declared / 1048576)} MB)`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new Error(`larger than ${Math.round(max / 1048576)} MB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Loads schemas named by URL (modelines, `$schema`), with a memory cache for the session and an
 * on-disk cache across sessions. Failures are remembered for the session, so an offline machine
 * pays for each URL once.
 */
export class RemoteSchemaLoader {
  private readonly memory = new Map<string, Promise<string>>();
  /** Whether each URL's text is JSON, once per text loaded (a schema can be megabytes). */
  private readonly verdicts = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();
  constructor(private options: RemoteSchemaOptions) {}

  configure(options: RemoteSchemaOptions): void {
    if (options.enabled !== this.options.enabled) {
      this.memory.clear();
      this.verdicts.clear();
    }
    this.options = options;
  }

  load(url: string): Promise<string> {
    let p = this.memory.get(url);
    if (!p) {
      p = this.fetchOrCache(url);
      this.memory.set(url, p);
    }
    return p;
  }

  /**
   * Whether the URL loads; never throws. A load still running after `waitMs` answers
   * `pending` (the caller uses the Flux schemas meanwhile, so no request waits on the network).
   */
  async check(
    url: string,
    waitMs = Infinity,
  ): Promise<{ ok: true } | { ok: false; reason: string; pending?: true }> {
    let result = this.verdicts.get(url);
    if (!result) {
      result = this.load(url)
        .then((text) => {
          JSON.parse(text);
          return { ok: true as const };
        })
        .catch((err: unknown) => ({ ok: false as const, reason: (err as Error).message }));
      this.verdicts.set(url, result);
    }
    if (!Number.isFinite(waitMs)) return result;
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<{ ok: false; reason: string; pending: true }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: 'still loading', pending: true }), waitMs);
    });
    try {
      return await Promise.race([result, pending]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetchOrCache(url: string): Promise<string> {
    const cacheFile = this.options.cacheDir
      ? path.join(
          this.options.cacheDir,
          createHash('sha256').update(url).digest('hex').slice(0, 32) + '.json',
        )
      : undefined;
    if (cacheFile) {
      try {
        return await readFile(cacheFile, 'utf8');
      } catch {
        // not cached yet
      }
    }
    if (!/^https?:\/\//.test(url)) throw new Error(`unsupported schema location ${url}`);
    if (!this.options.enabled)
      throw new Error('remote schemas are off (setting fluxWorkbench.schemas.remote)');
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Error(cause ? `unreachable (${cause})` : (err as Error).message);
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await readLimited(res, this.options.maxBytes ?? MAX_REMOTE_SCHEMA_BYTES);
    JSON.parse(text); // refuse to cache garbage
    if (cacheFile) {
      await mkdir(path.dirname(cacheFile), { recursive: true });
      await writeFile(cacheFile, text);
    }
    return text;
  }
}
