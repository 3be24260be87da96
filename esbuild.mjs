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

/**
 * Rewrites a library module's text for the bundle: each rewrite must match exactly as often as
 * expected, else the build fails. A new version of the library needs the rewrite looked at again,
 * not a silent skip.
 */
function rewriter(file, plugin) {
  let text = readFileSync(file, 'utf8');
  const rewrite = (pattern, replacement, expected) => {
    const found = text.match(pattern)?.length ?? 0;
    if (found !== expected)
      throw new Error(
        `${file}: expected ${expected} matches of ${pattern}, found ${found}: yaml-language-server changed; review ${plugin} in esbuild.mjs`,
      );
    text = text.replace(pattern, replacement);
  };
  return { rewrite, result: () => ({ contents: text, loader: 'js' }) };
}

/**
 * yaml-language-server 2.0.0 finds a document's apiVersion and kind (to pick the schema of its
 * kind) by converting the whole document to JavaScript, on every validation and completion: a
 * tenth of `validate`'s schema work on a large repository. The conversion is left for what it
 * answers differently only: a root that is not a mapping, a key other than a plain string, or an
 * apiVersion or kind whose value is not a scalar. Otherwise the two values are read from the root
 * mapping the way the conversion does (the last of repeated keys; `<<` is not merged, as the
 * conversion without a document does not merge either).
 */
const kindWithoutConverting = {
  name: 'kind-without-converting-the-document',
  setup(build) {
    build.onLoad(
      {
        filter:
          /yaml-language-server[\\/]out[\\/]src[\\/]languageservice[\\/]services[\\/]k8sSchemaUtil\.js$/,
      },
      (args) => {
        const { rewrite, result } = rewriter(args.path, 'kindWithoutConverting');
        rewrite(
          /const rootJSON = doc\.root\.internalNode\.toJSON\(\);/g,
          'const rootJSON = apiVersionAndKind(doc.root.internalNode);',
          1,
        );
        rewrite(/^import /m, "import { isMap as isMap$, isScalar as isScalar$ } from 'yaml';\nimport ", 1);
        rewrite(
          /$(?![\s\S])/g,
          `
function apiVersionAndKind(node) {
  if (!isMap$(node)) return node.toJSON();
  const found = {};
  for (const { key, value } of node.items) {
    if (!isScalar$(key) || typeof key.value !== 'string') return node.toJSON();
    if (key.value !== 'apiVersion' && key.value !== 'kind') continue;
    if (value !== null && !isScalar$(value)) return node.toJSON();
    found[key.value] = value === null ? null : value.toJSON();
  }
  return found;
}
`,
          1,
        );
        return result();
      },
    );
  },
};

/**
 * yaml-language-server 2.0.0 looks for unused anchors and unresolved aliases by visiting every node
 * of every document it validates: about a tenth of a document's validation, for a finding that
 * needs an anchor or an alias in the document. Both begin a token: an `&` or `*` at the start of
 * the text or after a space, a line break, `[`, `{`, `,` or `:`. A document whose text (its whole
 * range, from the start of its `---` to its end) has no such character is answered at once (an `&`
 * in a URL's query or a `*` in a glob is not one); the others are visited as before.
 */
