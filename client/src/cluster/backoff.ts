// Retry timing for the list+watch loop: exponential with jitter (so that a hundred watches that
// broke together do not come back together, the reconnect storm of client-node #1933 and
// podman-desktop #9348), honouring the server's Retry-After, and how each failure is classified.

/** Exponential backoff with "equal jitter": a delay in [d/2, d], d doubling from base to cap. */
export class Backoff {
  private attempt = 0;

  constructor(
    readonly baseMs: number,
    readonly capMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The next delay. When the server said when to come back (Retry-After), that time plus up to a
   * second of jitter, so that every watch does not return in the same instant.
   */
  next(retryAfterMs?: number): number {
    if (retryAfterMs !== undefined && retryAfterMs > 0)
      return Math.round(
        Math.min(retryAfterMs, this.capMs * 4) + this.random() * Math.min(1000, retryAfterMs),
      );
    const d = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(d / 2 + this.random() * (d / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** What to do after a failed list or watch request. */
export type FailureClass =
  | { kind: 'gone' } // 410: relist
  | { kind: 'unauthorized' } // 401 after one re-authentication
  | { kind: 'forbidden' } // 403
  | { kind: 'notFound' } // 404: the resource is not served (CRD not installed)
  | { kind: 'transient' }; // network, 5xx, 408, 429, anything else

export function classifyStatus(status: number): FailureClass {
  if (status === 410) return { kind: 'gone' };
  if (status === 401) return { kind: 'unauthorized' };
  if (status === 403) return { kind: 'forbidden' };
  if (status === 404) return { kind: 'notFound' };
  return { kind: 'transient' };
}

/** The watch's server-side timeout: 5-10 min, random per watch, as client-go's reflector. */
export function watchTimeoutSeconds(random: () => number = Math.random): number {
  return Math.floor(300 + random() * 300);
}
