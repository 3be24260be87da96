// `npm run bench`: builds, then runs every benchmark (test/out/bench/*.bench.js from TypeScript and
// test/bench/*.bench.mjs) in turn. Each prints its figures and ratios against a baseline measured in
// the same run. Benchmarks never fail on a missed target; they say MISSED.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = spawnSync(process.execPath, ['esbuild.mjs', '--tests'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const benches = [];
const out = join(root, 'test/out/bench');
if (existsSync(out))
  benches.push(
    ...readdirSync(out)
      .filter((f) => f.endsWith('.bench.js'))
      .map((f) => join(out, f)),
  );
benches.push(
  ...readdirSync(join(root, 'test/bench'))
    .filter((f) => f.endsWith('.bench.mjs'))
    .map((f) => join(root, 'test/bench', f)),
);
// Benchmarks marked @bench-needs-node22 load @kubernetes/client-node 2.0 (undici 8: Node >= 22.19).
let node22;
const nodeFor = (b) => {
  // The marker is in the TypeScript source: esbuild drops comments from the bundle.
  const source = b.includes('/test/out/bench/')
    ? b.replace('/test/out/bench/', '/test/bench/').replace(/\.js$/, '.ts')
    : b;
  if (!readFileSync(existsSync(source) ? source : b, 'utf8').includes('@bench-needs-node22'))
    return process.execPath;
  node22 ??= spawnSync('bash', [join(root, 'test/build/ensure-node24.sh')], {
    encoding: 'utf8',
  }).stdout.trim();
  return node22 || process.execPath;
};
let failed = 0;
for (const b of benches.sort()) {
  console.log(`\n=== ${b.slice(root.length + 1)}`);
  const r = spawnSync(nodeFor(b), ['--expose-gc', b], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
