import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { removedInFlux } from '../../server/src/flux/fluxApis';
import { migrateMessageTemplate, removedTemplateFields } from '../../server/src/flux/imageTemplates';
import { migrateFluxDocument, migrateImageUpdateTemplate } from '../../server/src/flux/migrations';
import { makeService } from './helpers';

const meta = (name: string) => `metadata:\n  name: ${name}\n  namespace: flux-system\n`;

/** One document per kind of every group version Flux 2.7, 2.8 and 2.9 removed, with the old fields. */
const OLD: Record<string, string[]> = {
  'source.toolkit.fluxcd.io/v1beta1': [
    `kind: GitRepository\n${meta('repo')}spec:\n  interval: 1m\n  url: https://github.com/org/repo\n  gitImplementation: go-git\n  ref:\n    branch: main\n`,
    `kind: HelmRepository\n${meta('charts')}spec:\n  interval: 1h\n  url: https://charts.example.com\n`,
    `kind: HelmChart\n${meta('chart')}spec:\n  interval: 1h\n  chart: podinfo\n  valuesFile: values-prod.yaml\n  sourceRef:\n    kind: HelmRepository\n    name: charts\n`,
    `kind: Bucket\n${meta('bucket')}spec:\n  interval: 5m\n  bucketName: b\n  endpoint: minio.example.com\n  accessFrom:\n    namespaceSelectors:\n      - matchLabels:\n          team: a\n`,
  ],
  'source.toolkit.fluxcd.io/v1beta2': [
    `kind: GitRepository\n${meta('repo')}spec:\n  interval: 1m\n  url: https://github.com/org/repo\n  accessFrom:\n    namespaceSelectors: []\n  ref:\n    tag: v1.0.0\n`,
    `kind: OCIRepository\n${meta('oci')}spec:\n  interval: 5m\n  url: oci://ghcr.io/org/manifests\n  ref:\n    tag: latest\n`,
    `kind: HelmChart\n${meta('chart')}spec:\n  interval: 1h\n  chart: podinfo\n  valuesFile: values.yaml\n  valuesFiles:\n    - values-prod.yaml\n  sourceRef:\n    kind: GitRepository\n    name: repo\n`,
    `kind: HelmRepository\n${meta('oci-charts')}spec:\n  type: oci\n  interval: 1h\n  url: oci://ghcr.io/org/charts\n`,
    `kind: Bucket\n${meta('bucket')}spec:\n  interval: 5m\n  provider: aws\n  bucketName: b\n  endpoint: s3.amazonaws.com\n`,
  ],
  'kustomize.toolkit.fluxcd.io/v1beta1': [
    `kind: Kustomization\n${meta('apps')}spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  validation: client\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  patchesStrategicMerge:\n    - apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        replicas: 3\n`,
  ],
  'kustomize.toolkit.fluxcd.io/v1beta2': [
    `kind: Kustomization\n${meta('apps')}spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  patchesJson6902:\n    - target:\n        group: apps\n        version: v1\n        kind: Deployment\n        name: web\n      patch:\n        - op: replace\n          path: /spec/replicas\n          value: 2\n`,
  ],
  'helm.toolkit.fluxcd.io/v2beta1': [
    `kind: HelmRelease\n${meta('web')}spec:\n  interval: 5m\n  maxRetries: 3\n  rollback:\n    enable: true\n  chart:\n    spec:\n      chart: podinfo\n      valuesFile: values-prod.yaml\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  install:\n    remediation:\n      retries: 1\n  values:\n    replicaCount: 2\n`,
  ],
  'helm.toolkit.fluxcd.io/v2beta2': [
    `kind: HelmRelease\n${meta('web')}spec:\n  interval: 5m\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  postRenderers:\n    - kustomize:\n        patchesStrategicMerge:\n          - apiVersion: apps/v1\n            kind: Deployment\n            metadata:\n              name: web\n            spec:\n              replicas: 3\n        patchesJson6902:\n          - target:\n              kind: Deployment\n              name: web\n            patch:\n              - op: add\n                path: /metadata/labels/team\n                value: a\n`,
  ],
  'notification.toolkit.fluxcd.io/v1beta1': [
    `kind: Alert\n${meta('alert')}spec:\n  providerRef:\n    name: slack\n  summary: Cluster addons impacted\n  eventSeverity: error\n  eventSources:\n    - kind: Kustomization\n      name: '*'\n`,
    `kind: Provider\n${meta('slack')}spec:\n  type: slack\n  channel: general\n  secretRef:\n    name: slack-url\n`,
    `kind: Receiver\n${meta('github')}spec:\n  type: github\n  events:\n    - ping\n    - push\n  secretRef:\n    name: token\n  resources:\n    - kind: GitRepository\n      name: repo\n`,
  ],
  'notification.toolkit.fluxcd.io/v1beta2': [
    `kind: Alert\n${meta('alert')}spec:\n  providerRef:\n    name: slack\n  eventSources:\n    - kind: HelmRelease\n      name: '*'\n  exclusionList:\n    - '.*upgrade.*has.*started'\n`,
    `kind: Provider\n${meta('slack')}spec:\n  type: slack\n  address: https://slack.com/api/chat.postMessage\n  timeout: 15s\n  secretRef:\n    name: slack-token\n`,
    `kind: Receiver\n${meta('github')}spec:\n  type: github\n  events:\n    - push\n  secretRef:\n    name: token\n  resources:\n    - kind: GitRepository\n      name: repo\n`,
  ],
  'image.toolkit.fluxcd.io/v1beta1': [
    `kind: ImageRepository\n${meta('app')}spec:\n  image: ghcr.io/org/app\n  interval: 5m\n`,
    `kind: ImagePolicy\n${meta('app')}spec:\n  imageRepositoryRef:\n    name: app\n  policy:\n    semver:\n      range: '>=1.0.0'\n`,
    `kind: ImageUpdateAutomation\n${meta('app')}spec:\n  interval: 30m\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  git:\n    commit:\n      author:\n        email: fluxcd@example.com\n        name: fluxcd\n      messageTemplate: |\n        Automated image update\n\n        Files:\n        {{ range $filename, $_ := .Updated.Files -}}\n        - {{ $filename }}\n        {{ end -}}\n        {{ len .Updated.Objects }} objects:\n        {{ range $resource, $_ := .Updated.Objects -}}\n        - {{ $resource.Kind }} {{ $resource.Name }}\n        {{ end -}}\n  update:\n    path: ./apps\n    strategy: Setters\n`,
  ],
  'image.toolkit.fluxcd.io/v1beta2': [
    `kind: ImageRepository\n${meta('app')}spec:\n  image: ghcr.io/org/app\n  interval: 5m\n  exclusionList:\n    - '^.*\\.sig$'\n`,
    `kind: ImagePolicy\n${meta('app')}spec:\n  imageRepositoryRef:\n    name: app\n  filterTags:\n    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'\n    extract: '$ts'\n  policy:\n    numerical:\n      order: asc\n`,
    `kind: ImageUpdateAutomation\n${meta('app')}spec:\n  interval: 30m\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  git:\n    checkout:\n      ref:\n        branch: main\n    commit:\n      author:\n        email: fluxcd@example.com\n        name: fluxcd\n    push:\n      branch: main\n  update:\n    path: ./apps\n    strategy: Setters\n`,
  ],
};

