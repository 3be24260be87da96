/**
 * What yaml-language-server logs about a user's file rather than about itself. Its Kubernetes kind
 * detection reads the root node of every document it is asked about, and for a document without
 * one (an empty file, a document of comments only) catches the TypeError and logs it with
 * console.error, then goes on without a kind: the answer is right, the error line is not. Hover
 * and completion in an empty file are ordinary use, so that line must not reach the log as an error.
 */

/** Whether console.error arguments are the engine's "document has no root node" line. */
export function isEngineNoRootLine(args: readonly unknown[]): boolean {
  const [first, err] = args;
  return (
    first === 'Error parsing YAML document:' &&
    err instanceof TypeError &&
    /\(reading 'internalNode'\)/.test(err.message)
  );
}

/** Drops the engine's no-root lines from `target.error` (the server's console, bound to the client's log). */
export function quietEngineNoise(target: Pick<Console, 'error'>): void {
  const error = target.error.bind(target);
  target.error = (...args: unknown[]) => {
    if (!isEngineNoRootLine(args)) error(...args);
  };
}
