// Build preview benchmark (issue 3). Prints, measured in this one run:
//   1. the baselines: `kubectl kustomize DIR` of the largest Flux Kustomization's folder in the corpus,
//      (a) the folder as Flux hands it to kustomize: the generated kustomization.yaml with the
//          Kustomization's spec overlaid (its patches, targetNamespace, ...): the same kustomize work
//          the preview asks for;
//      (b) the folder with only the generated kustomization.yaml (no spec overlay): less work,
//          because kustomize's strategic-merge patches cost its OpenAPI schema load (~0.2 s) and
//          the patching itself;
//   2. the preview of the same Kustomization on the command line (`node server/out/cli.js build`):
//      node start-up + the parent lookup + Flux's generator/overlay + the same kustomize + post-build;
//      target ≤ 1.3x of the baseline;
//   3. a warm re-preview in a running process after a one-line edit of one of its input files (an
//      unsaved buffer), as the language server does it; target ≤ 300 ms;
//   4. the same warm re-preview on a small Kustomization (the build-basic fixture);
//   5. staging cost: the symlink mirror the build runs in, against copying the repository.
// Targets are reported, never enforced (MISSED is printed instead).
// Env: BENCH_KS="<repo>/<file>#<name>" picks another Kustomization; FLUX_WORKBENCH_CORPUS the corpus.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = process.env.FLUX_WORKBENCH_CORPUS ?? join(root, '..', 'shared', 'corpus');
// The largest Kustomization of the corpus whose source is the repository (most objects rendered;
// found with the differential test's report: 301 objects, identical to flux build).
const target = process.env.BENCH_KS ?? 'joryirving__home-ops/kubernetes/clusters/main/apps.yaml#cluster-apps';
const [repoAndFile, name] = target.split('#');
const repo = repoAndFile.split('/')[0];
const fileRel = repoAndFile.slice(repo.length + 1);

