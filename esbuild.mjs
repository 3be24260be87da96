// Builds the extension: client/out/extension.js, server/out/server.js, server/out/cli.js, the bundled
// Flux CRD snapshot (server/out/crds/flux-crds.json), the Kubernetes built-in kinds' schemas
// (server/out/kubernetes/) and, with --tests, the TypeScript tests (test/out/).
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
/** The Kubernetes release whose OpenAPI documents give the built-in kinds' schemas. */
const KUBERNETES_VERSION = 'v1.36.3';

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
  // Build previews run in a worker thread of the server (server/src/handlers/buildHost.ts).
  { ...common, entryPoints: ['server/src/buildWorker.ts'], outfile: 'server/out/build-worker.js' },
  {
    ...common,
    entryPoints: ['server/src/cli/index.ts'],
    outfile: 'server/out/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  // The commands, loaded by cli.js on demand.
  { ...common, entryPoints: ['server/src/cli/build.ts'], outfile: 'server/out/cli-build.js' },
  { ...common, entryPoints: ['server/src/cli/validate.ts'], outfile: 'server/out/cli-validate.js' },
  // get/reconcile/suspend/resume: the live cluster engine (needs Node >= 22.19, see cli/index.ts).
  { ...common, entryPoints: ['server/src/cli/cluster.ts'], outfile: 'server/out/cli-cluster.js' },
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
      (p) =>
        // *.entry.ts: programs the tests and benchmarks start (a baseline server, say).
        (p.endsWith('.test.ts') ||
          p.endsWith('.bench.ts') ||
          p.endsWith('.fuzz.ts') ||
          p.endsWith('.entry.ts')) &&
        !p.includes(`${join('test', 'out')}`),
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

/**
 * Converts the Kubernetes OpenAPI v3 documents (KUBERNETES_OPENAPI_DIR, else
 * ../shared/kubernetes-openapi/<version>) with the server's own converter, into an index and one
 * schema file per kind, so the server reads only the kinds a workspace uses.
 */
async function writeBuiltinSchemas() {
  const dir =
    process.env.KUBERNETES_OPENAPI_DIR ?? resolve(root, '../shared/kubernetes-openapi', KUBERNETES_VERSION);
  const out = join(root, 'server/out/kubernetes');
  rmSync(out, { recursive: true, force: true });
  if (!existsSync(dir)) {
    const problem = `no Kubernetes OpenAPI documents: ${dir} does not exist. Set KUBERNETES_OPENAPI_DIR to a folder with the Kubernetes ${KUBERNETES_VERSION} OpenAPI v3 documents (api/openapi-spec/v3 of k8s.io/kubernetes).`;
    if (production) throw new Error(problem);
    console.warn(`warning: ${problem}\n  Built-in kinds (Deployment, Service, ...) will not be validated.`);
    return;
  }
  // The converter is TypeScript of the server (a cluster's documents go through it at run time).
  const bundled = await esbuild.build({
    ...common,
    entryPoints: ['server/src/kubernetes/openapiToSchema.ts'],
    format: 'esm',
    sourcemap: false,
    write: false,
  });
  const { convertOpenApi } = await import(
    `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`
  );
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('_openapi.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  const { kinds, schemas } = convertOpenApi(docs);
  mkdirSync(out, { recursive: true });
  for (const [typeName, schema] of schemas)
    writeFileSync(join(out, `${typeName}.json`), JSON.stringify(schema));
  const index = {
    kubernetesVersion: KUBERNETES_VERSION,
    kinds: kinds.map((k) => ({ ...k, file: `${k.typeName}.json` })),
  };
  writeFileSync(join(out, 'index.json'), JSON.stringify(index));
  console.log(`converted ${kinds.length} Kubernetes ${KUBERNETES_VERSION} built-in kinds from ${dir}`);
}

await writeCrdSnapshot();
await writeBuiltinSchemas();
if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
