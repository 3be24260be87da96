import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { makeService } from './helpers';

// Each trap found in real repositories (FACTS.md): the false alarm is gone, and a real error in the
// same situation is still caught.

const HELMRELEASE_PATCH = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  values:
    replicaCount: 2
`;

describe('false-alarm traps of real Flux repositories', () => {
  it('a file listed under a kustomization patches is validated as a patch: missing required fields are fine', async () => {
    const { validate } = await makeService({
      'apps/prod/kustomization.yaml':
        'resources:\n  - ../base\npatches:\n  - path: values.yaml\n    target:\n      kind: HelmRelease\n',
      'apps/prod/values.yaml': HELMRELEASE_PATCH,
    });
    assert.deepEqual(await validate('apps/prod/values.yaml'), []);
  });

  it('...but an unknown field in a patch file is still flagged', async () => {
    const bad = HELMRELEASE_PATCH.replace('  values:', '  valuez:');
    const { validate } = await makeService({
      'apps/prod/kustomization.yaml': 'patchesStrategicMerge:\n  - values.yaml\n',
      'apps/prod/values.yaml': bad,
    });
    const d = await validate('apps/prod/values.yaml');
    assert.deepEqual(
      d.map((x) => x.message),
      ['Property valuez is not allowed.'],
    );
  });

  it('the same partial object outside any patch list is flagged as incomplete', async () => {
    const { validate } = await makeService({ 'apps/prod/values.yaml': HELMRELEASE_PATCH });
    const d = await validate('apps/prod/values.yaml');
    assert.ok(
      d.some((x) => x.message === 'Missing property "interval".' && x.severity === DiagnosticSeverity.Error),
      JSON.stringify(d),
    );
  });

  const PARENT = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster
  namespace: flux-system
spec:
  interval: 30m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  patches:
    - patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: _
        spec:
          interval: 30m
          prune: true
      target:
        group: kustomize.toolkit.fluxcd.io
        kind: Kustomization
        labelSelector: defaults!=disabled
`;
  const CHILD = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: flux-system