describe('migrations of every apiVersion Flux 2.7, 2.8 and 2.9 removed', () => {
  it('covers every removed group version', () => {
    for (const v of Object.keys(OLD)) assert.ok(removedInFlux(v), v);
    for (const v of [
      'source.toolkit.fluxcd.io/v1beta1',
      'kustomize.toolkit.fluxcd.io/v1beta1',
      'helm.toolkit.fluxcd.io/v2beta1',
      'notification.toolkit.fluxcd.io/v1beta1',
      'image.toolkit.fluxcd.io/v1beta1',
      'source.toolkit.fluxcd.io/v1beta2',
      'kustomize.toolkit.fluxcd.io/v1beta2',
      'helm.toolkit.fluxcd.io/v2beta2',
      'notification.toolkit.fluxcd.io/v1beta2',
      'image.toolkit.fluxcd.io/v1beta2',
    ])
      assert.ok(OLD[v], `no fixture for ${v}`);
  });

  for (const [apiVersion, docs] of Object.entries(OLD)) {
    for (const body of docs) {
      const kind = /^kind: (\w+)/.exec(body)![1]!;
      it(`${kind} ${apiVersion}: the rewritten document validates against the Flux 2.9.4 schema`, async () => {
        const text = `# kept comment\napiVersion: ${apiVersion}\n${body}`;
        const { validate: before } = await makeService({ 'x.yaml': text });
        assert.ok(
          (await before('x.yaml')).some((d) => /removed in Flux/.test(d.message)),
          'the old one is flagged',
        );
        const m = migrateFluxDocument(text);
        assert.ok(m, 'migrated');
        assert.ok(m.text.startsWith('# kept comment\n'), 'comments are kept');
        const { validate } = await makeService({ 'x.yaml': m.text });
        assert.deepEqual(await validate('x.yaml'), [], m.text);
      });
    }
  }

  it('moves the fields Flux documents: valuesFile, patches, remediation, summary, removed fields', () => {
    const get = (v: string, kind: string) =>
      parse(
        migrateFluxDocument(`apiVersion: ${v}\n${OLD[v]!.find((d) => d.startsWith(`kind: ${kind}\n`))!}`)!
          .text,
      );
    assert.deepEqual(get('helm.toolkit.fluxcd.io/v2beta1', 'HelmRelease').spec, {
      interval: '5m',
      chart: {
        spec: {
          chart: 'podinfo',
          sourceRef: { kind: 'HelmRepository', name: 'charts' },
          valuesFiles: ['values-prod.yaml'],
        },
      },
      install: { remediation: { retries: 1 } },
      values: { replicaCount: 2 },
      upgrade: { remediation: { retries: 3, remediateLastFailure: true } },
    });
    assert.deepEqual(get('source.toolkit.fluxcd.io/v1beta2', 'HelmChart').spec.valuesFiles, [
      'values.yaml',
      'values-prod.yaml',
    ]);
    assert.equal(get('source.toolkit.fluxcd.io/v1beta1', 'GitRepository').spec.gitImplementation, undefined);
    assert.equal(get('source.toolkit.fluxcd.io/v1beta1', 'Bucket').spec.accessFrom, undefined);
    assert.deepEqual(get('notification.toolkit.fluxcd.io/v1beta1', 'Alert').spec.eventMetadata, {
      summary: 'Cluster addons impacted',
    });
    const ks = get('kustomize.toolkit.fluxcd.io/v1beta1', 'Kustomization').spec;
    assert.equal(ks.validation, undefined);
    assert.deepEqual(parse(ks.patches[0].patch), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3 },
    });
    const ks2 = get('kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization').spec;
    assert.deepEqual(ks2.patches[0].target, {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      name: 'web',
    });
    assert.deepEqual(parse(ks2.patches[0].patch), [{ op: 'replace', path: '/spec/replicas', value: 2 }]);
  });

  it('an ImageUpdateAutomation message template moves from .Updated to .Changed where the text stays the same', () => {
    const v1beta1 = OLD['image.toolkit.fluxcd.io/v1beta1']!.find((d) =>
      d.startsWith('kind: ImageUpdateAutomation'),
    )!;
    const m = migrateFluxDocument(`apiVersion: image.toolkit.fluxcd.io/v1beta1\n${v1beta1}`)!;
    const template = parse(m.text).spec.git.commit.messageTemplate as string;
    assert.equal(
      template,
      'Automated image update\n\nFiles:\n{{ range $filename, $_ := .Changed.FileChanges -}}\n- {{ $filename }}\n{{ end -}}\n' +
        '{{ len .Changed.Objects }} objects:\n{{ range $resource, $_ := .Changed.Objects -}}\n- {{ $resource.Kind }} {{ $resource.Name }}\n{{ end -}}\n',
    );
    assert.deepEqual(removedTemplateFields(template), []);
    assert.ok(
      m.changes.includes('messageTemplate .Updated.Files -> .Changed.FileChanges'),
      m.changes.join('; '),
    );
    assert.equal(m.left, undefined);
    assert.ok(/messageTemplate: \|/.test(m.text), 'the literal block style is kept');
  });

  it('finds the removed template fields only where Go templates read them', () => {
    assert.deepEqual(removedTemplateFields('{{ .Updated.Images }} {{ $.Changed.ImageResult.Files }}'), [
      '.Updated',
      '.Changed.ImageResult',
    ]);
    assert.deepEqual(
      removedTemplateFields('Updated .Updated {{ .Values.Updated }} {{/* .Updated */}} {{ $x.Updated }}'),
      [],
    );
    assert.deepEqual(removedTemplateFields('{{- range .Updated.Images -}}'), ['.Updated']);
  });

  it('leaves what has no exact equivalent, and says why', () => {
    const m = migrateMessageTemplate(
      '{{ range .Updated.Images }}- {{ . }}\n{{ end }}{{ range $f, $r := .Updated.Files }}{{ $r }}{{ end }}',
    );
    assert.deepEqual(m.changes, []);
    assert.equal(m.left.length, 2);
    assert.match(m.left[0]!, /^\.Updated\.Images .*\.Changed\.Changes .*\.NewValue/);
    assert.match(m.left[1]!, /^\.Updated\.Files .*by hand/);
    assert.equal(
      m.text,
      '{{ range .Updated.Images }}- {{ . }}\n{{ end }}{{ range $f, $r := .Updated.Files }}{{ $r }}{{ end }}',
    );
    const v1 = `apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\n${meta('app')}spec:\n  interval: 30m\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  git:\n    commit:\n      author:\n        name: flux\n        email: flux@example.com\n      messageTemplate: '{{ range $f, $_ := .Changed.ImageResult.Files }}{{ $f }} {{ end }}{{ .Updated.Images }}'\n  update:\n    path: ./apps\n`;
    const fixed = migrateImageUpdateTemplate(v1)!;
    assert.equal(
      parse(fixed.text).spec.git.commit.messageTemplate,
      '{{ range $f, $_ := .Changed.FileChanges }}{{ $f }} {{ end }}{{ .Updated.Images }}',
    );
    assert.deepEqual(fixed.changes, ['messageTemplate .Changed.ImageResult.Files -> .Changed.FileChanges']);
    assert.equal(fixed.left?.length, 1);
    assert.equal(migrateImageUpdateTemplate(fixed.text.replace('{{ .Updated.Images }}', '')), undefined);
  });

  it('patches migrated to `patches` build to the same objects with the real kustomize', () => {
    // What kustomize-controller and helm-controller hand kustomize for the old fields (the fields of
    // a generated kustomization.yaml) against what they hand it for the new one.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-migrate-build-'));
    const resources = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: nginx\n`;
    const build = (name: string, fields: Record<string, unknown>): string => {
      const d = path.join(dir, name);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, 'deploy.yaml'), resources);
      writeFileSync(path.join(d, 'kustomization.yaml'), stringify({ resources: ['deploy.yaml'], ...fields }));
      return execFileSync('kubectl', ['kustomize', d], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    };
    for (const [v, kind, at] of [
      ['kustomize.toolkit.fluxcd.io/v1beta1', 'Kustomization', (o: any) => o.spec],
      ['kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization', (o: any) => o.spec],
      ['helm.toolkit.fluxcd.io/v2beta2', 'HelmRelease', (o: any) => o.spec.postRenderers[0].kustomize],
    ] as const) {
      const text = `apiVersion: ${v}\n${OLD[v]!.find((d) => d.startsWith(`kind: ${kind}\n`))!}`;
      const old = at(parse(text));
      const migrated = at(parse(migrateFluxDocument(text)!.text));
      const before = build(`${v.replace(/\W/g, '-')}-old`, {
        ...(old.patchesStrategicMerge
          ? { patchesStrategicMerge: old.patchesStrategicMerge.map((p: unknown) => stringify(p)) }
          : {}),
        ...(old.patchesJson6902
          ? {
              patchesJson6902: old.patchesJson6902.map((p: any) => ({
                target: p.target,
                patch: stringify(p.patch),
              })),
            }
          : {}),
      });
      const after = build(`${v.replace(/\W/g, '-')}-new`, { patches: migrated.patches });
      assert.deepEqual(
        parseAllDocuments(after).map((d) => d.toJS()),
        parseAllDocuments(before).map((d) => d.toJS()),
        v,
      );
      assert.notDeepEqual(parse(before), parse(resources), `${v}: the patches change something`);
    }
  });
});
