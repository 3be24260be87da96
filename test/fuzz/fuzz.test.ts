// The fuzz tier in `npm test`: fixed seeds of the project's own generator (generator.ts) driving
// the real language server over stdio and the real CLI (driver.ts), bounded to about two minutes.
// Long runs: `npm run fuzz -- --seed N --seconds S`. Each finding fails.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { emptyStats } from './driver';
import { cliBaseline, corpusDir, runSeed, summary } from './seed';

/** Fixed seeds: 72 cases, about a minute on a quiet machine (2 cores). */
const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const CASES = 6;

describe(
  'fuzz tier (fixed seeds)',
  { skip: !existsSync(corpusDir) && !process.env.CI ? 'no ../shared/corpus' : false },
  () => {
    const stats = emptyStats();
    it(
      `seeds ${SEEDS[0]}-${SEEDS.at(-1)}: no request over 200 ms of main-thread CPU, none over 2 s, no crash, no stack trace, memory under 1 GB`,
      { timeout: 600_000 },
      async () => {
        const baseline = await cliBaseline();
        for (const seed of SEEDS) await runSeed(seed, stats, baseline, undefined, CASES);
        console.log(summary(stats, SEEDS, 0));
        assert.deepEqual(
          stats.findings.map((f) => `seed ${f.seed} [${f.kind}] ${f.case}: ${f.detail}`),
          [],
        );
      },
    );
  },
);
