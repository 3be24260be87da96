import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export interface RemoteSchemaOptions {
  /** When false, no request leaves the machine: remote schemas are reported as not loaded. */
  enabled: boolean;
  timeoutMs: number;
  /** Folder for the on-disk cache; none means memory only. */
  cacheDir?: string;
}

/**
 * Loads schemas named by URL (modelines, `$schema`), with a memory cache for the session and an
 * on-disk cache across sessions. Failures are remembered for the session, so an offline machine
 * pays for each URL once.
 */
export class RemoteSchemaLoader {
  private readonly memory = new Map<string, Promise<string>>();
  constructor(private options: RemoteSchemaOptions) {}

  configure(options: RemoteSchemaOptions): void {
    if (options.enabled !== this.options.enabled) this.memory.clear();
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

  /** Whether the URL loads; never throws. */
  async check(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      const text = await this.load(url);
      JSON.parse(text);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
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
    const text = await res.text();
    JSON.parse(text); // refuse to cache garbage
    if (cacheFile) {
      await mkdir(path.dirname(cacheFile), { recursive: true });
      await writeFile(cacheFile, text);
    }
    return text;
  }
}
