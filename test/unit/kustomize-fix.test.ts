import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { fixKustomization } from '../../server/src/kustomize/fixKustomization';
import { fixIo } from '../../server/src/service/codeActions';
import { makeService } from './helpers';

const DEPLOY = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: nginx
${extra}`;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-kfix-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

const build = (dir: string) =>
  parseAllDocuments(
    execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  ).map((d) => d.toJS());

/** Fixes overlay/kustomization.yaml in place, returns the builds before and after and the fix. */
async function fixAndBuild(files: Record<string, string>) {
  const dir = tree(files);
  const overlay = path.join(dir, 'overlay');
  const file = path.join(overlay, 'kustomization.yaml');
  const before = build(overlay);
  const fix = await fixKustomization(
    file,
    readFileSync(file, 'utf8'),
    fixIo(() => undefined),
  );
  assert.ok(fix, 'a fix');
  writeFileSync(file, fix.text);
  return { before, after: build(overlay), fix, text: fix.text };
}

describe('kustomization.yaml: deprecated fields to their replacements (kustomize edit fix)', () => {
  it('bases, patchesStrategicMerge (file and inline), patchesJson6902 and commonLabels: same objects, no deprecated field left', async () => {
    const r = await fixAndBuild({
      'base/kustomization.yaml': 'resources:\n  - deploy.yaml\n',
      'base/deploy.yaml': DEPLOY('web'),
      'overlay/kustomization.yaml': `# overlay for prod
bases:
  - ../base
namePrefix: prod-
commonLabels:
  team: payments
patchesStrategicMerge:
  - replicas.yaml
  - |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
            - name: app
              image: nginx:1.27
patchesJson6902:
  - target:
      group: apps
      version: v1
      kind: Deployment
      name: web
    path: json-patch.yaml
  - target:
      kind: Deployment
      name: web
    patch: |-
      - op: add
        path: /metadata/annotations
        value:
          owner: team-a
`,
      'overlay/replicas.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n',
      'overlay/json-patch.yaml':
        '- op: add\n  path: /spec/template/spec/containers/0/args\n  value: ["--port=8080"]\n',
    });
    assert.deepEqual(r.after, r.before);
    assert.equal(r.before[0].metadata.labels.team, 'payments');
    assert.equal(r.before[0].spec.selector.matchLabels.team, 'payments', 'commonLabels reach selectors');
    assert.deepEqual(r.fix.changes, [
      'bases -> resources',
      'patchesStrategicMerge -> patches',
      'patchesJson6902 -> patches',
      'commonLabels -> labels (includeSelectors: true)',
    ]);
    assert.ok(r.text.startsWith('# overlay for prod\n'));
    const k = parse(r.text);
    assert.deepEqual(k.resources, ['../base']);
    assert.deepEqual(k.patches[0], { path: 'replicas.yaml' });
    assert.deepEqual(k.labels, [{ pairs: { team: 'payments' }, includeSelectors: true }]);
    const { validate } = await makeService({ 'overlay/kustomization.yaml': r.text });
    assert.deepEqual(await validate('overlay/kustomization.yaml'), [], 'no deprecated field left');
  });

  it('vars become replacements, whole values and delimited parts alike: same objects', async () => {
    const r = await fixAndBuild({
      'overlay/kustomization.yaml': `resources:
  - deploy.yaml
  - service.yaml
vars:
  - name: SERVICE_NAME
    objref:
      kind: Service
      name: backend
      apiVersion: v1
  - name: SERVICE_PORT
    objref:
      kind: Service
      name: backend
      apiVersion: v1
    fieldref:
      fieldpath: spec.ports[0].port
`,
      'overlay/service.yaml':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  ports:\n    - port: 8080\n',
      'overlay/deploy.yaml': DEPLOY(
        'web',
        '          env:\n            - name: BACKEND\n              value: $(SERVICE_NAME)\n          args:\n            - --backend=http://$(SERVICE_NAME)/api\n            - --port=$(SERVICE_PORT)\n',
      ),
    });
    assert.deepEqual(r.after, r.before);
    const env = r.before.find((o: any) => o.kind === 'Deployment').spec.template.spec.containers[0];
    assert.equal(env.env[0].value, 'backend', 'the var was substituted before the fix too');
    assert.deepEqual(r.fix.changes, ['vars -> replacements (3 targets)']);
    assert.equal(parse(r.text).vars, undefined);
  });

  it('a var inside a value with no delimiter around it is not converted, and the fix says why', async () => {
    const dir = tree({
      'overlay/kustomization.yaml':
        'resources:\n  - cm.yaml\nvars:\n  - name: X\n    objref:\n      kind: ConfigMap\n      name: c\n      apiVersion: v1\n',
      'overlay/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: pre$(X)post\n',
    });
    const file = path.join(dir, 'overlay', 'kustomization.yaml');
    const fix = await fixKustomization(
      file,
      readFileSync(file, 'utf8'),
      fixIo(() => undefined),
    );
    assert.deepEqual(fix?.changes, []);
    assert.match(
      fix!.notes[0]!,
      /^vars not converted: \$\(X\) at data\.a is inside "pre\$\(X\)post" with no delimiter/,
    );
  });
});
