// The budget of a SliceClock (the CPU time of a validation): its first slice counted in wall time
// (the CPU is read only once the work has yielded), its yields and what waits between slices not.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SliceClock } from '../../server/src/io/slices';

/** Keeps this thread busy for `ms` of wall time. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('SliceClock budget', () => {
  it('counts the first slice before any yield, and the slices after it, but not the time between', async () => {
    const clock = new SliceClock(5, true);
    busy(20);
    const first = clock.spentMs;
    assert.ok(first >= 20, `first slice counted: ${first} ms`);
    await clock.yieldNow();
    const started = performance.now();
    // Idle between two slices: no CPU spent, none counted (the wait is five times the work).
    await sleep(100);
    busy(20);
    const idleAndWork = performance.now() - started;
    const total = clock.spentMs;
    assert.ok(total >= first, `never less than before: ${total} < ${first}`);
    assert.ok(
      total - first < idleAndWork - 50,
      `the idle wait is not counted: ${total - first} ms counted of ${idleAndWork} ms`,
    );
  });

  it('a clock without countCpu has no budget to read', () => {
    assert.throws(() => new SliceClock(5).spentMs, /countCpu/);
  });
});