const anchorsOnlyWhereMarked = {
  name: 'anchors-only-where-marked',
  setup(build) {
    build.onLoad(
      {
        filter:
          /yaml-language-server[\\/]out[\\/]src[\\/]languageservice[\\/]services[\\/]validation[\\/]unused-anchors\.js$/,
      },
      (args) => {
        const { rewrite, result } = rewriter(args.path, 'anchorsOnlyWhereMarked');
        rewrite(
          /^( +)validate\(document, yamlDoc\) \{$/gm,
          '$1validate(document, yamlDoc) {\n$1    if (unmarked(document, yamlDoc)) return [];',
          1,
        );
        rewrite(
          /$(?![\s\S])/g,
          `
function unmarked(document, yamlDoc) {
  const range = yamlDoc.internalDocument?.range;
  if (!range) return false;
  return !/(?:^|[\\s[{,:])[&*]/.test(document.getText().slice(range[0], range[2]));
}
`,
          1,
        );
        return result();
      },
    );
  },
};

/**
 * yaml-language-server 2.0.0 builds four Ajv instances and compiles their JSON Schema meta-schemas
 * when its schema service module loads (about 180 ms of CPU, over half of the server's start-up),
 * although they are used only for schemas that declare a `$schema` dialect (a modeline's remote
 * schema, say; never the Flux or Kubernetes ones). This rewrites them to be built on first use.
 * (Each rewrite is checked: see {@link rewriter}.)
 */
const lazyMetaSchemas = {
  name: 'lazy-yaml-language-server-meta-schemas',
  setup(build) {
    build.onLoad(
      {
        filter:
          /yaml-language-server[\\/]out[\\/]src[\\/]languageservice[\\/]services[\\/]yamlSchemaService\.js$/,
      },
      (args) => {
        const { rewrite, result } = rewriter(args.path, 'lazyMetaSchemas');
        // `const ajv4 = new Ajv4.default(...)` -> a memoized function; its uses call it.
        rewrite(
          /^const (ajv\w+) = (new \w+\.default\(\{ allErrors: true \}\));$/gm,
          'let $1$cache; const $1 = () => ($1$cache ??= $2);',
          4,
        );
        rewrite(
          /^const (schema\w+Validator) = getDefaultMetaSchemaValidator\((ajv\w+)\);$/gm,
          'let $1$cache; const $1 = () => ($1$cache ??= getDefaultMetaSchemaValidator($2()));',
          4,
        );
        rewrite(/\b(ajv(?:4|7|2019|2020))\.defaultMeta\(\)/g, '$1().defaultMeta()', 4);
        rewrite(/return (schema\w+Validator);/g, 'return $1();', 4);
        // Ajv itself (four dialects) and its error messages in 30 languages are then needed only
        // on that path too, but their modules were evaluated at every start (some 4 ms): each
        // default import becomes the module's exports, loaded on first property read (what a
        // default import of a CommonJS module is, read the same way).
        rewrite(
          /^import (Ajv\w*|ajvLocalizers) from '(ajv[\w/.-]*)';$/gm,
          "const $1 = lazyModule(() => require('$2'));",
          5,
        );
        rewrite(
          /$(?![\s\S])/g,
          '\nfunction lazyModule(load) { let m; return new Proxy({}, { get: (_, key) => (m ??= load())[key] }); }\n',
          1,
        );
        // Schema texts are parsed with jsonc-parser (comments, trailing commas), about 25 ms for the
        // first Flux schema before its code is warm: the first completion after start waited for it.
        // Text that is plain JSON (every schema this server makes, most others) takes JSON.parse;
        // anything JSON.parse refuses goes to jsonc-parser as before, errors and all.
        rewrite(
          /^( +)schemaContent = Json\.parse\(content, jsonErrors\);$/gm,
          '$1try { schemaContent = JSON.parse(content); } catch { schemaContent = Json.parse(content, jsonErrors); }',
          1,
        );
        return result();
      },
    );
  },
};

/**
 * yaml-language-server 2.0.0 depends on vscode-languageserver 10 (and its protocol, jsonrpc and
 * types), so npm nests a second copy of those packages under it beside the server's own 11: the
 * bundle carried both (about 380 KiB, some 8 ms of every start to evaluate). What it takes from
 * them is small and unchanged in 11: NotificationType, RequestType, TextDocuments, ResponseError,
 * ErrorCodes and the data types. Its imports of them resolve to the server's copy instead.
 */
const sharedLanguageServer = {
  name: 'one-copy-of-vscode-languageserver',
  setup(build) {
    build.onResolve(
      { filter: /^vscode-(languageserver|languageserver-protocol|languageserver-types|jsonrpc)(\/|$)/ },
      (args) =>
        /yaml-language-server[\\/]out[\\/]/.test(args.importer)
          ? build.resolve(args.path, { kind: args.kind, resolveDir: root })
          : undefined,
    );
  },
};

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
  plugins: [lazyMetaSchemas, kindWithoutConverting, anchorsOnlyWhereMarked, sharedLanguageServer],
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
  // The server's entry loads the bundle with a V8 code cache (server/src/start.ts).
  {
    ...common,
    entryPoints: ['server/src/start.ts'],
    outfile: 'server/out/server.js',
  },
  { ...common, entryPoints: ['server/src/server.ts'], outfile: 'server/out/server-main.js' },
  // Build previews run in a worker thread of the server (server/src/handlers/buildHost.ts).
  { ...common, entryPoints: ['server/src/buildWorker.ts'], outfile: 'server/out/build-worker.js' },
  // A connected cluster's OpenAPI documents are converted on a thread of the server (handlers/clusterBuiltins.ts).
  { ...common, entryPoints: ['server/src/openapiWorker.ts'], outfile: 'server/out/openapi-worker.js' },
  // The schema engine validates large documents (every document in `validate`) on threads (service/schemaWorkers.ts).
  { ...common, entryPoints: ['server/src/schemaWorker.ts'], outfile: 'server/out/schema-worker.js' },
  // `validate` parses, indexes and validates each file on one of these threads (cli/validateThreads.ts).
  // (Its entry runs the thread with a V8 code cache, see server/src/io/codeCache.ts.)
  { ...common, entryPoints: ['server/src/validateWorkerEntry.ts'], outfile: 'server/out/validate-worker.js' },
  { ...common, entryPoints: ['server/src/validateWorker.ts'], outfile: 'server/out/validate-worker-main.js' },
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

/**
 * A module of the server, bundled and imported here: the build converts schemas with the server's
 * own converters (which convert a workspace's or a cluster's CRDs and OpenAPI documents at run time).
 */
async function importServerModule(entry) {
  const bundled = await esbuild.build({
    ...common,
    entryPoints: [entry],
    format: 'esm',
    sourcemap: false,
    write: false,
  });
  return import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`);
}

/**
 * The bundled Flux schemas: the CRDs of the bundled release (server/out/crds/flux-crds.json, what
 * they were converted from; not shipped) and their conversion (flux-schemas.json), done here so
 * that the server reads ready schemas at start instead of converting CRDs.
 */
async function writeCrdSnapshot() {
  const result = await loadFluxCrds();
  const raw = join(root, 'server/out/crds/flux-crds.json');
  const out = join(root, 'server/out/crds/flux-schemas.json');
  if (result.error) {
    // A package without schemas would be a lie about what it offers: fail the production build.
    if (production) throw new Error(result.error);
    console.warn(
      `warning: ${result.error}\n  The extension will report "no Flux schemas" until it finds CRDs in the workspace.`,
    );
    rmSync(raw, { force: true });
    rmSync(out, { force: true });
    return;
  }
  const { convertCrds } = await importServerModule('server/src/flux/schemaRegistry.ts');
  const { converted, problems } = convertCrds(result.crds);
  if (problems.length) {
    const message = `${problems.length} bundled Flux CRDs could not be converted: ${problems.map((p) => p.reason).join('; ')}`;
    if (production) throw new Error(message);
    console.warn(`warning: ${message}`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(raw, JSON.stringify({ fluxVersion: FLUX_VERSION, crds: result.crds }));
  writeFileSync(out, JSON.stringify({ fluxVersion: FLUX_VERSION, crds: converted }));
  console.log(`bundled ${converted.length} Flux ${FLUX_VERSION} CRDs from ${result.origin}, converted`);
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
  const { convertOpenApi } = await importServerModule('server/src/kubernetes/openapiToSchema.ts');
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

/**
 * The README the package ships (vsce --readme-path): README.md with each screenshot line (`![alt](media/x.png)`)
 * replaced by one line naming the picture. vsce refuses relative images for a repository it cannot
 * place on GitHub or GitLab, and the line count must stay: diagnostic codes link to README lines.
 */
function writePackageReadme() {
  const text = readFileSync(join(root, 'README.md'), 'utf8').replace(
    /^!\[([^\]]*)\]\((media\/[^)]+)\)$/gm,
    (_m, alt, file) => `_Screenshot: ${alt} (${file} in the source repository)._`,
  );
  mkdirSync(join(root, 'client/out'), { recursive: true });
  writeFileSync(join(root, 'client/out/README.md'), text);
}

await writeCrdSnapshot();
await writeBuiltinSchemas();
writePackageReadme();
if (watch) {
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
