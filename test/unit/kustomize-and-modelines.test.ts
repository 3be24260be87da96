import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blankModelines, findModelines } from '../../server/src/service/modelines';
import { checkText, DEFAULT_LIMITS } from '../../server/src/service/textGuards';
import { matchesLabelSelector } from '../../server/src/kustomize/labelSelector';
import { makeService } from './helpers';

describe('kustomization.yaml', () => {
  it('flags deprecated fields with their replacement, and unknown fields', async () => {
    const text =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nbases:\n  - ../base\ncommonLabels:\n  app: x\npatchesStrategicMerge:\n  - p.yaml\nresourcez: []\n';
    const { validate } = await makeService({ 'kustomization.yaml': text });
    const messages = (await validate('kustomization.yaml')).map((d) => `${d.line} ${d.message}`);
    assert.deepEqual(messages, [
      '3 `bases` is deprecated: list them under `resources`.',
      '5 `commonLabels` is deprecated: use `labels` with `includeSelectors: true`.',
      '7 `patchesStrategicMerge` is deprecated: use `patches`.',
      '9 Property resourcez is not allowed.',
    ]);
  });

  it('accepts a Component and a file without apiVersion/kind', async () => {
    const { validate } = await makeService();
    assert.deepEqual(
      await validate(
        'c/kustomization.yaml',
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: p.yaml\n',
      ),
      [],
    );
    assert.deepEqual(
      await validate(
        'd/kustomization.yaml',
        'resources:\n  - a.yaml\nimages:\n  - name: app\n    newTag: "1.2"\n',
      ),
      [],
    );
  });
});

describe('modelines', () => {
  it('finds modelines and blanks them without moving any offset', () => {
    const text = '---\n# yaml-language-server: $schema=https://x/y.json\napiVersion: v1\n';
    const found = findModelines(text);
    assert.deepEqual(
      found.map((m) => m.url),
      ['https://x/y.json'],
    );
    const blanked = blankModelines(text, found);
    assert.equal(blanked.length, text.length);
    assert.equal(blanked.indexOf('apiVersion'), text.indexOf('apiVersion'));
    assert.ok(!blanked.includes('schema='));
  });

  it('an unloadable modeline schema falls back to the Flux schemas (and is noted once)', async () => {
    const text =
      '# yaml-language-server: $schema=https://offline.invalid/hr.json\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: x\nspec:\n  interval: 1h\n  chartRef: { kind: OCIRepository, name: x }\n  bogus: true\n';
    const { service } = await makeService();
    const { TextDocument } = await import('vscode-languageserver-textdocument');
    const r = await service.validate(TextDocument.create('file:///m/hr.yaml', 'yaml', 1, text));
    assert.deepEqual(
      r.diagnostics.map((d) => d.message),
      ['Property bogus is not allowed.'],
    );
    assert.equal(r.notes.length, 1);
    assert.equal(r.notes[0]!.url, 'https://offline.invalid/hr.json');
  });
});

describe('text guards and selectors', () => {
  it('refuses binary, huge and deeply nested text with reasons', () => {
    assert.equal(checkText('a: 1\n', DEFAULT_LIMITS).ok, true);
    const bin = checkText('a\u0000b', DEFAULT_LIMITS);
    assert.ok(!bin.ok && /Binary/.test(bin.reason));
    const deep = checkText('['.repeat(300), DEFAULT_LIMITS);
    assert.ok(!deep.ok && /Nesting is 300 levels deep/.test(deep.reason));
    const big = checkText('x'.repeat(3 * 1024 * 1024), DEFAULT_LIMITS);
    assert.ok(!big.ok && /3\.0 MB, larger than the limit of 2\.0 MB/.test(big.reason));
  });

  it('matches kustomize label selectors', () => {
    assert.ok(matchesLabelSelector('a=b,c!=d', { a: 'b' }));
    assert.ok(!matchesLabelSelector('a=b', { a: 'c' }));
    assert.ok(!matchesLabelSelector('c!=d', { c: 'd' }));
    assert.ok(matchesLabelSelector('x', { x: '' }));
    assert.ok(!matchesLabelSelector('!x', { x: '1' }));
  });
});
