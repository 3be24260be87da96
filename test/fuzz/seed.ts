// One fuzz seed: its cases, each in a repository folder of its own inside one workspace, driven
// through one language server (whose startup scan reads them all) and through the CLI.
import { rmSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateCase, Rng, type FuzzCase } from './generator';
import {
  judgeCli,
  LIMITS,
  materialize,
  probePositions,
  runCli,
  ServerUnderTest,
  type RunStats,
} from './driver';
import { sharedDir } from '../unit/helpers';

export const CASES_PER_SEED = 6;
/** Input classes whose slowest request took more than this are listed in the summary. */
const CLASS_REPORT_MS = 50;
export const corpusDir = path.join(sharedDir, 'corpus');

/** CPU of `validate` and `build` on a trivial workspace: what the CLI costs before any input. */
export async function cliBaseline(): Promise<{ validate: number; build: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-fuzz-base-'));
  try {
    mkdirSync(path.join(dir, '.git'));
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(
      path.join(dir, 'app', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n',
    );
    writeFileSync(
      path.join(dir, 'ks.yaml'),
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ./app\n  prune: true\n  sourceRef: {kind: GitRepository, name: x}\n',
    );
    // Best of two: the first run also warms the file cache.
    const v = Math.min(
      ...(await Promise.all([0, 1].map(() => runCli(['validate', dir], dir)))).map((r) => r.cpuMs),
    );
    const b = Math.min(
      (await runCli(['build', path.join(dir, 'ks.yaml')], dir)).cpuMs,
      (await runCli(['build', path.join(dir, 'ks.yaml')], dir)).cpuMs,
    );
    return { validate: v, build: b };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runSeed(
  seed: number,
  stats: RunStats,
  baseline: { validate: number; build: number },
  log: (line: string) => void = () => undefined,
  cases = CASES_PER_SEED,
  only?: number,
): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), `fw-fuzz-seed${seed}-`));
  const list: Array<{ c: FuzzCase; dir: string }> = [];
  try {
    for (let i = 0; i < cases; i++) {
      if (only !== undefined && i !== only) continue;
      const c = generateCase(seed, i, corpusDir);
      const dir = materialize(c);
      const inRoot = path.join(root, `case${i}`);
      // Move the case folder into the seed's workspace (one scan reads them all).
      await import('node:fs').then((fs) => fs.renameSync(dir, inRoot));
      list.push({ c, dir: inRoot });
    }
    const server = new ServerUnderTest(stats, () => seed);
    const rng = new Rng(seed);
    try {
      for (const { c, dir } of list) {
        log(`seed ${seed}: ${c.name}`);
        await server.run(
          c,
          root,
          dir,
          probePositions(c.files[c.open]!, (lo, hi) => rng.int(lo, hi)),
        );
        const v = await runCli(['validate', dir], dir);
        judgeCli(stats, seed, c, 'cli validate', v, baseline.validate);
        if (c.build) {
          const b = await runCli(['build', path.join(dir, c.open), '--timeout', '30'], dir);
          judgeCli(stats, seed, c, 'cli build', b, baseline.build);
        }
      }
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function summary(stats: RunStats, seeds: number[], seconds: number): string {
  const byKind = new Map<string, number>();
  for (const f of stats.findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const count = (k: string): number => byKind.get(k) ?? 0;
  return [
    `seeds ${seeds[0]}..${seeds[seeds.length - 1]} (${seeds.length}), ${stats.cases} cases, ${stats.requests} requests, ${stats.cliRuns} CLI runs, ${Math.round(seconds)} s`,
    `over budget (requests over ${LIMITS.budgetCpuMs} ms of main-thread CPU): ${count('over-budget')}; slow (requests over ${LIMITS.requestCpuMs} ms, CLI runs over their allowance): ${count('slow')}; hangs: ${count('hang')}; crashes: ${count('crash')}; stack traces: ${count('stack')}; memory over 1 GB: ${count('memory')}`,
    `max request main-thread CPU ${Math.round(stats.maxRequestCpuMs)} ms (max wall ${Math.round(stats.maxRequestWallMs)} ms); max CLI CPU over its trivial run ${Math.round(stats.maxCliExtraCpuMs)} ms; peak memory ${Math.round(stats.peakRssBytes / 1048576)} MB`,
    'slowest requests (main-thread CPU, wall, seed, request, opened file size, case):',
    ...stats.slowest.map(
      (o) =>
        `  ${Math.round(o.cpuMs)} ms (${Math.round(o.wallMs)} ms wall) seed ${o.seed} ${o.request} [${(o.bytes / 1024).toFixed(1)} KB] ${o.case}`,
    ),
    `slowest request of each input class and request over ${CLASS_REPORT_MS} ms (input | request: main-thread CPU, seed, opened file size):`,
    ...[...stats.slowestByClass]
      .filter(([, o]) => o.cpuMs > CLASS_REPORT_MS)
      .sort((a, b) => b[1].cpuMs - a[1].cpuMs)
      .map(
        ([key, o]) =>
          `  ${key}: ${Math.round(o.cpuMs)} ms, seed ${o.seed}, ${(o.bytes / 1024).toFixed(1)} KB`,
      ),
  ].join('\n');
}
