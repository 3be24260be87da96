/**
 * Long work on the main thread, cut into slices: between two slices the thread is handed back
 * (setImmediate), so requests that arrived meanwhile are answered before the work goes on.
 */
export class SliceClock {
  /** Time spent in the slices so far (this thread's time for this work, yields excluded). */
  spentMs = 0;
  private sliceStart = performance.now();

  constructor(private readonly sliceMs: number) {}

  /** Yields when the current slice has lasted `sliceMs`; resolves true when it yielded. */
  async yieldIfDue(): Promise<boolean> {
    const now = performance.now();
    if (now - this.sliceStart < this.sliceMs) return false;
    this.spentMs += now - this.sliceStart;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    return true;
  }
}
