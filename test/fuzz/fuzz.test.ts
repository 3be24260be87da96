// The fuzz tier in `npm test`: fixed seeds of the project's own generator (generator.ts) driving
// the real language server over stdio and the real CLI (driver.ts), bounded to about two minutes.
// Long runs: `npm run fuzz -- --seed N --seconds S`. Each finding fails, except the one class that
// waits on another piece of work, which is reported as a todo naming it (never hidden).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { emptyStats, type Finding } from './driver';
import { cliBaseline, corpusDir, runSeed, summary } from './seed';

/** Fixed seeds, a few cases each: about two minutes on a quiet machine. */
const SEEDS = [1, 2, 3];
const CASES = 4;

/**
 * Post-build substitution (server/src/build/envsubst.ts) is being rewritten to be linear-time and
 * bounded (issue 14); until then a hostile `${A##*a*a*b}` build runs long, on the build's thread.
 */
const waitsOnSubstitution = (f: Finding): boolean =>
  /^hostile substitution/.test(f.case) && /build/.test(f.detail) && (f.kind === 'slow' || f.kind === 'hang');

describe(
  'fuzz tier (fixed seeds)',
  { skip: !existsSync(corpusDir) && !process.env.CI ? 'no ../shared/corpus' : false },
  () => {
    const stats = emptyStats();
    it(
      `seeds ${SEEDS.join(', ')}: no request over 2 s, no crash, no stack trace, memory under 1 GB`,
      { timeout: 600_000 },
      async () => {
        const baseline = await cliBaseline();
        for (const seed of SEEDS) await runSeed(seed, stats, baseline, undefined, CASES);
        console.log(summary(stats, SEEDS, 0));
        const real = stats.findings.filter((f) => !waitsOnSubstitution(f));
        assert.deepEqual(
          real.map((f) => `seed ${f.seed} [${f.kind}] ${f.case}: ${f.detail}`),
          [],
        );
      },
    );
    it(
      'hostile post-build substitution builds within budget',
      { todo: 'post-build substitution engine (issue 14)' },
      () => {
        const pending = stats.findings.filter(waitsOnSubstitution);
        assert.deepEqual(
          pending.map((f) => `seed ${f.seed} [${f.kind}] ${f.case}: ${f.detail}`),
          [],
        );
      },
    );
  },
);
