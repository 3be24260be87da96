import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import {
  convertOpenApi,
  servedKinds,
  type OpenApiDocument,
} from '../../server/src/kubernetes/openapiToSchema';
import { makeService, sharedDir } from './helpers';

const openapiDir = path.join(sharedDir, 'kubernetes-openapi', 'v1.36.3');
const docs = (): OpenApiDocument[] =>
  readdirSync(openapiDir)
    .filter((f) => f.endsWith('_openapi.json'))
    .map((f) => JSON.parse(readFileSync(path.join(openapiDir, f), 'utf8')) as OpenApiDocument);

describe('Kubernetes OpenAPI v3 -> JSON Schema', () => {
  it('finds the kinds the documents serve, without List kinds or meta types', () => {
    const kinds = servedKinds(docs()).map((k) => `${k.group}/${k.version}/${k.kind}`);
    for (const k of [
      '/v1/ConfigMap',
      '/v1/Service',
      'apps/v1/Deployment',
      'batch/v1/CronJob',
      'networking.k8s.io/v1/Ingress',
      'rbac.authorization.k8s.io/v1/ClusterRole',
      'apiextensions.k8s.io/v1/CustomResourceDefinition',
    ])
      assert.ok(kinds.includes(k), k);
    assert.ok(
      !kinds.some((k) => k.endsWith('List') || k.endsWith('/DeleteOptions') || k.endsWith('/WatchEvent')),
    );
  });

  it('closes objects, keeps maps open, turns int-or-string into anyOf and drops formats', () => {
    const { schemas } = convertOpenApi(docs());
    const deployment = schemas.get('io.k8s.api.apps.v1.Deployment')!;
    assert.equal(deployment.properties!.apiVersion!.const, 'apps/v1');
    assert.deepEqual(deployment.required, ['apiVersion', 'kind']);
    const defs = deployment.definitions as Record<
      string,
      {
        additionalProperties?: unknown;
        properties?: Record<string, { anyOf?: unknown; format?: unknown; additionalProperties?: unknown }>;
        required?: string[];
      }
    >;
    assert.equal(defs['io.k8s.api.apps.v1.DeploymentSpec']!.additionalProperties, false);
    assert.deepEqual(defs['io.k8s.api.apps.v1.DeploymentSpec']!.required, ['selector', 'template']);
    assert.deepEqual(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!['anyOf' as 'required'], [
      { type: 'integer' },
      { type: 'string' },
    ]);
    const meta = defs['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!;
    assert.equal(meta.properties!.labels!.additionalProperties !== false, true, 'labels is a map');
    assert.equal(defs['io.k8s.api.apps.v1.DeploymentSpec']!.properties!.replicas!.format, undefined);
    // Only what the kind reaches: no Service types in a ConfigMap's schema.
    assert.ok(
      !Object.keys(schemas.get('io.k8s.api.core.v1.ConfigMap')!.definitions as object).some((d) =>
        d.includes('Service'),
      ),
    );
  });
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 1
`;

const msgs = (d: Array<{ message: string }>): string[] => d.map((x) => x.message);

describe('built-in kinds: the false-alarm traps of real repositories, and the real errors beside them', () => {
  it('a valid Deployment, with quantities as numbers and strings, has no findings', async () => {
    const { validate } = await makeService({ 'app/deploy.yaml': DEPLOYMENT });
    assert.deepEqual(await validate('app/deploy.yaml'), []);
  });

  it('unknown fields, wrong types and missing required fields are errors', async () => {
    const bad = DEPLOYMENT.replace('  replicas: 2', '  replicas: two\n  paused: "no"')
      .replace('          image: nginx\n', '          image: nginx\n          imagePolicy: Always\n')
      .replace(/  selector:\n    matchLabels:\n      app: web\n/, '');
    const { validate } = await makeService({ 'app/deploy.yaml': bad });
    const d = await validate('app/deploy.yaml');
    assert.deepEqual(msgs(d).sort(), [
      'Incorrect type. Expected "boolean".',
      'Incorrect type. Expected "integer".',
      'Missing property "selector".',
      'Property imagePolicy is not allowed.',
    ]);
    assert.ok(d.every((x) => x.severity === DiagnosticSeverity.Error));
  });

  it('${VAR} values, explicit nulls and SOPS-encrypted documents are not errors', async () => {
    const text = DEPLOYMENT.replace('  replicas: 2', '  replicas: ${REPLICAS}').replace(
      '    metadata:\n',
      '    metadata:\n      annotations: null\n',
    );
    const sops = `apiVersion: v1
kind: Secret
metadata:
  name: s
  creationTimestamp: null
stringData:
  token: ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]
sops:
  mac: ENC[AES256_GCM,data:x,type:str]
  version: 3.9.0
`;
    const { validate } = await makeService({ 'app/deploy.yaml': text, 'app/secret.sops.yaml': sops });
    assert.deepEqual(await validate('app/deploy.yaml'), []);
    assert.deepEqual(await validate('app/secret.sops.yaml'), []);
    const { validate: v2 } = await makeService({
      'app/secret.yaml': sops
        .replace('  version:', '  bogus: 1\n  version:')
        .replace('metadata:\n', 'metadata:\n  labelz: {}\n'),
    });
    assert.deepEqual(msgs(await v2('app/secret.yaml')), ['Property labelz is not allowed.']);
  });

  it('patch files may be partial and use strategic-merge directives; unknown fields are still flagged', async () => {
    const patch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: sidecar
          $patch: delete
      $setElementOrder/containers:
        - name: web
`;
    const files = {
      'app/kustomization.yaml': 'resources:\n  - deploy.yaml\npatches:\n  - path: patch.yaml\n',
      'app/deploy.yaml': DEPLOYMENT,
      'app/patch.yaml': patch,
    };
    const { validate } = await makeService(files);
    assert.deepEqual(await validate('app/patch.yaml'), []);
    const { validate: v2 } = await makeService({
      ...files,
      'app/patch.yaml': patch.replace('  template:', '  templat:'),
    });
    assert.deepEqual(msgs(await v2('app/patch.yaml')), ['Property templat is not allowed.']);
    // Outside a patch list, the directive is a real error.
    const { validate: v3 } = await makeService({ 'app/patch.yaml': patch });
    assert.ok(msgs(await v3('app/patch.yaml')).includes('Property $patch is not allowed.'));
  });

  it('generator inputs and Helm templates are data, not objects; look-alikes of other groups are left alone', async () => {
    const { validate } = await makeService({
      'app/kustomization.yaml':
        'configMapGenerator:\n  - name: c\n    files:\n      - manifest.yaml=files/example.yaml\n',
      'app/files/example.yaml': 'apiVersion: v1\nkind: Service\nspec:\n  bogus: true\n',
      'chart/Chart.yaml': 'name: c\nversion: 1.0.0\n',
      'chart/templates/svc.yaml': 'apiVersion: v1\nkind: Service\nspec:\n  bogus: true\n',
      'talos/link.yaml': 'apiVersion: v1alpha1\nkind: LinkConfig\nname: eth0\n',
      'talos/sa.yaml':
        'apiVersion: talos.dev/v1alpha1\nkind: ServiceAccount\nmetadata:\n  name: a\nspec:\n  roles: [os:admin]\n',
    });
    for (const f of [
      'app/files/example.yaml',
      'chart/templates/svc.yaml',
      'talos/link.yaml',
      'talos/sa.yaml',
    ])
      assert.deepEqual(await validate(f), [], f);
  });

  it('an apiVersion Kubernetes v1.36 does not serve is a warning naming the served ones', async () => {
    const { validate } = await makeService({
      'a.yaml':
        'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: x\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: y\n',
    });
    const d = await validate('a.yaml');
    assert.deepEqual(msgs(d), [
      'CronJob batch/v1beta1 is not served by Kubernetes v1.36.3 (the bundled schemas): use batch/v1. This document was not validated.',
      'Ingress extensions/v1beta1 is not served by Kubernetes v1.36.3 (the bundled schemas): use networking.k8s.io/v1. This document was not validated.',
    ]);
    assert.ok(d.every((x) => x.severity === DiagnosticSeverity.Warning));
  });
});

