// Parent Kustomizations: a child is previewed as its parent renders it (real kubectl kustomize).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildFlux, type BuildOptions } from '../../server/src/build/fluxBuild';
import { findFluxKustomizations } from '../../server/src/build/fluxKustomizations';
import { nodeBuildFs, nodeSpawner } from '../../server/src/io/io';
import { buildWithParents, parentCandidates, passesThrough } from '../../server/src/build/parents';
import { listYamlFiles } from '../../server/src/workspace/workspace';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fw-parents-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, any>);

const ks = (name: string, p: string, extra = '', meta = '') => `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
${meta}spec:
  interval: 1h
  path: ${p}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`;

/** A repository like many real ones: clusters/dev/apps.yaml renders apps/, whose Kustomizations it patches. */
function repo(name: string, parentExtra: string, childMeta = ''): string {
  const root = path.join(tmp, name);
  write(root, {
    'clusters/dev/apps.yaml': ks('apps', './apps', parentExtra),
    'apps/web/ks.yaml': ks('web', './workloads/web', '', childMeta),
    'apps/other/ks.yaml': ks('other', './workloads/web'),
    'workloads/web/deployment.yaml': deployment,
  });
  return root;
}

function options(root: string, file: string, name: string, trusted = true): BuildOptions {
  const doc = findFluxKustomizations(readFileSync(file, 'utf8')).find((d) => d.name === name)!;
  return {
    target: { kind: 'flux', name, namespace: doc.namespace || 'flux-system', spec: doc.spec, file },
    sourceRoot: root,
    fs: nodeBuildFs(),
    spawn: nodeSpawner,
    trusted,
    readEngineVersion: false,
  };
}

// The parent's patch gives every child Kustomization labelled tier=web a patch of its own that
// sets the Deployment's replicas, and a post-build variable.
const parentPatches = `  postBuild:
    substitute:
      REPLICAS: "3"
  patches:
    - target:
        kind: Kustomization
        labelSelector: tier=web
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          patches:
            - target: {kind: Deployment}
              patch: |-
                - op: replace
                  path: /spec/replicas
                  value: \${REPLICAS}
`;

describe('parent Kustomizations', () => {
  it('builds a child with the spec its parent renders (patches and substitution), and says so', async () => {
    const root = repo('patched', parentPatches, '  labels:\n    tier: web\n');
    const file = path.join(root, 'apps/web/ks.yaml');
    const o = await buildWithParents(options(root, file, 'web'), () => listYamlFiles(root));
    assert.equal(o.ok, true, JSON.stringify(o.errors));
    const dep = docs(o.yaml).find((d) => d.kind === 'Deployment')!;
    assert.equal(dep.spec.replicas, 3, 'the parent-given patch, with the parent-substituted value');
    assert.match(
      o.parents![0]!,
      /parent Kustomization flux-system\/apps \(clusters\/dev\/apps\.yaml\).*spec\.patches/,
    );
    // The same child as written (what `flux build kustomization` builds) keeps 1 replica.
    const plain = await buildFlux(options(root, file, 'web'));
    assert.equal(docs(plain.yaml).find((d) => d.kind === 'Deployment')!.spec.replicas, 1);
  });

  it('leaves a child the parent does not select as written, and notes that nothing changed', async () => {
    const root = repo('unselected', parentPatches);
    const file = path.join(root, 'apps/other/ks.yaml');
    const o = await buildWithParents(options(root, file, 'other'), () => listYamlFiles(root));
    assert.equal(o.ok, true, JSON.stringify(o.errors));
    assert.equal(docs(o.yaml).find((d) => d.kind === 'Deployment')!.spec.replicas, 1);
    assert.match(o.parents![0]!, /changes nothing in its spec/);
  });

  it("moves the child into the parent's targetNamespace", async () => {
    const root = repo('target-ns', '  targetNamespace: team-a\n');
    const file = path.join(root, 'apps/web/ks.yaml');
    const o = await buildWithParents(options(root, file, 'web'), () => listYamlFiles(root));
    assert.equal(o.ok, true, JSON.stringify(o.errors));
    assert.match(o.parents![0]!, /metadata\.namespace/);
    const dep = docs(o.yaml).find((d) => d.kind === 'Deployment')!;
    assert.equal(dep.metadata.labels['kustomize.toolkit.fluxcd.io/namespace'], 'team-a');
  });

  it('says plainly when the parent cannot be built, and builds the child as written', async () => {
    // The parent substitutes a variable nobody sets: strict substitution fails its build.
    // (It also has a patch, so it is built: a parent that passes its children through is not.)
    const root = repo(
      'parent-fails',
      '  postBuild:\n    substitute:\n      X: "1"\n  patches:\n    - target: {kind: ConfigMap}\n      patch: |-\n        - op: add\n          path: /data/b\n          value: c\n',
    );
    write(root, {
      'apps/uses-var.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: ${UNSET_VAR}\n',
    });
    const file = path.join(root, 'apps/web/ks.yaml');
    const o = await buildWithParents(options(root, file, 'web'), () => listYamlFiles(root));
    assert.equal(o.ok, true, JSON.stringify(o.errors));
    assert.match(
      o.warnings[0]!,
      /parent Kustomization flux-system\/apps .* build failed .*UNSET_VAR.*not applied/s,
    );
    assert.equal(o.parents !== undefined, false);
  });

  it('ignores a Kustomization whose folder holds the file but whose build does not include it', async () => {
    const root = repo('not-listed', parentPatches, '  labels:\n    tier: web\n');
    // An explicit kustomization.yaml that lists only one child: apps/web is not rendered.
    write(root, { 'apps/kustomization.yaml': 'resources: [other/ks.yaml]\n' });
    const file = path.join(root, 'apps/web/ks.yaml');
    const cands = await parentCandidates(options(root, file, 'web').target as never, {
      sourceRoot: root,
      fs: nodeBuildFs(),
      yamlFiles: () => listYamlFiles(root),
    });
    assert.deepEqual(
      cands.map((c) => c.target.name),
      ['apps'],
    );
    const o = await buildWithParents(options(root, file, 'web'), () => listYamlFiles(root));
    assert.equal(o.ok, true, JSON.stringify(o.errors));
    assert.equal(docs(o.yaml).find((d) => d.kind === 'Deployment')!.spec.replicas, 1);
    assert.equal(o.parents !== undefined, false);
  });

  it('runs nothing in Restricted Mode', async () => {
    const root = repo('untrusted', parentPatches, '  labels:\n    tier: web\n');
    const file = path.join(root, 'apps/web/ks.yaml');
    const o = await buildWithParents(options(root, file, 'web', false), () => listYamlFiles(root));
    assert.equal(o.ok, false);
    assert.match(o.errors[0]!.message, /Restricted Mode/);
  });
});

