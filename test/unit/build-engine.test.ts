import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildFlux, type BuildOptions } from '../../server/src/build/fluxBuild';
import { findOrGenerateKustomization, kubernetesYamlProblem } from '../../server/src/build/generator';
import { nodeBuildFs, nodeSpawner } from '../../server/src/io/io';
import { overlayFluxSpec } from '../../server/src/build/overlay';
import { IgnoreMatcher, loadSourceIgnore } from '../../server/src/build/sourceIgnore';
import { WorkspaceVariableSource } from '../../server/src/build/variables';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const fixture = path.join(repoRoot, 'test', 'fixtures', 'build-basic');
const fs = nodeBuildFs();
let tmp: string;

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n`;
/** A snapshot of every file under `dir` (names only), to prove builds write nothing there. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false } as never)
    .map(String)
    .sort();
}
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, any>);

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fw-build-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('kustomization generator (Flux rules)', () => {
  it('lists YAML files and sub-folders with a kustomization, in lexical order, skipping ignored files', async () => {
    const root = path.join(tmp, 'gen');
    write(root, {
      'app/b.yaml': cm('b'),
      'app/a.yml': cm('a'),
      'app/notes.txt': 'x',
      'app/.sops.yaml': 'creation_rules: []\n',
      'app/sub/kustomization.yaml': 'resources: [c.yaml]\n',
      'app/sub/c.yaml': cm('c'),
      'app/sub/broken.yaml': 'not: kubernetes\n',
      'app/deeper/d.yaml': cm('d'),
      'app/skipme/e.yaml': 'nope: 1\n',
      'app/.sourceignore': 'skipme/\n',
    });
    const gen = await findOrGenerateKustomization(
      fs,
      path.join(root, 'app'),
      await loadSourceIgnore(fs, root, path.join(root, 'app')),
    );
    assert.equal(gen.generated, true);
    assert.deepEqual(gen.config.resources, ['./a.yml', './b.yaml', './deeper/d.yaml', './sub']);
  });
  it('fails on a YAML file that is not Kubernetes objects, naming it', async () => {
    const root = path.join(tmp, 'gen-bad');
    write(root, { 'app/ok.yaml': cm('ok'), 'app/values.yaml': 'replicaCount: 1\n' });
    await assert.rejects(
      findOrGenerateKustomization(fs, path.join(root, 'app'), new IgnoreMatcher()),
      /failed to decode Kubernetes YAML from .*values\.yaml: missing Resource metadata/,
    );
  });
  it('knows which documents kustomize accepts', () => {
    assert.equal(kubernetesYamlProblem(cm('x')), undefined);
    assert.equal(kubernetesYamlProblem('# only a comment\n---\n'), undefined);
    assert.equal(kubernetesYamlProblem('apiVersion: v1\nkind: List\nitems: []\n'), undefined);
    assert.match(kubernetesYamlProblem('apiVersion: v1\nkind: ConfigMap\n')!, /missing metadata.name/);
    assert.match(kubernetesYamlProblem('apiVersion: v1\nmetadata:\n  name: x\n')!, /missing kind/);
  });
  it('an empty folder gets namespace _placeholder; an existing file with no resources gets originAnnotations', async () => {
    mkdirSync(path.join(tmp, 'empty'), { recursive: true });
    const empty = await findOrGenerateKustomization(fs, path.join(tmp, 'empty'), new IgnoreMatcher());
    assert.deepEqual(empty.config, {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: '_placeholder',
    });
    write(tmp, { 'gens/kustomization.yaml': 'configMapGenerator:\n  - name: x\n    literals: [a=b]\n' });
    const gens = await findOrGenerateKustomization(fs, path.join(tmp, 'gens'), new IgnoreMatcher());
    assert.deepEqual(gens.config.buildMetadata, ['originAnnotations']);
  });
});

describe('Flux spec overlay', () => {
  it('replaces namespace/prefix/suffix, appends patches and components, merges images field by field', async () => {
    const config: Record<string, unknown> = {
      namespace: 'orig',
      namePrefix: 'orig-',
      images: [
        { name: 'nginx', newTag: '1.0', digest: 'sha256:old' },
        { name: 'redis', newTag: '7' },
      ],
      patches: [{ path: 'p.yaml' }],
    };
    mkdirSync(path.join(tmp, 'ov', 'comp'), { recursive: true });
    await overlayFluxSpec(
      config,
      {
        targetNamespace: 'prod',
        namePrefix: 'p-',
        nameSuffix: '-s',
        images: [
          { name: 'nginx', newTag: '1.27' },
          { name: 'busybox', newName: 'alpine' },
        ],
        patches: [{ patch: 'x', target: { kind: 'Deployment', name: 'web', extra: 'dropped' } }],
        components: ['comp', 'missing'],
        ignoreMissingComponents: true,
      },
      path.join(tmp, 'ov'),
      fs,
    );
    assert.equal(config.namespace, 'prod');
    assert.equal(config.namePrefix, 'p-');
    assert.equal(config.nameSuffix, '-s');
    assert.deepEqual(config.images, [
      { name: 'nginx', newTag: '1.27' },
      { name: 'redis', newTag: '7' },
      { name: 'busybox', newName: 'alpine' },
    ]);
    assert.deepEqual(config.patches, [
      { path: 'p.yaml' },
      { patch: 'x', target: { kind: 'Deployment', name: 'web' } },
    ]);
    assert.deepEqual(config.components, ['comp']);
  });
  it('refuses remote or absolute components', async () => {
    await assert.rejects(
      overlayFluxSpec({}, { components: ['https://github.com/x/y'] }, tmp, fs),
      /must be local and relative/,
    );
    await assert.rejects(
      overlayFluxSpec({}, { components: ['/etc'] }, tmp, fs),
      /must be local and relative/,
    );
  });
});

describe('buildFlux with the real kubectl kustomize', () => {
  const base = (over: Partial<BuildOptions>): BuildOptions => ({
    target: { kind: 'directory', dir: path.join(fixture, 'apps', 'base') },
    sourceRoot: fixture,
    fs,
    spawn: nodeSpawner,
    trusted: true,
    kustomizePath: '/usr/bin/kubectl',
    ...over,
  });
  const appsSpec = async () => {
    const { findFluxKustomizations } = await import('../../server/src/build/fluxKustomizations');
    const { readFileSync } = await import('node:fs');
    const file = path.join(fixture, 'clusters/dev/apps.yaml');
    return { file, docs: findFluxKustomizations(readFileSync(file, 'utf8')) };
  };

  it('renders the fixture Kustomization as Flux would, writing nothing into the workspace', async () => {
    const before = tree(fixture);
    const { file, docs: ks } = await appsSpec();
    const apps = ks.find((d) => d.name === 'apps')!;
    const r = await buildFlux(
      base({
        target: { kind: 'flux', name: 'apps', namespace: 'flux-system', spec: apps.spec, file },
        variableSources: [
          new WorkspaceVariableSource(fs, fixture, async () => [
            path.join(fixture, 'clusters/dev/vars.yaml'),
          ]),
        ],
      }),
    );
    assert.deepEqual(r.errors, []);
    assert.match(r.engine!.label, /kubectl kustomize \(kustomize v\d/);
    assert.equal(r.generated, true);
    const objs = docs(r.yaml);
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort(), [
      'ConfigMap/web/dev-script',
      'ConfigMap/web/dev-settings',
      'Deployment/web/dev-web',
      'Secret/web/dev-db',
      'Service/web/dev-web',
    ]);
    const deploy = objs.find((o) => o.kind === 'Deployment')!;
    const env = Object.fromEntries(
      deploy.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    // inline substitute wins over substituteFrom; Secret data is base64-decoded; $${} is literal.
    assert.deepEqual(env, {
      CLUSTER: 'dev',
      DOMAIN: 'dev.example.org',
      TOKEN: 's3cr3t',
      LITERAL: '${NOT_A_VAR}',
    });
    assert.equal(deploy.spec.replicas, 2);
    assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:1.27.1');
    assert.equal(deploy.metadata.annotations['patched-by'], 'flux');
    assert.equal(deploy.metadata.labels.team, 'platform');
    assert.equal(deploy.metadata.labels['kustomize.toolkit.fluxcd.io/name'], 'apps');
    assert.equal(objs.find((o) => o.kind === 'Secret')!.stringData.password, '**SOPS**');
    assert.equal(
      objs.find((o) => o.metadata.name === 'dev-script')!.data['run.sh'],
      'echo "${HOME} ${UNSET_IN_SHELL}"\n',
    );
    assert.ok(
      r.variables.some((v) => v.name === 'DOMAIN' && /ConfigMap flux-system\/cluster-vars/.test(v.source)),
    );
    assert.ok(r.warnings.some((w) => /not-there not found \(optional/.test(w)));
    assert.deepEqual(tree(fixture), before);
  });

  it('strict substitution fails naming the variables and the file and line', async () => {
    const { file, docs: ks } = await appsSpec();
    const strict = ks.find((d) => d.name === 'strict')!;
    const r = await buildFlux(
      base({ target: { kind: 'flux', name: 'strict', namespace: 'flux-system', spec: strict.spec, file } }),
    );
    assert.equal(r.ok, false);
    assert.match(r.errors[0]!.message, /variable not set \(strict mode\)/);
    assert.deepEqual(r.unresolved.sort(), ['MISSING_VAR', 'OTHER_MISSING']);
    assert.ok(r.errors.some((e) => e.file?.endsWith('apps/strict/cm.yaml') && e.line === 7));
  });

  it('reports a missing kustomize with the fix, and runs nothing when untrusted', async () => {
    const none = await buildFlux(base({ kustomizePath: '/nonexistent/kustomize' }));
    assert.match(none.errors[0]!.message, /does not exist\. Fix: set it to the full path/);
    const untrusted = await buildFlux(base({ trusted: false }));
    assert.match(untrusted.errors[0]!.message, /Restricted Mode/);
    assert.equal(untrusted.engine, undefined);
  });

  it('shows kustomize errors with the file they name; cyclic bases and escaping paths fail cleanly', async () => {
    const root = path.join(tmp, 'bad');
    write(root, {
      'a/kustomization.yaml': 'resources: [../b]\n',
      'b/kustomization.yaml': 'resources: [../a]\n',
      'c/kustomization.yaml': 'resources: [missing.yaml]\n',
      'ks.yaml':
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\nspec:\n  path: ../../etc\n',
    });
    const cyclic = await buildFlux(
      base({ target: { kind: 'directory', dir: path.join(root, 'a') }, sourceRoot: root }),
    );
    assert.equal(cyclic.ok, false);
    assert.match(cyclic.errors[0]!.message, /cycle|already|accumulat/i);
    const missing = await buildFlux(
      base({ target: { kind: 'directory', dir: path.join(root, 'c') }, sourceRoot: root }),
    );
    assert.match(missing.errors[0]!.message, /missing\.yaml/);
    const escape = await buildFlux(
      base({
        target: {
          kind: 'flux',
          name: 'x',
          namespace: 'flux-system',
          spec: { path: '../../etc' },
          file: path.join(root, 'ks.yaml'),
        },
        sourceRoot: root,
      }),
    );
    assert.match(escape.errors[0]!.message, /outside the repository/);
    write(root, { 'd/kustomization.yaml': 'resources:\n  - ../../outside.yaml\n' });
    const nested = await buildFlux(
      base({
        target: {
          kind: 'flux',
          name: 'x',
          namespace: 'flux-system',
          spec: { path: './d' },
          file: path.join(root, 'ks.yaml'),
        },
        sourceRoot: root,
      }),
    );
    assert.match(
      nested.errors[0]!.message,
      /'..\/..\/outside.yaml' \(in d\/kustomization.yaml\) is outside the repository/,
    );
    // Deeper: a base of a base, and a generator's file, leave the repository; a plain folder too.
    write(root, {
      'e/kustomization.yaml': 'resources: [../f]\n',
      'f/kustomization.yaml': 'components: [../g]\n',
      'g/kustomization.yaml':
        'kind: Component\nconfigMapGenerator:\n  - name: x\n    files: [key=../../secret.env]\n',
    });
    const deep = await buildFlux(
      base({
        target: {
          kind: 'flux',
          name: 'x',
          namespace: 'flux-system',
          spec: { path: './e' },
          file: path.join(root, 'ks.yaml'),
        },
        sourceRoot: root,
      }),
    );
    assert.equal(deep.ok, false);
    assert.match(
      deep.errors[0]!.message,
      /'..\/..\/secret.env' \(in g\/kustomization.yaml\) is outside the repository/,
    );
    assert.equal(deep.errors[0]!.file, path.join(root, 'g', 'kustomization.yaml'));
    const deepDir = await buildFlux(
      base({ target: { kind: 'directory', dir: path.join(root, 'e') }, sourceRoot: root }),
    );
    assert.match(deepDir.errors[0]!.message, /secret.env' \(in g\/kustomization.yaml\) is outside/);
    assert.deepEqual(tree(root), [
      'a',
      'a/kustomization.yaml',
      'b',
      'b/kustomization.yaml',
      'c',
      'c/kustomization.yaml',
      'd',
      'd/kustomization.yaml',
      'e',
      'e/kustomization.yaml',
      'f',
      'f/kustomization.yaml',
      'g',
      'g/kustomization.yaml',
      'ks.yaml',
    ]);
  });

  it('stops kustomize at the timeout and on cancellation', async () => {
    const slow = async (_c: string, _a: string[], o: { timeoutMs: number; signal?: AbortSignal }) =>
      nodeSpawner('sleep', ['30'], {
        timeoutMs: o.timeoutMs,
        maxOutputBytes: 1000,
        ...(o.signal ? { signal: o.signal } : {}),
      });
    const started = Date.now();
    const t = await buildFlux(
      base({
        spawn: slow,
        engine: { flavour: 'kustomize', binary: 'sleep', version: 'v0', label: 'sleep' },
        timeoutMs: 300,
      }),
    );
    assert.match(t.errors[0]!.message, /did not finish within/);
    const ac = new AbortController();
    setImmediate(() => ac.abort());
    const c = await buildFlux(
      base({
        spawn: slow,
        engine: { flavour: 'kustomize', binary: 'sleep', version: 'v0', label: 'sleep' },
        signal: ac.signal,
      }),
    );
    assert.match(c.errors[0]!.message, /cancelled/);
    assert.ok(Date.now() - started < 10_000);
  });

  // kustomize itself is superlinear in the object count (2,000 ConfigMaps: 12 s here, 10,000: minutes),
  // so 10,000 objects must end in a clear timeout, and a large but feasible output must render.
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => cm(`cm-${i}`).replace('a: b', `a: \${V}-${i}`)).join('---\n');
  const bigTarget = (root: string) =>
    ({
      kind: 'flux',
      name: 'big',
      namespace: 'flux-system',
      spec: { path: './app', postBuild: { substitute: { V: 'x' } } },
      file: path.join(root, 'ks.yaml'),
    }) as const;
  it('10,000 objects: stopped at the timeout with a clear message, nothing written', async () => {
    const root = path.join(tmp, 'big10k');
    write(root, { 'app/many.yaml': many(10_000) });
    const r = await buildFlux(base({ target: bigTarget(root), sourceRoot: root, timeoutMs: 3000 }));
    assert.match(r.errors[0]!.message, /did not finish within 3 s \(fluxWorkbench.build.timeout\)/);
    assert.deepEqual(tree(root), ['app', 'app/many.yaml']);
  });
  it('renders 1,000 objects with substitution', async () => {
    const root = path.join(tmp, 'big1k');
    write(root, { 'app/many.yaml': many(1000) });
    const r = await buildFlux(base({ target: bigTarget(root), sourceRoot: root, timeoutMs: 120_000 }));
    assert.deepEqual(r.errors, []);
    assert.equal(r.objectCount, 1000);
    assert.ok(r.yaml.includes('a: x-999'));
    assert.ok(!existsSync(path.join(root, 'app', 'kustomization.yaml')));
  });
});