if (!existsSync(join(corpus, repo, fileRel))) {
  console.log(`build.bench: SKIPPED (no ${join(corpus, repoAndFile)})`);
  process.exit(0);
}
const tmp = mkdtempSync(join(os.tmpdir(), 'fw-bench-build-'));
try {
  const repoRoot = join(tmp, repo);
  cpSync(join(corpus, repo), repoRoot, { recursive: true });
  const file = join(repoRoot, fileRel);

  // The in-process engine, bundled from source (what the server runs).
  const bundle = join(tmp, 'engine.cjs');
  await esbuild.build({
    stdin: {
      contents: `export { buildFlux } from './server/src/build/fluxBuild';
export { findFluxKustomizations } from './server/src/build/fluxKustomizations';
export { nodeBuildFs, nodeSpawner } from './server/src/io/io';
export { stageTree } from './server/src/build/stage';
export { findOrGenerateKustomization } from './server/src/build/generator';
export { loadSourceIgnore } from './server/src/build/sourceIgnore';
export { buildWithParents } from './server/src/build/parents';
export { listYamlFiles } from './server/src/workspace/workspace';
export { BuildPreviewService } from './server/src/service/buildPreview';
export { DEFAULT_BUILD_SETTINGS } from './server/src/protocol';`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: bundle,
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  const engine = await import(pathToFileURL(bundle).href);
  const doc = engine.findFluxKustomizations(readFileSync(file, 'utf8')).find((d) => d.name === name);
  if (!doc) throw new Error(`no Kustomization ${name} in ${file}`);
  const dir = join(repoRoot, doc.spec.path.replace(/^\.?\//, ''));
  const fs = engine.nodeBuildFs();
  const options = (buffers) => ({
    target: { kind: 'flux', name, namespace: doc.namespace || 'flux-system', spec: doc.spec, file },
    sourceRoot: repoRoot,
    fs,
    spawn: engine.nodeSpawner,
    trusted: true,
    useSubstituteFrom: false,
    kustomizePath: 'kubectl',
    readEngineVersion: false,
    buffers,
  });
  // The baselines build "the same directory" with kubectl, in a second copy of the repository: (a)
  // with the kustomization.yaml the preview hands to kustomize (read from a first preview), (b) with
  // only the generated one when Flux generates it.
  const first = await engine.buildFlux(options(new Map()));
  if (!first.ok) throw new Error(first.errors.map((e) => e.message).join('; '));
  const baseRoot = join(tmp, 'baseline', repo);
  cpSync(repoRoot, baseRoot, { recursive: true });
  const baseDir = join(baseRoot, relative(repoRoot, dir));
  const plainRoot = join(tmp, 'plain', repo);
  cpSync(repoRoot, plainRoot, { recursive: true });
  const plainDir = join(plainRoot, relative(repoRoot, dir));
  writeFileSync(join(baseDir, 'kustomization.yaml'), first.kustomization);
  {
    const fsb = engine.nodeBuildFs();
    const gen = await engine.findOrGenerateKustomization(
      fsb,
      plainDir,
      await engine.loadSourceIgnore(fsb, plainRoot, plainDir),
    );
    if (gen.generated) writeFileSync(join(plainDir, 'kustomization.yaml'), JSON.stringify(gen.config));
  }

  const time = (fn) => {
    const t = process.hrtime.bigint();
    const r = fn();
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, r };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const runs = 3;
  const kubectlMs = [];
  const plainMs = [];
  const cliMs = [];
  let objects = 0;
  let cliTimings = '';
  const kubectl = (d) =>
    time(() =>
      spawnSync('kubectl', ['kustomize', d, '--load-restrictor', 'LoadRestrictionsNone'], {
        maxBuffer: 1 << 28,
      }),
    );
  for (let i = 0; i < runs; i++) {
    // Interleaved so that load from other work hits all alike.
    const k = kubectl(baseDir);
    if (k.r.status !== 0) throw new Error(`kubectl kustomize failed: ${k.r.stderr}`);
    kubectlMs.push(k.ms);
    const kp = kubectl(plainDir);
    if (kp.r.status !== 0) throw new Error(`kubectl kustomize failed: ${kp.r.stderr}`);
    plainMs.push(kp.ms);
    const c = time(() =>
      spawnSync(
        process.execPath,
        [
          join(root, 'server/out/cli.js'),
          'build',
          file,
          '--name',
          name,
          '--root',
          repoRoot,
          '--kustomize',
          'kubectl',
          '--no-substitute-from',
          '--timings',
        ],
        {
          maxBuffer: 1 << 28,
          encoding: 'utf8',
        },
      ),
    );
    if (c.r.status !== 0) throw new Error(`preview failed: ${c.r.stderr}`);
    objects = c.r.stdout.split(/^---$/m).length;
    cliTimings = c.r.stderr.match(/^timings: .*$/m)?.[0] ?? '';
    cliMs.push(c.ms);
  }
  const k = median(kubectlMs);
  const kp = median(plainMs);
  const c = median(cliMs);
  const ratio = c / k;
  const list = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(
    `build.bench: ${repo} ${fileRel}#${name} (${objects} objects, folder ${relative(repoRoot, dir)})`,
  );
  console.log(
    `  (a) kubectl kustomize, folder as Flux gives it to kustomize: ${k.toFixed(0)} ms (median of ${runs}: ${list(kubectlMs)})`,
  );
  console.log(
    `  (b) kubectl kustomize, folder without the spec overlay:      ${kp.toFixed(0)} ms (median of ${runs}: ${list(plainMs)})`,
  );
  console.log(`  preview (CLI, cold process):  ${c.toFixed(0)} ms (median of ${runs}: ${list(cliMs)})`);
  console.log(`    last run's ${cliTimings}`);
  console.log(
    `  ratio preview / (a):          ${ratio.toFixed(2)}x (target ≤ 1.30x) ${ratio <= 1.3 ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `  ratio preview / (b):          ${(c / kp).toFixed(2)}x (target ≤ 1.30x) ${c / kp <= 1.3 ? 'OK' : 'MISSED'}`,
  );

  // Warm re-preview in one process after a one-line edit of an input (as an unsaved buffer).
  // A one-line edit of an input: a value in the first resource file that the build lists.
  const files = await engine.listYamlFiles(repoRoot);
  const yamlFiles = () => Promise.resolve(files);
  const editFile = files.find((f) => f.startsWith(dir + '/') && !/kustomization\.ya?ml$/.test(f));
  if (!editFile) throw new Error('no resource file to edit in the build');
  const original = readFileSync(editFile, 'utf8');
  const warm = [];
  let warmPhases = {};
  for (let i = 0; i < runs; i++) {
    const edited = original.replace(/\n/, `\n# edited ${i}\n`);
    const t = process.hrtime.bigint();
    // As the language server does it: parents first (its file list is cached), then the build.
    const r = await engine.buildWithParents(options(new Map([[editFile, edited]])), yamlFiles);
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
    warmPhases = r.phases;
  }
  const w = median(warm);
  const wr = w / k;
  console.log(
    `  warm re-preview after a one-line edit of ${relative(repoRoot, editFile)}: ${w.toFixed(0)} ms (median of ${runs}; target ≤ 300 ms) ${w <= 300 ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `  ratio in-editor preview (a running language server) / (a): ${wr.toFixed(2)}x (target ≤ 1.30x) ${wr <= 1.3 ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `    phases of the last one (ms): ${Object.entries(warmPhases)
      .map(([p, ms]) => `${p} ${ms}`)
      .join(', ')}; kubectl kustomize of the same input alone: ${k.toFixed(0)} ms (a)`,
  );

  // In the language server: a Kustomization that its parent renders (home-ops' cert-manager, which
  // cluster-apps patches), re-previewed after a one-line edit of one of its own manifests. The
  // parent's build is reused (none of its inputs changed); the child is built with the parent's spec.
  if (repo === 'joryirving__home-ops') {
    const service = new engine.BuildPreviewService();
    const childFile = join(repoRoot, 'kubernetes/apps/main/cert-manager/cert-manager.yaml');
    const manifest = join(repoRoot, 'kubernetes/apps/base/cert-manager/cert-manager/helmrelease.yaml');
    const manifestText = readFileSync(manifest, 'utf8');
    const request = (i) =>
      service.build(
        { uri: pathToFileURL(childFile).href, name: 'cert-manager', trusted: true },
        {
          settings: {
            ...engine.DEFAULT_BUILD_SETTINGS,
            kustomize: { ...engine.DEFAULT_BUILD_SETTINGS.kustomize, path: 'kubectl' },
          },
          roots: [repoRoot],
          buffers: i < 0 ? new Map() : new Map([[manifest, manifestText.replace(/\n/, `\n# edited ${i}\n`)]]),
        },
      );
    const t0 = process.hrtime.bigint();
    const cold = await request(-1);
    const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!cold.ok) throw new Error(cold.errors.map((e) => e.message).join('; '));
    const child = [];
    let childPhases = {};
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      const r = await request(i);
      child.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
      childPhases = r.phases;
    }
    const cm = median(child);
    console.log(
      `  in the language server, cert-manager (rendered by its parent cluster-apps): first preview ${coldMs.toFixed(0)} ms (builds the parent); warm re-preview after a one-line edit of its helmrelease.yaml ${cm.toFixed(0)} ms (median of ${runs}; target ≤ 300 ms) ${cm <= 300 ? 'OK' : 'MISSED'}`,
    );
    console.log(
      `    phases of the last one (ms): ${Object.entries(childPhases)
        .map(([p, ms]) => `${p} ${ms}`)
        .join(', ')}`,
    );
  }

  // The same warm re-preview on a typical small Kustomization (the build-basic fixture).
  {
    const fx = join(root, 'test', 'fixtures', 'build-basic');
    const fxFile = join(fx, 'clusters', 'dev', 'apps.yaml');
    const fxDoc = engine.findFluxKustomizations(readFileSync(fxFile, 'utf8')).find((d) => d.name === 'apps');
    const svc = join(fx, 'apps', 'dev', 'service.yaml');
    const svcText = readFileSync(svc, 'utf8');
    const small = [];
    const fxFiles = engine.listYamlFiles(fx);
    for (let i = 0; i <= runs; i++) {
      const t = process.hrtime.bigint();
      const r = await engine.buildWithParents(
        {
          target: { kind: 'flux', name: 'apps', namespace: 'flux-system', spec: fxDoc.spec, file: fxFile },
          sourceRoot: fx,
          fs,
          spawn: engine.nodeSpawner,
          trusted: true,
          kustomizePath: 'kubectl',
          buffers: new Map([[svc, svcText.replace('port: 80', `port: ${8000 + i}`)]]),
          // The fixture's substituteFrom objects are in the workspace; --var-style values keep this simple.
          overrides: new Map([
            ['API_TOKEN', 't'],
            ['DOMAIN', 'd'],
          ]),
        },
        () => fxFiles,
      );
      if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
      if (i > 0) small.push(Number(process.hrtime.bigint() - t) / 1e6); // the first one is the cold run
    }
    const kSmall = median(
      Array.from(
        { length: runs },
        () => time(() => spawnSync('kubectl', ['kustomize', join(fx, 'apps', 'base')])).ms,
      ),
    );
    const ws = median(small);
    console.log(
      `  warm re-preview, small Kustomization (5 objects): ${ws.toFixed(0)} ms (target ≤ 300 ms) ${ws <= 300 ? 'OK' : 'MISSED'}; a bare \`kubectl kustomize\` of a 1-file folder: ${kSmall.toFixed(0)} ms`,
    );
  }

  // Staging: the symlink mirror against a full copy of the repository.
  const s = process.hrtime.bigint();
  const staged = await engine.stageTree({
    sourceRoot: repoRoot,
    files: new Map([[join(dir, 'kustomization.yaml'), 'resources: []\n']]),
  });
  const stageMs = Number(process.hrtime.bigint() - s) / 1e6;
  await staged.dispose();
  const copyTo = join(tmp, 'copy');
  const cp = time(() => cpSync(repoRoot, copyTo, { recursive: true }));
  console.log(
    `  staging: symlink mirror ${stageMs.toFixed(1)} ms vs copying the repository ${cp.ms.toFixed(0)} ms`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