describe('parent builds in the language server (BuildPreviewService)', () => {
  it('reuses an unchanged parent build, and rebuilds it when a YAML file or a buffer changes', async () => {
    const { BuildPreviewService } = await import('../../server/src/service/buildPreview');
    const { DEFAULT_BUILD_SETTINGS } = await import('../../server/src/protocol');
    const root = repo('service-cache', parentPatches, '  labels:\n    tier: web\n');
    const builds: string[] = [];
    // The real spawner, counting the kustomize runs (the folder each one builds).
    const service = new BuildPreviewService(async (cmd, args, opts) => {
      if (args[0] === 'kustomize') builds.push(path.basename(args[1]!));
      return nodeSpawner(cmd, args, opts);
    });
    const file = path.join(root, 'apps/web/ks.yaml');
    const params = { uri: `file://${file}`, name: 'web', trusted: true };
    const ctx = (buffers = new Map<string, string>()) => ({
      settings: DEFAULT_BUILD_SETTINGS,
      roots: [root],
      buffers,
    });
    const replicas = (yaml: string) => docs(yaml).find((d) => d.kind === 'Deployment')!.spec.replicas;

    const first = await service.build(params, ctx());
    assert.equal(first.ok, true, JSON.stringify(first.errors));
    assert.equal(replicas(first.yaml), 3);
    // The child as written is built beside the parent lookup (and stopped when the parent changes it).
    assert.deepEqual([...new Set(builds)].sort(), ['apps', 'web'], 'the parent and the child');

    builds.length = 0;
    const again = await service.build(params, ctx());
    assert.equal(replicas(again.yaml), 3);
    assert.equal(builds.includes('apps'), false, 'nothing changed: the parent build is reused');

    // An unsaved edit of the child's own manifest (outside everything the parent reads): the parent
    // build is still reused, and the edit is rendered.
    builds.length = 0;
    const manifest = path.join(root, 'workloads/web/deployment.yaml');
    const image = await service.build(
      params,
      ctx(
        new Map([[manifest, readFileSync(manifest, 'utf8').replace('image: nginx', 'image: nginx:edited')]]),
      ),
    );
    assert.match(image.yaml, /image: nginx:edited/);
    assert.equal(replicas(image.yaml), 3);
    assert.equal(builds.includes('apps'), false, "the child's manifests are not the parent's inputs");

    // An unsaved edit of the parent's document changes the substituted value.
    builds.length = 0;
    const parentFile = path.join(root, 'clusters/dev/apps.yaml');
    const edited = readFileSync(parentFile, 'utf8').replace('REPLICAS: "3"', 'REPLICAS: "5"');
    const buffered = await service.build(params, ctx(new Map([[parentFile, edited]])));
    assert.equal(replicas(buffered.yaml), 5);
    assert.equal(builds.includes('apps'), true);

    // The same edit saved to disk (the buffer closed): rebuilt from the file.
    builds.length = 0;
    writeFileSync(parentFile, edited.replace('REPLICAS: "5"', 'REPLICAS: "7"'));
    const saved = await service.build(params, ctx());
    assert.equal(replicas(saved.yaml), 7);
    assert.equal(builds.includes('apps'), true);
  });
});

