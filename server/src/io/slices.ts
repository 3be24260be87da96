/** Sliced work waiting for its next slice, first come first served (see {@link nextTurn}). */
const waiting: Array<() => void> = [];
let resumeScheduled = false;

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

/**
 * Resolves after {@link YIELD_TURNS} turns of the event loop, when no other sliced work is before
 * it: one waiter is resumed at a time, so however many pieces of sliced work run at once (a
 * validation, the indexing of the same file, the workspace findings), a request that arrives waits
 * for one slice, not for one slice of each.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!resumeScheduled) scheduleResume();
  });
}

function scheduleResume(): void {
  resumeScheduled = true;
  let turns = 0;
  const turn = (): void => {
    if (++turns < YIELD_TURNS) setImmediate(turn);
    else resumeOne();
  };
  setImmediate(turn);
}

function resumeOne(): void {
  resumeScheduled = false;
  const resume = waiting.shift();
  if (waiting.length) scheduleResume();
  resume?.();
}

export class SliceClock {
  private sliceStart = performance.now();
  /** The CPU time at the start of the current slice, read from the first yield on. */
  private cpuStart: NodeJS.CpuUsage | undefined;
  private cpuSpentUs = 0;

  /**
   * `countCpu`: the clock keeps {@link spentMs} (a budget). Such a clock reads the CPU time only
   * once the work has yielded, at each yield and resume; its first slice is counted in wall time
   * (never less than its CPU time). The reading is a system call, and where the thread's own reading
   * is missing (Node < 23.9) it is the whole process's, which locks over every thread: measured
   * 0.3-1.4 ms a reading in a thread while two others parse (`validate` made one per file when
   * every clock read it at its start).
   */
  constructor(
    private readonly sliceMs: number,
    private readonly countCpu = false,
  ) {}

  /**
   * CPU time spent in the slices so far, in milliseconds (this thread's (see threadCpu), yields excluded): a budget
   * in CPU time means the same on a busy machine as on an idle one, where wall time would not.
   */
  get spentMs(): number {
    if (!this.countCpu) throw new Error('SliceClock: made without countCpu');
    if (!this.cpuStart) return this.cpuSpentUs / 1000 + (performance.now() - this.sliceStart);
    const now = threadCpu(this.cpuStart);
    return (this.cpuSpentUs + now.user + now.system) / 1000;
  }

  /** Whether the current slice has lasted `sliceMs` (a loop may ask this before it awaits). */
  get due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  /** Yields when the current slice has lasted `sliceMs`; resolves true when it yielded. */
  async yieldIfDue(): Promise<boolean> {
    if (!this.due) return false;
    await this.yieldNow();
    return true;
  }

  /** Hands the thread back now (and starts a new slice). */
  async yieldNow(): Promise<void> {
    if (this.countCpu) {
      if (this.cpuStart) {
        const used = threadCpu(this.cpuStart);
        this.cpuSpentUs += used.user + used.system;
      } else this.cpuSpentUs += (performance.now() - this.sliceStart) * 1000;
    }
    await nextTurn();
    this.sliceStart = performance.now();
    if (this.countCpu) this.cpuStart = threadCpu();
  }
}

/** Runs the steps of a piece of work (a generator that yields between two) at once; its result. */
export function drain<T>(steps: Generator<void, T>): T {
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/**
 * Runs the steps of a piece of work in slices of `clock`; its result, or undefined when
 * `isVoid` (asked after each yield) says that going on is of no use (cancelled, or its input changed).
 */
export async function drainSliced<T>(
  steps: Generator<void, T>,
  clock: SliceClock,
  isVoid: () => boolean = () => false,
): Promise<T | undefined> {
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    if (clock.due && (await clock.yieldIfDue()) && isVoid()) return undefined;
  }
}
