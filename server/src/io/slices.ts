/**
 * Long work on the main thread, cut into slices: between two slices the thread is handed back
 * (setImmediate), so requests that arrived meanwhile are answered before the work goes on.
 */
export class SliceClock {
  private sliceStart = performance.now();
  private cpuStart = process.cpuUsage();
  private cpuSpentUs = 0;

  constructor(private readonly sliceMs: number) {}

  /**
   * CPU time spent in the slices so far, in milliseconds (the process's, yields excluded): a budget
   * in CPU time means the same on a busy machine as on an idle one, where wall time would not.
   */
  get spentMs(): number {
    const now = process.cpuUsage(this.cpuStart);
    return (this.cpuSpentUs + now.user + now.system) / 1000;
  }

  /** Yields when the current slice has lasted `sliceMs`; resolves true when it yielded. */
  async yieldIfDue(): Promise<boolean> {
    if (performance.now() - this.sliceStart < this.sliceMs) return false;
    const used = process.cpuUsage(this.cpuStart);
    this.cpuSpentUs += used.user + used.system;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    this.cpuStart = process.cpuUsage();
    return true;
  }
}
