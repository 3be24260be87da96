import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';

/** How long a request waits for what it needs before it is refused with the reason. */
export const READY_WAIT_MS = 10_000;

/**
 * Holds requests that arrive before what they need is loaded (the bundled schemas at start), so
 * that none is answered from a half-loaded server: an empty completion list would tell the user
 * there is nothing to complete. The wait is bounded; past it the request fails with a message
 * naming what is missing, which the editor logs, instead of a silently wrong answer.
 */
export class ReadinessGate {
  private done = false;

  constructor(
    private readonly ready: Promise<void>,
    private readonly what: string,
    private readonly waitMs = READY_WAIT_MS,
  ) {
    void ready.then(() => (this.done = true));
  }

  get isReady(): boolean {
    return this.done;
  }

  /** Resolves once ready; rejects with a ResponseError after the bound. */
  async wait(request: string): Promise<void> {
    if (this.done) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.waitMs)));
    try {
      const r = await Promise.race([this.ready.then(() => 'ready' as const), late]);
      if (r === 'late')
        throw new ResponseError(
          LSPErrorCodes.RequestFailed,
          `Flux Workbench cannot answer ${request} yet: ${this.what} are still loading after ${Math.round(this.waitMs / 1000)} s. Try again in a moment; the output channel "Flux Workbench" says more if loading failed.`,
        );
    } finally {
      clearTimeout(timer);
    }
  }
}
