import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTIC_CODES, isDiagnosticCode, readmeLinks } from '../../server/src/diagnosticCodes';
import { makeService, repoRoot } from './helpers';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** One input per code the language service can produce, and the code its finding must carry. */
const CASES: Array<{ code: string; file: string; text: string; line: number }> = [
  { code: 'unknown-field', file: 'ks.yaml', line: 9, text: ks('  bogus: 1\n') },
  { code: 'missing-required', file: 'ks.yaml', line: 6, text: ks('').replace('  prune: true\n', '') },
  { code: 'wrong-type', file: 'ks.yaml', line: 8, text: ks('').replace('prune: true', 'prune: maybe') },
  {
    code: 'value-not-allowed',
    file: 'ks.yaml',
    line: 10,
    text: ks('').replace('kind: GitRepository', 'kind: GitRepo'),
  },
  {
    code: 'pattern-mismatch',
    file: 'git.yaml',
    line: 5,
    text: 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: a, namespace: x}\nspec:\n  url: git@example.com:a/b\n  interval: 1m\n',
  },
  { code: 'invalid-duration', file: 'ks.yaml', line: 9, text: ks('  timeout: soon\n') },
  { code: 'deprecated-field', file: 'kustomization.yaml', line: 3, text: kz('bases: [a]\n') },
  { code: 'yaml-syntax', file: 'bad.yaml', line: 2, text: 'a: [1, 2\nb: c\n' },
  { code: 'duplicate-key', file: 'dup.yaml', line: 2, text: 'a: 1\na: 2\n' },
  { code: 'custom-tag', file: 'ks.yaml', line: 9, text: ks('  path: !env_var P\n') },
  { code: 'unused-anchor', file: 'anchor.yaml', line: 1, text: 'a: &x 1\n' },
  {
    code: 'removed-api-version',
    file: 'oci.yaml',
    line: 1,
    text: 'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: a}\n',
  },
  {
    code: 'unserved-api-version',
    file: 'git.yaml',
    line: 1,
    text: 'apiVersion: source.toolkit.fluxcd.io/v9\nkind: GitRepository\nmetadata: {name: a}\n',
  },
  { code: 'missing-api-version', file: 'k.yaml', line: 1, text: 'kind: GitRepository\n' },
  {
    code: 'crd-schema-unusable',
    file: 'crd.yaml',
    line: 2,
    text: 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {}\n',
  },
  { code: 'binary-file', file: 'bin.yaml', line: 1, text: 'a\u0000b' },
  { code: 'nesting-too-deep', file: 'deep.yaml', line: 1, text: '['.repeat(300) },
  { code: 'helm-template', file: 'tpl.yaml', line: 1, text: 'a: {{ .Values.x }}\n  b: [\n' },
];

function ks(extraSpec: string): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  prune: true
${extraSpec}  sourceRef:
    kind: GitRepository
    name: flux-system
`;
}

function kz(body: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;
}

describe('diagnostic codes', () => {
  it('each registered code has a row in the README, and each row a registered code', () => {
    const section = readme.slice(readme.indexOf('#### Diagnostic codes'));
    const rows = [...section.slice(0, section.indexOf('\n#', 5)).matchAll(/<a id="([^"]+)"><\/a>`([^`]+)`/g)];
    for (const [, id, shown] of rows) assert.equal(id, shown, `row ${shown} has the anchor ${id}`);
    assert.deepEqual(rows.map((r) => r[1]).sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  });

  it('links each code to the README line that holds its anchor', () => {
    const link = readmeLinks(readme, 'file:///ext/README.md');
    const lines = readme.split('\n');
    for (const code of Object.keys(DIAGNOSTIC_CODES)) {
      assert.ok(isDiagnosticCode(code));
      const m = /^file:\/\/\/ext\/README\.md#L(\d+)$/.exec(link(code) ?? '');
      assert.ok(m, `${code} has a link`);
      assert.ok(lines[Number(m[1]) - 1]!.includes(`id="${code}"`));
    }
    assert.equal(readmeLinks('no anchors here', 'file:///x')('unknown-field'), undefined);
  });

  for (const c of CASES) {
    it(`${c.code}: ${JSON.stringify(c.text.slice(0, 40))}`, async () => {
      const { service } = await makeService({ [c.file]: c.text });
      service.codeHref = (code) => `file:///README.md#${code}`;
      const uri = pathToFileURL(path.join('/ws', c.file)).toString();
      const { diagnostics } = await service.validate(TextDocument.create(uri, 'yaml', 1, c.text));
      const found = diagnostics.map((d) => `${d.range.start.line + 1} ${String(d.code)}`);
      assert.ok(found.includes(`${c.line} ${c.code}`), `expected line ${c.line} ${c.code}, got ${found}`);
      for (const d of diagnostics) {
        assert.ok(
          isDiagnosticCode(d.code),
          `registered code: ${String(d.code)} (${JSON.stringify(d.message)})`,
        );
        assert.equal(d.codeDescription?.href, `file:///README.md#${String(d.code)}`);
      }
    });
  }

  it('file-too-large follows the size setting', async () => {
    const { service } = await makeService();
    service.limits = { ...service.limits, maxFileBytes: 10 };
    const doc = TextDocument.create('file:///ws/big.yaml', 'yaml', 1, 'a: 1\nb: 2\nc: 3\n');
    const { diagnostics } = await service.validate(doc);
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['file-too-large'],
    );
  });
});
