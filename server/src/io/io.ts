// I/O passed into the domain code (BuildFs, Spawner) and path helpers (paths.ts); imports nothing
// of the project.

import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { promisify } from 'node:util';

// The callback API, promisified: several times faster than fs.promises for many small files
// (measured on 1,119 files of a real repository: 47-74 ms against 115-137 ms).
export const readFileP = promisify(nodeFs.readFile);
export const readdirP = promisify(nodeFs.readdir);
export const statP = promisify(nodeFs.stat);

/** Reads a file's text from disk; undefined when unreadable (used to tell dirty buffers). */
export async function diskText(file: string): Promise<string | undefined> {
  return nodeFs.promises.readFile(file, 'utf8').catch(() => undefined);
}

/**
 * The I/O the build engine needs, passed in so the domain code is testable and so the server can
 * serve unsaved editor buffers. Paths are absolute.
 */
export interface BuildFs {
  readFile(file: string): Promise<string>;
  /** Entries of a directory, with their kind. Symlinks are reported as what they point to. */
  readDir(dir: string): Promise<Array<{ name: string; isDir: boolean; isFile: boolean }>>;
  /** 'file', 'dir' or undefined when the path does not exist. */
  kind(p: string): Promise<'file' | 'dir' | undefined>;
}

export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process was stopped because of the timeout, a cancellation or too much output. */
  stopped?: 'timeout' | 'cancelled' | 'output-limit';
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
}

export interface SpawnOptions {
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  maxOutputBytes: number;
}

/** Runs a program and collects its output. Never throws for process failures. */
export type Spawner = (command: string, args: string[], options: SpawnOptions) => Promise<SpawnResult>;

/** The real file system, with editor buffers (absolute path -> text) taking precedence. */
export function nodeBuildFs(overlay: ReadonlyMap<string, string> = new Map()): BuildFs {
  return {
    async readFile(file) {
      return overlay.get(file) ?? readFileP(file, 'utf8');
    },
    async readDir(dir) {
      const entries = await readdirP(dir, { withFileTypes: true });
      const out: Array<{ name: string; isDir: boolean; isFile: boolean }> = [];
      for (const e of entries) {
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          const st = await statP(`${dir}/${e.name}`).catch(() => undefined);
          isDir = st?.isDirectory() ?? false;
          isFile = st?.isFile() ?? false;
        }
        out.push({ name: e.name, isDir, isFile });
      }
      return out;
    },
    async kind(p) {
      if (overlay.has(p)) return 'file';
      const st = await statP(p).catch(() => undefined);
      return st ? (st.isDirectory() ? 'dir' : 'file') : undefined;
    },
  };
}

/** Spawns with child_process, killing the process group on timeout, cancellation or output flood. */
export const nodeSpawner: Spawner = (command, args, options) =>
  new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      });
    } catch (err) {
      resolve({ code: null, stdout: '', stderr: '', spawnError: err as NodeJS.ErrnoException });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let stopped: SpawnResult['stopped'];
    let settled = false;
    const stop = (why: NonNullable<SpawnResult['stopped']>): void => {
      if (stopped || settled) return;
      stopped = why;
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = (): void => stop('cancelled');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.maxOutputBytes) stop('output-limit');
      else into.push(chunk);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    const finish = (code: number | null, spawnError?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(stopped ? { stopped } : {}),
        ...(spawnError ? { spawnError } : {}),
      });
    };
    child.on('error', (e) => finish(null, e as NodeJS.ErrnoException));
    child.on('close', (code) => finish(code));
  });
