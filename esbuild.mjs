// Builds the extension: client/out/extension.js, server/out/server.js, server/out/cli.js, the bundled
// Flux CRD snapshot (server/out/crds/flux-crds.json) and, with --tests, the TypeScript tests (test/out/).
//   node esbuild.mjs [--production] [--watch] [--tests]
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

/** The Flux release whose CRDs are bundled. Keep in step with README and CHANGELOG. */
const FLUX_VERSION = '2.9.4';

const stub = join(root, 'server/src/vendor-stubs/prettier.ts');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's UMD entry breaks when bundled; its ESM entry works (FACTS.md).
  mainFields: ['module', 'main'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // yaml-language-server pulls prettier in only for formatting, which this server does not offer.
  alias: {
    'prettier/standalone': stub,
    'prettier/plugins/yaml': stub,
    'prettier/plugins/estree': stub,
  },
};

const targets = [
  {
    ...common,
    entryPoints: ['client/src/extension.ts'],
    outfile: 'client/out/extension.js',
    external: ['vscode'],
  },
  { ...common, entryPoints: ['server/src/server.ts'], outfile: 'server/out/server.js' },
  {
    ...common,
    entryPoints: ['server/src/cli/index.ts'],
    outfile: 'server/out/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  // The commands, loaded by cli.js on demand.
  { ...common, entryPoints: ['server/src/cli/build.ts'], outfile: 'server/out/cli-build.js' },
  { ...common, entryPoints: ['server/src/cli/validate.ts'], outfile: 'server/out/cli-validate.js' },
];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

if (args.has('--tests')) {
  const entries = walk(join(root, 'test'))
    .filter(
      (p) => (p.endsWith('.test.ts') || p.endsWith('.bench.ts')) && !p.includes(`${join('test', 'out')}`),
    )
    .map((p) => relative(root, p));
  rmSync(join(root, 'test/out'), { recursive: true, force: true });
  targets.push({
    ...common,
    entryPoints: entries,
    outdir: 'test/out',
    outbase: 'test',
    sourcemap: 'inline',
    minify: false,
  });
}

/** Reads the Flux CRDs to bundle: FLUX_CRDS_DIR, else ../shared/flux-crds, else the release manifest. */
async function loadFluxCrds() {
  const dir = process.env.FLUX_CRDS_DIR ?? resolve(root, '../shared/flux-crds');
  const texts = [];
  let origin;
  if (existsSync(dir)) {
    for (const file of walk(dir)
      .filter((p) => /\.ya?ml$/.test(p))
      .sort())
      texts.push(readFileSync(file, 'utf8'));
    origin = `directory ${dir}`;
  } else {
    const url = `https://github.com/fluxcd/flux2/releases/download/v${FLUX_VERSION}/install.yaml`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      texts.push(await res.text());
      origin = url;
    } catch (err) {
      return {
        error: `no Flux CRDs to bundle: ${dir} does not exist and ${url} could not be downloaded (${err.message}). Set FLUX_CRDS_DIR to a folder with the Flux ${FLUX_VERSION} CRDs.`,
      };
    }
  }
  const crds = [];
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS({ maxAliasCount: 0 });
      if (obj && obj.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  if (crds.length === 0) return { error: `no CustomResourceDefinition found in ${origin}` };
  return { crds, origin };
}

async function writeCrdSnapshot() {
  const result = await loadFluxCrds();
  const out = join(root, 'server/out/crds/flux-crds.json');
  if (result.error) {
    // A package without schemas would be a lie about what it offers: fail the production build.
    if (production) throw new Error(result.error);
    console.warn(
      `warning: ${result.error}\n  The extension will report "no Flux schemas" until it finds CRDs in the workspace.`,
    );
    rmSync(out, { force: true });
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ fluxVersion: FLUX_VERSION, crds: result.crds }));
  console.log(`bundled ${result.crds.length} Flux ${FLUX_VERSION} CRDs from ${result.origin}`);
}

await writeCrdSnapshot();
if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
