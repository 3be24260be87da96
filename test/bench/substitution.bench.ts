// Post-build substitution benchmark (issues 14 and 10). Measured in this one run:
//   1. substituting every object of the corpus that contains `$` (non-strict, every variable set),
//      against the baseline of parsing the same objects with Flux's YAML options, which the
//      post-build step does for each substituted object anyway; target: substitution <= 0.25x;
//   2. a hostile pattern, `${A##*a*a*a*b}` on values of 20 kB and 200 kB: matching steps (the work
//      measure, as in the unit tests) and time; target: 10x the value, at most 11x the steps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { envsubst } from '../../server/src/build/envsubst';
import { GO_YAML, splitDocuments } from '../../server/src/build/postBuild';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const corpus = process.env.FLUX_WORKBENCH_CORPUS ?? path.resolve(repoRoot, '..', 'shared', 'corpus');

function corpusObjects(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (name !== '.git') walk(p);
      } else if (/\.ya?ml$/.test(name) && st.size < 2_000_000) {
        for (const d of splitDocuments(readFileSync(p, 'utf8'))) if (d.includes('$')) out.push(d);
      }
    }
  };
  walk(corpus);
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (f: () => void): number => {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

let objects: string[] = [];
try {
  objects = corpusObjects();
} catch {
  console.log(`substitution.bench: SKIPPED corpus part (no ${corpus})`);
}
if (objects.length > 0) {
  const lookup = (name: string): string => `value-of-${name}`;
  const substitute = () => {
    for (const o of objects) {
      try {
        envsubst(o, lookup, false);
      } catch {
        // parse errors count as work done
      }
    }
  };
  const parseAll = () => {
    for (const o of objects) {
      try {
        parse(o, { ...GO_YAML, logLevel: 'silent' });
      } catch {
        // same
      }
    }
  };
  substitute();
  parseAll(); // warm-up
  const sub: number[] = [];
  const yaml: number[] = [];
  for (let i = 0; i < 7; i++) {
    sub.push(ms(substitute));
    yaml.push(ms(parseAll));
  }
  const bytes = objects.reduce((n, o) => n + o.length, 0);
  const ratio = median(sub) / median(yaml);
  console.log(
    `  substitution of ${objects.length} corpus objects with \`$\` (${(bytes / 1e6).toFixed(1)} MB): ${median(sub).toFixed(1)} ms ` +
      `(median of 7); parsing them with Flux's YAML options: ${median(yaml).toFixed(1)} ms; ratio ${ratio.toFixed(2)}x (target ≤ 0.25x) ${ratio <= 0.25 ? 'OK' : 'MISSED'}`,
  );
}

const hostile = (n: number) => {
  const stats = { matchSteps: 0 };
  const time = ms(() => envsubst('${A##*a*a*a*b}', () => 'a'.repeat(n), true, undefined, { stats }));
  return { steps: stats.matchSteps, time };
};
hostile(2_000);
const small = hostile(20_000);
const large = hostile(200_000);
const growth = large.steps / small.steps;
console.log(
  `  \${A##*a*a*a*b}: 20 kB ${small.steps} steps (${small.time.toFixed(1)} ms), 200 kB ${large.steps} steps ` +
    `(${large.time.toFixed(1)} ms): ${growth.toFixed(2)}x the steps for 10x the value (target ≤ 11x) ${growth <= 11 ? 'OK' : 'MISSED'}`,
);