spec:
  path: ./apps/app
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

  it('Kustomizations completed by a parent patch are not missing interval/prune', async () => {
    const { validate } = await makeService({ 'clusters/ks.yaml': PARENT, 'apps/app/ks.yaml': CHILD });
    assert.deepEqual(await validate('apps/app/ks.yaml'), []);
  });

  it('...but a field the parent does not provide is still required', async () => {
    const child = CHILD.replace(/  sourceRef:\n.*\n.*\n/, '');
    const { validate } = await makeService({ 'clusters/ks.yaml': PARENT, 'apps/app/ks.yaml': child });
    assert.deepEqual(
      (await validate('apps/app/ks.yaml')).map((d) => d.message),
      ['Missing property "sourceRef".'],
    );
  });

  it('...and a child the patch does not select (label opt-out) is checked in full', async () => {
    const child = CHILD.replace(
      '  namespace: flux-system\n',
      '  namespace: flux-system\n  labels:\n    defaults: disabled\n',
    );
    const { validate } = await makeService({ 'clusters/ks.yaml': PARENT, 'apps/app/ks.yaml': child });
    assert.deepEqual((await validate('apps/app/ks.yaml')).map((d) => d.message).sort(), [
      'Missing property "interval".',
      'Missing property "prune".',
    ]);
  });

  it('explicit nulls are dropped by the API server, so they are not type errors; wrong values still are', async () => {
    const text = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
spec:
  interval: 10m
  prune: true
  path: ./x
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
  timeout: ~
  wait: "no"
`;
    const { validate } = await makeService({ 'a.yaml': text });
    assert.deepEqual(
      (await validate('a.yaml')).map((d) => `${d.line} ${d.message}`),
      ['14 Incorrect type. Expected "boolean".'],
    );
  });

  it('an empty or null required field is missing (the API server drops the null, then requires it)', async () => {
    const text = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
spec:
  interval: 10m
  prune: ~
  path: ./x
  sourceRef:
    kind: GitRepository
    name:
  postBuild:
`;
    const { validate, service } = await makeService({ 'a.yaml': text });
    assert.deepEqual(
      (await validate('a.yaml')).map((d) => `${d.line} ${d.severity} ${d.message}`),
      [
        '7 1 Missing property "prune": it has no value, and the API server drops an empty value before it checks required fields.',
        '11 1 Missing property "name": it has no value, and the API server drops an empty value before it checks required fields.',
      ],
    );
    // The same document with the keys deleted: the same fields are missing (on their parent's key).
    const deleted = text.replace('  prune: ~\n', '').replace('    name:\n', '');
    const { validate: v2 } = await makeService({ 'b.yaml': deleted });
    assert.deepEqual(
      (await v2('b.yaml')).map((d) => `${d.line} ${d.message}`),
      ['5 Missing property "prune".', '8 Missing property "name".'],
    );
    const { diagnostics } = await service.validate(
      TextDocument.create(pathToFileURL('/ws/a.yaml').toString(), 'yaml', 1, text),
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]),
      [
        ['missing-required', 6, 2, 7],
        ['missing-required', 10, 4, 8],
      ],
    );
  });

  it('...but not in a file used as a patch, nor when a parent patch sets the field', async () => {
    const patch = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
spec:
  sourceRef:
    name:
`;
    const kz =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n  - path: patch.yaml\n';
    const { validate } = await makeService({ 'kustomization.yaml': kz, 'patch.yaml': patch });
    assert.deepEqual(await validate('patch.yaml'), []);
    const child = CHILD.replace('  sourceRef:', '  interval:\n  sourceRef:');
    const { validate: v2 } = await makeService({ 'clusters/ks.yaml': PARENT, 'apps/app/ks.yaml': child });
    assert.deepEqual(await v2('apps/app/ks.yaml'), []);
  });

  it('Alerts may name Flux Operator kinds; unknown kinds are still flagged', async () => {
    const text = `apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: a
spec:
  providerRef:
    name: slack
  eventSources:
    - kind: FluxInstance
      name: flux
    - kind: Kustomisation
      name: typo
`;
    const { validate } = await makeService({ 'alert.yaml': text });
    const d = await validate('alert.yaml');
    assert.equal(d.length, 1, JSON.stringify(d));
    assert.equal(d[0]!.line, 11);
    assert.match(d[0]!.message, /Value is not accepted/);
  });

  it('duplicate anchors are legal YAML', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: &name one
data:
  a: *name
  b: &name two
  c: *name
`;
    const { validate } = await makeService({ 'cm.yaml': text });
    assert.deepEqual(await validate('cm.yaml'), []);
  });

  it('Helm chart templates are not validated as YAML; plain files with {{ }} in strings are', async () => {
    const tpl =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\ndata: {}\n{{- end }}\n';
    const { validate } = await makeService({
      'charts/app/Chart.yaml': 'name: app\nversion: 1.0.0\n',
      'charts/app/templates/cm.yaml': tpl,
    });
    assert.deepEqual(await validate('charts/app/templates/cm.yaml'), []);
    // Outside a chart, a template that is not YAML gets one information diagnostic saying so.
    const loose = await validate('loose.yaml', tpl);
    assert.equal(loose.length, 1);
    assert.match(loose[0]!.message, /Go template syntax/);
    // A HelmRelease with template strings in values is YAML and is validated.
    const hr = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: x
spec:
  interval: 1h
  chartRef: { kind: OCIRepository, name: x }
  values:
    config: "{{ .Release.Name }}"
  bogus: 1
`;
    assert.deepEqual(
      (await validate('hr.yaml', hr)).map((d) => d.message),
      ['Property bogus is not allowed.'],
    );
  });

  it('${VAR} placeholders are not type or pattern errors (post-build substitution replaces them)', async () => {
    const text = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
spec:
  interval: \${INTERVAL:=10m}
  prune: \${PRUNE}
  suspend: maybe
  path: ./x
  sourceRef:
    kind: GitRepository
    name: flux-system
`;
    const { validate } = await makeService({ 'a.yaml': text });
    assert.deepEqual(
      (await validate('a.yaml')).map((d) => `${d.line} ${d.message}`),
      ['8 Incorrect type. Expected "boolean".'],
    );
  });

  it('removed Flux API versions are errors that name the served version', async () => {
    const text =
      'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: x\nspec:\n  url: oci://x\n';
    const { validate } = await makeService({ 'a.yaml': text });
    assert.deepEqual(await validate('a.yaml'), [
      {
        line: 1,
        severity: DiagnosticSeverity.Error,
        message:
          'OCIRepository source.toolkit.fluxcd.io/v1beta2 is not served by the schemas in use (bundled, Flux 2.9.4): it was removed in Flux 2.8. Use source.toolkit.fluxcd.io/v1.',
      },
    ]);
  });

  it('custom tags in non-Kubernetes files are left to their program', async () => {
    const { validate } = await makeService({ 'cfg.yml': 'api_key: !env_var API_KEY\n' });
    assert.deepEqual(await validate('cfg.yml'), []);
  });

  it('unknown kinds get no diagnostics', async () => {
    const { validate } = await makeService({
      'x.yaml': 'apiVersion: example.com/v1\nkind: Widget\nspec:\n  anything: [1, 2]\n',
    });
    assert.deepEqual(await validate('x.yaml'), []);
  });
});
