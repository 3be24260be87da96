// `npm run fuzz -- [--seed N] [--seconds S] [--seeds K] [--cases C] [--only I]`: runs seeds N, N+1, ... until S
// seconds have passed (default 60) or K seeds are done; prints each finding and a summary; exits
// 1 when anything failed. `--only I` replays case I of each seed alone (a reproducer). Long runs: `npm run fuzz -- --seed 1 --seeds 300 --seconds 36000`.
import { emptyStats } from './driver';
import { CASES_PER_SEED, cliBaseline, runSeed, summary } from './seed';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

async function main(): Promise<number> {
  const first = arg('seed', 1);
  const seconds = arg('seconds', 60);
  const maxSeeds = arg('seeds', Infinity);
  const cases = arg('cases', CASES_PER_SEED);
  const only = process.argv.includes('--only') ? arg('only', 0) : undefined;
  const verbose = process.argv.includes('--verbose');
  const stats = emptyStats();
  const t0 = Date.now();
  const baseline = await cliBaseline();
  console.log(
    `CLI on a trivial workspace: validate ${Math.round(baseline.validate)} ms, build ${Math.round(baseline.build)} ms of CPU`,
  );
  const seeds: number[] = [];
  let reported = 0;
  for (let seed = first; seeds.length < maxSeeds && (Date.now() - t0) / 1000 < seconds; seed++) {
    await runSeed(seed, stats, baseline, verbose ? (l) => console.log(l) : undefined, cases, only);
    seeds.push(seed);
    for (const f of stats.findings.slice(reported))
      console.log(`FINDING seed ${f.seed} [${f.kind}] ${f.case}: ${f.detail}`);
    reported = stats.findings.length;
    console.log(
      `seed ${seed} done (${Math.round((Date.now() - t0) / 1000)} s, ${stats.findings.length} findings so far, peak ${Math.round(stats.peakRssBytes / 1048576)} MB)`,
    );
  }
  console.log(summary(stats, seeds, (Date.now() - t0) / 1000));
  return stats.findings.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
