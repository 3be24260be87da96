import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertCrd, deprecationOf } from '../../server/src/flux/crdToSchema';
import { makeService } from './helpers';
import type { JsonSchema } from '../../server/src/flux/jsonSchema';

function crd(openAPIV3Schema: unknown, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', labels: { 'app.kubernetes.io/version': 'v9.9.9' } },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema } },
        { name: 'v0', served: false },
      ],
      ...extra,
    },
  };
}

function convert(schema: unknown): JsonSchema {
  const r = convertCrd(crd(schema));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.crd.versions[0]!.schema;
}

describe('CRD to JSON Schema converter', () => {
  it('adds apiVersion/kind constants and ObjectMeta, closes the root', () => {
    const s = convert({
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
    });
    assert.equal(s.properties!.apiVersion!.const, 'example.com/v1');
    assert.equal(s.properties!.kind!.const, 'Widget');
    assert.ok(s.properties!.metadata!.properties!.labels);
    assert.deepEqual(s.required, ['apiVersion', 'kind']);
    assert.equal(s.additionalProperties, false);
    assert.equal(s.title, 'Widget (example.com/v1)');
  });

  it('closes objects with properties (strict unknown fields)', () => {
    const s = convert({
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
    });
    assert.equal(s.properties!.spec!.additionalProperties, false);
  });

  it('turns nullable into a null type and a null enum member', () => {
    const s = convert({ type: 'object', properties: { x: { type: 'string', nullable: true, enum: ['a'] } } });
    assert.deepEqual(s.properties!.x!.type, ['string', 'null']);
    assert.deepEqual(s.properties!.x!.enum, ['a', null]);
    assert.equal(s.properties!.x!.nullable, undefined);
  });

  it('turns int-or-string into anyOf integer|string, in both spellings', () => {
    const s = convert({
      type: 'object',
      properties: {
        a: { 'x-kubernetes-int-or-string': true },
        b: { type: 'string', format: 'int-or-string' },
      },
    });
    assert.deepEqual(s.properties!.a!.anyOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.deepEqual(s.properties!.b!.anyOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(s.properties!.b!.type, undefined);
  });

  it('keeps preserve-unknown-fields objects open even with properties', () => {
    const s = convert({
      type: 'object',
      properties: {
        values: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { a: { type: 'string' } },
        },
      },
    });
    assert.equal(s.properties!.values!.additionalProperties, true);
  });

  it('offers apiVersion/kind/metadata in embedded resources and leaves them open', () => {
    const s = convert({
      type: 'object',
      properties: { tmpl: { type: 'object', 'x-kubernetes-embedded-resource': true } },
    });
    const t = s.properties!.tmpl!;
    assert.ok(t.properties!.apiVersion && t.properties!.kind && t.properties!.metadata);
    assert.equal(t.additionalProperties, true);
  });

  it('drops CEL rules and other x-kubernetes keywords', () => {
    const s = convert({
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'self.a' }],
      properties: { a: { type: 'string', 'x-kubernetes-list-type': 'set' } },
    });
    assert.equal(JSON.stringify(s).includes('x-kubernetes'), false);
  });

  it('puts type, allowed values and default into the hover text', () => {
    const s = convert({
      type: 'object',
      properties: { mode: { type: 'string', description: 'The mode.', enum: ['a', 'b'], default: 'a' } },
    });
    assert.equal(
      s.properties!.mode!.markdownDescription,
      'The mode.\n\nType: `string`  \nAllowed values: `a`, `b`  \nDefault: `"a"`',
    );
  });

  it('lists unserved versions and reads the release label', () => {
    const r = convertCrd(crd({ type: 'object' }));
    assert.ok(r.ok);
    assert.deepEqual(
      r.crd.versions.map((v) => [v.version, v.served]),
      [
        ['v1', true],
        ['v0', false],
      ],
    );
    assert.equal(r.crd.releaseVersion, 'v9.9.9');
  });

  it("turns a field's 'Deprecated' description into the editor's deprecation warning", () => {
    assert.equal(
      deprecationOf(
        'proxy',
        'Proxy the HTTP/S address of the proxy server.\nDeprecated: Use ProxySecretRef instead. Will be removed in v1.',
      ),
      '`proxy` is deprecated: Use ProxySecretRef instead. Will be removed in v1.',
    );
    assert.equal(
      deprecationOf('interval', 'Interval at which to reconcile.\nDeprecated and not used in v1beta3.'),
      '`interval` is deprecated and not used in v1beta3.',
    );
    assert.equal(deprecationOf('x', 'Not deprecated at all.\n\nSee Deprecated fields.'), undefined);
    const s = convert({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { old: { type: 'string', description: 'Old.\n\nDeprecated: use new.' } },
        },
        status: { type: 'object', description: 'Deprecated: status is written by the controller.' },
      },
    });
    assert.equal(s.properties!.spec!.properties!.old!.deprecationMessage, '`old` is deprecated: use new.');
    assert.equal(s.properties!.status!.deprecationMessage, undefined);
  });

  it('the bundled Flux CRDs: Provider spec.proxy is a deprecation warning naming proxySecretRef', async () => {
    const provider =
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: slack\n  namespace: flux-system\nspec:\n  type: slack\n  proxy: http://proxy.example:3128\n  secretRef:\n    name: slack-url\n';
    const { validate } = await makeService({ 'p.yaml': provider });
    const got = await validate('p.yaml');
    assert.deepEqual(got, [
      {
        line: 8,
        severity: 2,
        message: '`proxy` is deprecated: Use ProxySecretRef instead. Will be removed in v1.',
      },
    ]);
  });

  it('returns broken CRDs as values, never throws', () => {
    const broken: unknown[] = [
      null,
      { kind: 'CustomResourceDefinition' },
      { kind: 'CustomResourceDefinition', spec: { group: 'g', names: {} } },
      crd({ type: 'object', properties: 'nope' }),
      crd({ type: 'object', properties: { a: 5 } }),
      crd('not a schema'),
    ];
    for (const b of broken) {
      const r = convertCrd(b);
      assert.equal(r.ok, false, JSON.stringify(b));
    }
  });

  it('refuses schemas nested beyond the depth guard', () => {
    let node: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 100; i++) node = { type: 'object', properties: { n: node } };
    const r = convertCrd(crd(node));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /nested deeper than 64/);
  });
});