describe('substituteFrom objects defined once per cluster folder', () => {
  it('takes the one nearest the Kustomization and says there are others', async () => {
    const { WorkspaceVariableSource, resolveVariables } = await import('../../server/src/build/variables');
    const root = path.join(tmp, 'per-cluster');
    const info = (cluster: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\n  namespace: flux-system\ndata:\n  CLUSTER: ${cluster}\n`;
    write(root, {
      'clusters/main/cluster-info.yaml': info('main'),
      'clusters/test/cluster-info.yaml': info('test'),
      'clusters/test/apps.yaml': ks('apps', './apps'),
    });
    const source = new WorkspaceVariableSource(nodeBuildFs(), root, () => listYamlFiles(root));
    const r = await resolveVariables(
      { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-info' }] },
      'flux-system',
      [source],
      { useSubstituteFrom: true, inlineSource: 'x', near: path.join(root, 'clusters/test/apps.yaml') },
    );
    assert.equal(r.variables.get('CLUSTER')!.value, 'test');
    assert.match(r.variables.get('CLUSTER')!.source, /clusters\/test\/cluster-info\.yaml/);
    assert.match(r.warnings.join('\n'), /defined 2 times .*clusters\/main\/cluster-info\.yaml.*nearest/);
    // Without a hint, the first in path order; still with the warning.
    const first = await resolveVariables(
      { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-info' }] },
      'flux-system',
      [source],
      { useSubstituteFrom: true, inlineSource: 'x' },
    );
    assert.equal(first.variables.get('CLUSTER')!.value, 'main');
    assert.match(first.warnings.join('\n'), /defined 2 times/);
  });
});

describe('parents that pass their children through (no build needed)', () => {
  const child = (root: string) => ({
    kind: 'flux' as const,
    name: 'web',
    namespace: 'flux-system',
    spec: {},
    file: path.join(root, 'apps/web/ks.yaml'),
  });
  const parent = (root: string, extra: Record<string, unknown> = {}) => ({
    kind: 'flux' as const,
    name: 'apps',
    namespace: 'flux-system',
    spec: { path: './apps', ...extra },
    file: path.join(root, 'clusters/dev/apps.yaml'),
  });
  const check = (root: string, extra?: Record<string, unknown>) =>
    passesThrough(parent(root, extra), child(root).file, root, nodeBuildFs());

  it('says yes for a generated folder or kustomizations that only list resources, no otherwise', async () => {
    const root = repo('passthrough', '');
    assert.equal(await check(root), true, 'generated all the way down');
    assert.equal(await check(root, { patches: [] }), false, 'the parent has patches');
    assert.equal(await check(root, { targetNamespace: 'x' }), false);
    // Substitution matters only when the child's file has a "$".
    assert.equal(await check(root, { postBuild: { substitute: { A: '1' } } }), true);
    write(root, { 'apps/web/ks.yaml': ks('web', './workloads/${A}') });
    assert.equal(await check(root, { postBuild: { substitute: { A: '1' } } }), false);
    write(root, { 'apps/web/ks.yaml': ks('web', './workloads/web') });

    write(root, { 'apps/kustomization.yaml': 'resources: [./web, other]\n' });
    assert.equal(await check(root), false, 'web/ has no kustomization below an explicit one');
    write(root, { 'apps/web/kustomization.yaml': 'resources: [ks.yaml]\n' });
    assert.equal(await check(root), true, 'both only list resources, including the next step');
    write(root, { 'apps/web/kustomization.yaml': 'namespace: team-a\nresources: [ks.yaml]\n' });
    assert.equal(await check(root), false, 'a namespace transformer');
    write(root, { 'apps/web/kustomization.yaml': 'resources: [other.yaml]\n' });
    assert.equal(await check(root), false, 'the file is not listed');
    write(root, { 'apps/web/kustomization.yaml': 'resources: [ks.yaml]\n', 'apps/.sourceignore': 'x\n' });
    assert.equal(await check(root), false, 'a .sourceignore on the way');
  });

  it('builds the child as written without building the parent, and says so', async () => {
    const root = repo('passthrough-build', '');
    const builds: string[] = [];
    const spawn: typeof nodeSpawner = async (cmd, args, opts) => {
      if (args[0] === 'kustomize') builds.push(path.basename(args[1]!));
      return nodeSpawner(cmd, args, opts);
    };
    const file = path.join(root, 'apps/web/ks.yaml');
    const o = await buildWithParents({ ...options(root, file, 'web'), spawn }, () => listYamlFiles(root));
    assert.equal(o.ok, true, JSON.stringify(o.errors));
    assert.deepEqual(builds, ['web'], 'only the child was built');
    assert.match(o.parents![0]!, /flux-system\/apps .*passes it through unchanged.*not built/);
    // Building the parent agrees: it renders the child unchanged.
    const { applyParents } = await import('../../server/src/build/parents');
    const built = await applyParents(options(root, file, 'web').target as never, {
      sourceRoot: root,
      fs: nodeBuildFs(),
      yamlFiles: () => listYamlFiles(root),
      build: (t) => buildFlux({ ...options(root, file, 'web'), target: t }),
      passThroughShortcut: false,
    });
    assert.match(built.notes[0]!, /changes nothing in its spec/);
    assert.deepEqual(built.target.spec, (options(root, file, 'web').target as { spec: unknown }).spec);
  });
});