describe('built-in schemas from a cluster (the /openapi/v3 path of issue 12)', () => {
  it('documents converted at run time replace the bundle, and messages name the cluster and its version', async () => {
    const { ConvertedBuiltinSchemas } = await import('../../server/src/kubernetes/builtinSchemas');
    // Only apps/v1 and the core group, as a cluster without batch would serve.
    const served = docs().filter((d) => {
      const names = Object.keys(d.components?.schemas ?? {});
      return (
        names.some((n) => n.startsWith('io.k8s.api.apps.v1.')) ||
        names.includes('io.k8s.api.core.v1.ConfigMap')
      );
    });
    const { workspace, validate } = await makeService({
      'app/deploy.yaml': DEPLOYMENT,
      'app/cron.yaml': 'apiVersion: batch/v2\nkind: CronJob\nmetadata:\n  name: c\n',
    });
    const before = await validate('app/cron.yaml');
    assert.match(
      before[0]!.message,
      /not served by Kubernetes v1\.36\.3 \(the bundled schemas\): use batch\/v1/,
    );
    workspace.registry.setBuiltins(
      new ConvertedBuiltinSchemas(
        { kind: 'cluster', context: 'kind-dev', kubernetesVersion: 'v1.35.0' },
        convertOpenApi(served),
      ),
    );
    assert.deepEqual(await validate('app/deploy.yaml'), []);
    assert.deepEqual(
      await validate('app/deploy.yaml', DEPLOYMENT.replace('replicas: 2', 'replicas: two')).then(msgs),
      ['Incorrect type. Expected "integer".'],
    );
    // This cluster serves no CronJob at all: not a Kubernetes kind of it, nothing said.
    assert.deepEqual(await validate('app/cron.yaml'), []);
  });
});
