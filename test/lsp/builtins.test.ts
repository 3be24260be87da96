import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hoverText, labels, LspClient } from './client';

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: three
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
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 80
          resources:
            limits:
              cpu: 1
              memory: 256Mi
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
      protocoll: TCP
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  LOG_LEVEL: debug
`;

/** Kubernetes built-in kinds through a real LSP client: diagnostics, completion and hover. */
describe('language server over stdio: Kubernetes built-in kinds', () => {
  let client: LspClient;
  let dir: string;
  let uri: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-builtins-'));
    writeFileSync(path.join(dir, 'app.yaml'), MANIFESTS);
    client = new LspClient();
    await client.initialize(dir);
    uri = client.open(path.join(dir, 'app.yaml'), MANIFESTS);
  });
  after(async () => client.stop());

  it('reports a wrong type and an unknown field, nothing else (int-or-string and quantities pass)', async () => {
    const diags = await client.diagnosticsFor(uri);
    assert.deepEqual(
      diags.map(
        (d) => `${d.range.start.line}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
      ),
      ['5: Incorrect type. Expected "integer".', '35: Property protocoll is not allowed.'],
    );
  });

  it('completes container fields inside a Deployment and Service spec fields', async () => {
    const text = MANIFESTS.replace(
      '          image: nginx:1.27\n',
      '          image: nginx:1.27\n          \n',
    );
    client.change(uri, text);
    const line = text
      .split('\n')
      .findIndex((l, i, all) => l === '          ' && all[i - 1]!.includes('image:'));
    const container = labels(await client.complete(uri, line, 10));
    assert.ok(
      container.includes('livenessProbe') && container.includes('volumeMounts') && container.includes('env'),
      `container keys: ${container}`,
    );
    const text2 = text.replace(
      'spec:\n  selector:\n    app: web\n',
      'spec:\n  \n  selector:\n    app: web\n',
    );
    client.change(uri, text2);
    const svcLine = text2.split('\n').findIndex((l, i, all) => l === '  ' && all[i - 1] === 'spec:');
    const service = labels(await client.complete(uri, svcLine, 2));
    assert.ok(
      service.includes('clusterIP') && service.includes('externalTrafficPolicy'),
      `Service keys: ${service}`,
    );
    client.change(uri, MANIFESTS);
  });

  it('hovers with the field description and names Kubernetes v1.36.3 as the source', async () => {
    const h = hoverText(await client.hover(uri, 5, 4)); // "replicas"
    assert.match(h, /desired pods/i);
    assert.match(
      h,
      /Schema source: Kubernetes built-in kinds \(bundled, Kubernetes v1\.36\.3 OpenAPI\) — Deployment \(apps\/v1\)/,
    );
  });

  it('offers built-in kinds when typing kind:', async () => {
    const doc = client.open(path.join(dir, 'new.yaml'), 'apiVersion: v1\nkind: \n');
    const kinds = labels(await client.complete(doc, 1, 6));
    assert.ok(
      kinds.includes('ConfigMap') && kinds.includes('Deployment') && kinds.includes('Kustomization'),
      `${kinds.slice(0, 20)}`,
    );
  });
});
