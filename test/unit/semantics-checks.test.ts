import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainDuration } from '../../server/src/flux/durations';
import { semverConstraintProblem } from '../../server/src/flux/semverConstraint';
import { SemanticAnalysis } from '../../server/src/semantics/analysis';
import { GIT_FLUX_SYSTEM, ks, modelOf, SOURCE } from './semantics-helpers';

const CM = (name: string, data = '  A: "1"\n', ns = 'flux-system') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n${data}`;

/** A bootstrapped repository: clusters/dev renders itself and what it names. */
function repo(files: Record<string, string>): Record<string, string> {
  return {
    'clusters/dev/flux-system/gotk-sync.yaml':
      GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/dev\n${SOURCE}`),
    ...files,
  };
}

describe('semantic checks: references', () => {
  it('a sourceRef to a GitRepository that does not exist is reported at its name, with the namespace Flux looks in', () => {
    const t = modelOf(
      repo({
        'clusters/dev/apps.yaml': ks(
          'apps',
          '  path: ./clusters/dev\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n',
        ),
      }),
    );
    assert.deepEqual(t.codes(), ['clusters/dev/apps.yaml:12 reference-not-found']);
    assert.match(
      t.lines()[0]!,
      /GitRepository flux-system\/podinfo \(spec\.sourceRef\) is not defined in the workspace/,
    );
  });

  it('says where an object of that name is when it is in another namespace, with related information', () => {
    const git = GIT_FLUX_SYSTEM.replace(
      'name: flux-system\n  namespace: flux-system',
      'name: podinfo\n  namespace: apps',
    );
    const t = modelOf(
      repo({
        'clusters/dev/git.yaml': git,
        'clusters/dev/apps.yaml': ks(
          'apps',
          '  path: ./clusters/dev\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n',
        ),
      }),
    );
    const [f] = t.at('clusters/dev/apps.yaml');
    assert.equal(f!.code, 'reference-not-found');
    assert.match(f!.message, /is in apps/);
    assert.equal(f!.related![0]!.file, t.abs('clusters/dev/git.yaml'));
  });

  it('references to objects made at run time, or by bootstrap, are fine', () => {
    const gen = `apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: gen
  namespace: flux-system
spec:
  sources:
    - alias: repo
      kind: GitRepository
      name: flux-system
  artifacts:
    - name: app-one
      copy: [{from: "@repo/apps/one/", to: "@artifact/"}]
`;
    const t = modelOf(
      repo({
        'clusters/dev/gen.yaml': gen,
        'clusters/dev/app.yaml': ks(
          'one',
          '  path: ./\n  sourceRef:\n    kind: ExternalArtifact\n    name: app-one\n',
        ),
        // no GitRepository flux-system in this file set: bootstrap makes it
        'other/ks.yaml': ks(
          'x',
          '  path: ./other\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
        ),
      }),
    );
    assert.deepEqual(t.codes(), []);
  });

  it('checks HelmRelease chart sources, ImagePolicy repositories, Alert providers and event sources', () => {
    const t = modelOf(
      repo({
        'clusters/dev/hr.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: flux-system
spec:
  interval: 5m
  chart:
    spec:
      chart: web
      sourceRef:
        kind: HelmRepository
        name: charts
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: web
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: web
  policy:
    semver:
      range: 1.x
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: a
  namespace: flux-system
spec:
  providerRef:
    name: slack
  eventSources:
    - kind: Kustomization
      name: '*'
    - kind: HelmRelease
      name: web
    - kind: GitRepository
      name: missing
`,
      }),
    );
    assert.deepEqual(t.codes(), [
      'clusters/dev/hr.yaml:13 reference-not-found',
      'clusters/dev/hr.yaml:22 reference-not-found',
      'clusters/dev/hr.yaml:34 reference-not-found',
      'clusters/dev/hr.yaml:41 reference-not-found',
    ]);
  });

  it('a reference from a file no Kustomization renders is information only', () => {
    const t = modelOf(
      repo({
        '.archive/ks.yaml': ks('old', '  path: ./x\n  sourceRef:\n    kind: GitRepository\n    name: gone\n'),
      }),
    );
    const [f] = t.at('.archive/ks.yaml');
    assert.equal(f!.severity, 3);
    assert.match(f!.message, /No Kustomization of the workspace renders this file/);
  });
});

describe('semantic checks: dependsOn', () => {
  it('reports a cycle at every member, with the whole cycle and the others as related information', () => {
    const t = modelOf(
      repo({
        'clusters/dev/a.yaml': ks('a', `  path: ./clusters/dev\n  dependsOn:\n    - name: b\n${SOURCE}`),
        'clusters/dev/b.yaml': ks('b', `  path: ./clusters/dev\n  dependsOn:\n    - name: c\n${SOURCE}`),
        'clusters/dev/c.yaml': ks('c', `  path: ./clusters/dev\n  dependsOn:\n    - name: a\n${SOURCE}`),
      }),
    );
    const cycle = t.lines().filter((l) => l.includes('depends-on-cycle'));
    assert.equal(cycle.length, 3);
    assert.match(cycle[0]!, /dependsOn cycle: a → b → c → a/);
    assert.equal(t.at('clusters/dev/a.yaml')[0]!.related!.length, 2);
  });

  it('an unknown target, and a target of another kind', () => {
    const hr = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 5m
  chartRef: {kind: OCIRepository, name: app}
  dependsOn:
    - name: infra
`;
    const oci = `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  url: oci://x/y\n`;
    const t = modelOf(
      repo({
        'clusters/dev/infra.yaml': ks(
          'infra',
          `  path: ./clusters/dev\n  dependsOn:\n    - name: nothing\n${SOURCE}`,
        ),
        'clusters/dev/hr.yaml': hr + '---\n' + oci,
      }),
    );
    assert.deepEqual(t.codes(), [
      'clusters/dev/hr.yaml:10 depends-on-wrong-kind',
      'clusters/dev/infra.yaml:11 depends-on-not-found',
    ]);
  });

  it('objects of different clusters with the same names do not make a cycle', () => {
    const t = modelOf({
      'clusters/a/sync.yaml':
        GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/a\n${SOURCE}`),
      'clusters/a/x.yaml':
        ks('x', `  path: ./apps\n  dependsOn:\n    - name: y\n${SOURCE}`) +
        '---\n' +
        ks('y', `  path: ./apps\n${SOURCE}`),
      'clusters/b/sync.yaml':
        GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/b\n${SOURCE}`),
      'clusters/b/y.yaml':
        ks('y', `  path: ./apps\n  dependsOn:\n    - name: x\n${SOURCE}`) +
        '---\n' +
        ks('x', `  path: ./apps\n${SOURCE}`),
      'apps/cm.yaml': CM('c'),
    });
    assert.deepEqual(t.codes(), []);
  });
});

it('a dependsOn target defined only in another cluster is not found, and makes no cycle there', () => {
  const boot = (c: string) =>
    GIT_FLUX_SYSTEM + '---\n' + ks('flux-system', `  path: ./clusters/${c}\n${SOURCE}`);
  const t = modelOf({
    'clusters/a/flux-system/gotk-sync.yaml': boot('a'),
    'clusters/a/x.yaml': ks('x', `  path: ./apps\n  dependsOn:\n    - name: y\n${SOURCE}`),
    'clusters/b/flux-system/gotk-sync.yaml': boot('b'),
    'clusters/b/y.yaml': ks('y', `  path: ./apps\n  dependsOn:\n    - name: x\n${SOURCE}`),
    'apps/cm.yaml': CM('c'),
  });
  assert.deepEqual(t.codes(), [
    'clusters/a/x.yaml:11 depends-on-not-found',
    'clusters/b/y.yaml:11 depends-on-not-found',
  ]);
  assert.match(t.lines()[0]!, /defined only in the files of another cluster/);
});

describe('semantic checks: paths', () => {
  it('spec.path of this repository, kustomization.yaml entries, remote bases as information', () => {
    const t = modelOf(
      repo({
        'clusters/dev/apps.yaml': ks('apps', `  path: ./apps/prod\n${SOURCE}`),
        'apps/dev/kustomization.yaml':
          'resources:\n  - missing.yaml\n  - ../nofolder\n  - https://github.com/x/y//base?ref=v1\n  - plain\ncomponents:\n  - ../comp\n',
        'apps/dev/plain/cm.yaml': CM('p'),
        'apps/comp/kustomization.yaml': 'resources: []\n',
      }),
    );
    assert.deepEqual(t.codes(), [
      'apps/dev/kustomization.yaml:2 kustomize-path-not-found',
      'apps/dev/kustomization.yaml:3 kustomize-path-not-found',
      'apps/dev/kustomization.yaml:4 kustomize-remote-reference',
      'apps/dev/kustomization.yaml:5 kustomize-not-a-kustomization',
      'apps/dev/kustomization.yaml:7 kustomize-not-a-kustomization',
      'clusters/dev/apps.yaml:9 path-not-found',
    ]);
  });

  it('does not judge the spec.path of another repository', () => {
    const t = modelOf(
      repo({
        'clusters/dev/podinfo.yaml':
          'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  url: https://github.com/stefanprodan/podinfo\n---\n' +
          ks('podinfo', '  path: ./kustomize\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n'),
      }),
    );
    t.model.setSettings({ repositoryUrls: ['github.com/example/fleet'], sourceFolders: {} });
    assert.deepEqual(t.codes(), []);
  });

  it('checks files other than YAML only where the scan saw every file', () => {
    const files = repo({
      'apps/kustomization.yaml': 'configMapGenerator:\n  - name: c\n    files: [conf.json, there.txt]\n',
    });
    const t = modelOf(files, '/ws', { otherFiles: ['apps/there.txt'] });
    assert.deepEqual(t.codes(), ['apps/kustomization.yaml:3 kustomize-path-not-found']);
    t.model.tree.markComplete('/ws', { allFiles: false });
    t.workspace.updateFile(t.abs('apps/x.yaml'), CM('x'));
    assert.deepEqual(t.codes(), []);
  });
});

describe('semantic checks: post-build variables', () => {
  const withVars = (spec: string, manifest: string, more: Record<string, string> = {}) =>
    modelOf(
      repo({
        'clusters/dev/apps.yaml': ks('apps', `  path: ./apps\n${spec}${SOURCE}`),
        'apps/cm.yaml': manifest,
        ...more,
      }),
    );

  it('an undefined variable is reported at the use and at the Kustomization', () => {
    const t = withVars(
      '  postBuild:\n    substitute:\n      DOMAIN: example.com\n',
      CM('x', '  host: ${DOMAIN}\n  other: ${MISSING}\n'),
    );
    assert.deepEqual(t.codes(), [
      'apps/cm.yaml:8 variable-undefined',
      'clusters/dev/apps.yaml:10 variable-undefined',
    ]);
    assert.match(t.lines()[1]!, /\$\{MISSING\}/);
  });

  it("knows variables from substituteFrom ConfigMaps, defaults, escapes, disabled objects and parents' patches", () => {
    const t = withVars(
      '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars\n',
      CM('x', '  a: ${FROM_CM}\n  b: ${WITH_DEFAULT:=x}\n  c: $${ESCAPED}\n  d: ${FROM_PARENT}\n') +
        '---\n' +
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  namespace: x\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  z: ${NOT_SUBSTITUTED}\n',
      {
        'clusters/dev/vars.yaml': CM('vars', '  FROM_CM: one\n'),
        'clusters/dev/flux-system/gotk-sync.yaml':
          GIT_FLUX_SYSTEM +
          '---\n' +
          ks(
            'flux-system',
            `  path: ./clusters/dev\n${SOURCE}  patches:\n    - patch: |\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: all\n        spec:\n          postBuild:\n            substitute:\n              FROM_PARENT: yes\n      target:\n        kind: Kustomization\n`,
          ),
      },
    );
    assert.deepEqual(t.codes(), []);
  });

  it('without postBuild nothing is substituted, so nothing is checked', () => {
    const t = withVars('', CM('x', '  a: ${ANYTHING}\n'));
    assert.deepEqual(t.codes(), []);
  });

  it('says nothing when a variable source is not in the workspace', () => {
    const t = withVars(
      '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n',
      CM('x', '  a: ${SECRET_THING}\n'),
    );
    assert.deepEqual(t.codes(), ['clusters/dev/apps.yaml:13 reference-not-found']);
    assert.equal(t.at('clusters/dev/apps.yaml')[0]!.severity, 3, 'a Secret outside Git is information');
  });

  it('invalid names and expressions Flux cannot parse', () => {
    const t = withVars('  postBuild:\n    substitute:\n      my-var: x\n', CM('x', '  a: ${A-default}\n'));
    assert.deepEqual(t.codes(), [
      'apps/cm.yaml:7 variable-bad-expression',
      'clusters/dev/apps.yaml:12 variable-invalid-name',
    ]);
  });
});

describe('semantic checks: values', () => {
  it('chart versions, duplicates, conflict markers and setter markers', () => {
    const hr = (name: string, version: string) =>
      `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: c\n      version: "${version}"\n      sourceRef: {kind: HelmRepository, name: r}\n`;
    const repoObj =
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: r\n  namespace: flux-system\nspec:\n  url: https://charts.example\n';
    const policy =
      'apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: web\n  namespace: flux-system\nspec:\n  imageRepositoryRef: {name: web}\n  policy: {semver: {range: 1.x}}\n---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: web\n  namespace: flux-system\nspec:\n  image: ghcr.io/x/web\n';
    const t = modelOf(
      repo({
        'clusters/dev/hr.yaml': [hr('good', '>=1.2.0 <2'), hr('bad', '1.2.3.4'), repoObj, policy].join(
          '---\n',
        ),
        'clusters/dev/dup-a.yaml': CM('same'),
        'clusters/dev/dup-b.yaml': CM('same'),
        'clusters/dev/deploy.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: flux-system\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/x/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n        - name: side\n          image: ghcr.io/x/side:1.0.0 # {"$imagepolicy": "flux-system:side:tag"}\n',
        'clusters/dev/conflict.yaml': 'a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> branch\n',
      }),
    );
    const got = t.codes();
    for (const want of [
      'clusters/dev/hr.yaml:24 invalid-chart-version',
      'clusters/dev/dup-a.yaml:4 duplicate-object',
      'clusters/dev/dup-b.yaml:4 duplicate-object',
      'clusters/dev/deploy.yaml:13 image-policy-not-found',
      'clusters/dev/conflict.yaml:2 merge-conflict-marker',
      'clusters/dev/conflict.yaml:4 merge-conflict-marker',
      'clusters/dev/conflict.yaml:6 merge-conflict-marker',
    ])
      assert.ok(got.includes(want), `${want} in ${got.join('; ')}`);
    assert.ok(
      !got.some((g) => g.startsWith('clusters/dev/deploy.yaml:11')),
      'the marker naming an existing policy is fine',
    );
  });

  it('an ImageUpdateAutomation template using data Flux 2.7 removed: an error at v1, a warning before', () => {
    const iua = (version: string, template: string) =>
      `apiVersion: image.toolkit.fluxcd.io/${version}\nkind: ImageUpdateAutomation\nmetadata:\n  name: auto-${version}\n  namespace: flux-system\nspec:\n  interval: 30m\n  sourceRef: {kind: GitRepository, name: flux-system}\n  git:\n    commit:\n      author: {name: flux, email: flux@example.com}\n      messageTemplate: |\n        ${template}\n  update: {path: ./clusters/dev}\n`;
    const t = modelOf(
      repo({
        'clusters/dev/auto.yaml': [
          iua('v1', '{{ range .Updated.Images }}{{ . }}{{ end }}'),
          iua('v1beta2', '{{ .Changed.ImageResult.Files }}'),
          iua('v1', '{{ range .Changed.Changes }}{{ .NewValue }}{{ end }} Updated'),
        ].join('---\n'),
      }),
    );
    const found = t.lines().filter((l) => l.includes('removed-template-field'));
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(
      found[0]!,
      /^clusters\/dev\/auto\.yaml:12 removed-template-field .*`\.Updated`.*every commit of this automation fails.*Use `\.Changed`/,
    );
    assert.match(found[1]!, /:27 removed-template-field .*`\.Changed\.ImageResult`.*from Flux 2\.7 on/);
    const severities = [...t.analysis.findings().values()]
      .flat()
      .filter((f) => f.code === 'removed-template-field')
      .map((f) => f.severity);
    assert.deepEqual(severities.sort(), [1, 2]);
  });

  it('a generated kustomization refuses a YAML file that is not Kubernetes objects', () => {
    const t = modelOf(repo({ 'clusters/dev/values.yaml': 'replicaCount: 2\nimage: nginx\n' }));
    assert.deepEqual(t.codes(), ['clusters/dev/values.yaml:1 generated-kustomization-refuses-file']);
  });
});

describe('Go durations and chart versions in words', () => {
  it('explains durations', () => {
    assert.equal(explainDuration('10m'), undefined);
    assert.equal(explainDuration('1h30m'), undefined);
    assert.match(explainDuration('10minutes')!, /`10minutes` is not a Go duration .*use 10m/);
    assert.match(explainDuration('1d')!, /no days.*use 24h/);
    assert.match(explainDuration('30')!, /has no unit/);
    assert.match(explainDuration('5 m')!, /spaces.*use 5m/);
    assert.match(explainDuration('1H')!, /lower case.*use 1h/);
    assert.match(explainDuration('soon')!, /not a Go duration/);
    assert.match(explainDuration('2h', ['ms', 's', 'm'])!, /no hours.*use 120m/);
  });

  it('checks semver constraints as Masterminds/semver reads them', () => {
    for (const ok of [
      '1.2.3',
      '>=1.2.0 <2.0.0',
      '~1.2',
      '^1',
      '1.x',
      '*',
      '>= 1.0, < 2.0 || 3.x',
      '1.2 - 1.4.5',
      'v1.2.3',
      '1.2.3-rc.1',
      '',
    ])
      assert.equal(semverConstraintProblem(ok), undefined, ok);
    for (const bad of ['1.2.3.4', 'latest', '>>1', '1.2.3 ||', 'one'])
      assert.ok(semverConstraintProblem(bad), bad);
  });
});

describe('incremental analysis', () => {
  it('after every kind of edit, the findings equal those of a fresh analysis', () => {
    const files = repo({
      'clusters/dev/apps.yaml': ks(
        'apps',
        `  path: ./apps\n  dependsOn:\n    - name: infra\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars\n${SOURCE}`,
      ),
      'clusters/dev/infra.yaml': ks('infra', `  path: ./infra\n${SOURCE}`),
      'clusters/dev/vars.yaml': CM('vars', '  DOMAIN: example.com\n'),
      'apps/cm.yaml': CM('x', '  host: ${DOMAIN}\n'),
      'infra/kustomization.yaml': 'resources: [ns.yaml]\n',
      'infra/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: infra\n',
    });
    const t = modelOf(files);
    const lines = (a: SemanticAnalysis): string[] => {
      const out: string[] = [];
      for (const [file, list] of a.findings())
        for (const f of list) out.push(`${file}:${f.span[0]} ${f.code} ${f.message}`);
      return out.sort();
    };
    assert.deepEqual(lines(t.analysis), lines(new SemanticAnalysis(t.model)));
    const edits: Array<[string, (s: string) => string, string]> = [
      ['clusters/dev/vars.yaml', (s) => s.replace('DOMAIN', 'HOST'), 'a key: the use becomes undefined'],
      [
        'clusters/dev/infra.yaml',
        (s) => s.replace('  interval: 10m\n', '  interval: 10m\n  dependsOn:\n    - name: apps\n'),
        'a cycle',
      ],
      ['apps/cm.yaml', (s) => s.replace('${DOMAIN}', '${HOST}'), 'the use fixed'],
      [
        'clusters/dev/infra.yaml',
        (s) => s.replace('name: infra\n  namespace', 'name: infra2\n  namespace'),
        'a rename',
      ],
      ['infra/kustomization.yaml', (s) => s.replace('ns.yaml', 'gone.yaml'), 'a broken path'],
      ['clusters/dev/vars.yaml', (s) => `# a line that moves every span below\n${s}`, 'spans moved'],
    ];
    let changes = 0;
    for (const [file, edit, what] of edits) {
      files[file] = edit(files[file]!);
      t.workspace.updateFile(t.abs(file), files[file]!);
      const now = lines(t.analysis);
      assert.deepEqual(now, lines(new SemanticAnalysis(t.model)), `after ${what}`);
      changes += now.length;
    }
    assert.ok(changes > 0, 'the edits changed the findings (the test would see a stale cache)');
  });
});
