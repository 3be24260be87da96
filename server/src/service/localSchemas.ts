import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every refusal starts so, which is how a diagnostic about it is recognised. */
export const NOT_FOLLOWED = 'not followed:';

/**
 * Which local files a `$schema` key or modeline may make the server read. A repository is input
 * from other people, and the editor opens it before anyone reads it: only regular files inside the
 * workspace folders are read, only in a trusted workspace, and only up to a size. Devices, FIFOs,
 * sockets and anything a symbolic link leads out of the workspace are refused without opening
 * them for reading (a FIFO would block, /dev/zero would never end).
 */
export class LocalSchemaPolicy {
  constructor(
    private readonly roots: () => readonly string[],
    private readonly trusted: () => boolean,
    readonly maxBytes = 4 * 1024 * 1024,
  ) {}

  /** A policy that follows nothing (no workspace, no trust): the default until one is given. */
  static none(): LocalSchemaPolicy {
    return new LocalSchemaPolicy(
      () => [],
      () => false,
    );
  }

  /** Why `uri` would not be read, or undefined when it would. Never throws. */
  async refusal(uri: string): Promise<string | undefined> {
    try {
      await this.read(uri, true);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** The text of a schema file; throws an Error whose message says why it is not read. */
  async read(uri: string, checkOnly = false): Promise<string> {
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch {
      throw new Error(`${NOT_FOLLOWED} ${uri} is not a local file path`);
    }
    if (!this.trusted())
      throw new Error(`${NOT_FOLLOWED} local schema files are read only in a trusted workspace (${file})`);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      throw new Error(`${NOT_FOLLOWED} ${file} does not exist`);
    }
    const roots = await Promise.all(this.roots().map((r) => realpath(r).catch(() => path.resolve(r))));
    if (!roots.some((r) => real.startsWith(r.endsWith(path.sep) ? r : r + path.sep)))
      throw new Error(`${NOT_FOLLOWED} ${file} is outside the workspace folders`);
    // Non-blocking, no link followed: a FIFO swapped in after realpath() cannot make us wait.
    const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(
      (err: NodeJS.ErrnoException) => {
        throw new Error(`${NOT_FOLLOWED} ${file} cannot be opened (${err.code ?? err.message})`);
      },
    );
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new Error(`${NOT_FOLLOWED} ${file} is not a regular file`);
      if (st.size > this.maxBytes)
        throw new Error(
          `${NOT_FOLLOWED} ${file} is ${Math.round(st.size / 1048576)} MB, larger than ${this.maxBytes / 1048576} MB`,
        );
      if (checkOnly) return '';
      const buffer = Buffer.alloc(Math.min(st.size, this.maxBytes) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > this.maxBytes) throw new Error(`${NOT_FOLLOWED} ${file} grew larger than the limit`);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  }
}
