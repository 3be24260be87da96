import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeGitUrl } from '../../server/src/workspace/sources';
import { GIT_FLUX_SYSTEM, ks, modelOf, SOURCE } from './semantics-helpers';

const CM = (name: string, ns = '', data = '  A: "1"\n') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data:\n${data}`;

describe('workspace model', () => {
  it('indexes every document by kind and name, with its location; patch files hold no objects', () => {
    const { model, abs } = modelOf({
      'apps/base/kustomization.yaml': 'resources: [cm.yaml]\npatches:\n  - path: patch.yaml\n',
      'apps/base/cm.yaml': CM('one', 'apps') + '---\n' + CM('two', 'apps'),
      'apps/base/patch.yaml': CM('one', 'apps', '  B: "2"\n'),
    });
    const one = model.find('ConfigMap', 'one');
    assert.equal(one.length, 1, 'the patch is not a second ConfigMap one');
    assert.equal(one[0]!.file, abs('apps/base/cm.yaml'));
    assert.equal(one[0]!.namespace, 'apps');
    assert.equal(model.find('ConfigMap', 'two')[0]!.docIndex, 1);
    assert.ok(model.isPatchFile(abs('apps/base/patch.yaml')));
  });

  it('follows kustomization.yaml resources, bases and components to the files a Kustomization renders', () => {
    const { model, abs } = modelOf({
      'clusters/dev/apps.yaml': ks('apps', `  path: ./apps/dev\n${SOURCE}`),
      'clusters/dev/git.yaml': GIT_FLUX_SYSTEM,
      'apps/dev/kustomization.yaml':
        'resources:\n  - ../base\n  - extra.yaml\ncomponents:\n  - ../components/monitoring\n',
      'apps/dev/extra.yaml': CM('extra'),
      'apps/dev/unused.yaml': CM('unused'),
      'apps/base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'apps/base/cm.yaml': CM('base'),
      'apps/components/monitoring/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [sm.yaml]\n',
      'apps/components/monitoring/sm.yaml': CM('sm'),
    });
    const apps = model.find('Kustomization', 'apps')[0]!;
    const r = model.rendering(apps)!;
    assert.deepEqual(
      [...r.resources.keys()].sort(),
      [
        abs('apps/base/cm.yaml'),
        abs('apps/components/monitoring/sm.yaml'),
        abs('apps/dev/extra.yaml'),
      ].sort(),
    );
    assert.ok(r.inputs.has(abs('apps/dev/kustomization.yaml')));
    assert.equal(model.ownersOf(abs('apps/base/cm.yaml'))[0]!.ks, apps);
    assert.equal(model.ownersOf(abs('apps/dev/unused.yaml')).length, 0, 'not listed, not rendered');
  });

  it('without a kustomization.yaml, renders what Flux generates: every YAML file, sub-folders with their own kustomization', () => {
    const { model, abs } = modelOf({
      'clusters/dev/flux.yaml':
        GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/dev\n${SOURCE}`),
      'clusters/dev/cm.yaml': CM('a'),
      'clusters/dev/deep/more/cm.yaml': CM('b'),
      'clusters/dev/infra/kustomization.yaml': 'resources: [x.yaml]\n',
      'clusters/dev/infra/x.yaml': CM('x'),
      'clusters/dev/infra/y.yaml': CM('y'),
    });
    const flux = model.find('Kustomization', 'flux-system')[0]!;
    const r = model.rendering(flux)!;
    assert.equal(r.generated, true);
    assert.deepEqual(
      [...r.resources.keys()].sort(),
      [
        'clusters/dev/cm.yaml',
        'clusters/dev/deep/more/cm.yaml',
        'clusters/dev/flux.yaml',
        'clusters/dev/infra/x.yaml',
      ]
        .map(abs)
        .sort(),
    );
  });

  it('applies namespaces as Flux does: targetNamespace, else the outermost kustomization namespace, else metadata.namespace', () => {
    const { model } = modelOf({
      'clusters/flux.yaml':
        GIT_FLUX_SYSTEM +
        '---\n' +
        ks('a', `  path: ./a\n  targetNamespace: forced\n${SOURCE}`) +
        '---\n' +
        ks('b', `  path: ./b\n${SOURCE}`) +
        '---\n' +
        ks('flux-system', `  path: ./clusters\n${SOURCE}`),
      'a/cm.yaml': CM('in-a', 'written'),
      'b/kustomization.yaml': 'namespace: outer\nresources: [inner]\n',
      'b/inner/kustomization.yaml': 'namespace: inner\nresources: [cm.yaml]\n',
      'b/inner/cm.yaml': CM('in-b', 'written'),
      'c/cm.yaml': CM('in-c', 'written'),
      'd/cm.yaml': CM('in-d'),
    });
    assert.deepEqual(model.namespacesOf(model.find('ConfigMap', 'in-a')[0]!), ['forced']);
    assert.deepEqual(model.namespacesOf(model.find('ConfigMap', 'in-b')[0]!), ['outer']);
    assert.deepEqual(
      model.namespacesOf(model.find('ConfigMap', 'in-c')[0]!),
      ['written'],
      'rendered by none: as written',
    );
    assert.deepEqual(model.namespacesOf(model.find('ConfigMap', 'in-d')[0]!), [undefined]);
  });

  it('reads kustomization.yaml field names without regard to case, as kustomize does', () => {
    const { model, abs } = modelOf({
      'clusters/flux.yaml': GIT_FLUX_SYSTEM + '---\n' + ks('apps', `  path: ./apps\n${SOURCE}`),
      'apps/kustomization.yaml':
        'APIVersion: kustomize.config.k8s.io/v1beta1\nResources:\n  - cm.yaml\nNameSpace: apps\n',
      'apps/cm.yaml': CM('x'),
    });
    const r = model.rendering(model.find('Kustomization', 'apps')[0]!)!;
    assert.deepEqual([...r.resources.keys()], [abs('apps/cm.yaml')]);
    assert.deepEqual(model.namespacesOf(model.find('ConfigMap', 'x')[0]!), ['apps']);
  });

  it('knows which source is this repository', () => {
    const other = `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  url: https://github.com/stefanprodan/podinfo\n`;
    const mine = other
      .replace('podinfo\n  namespace', 'fleet\n  namespace')
      .replace('stefanprodan/podinfo', 'example/fleet.git');
    const { model } = modelOf({
      'a.yaml': [
        other,
        mine,
        ks('from-podinfo', '  path: ./kustomize\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n'),
        ks('from-fleet', '  path: ./x\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n'),
        ks('from-bootstrap', `  path: ./x\n${SOURCE}`),
        ks('from-oci', '  path: ./\n  sourceRef:\n    kind: OCIRepository\n    name: kyverno\n'),
      ].join('---\n'),
    });
    model.setSettings({
      repositoryUrls: [normalizeGitUrl('git@github.com:example/fleet.git')],
      sourceFolders: {},
    });
    const kind = (n: string) => model.sourceOf(model.find('Kustomization', n)[0]!).kind;
    assert.equal(kind('from-podinfo'), 'other-repository');
    assert.equal(kind('from-fleet'), 'local');
    assert.equal(kind('from-bootstrap'), 'local');
    assert.equal(kind('from-oci'), 'unknown', 'an OCI artifact of something else is not this repository');
    model.setSettings({ repositoryUrls: [], sourceFolders: { 'GitRepository/podinfo': '.' } });
    assert.equal(kind('from-podinfo'), 'local', 'a setting maps the source to a folder');
  });

  it('normalizes git remote URLs', () => {
    for (const u of [
      'git@github.com:Org/Repo.git',
      'https://github.com/org/repo',
      'ssh://git@github.com/org/repo.git',
      'https://user@github.com/org/repo/',
    ])
      assert.equal(normalizeGitUrl(u), 'github.com/org/repo', u);
  });

  it('models what a FluxInstance (or the flux-instance chart) creates: a source and a Kustomization that renders its path', () => {
    const { model, abs } = modelOf({
      'clusters/main/flux-instance.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: flux-instance
  namespace: flux-system
spec:
  chartRef: {kind: OCIRepository, name: flux-instance}
  values:
    instance:
      sync:
        kind: GitRepository
        url: https://github.com/example/fleet
        path: clusters/main
`,
      'clusters/main/apps.yaml': ks('apps', `  path: ./apps\n${SOURCE}`),
    });
    const created = model.find('Kustomization', 'flux-system');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.file, abs('clusters/main/flux-instance.yaml'));
    assert.equal(model.ownersOf(abs('clusters/main/apps.yaml'))[0]!.ks, created[0]);
    assert.equal(model.find('GitRepository', 'flux-system')[0]!.url, 'https://github.com/example/fleet');
  });

  it('tells which files belong to which cluster entry point', () => {
    const { model, abs } = modelOf({
      'clusters/a/flux.yaml':
        GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/a\n${SOURCE}`),
      'clusters/a/apps.yaml': ks('apps', `  path: ./apps/a\n${SOURCE}`),
      'clusters/b/flux.yaml':
        GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/b\n${SOURCE}`),
      'clusters/b/apps.yaml': ks('apps', `  path: ./apps/b\n${SOURCE}`),
      'apps/a/cm.yaml': CM('x', 'default'),
      'apps/b/cm.yaml': CM('x', 'default'),
    });
    assert.equal(model.sameCluster(abs('apps/a/cm.yaml'), abs('clusters/a/apps.yaml')), true);
    assert.equal(model.sameCluster(abs('apps/a/cm.yaml'), abs('apps/b/cm.yaml')), false);
  });

  it('models the flux-system Kustomization bootstrap makes when gotk-sync.yaml does not hold it', () => {
    const { model, abs } = modelOf({
      'clusters/prod/flux-system/gotk-sync.yaml': '# generated by flux bootstrap\n',
      'clusters/prod/infra.yaml': ks('infra', `  path: ./infra\n${SOURCE}`),
      'clusters/stage/flux-system/gotk-sync.yaml': '# generated by flux bootstrap\n',
      'clusters/stage/infra.yaml': ks('infra', `  path: ./infra\n${SOURCE}`),
    });
    const boot = model.find('Kustomization', 'flux-system');
    assert.deepEqual(boot.map((b) => b.ks?.path).sort(), ['./clusters/prod', './clusters/stage']);
    assert.equal(model.ownersOf(abs('clusters/prod/infra.yaml'))[0]!.ks.ks?.path, './clusters/prod');
    assert.equal(model.sameCluster(abs('clusters/prod/infra.yaml'), abs('clusters/stage/infra.yaml')), false);
  });

  it('updates incrementally: an edit, a removal, a new file', () => {
    const { model, abs, workspace } = modelOf({ 'a.yaml': CM('one') });
    const g = model.generation;
    workspace.updateFile(abs('a.yaml'), CM('renamed'));
    assert.ok(model.generation > g);
    assert.equal(model.find('ConfigMap', 'one').length, 0);
    assert.equal(model.find('ConfigMap', 'renamed').length, 1);
    workspace.updateFile(abs('b.yaml'), CM('two'));
    assert.equal(model.tree.state(abs('b.yaml')).kind, 'file');
    workspace.removeFile(abs('a.yaml'));
    assert.equal(model.find('ConfigMap', 'renamed').length, 0);
    assert.equal(model.tree.state(abs('a.yaml')).kind, 'missing');
  });

  it('never throws on YAML that is not Kubernetes, broken YAML or hostile nesting', () => {
    const { model, abs, workspace } = modelOf({});
    for (const text of [
      'key: [unclosed',
      '- a\n- b\n',
      'just text',
      '{{ .Values.x }}',
      '!!binary AAAA',
      '['.repeat(5000),
      'a: &a [*a]',
    ]) {
      workspace.updateFile(abs('x.yaml'), text);
      assert.ok(model.get(abs('x.yaml')));
    }
  });
});

describe('path tree snapshot', () => {
  it('a restored copy answers every question as the tree it was taken of', async () => {
    const { PathTree } = await import('../../server/src/workspace/pathTree');
    const a = new PathTree();
    a.add('/r/apps/base/a.yaml', 'file');
    a.add('/r/apps/prod', 'dir');
    a.addIgnored('/r/secret', 'listed in .sourceignore');
    a.markComplete('/r', { allFiles: false });
    const b = new PathTree();
    b.add('/elsewhere/x.yaml', 'file');
    b.restore(structuredClone(a.snapshot()));
    for (const p of [
      '/r/apps/base/a.yaml',
      '/r/apps/prod',
      '/r/apps',
      '/r/secret/x.yaml',
      '/r/nope.yaml',
      '/elsewhere/x.yaml',
    ])
      assert.deepEqual(b.state(p), a.state(p), p);
    assert.equal(b.isComplete('/r/apps/c.yaml'), a.isComplete('/r/apps/c.yaml'));
    assert.equal(b.isComplete('/r/apps/c.txt'), false);
  });
});
