/**
 * CPU time of this thread (Node >= 23.9), else of the process: the schema workers' threads must
 * not use up a budget of the main thread's.
 */
const threadCpu: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage =
  (process as { threadCpuUsage?: (p?: NodeJS.CpuUsage) => NodeJS.CpuUsage }).threadCpuUsage?.bind(process) ??
  process.cpuUsage.bind(process);

/**
 * Long work on the main thread, cut into slices: between two slices the thread is handed back, so
 * requests that arrived meanwhile are answered before the work goes on.
 *
 * A yield gives up several turns of the event loop, not one: the language server's connection
 * moves each message on by one `setImmediate` (read, handled, written), so with a single turn a
 * request and a long piece of work alternate, and every request waited one whole slice (20 ms) to
 * be read and another before its answer was written. Measured on the first completion after start
 * while the opened 5,005-line file is parsed: 26 ms between the answer and its arrival at the
 * client with one turn, under 1 ms with four. The extra turns cost microseconds when idle.
 */
const YIELD_TURNS = 4;

export class SliceClock {
  private sliceStart = performance.now();
  private cpuStart = threadCpu();
  private cpuSpentUs = 0;

  constructor(private readonly sliceMs: number) {}

  /**
   * CPU time spent in the slices so far, in milliseconds (this thread's (see threadCpu), yields excluded): a budget
   * in CPU time means the same on a busy machine as on an idle one, where wall time would not.
   */
  get spentMs(): number {
    const now = threadCpu(this.cpuStart);
    return (this.cpuSpentUs + now.user + now.system) / 1000;
  }

  /** Yields when the current slice has lasted `sliceMs`; resolves true when it yielded. */
  async yieldIfDue(): Promise<boolean> {
    if (performance.now() - this.sliceStart < this.sliceMs) return false;
    await this.yieldNow();
    return true;
  }

  /** Hands the thread back now (and starts a new slice). */
  async yieldNow(): Promise<void> {
    const used = threadCpu(this.cpuStart);
    this.cpuSpentUs += used.user + used.system;
    for (let turn = 0; turn < YIELD_TURNS; turn++)
      await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    this.cpuStart = threadCpu();
  }
}
