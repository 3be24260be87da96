import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCUMENT_SNIPPETS, documentSnippetCompletions } from '../../server/src/service/snippets';
import { makeService } from './helpers';

/** Expands a snippet body with each placeholder's default (first choice for `${1|a,b|}`). */
function expand(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
}

/** The labels offered with the cursor at `|` in `text`. */
function offered(textWithCursor: string, file = 'apps.yaml'): string[] {
  const at = textWithCursor.indexOf('|');
  const text = textWithCursor.replace('|', '');
  const before = text.slice(0, at).split('\n');
  const position = { line: before.length - 1, character: before[before.length - 1]!.length };
  return documentSnippetCompletions(text, position, file).map((c) => c.label);
}

const KS = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
spec:
  interval: 10m
`;

describe('snippets', () => {
  it('cover every kind Flux 2.9 serves, with one prefix each', async () => {
    const { workspace } = await makeService();
    const kinds = new Set(workspace.registry.knownTypes().map((t) => t.kind));
    const covered = new Set(DOCUMENT_SNIPPETS.map((s) => /kind: (\w+)/.exec(expand(s.body))![1]));
    for (const k of kinds) assert.ok(covered.has(k), `no snippet for ${k}`);
    const prefixes = DOCUMENT_SNIPPETS.map((s) => s.prefix);
    assert.equal(new Set(prefixes).size, prefixes.length, `duplicate prefixes: ${prefixes}`);
  });

  for (const s of DOCUMENT_SNIPPETS) {
    it(`${s.prefix} expands to a document with no findings`, async () => {
      const file = s.kustomizationFile ? 'kustomization.yaml' : `${s.prefix}.yaml`;
      const { validate } = await makeService({ [file]: expand(s.body) });
      assert.deepEqual(await validate(file), []);
    });
  }

  it('are offered where a new document can start', () => {
    const flux = DOCUMENT_SNIPPETS.filter((s) => !s.kustomizationFile).map((s) => s.prefix);
    assert.deepEqual(offered('|'), flux, 'an empty file');
    assert.deepEqual(offered('flux-k|'), flux, 'the first word typed in an empty file');
    assert.deepEqual(offered('# comment\n\n|\n'), flux, 'a file of comments');
    assert.deepEqual(offered(`${KS}---\n|`), flux, 'a new document after ---');
    assert.deepEqual(offered(`${KS}---\nflux-h|\n---\n${KS}`), flux, 'an empty document between two');
    assert.deepEqual(
      offered('|', 'kustomization.yaml'),
      ['kustomization'],
      'kustomization.yaml: its own only',
    );
  });

  it('are never offered in a value, under a key or in a document that has content', () => {
    assert.deepEqual(offered(`${KS}  |`), [], 'inside spec:');
    assert.deepEqual(offered(`${KS}  path: |`), [], 'a value under spec');
    assert.deepEqual(offered('kind: |'), [], 'a value at the top');
    assert.deepEqual(offered(`${KS}|`), [], 'a top-level key of a document with content');
    assert.deepEqual(offered(`|\n${KS}`), [], 'above the content of the same document');
    assert.deepEqual(offered('- |'), [], 'a sequence item');
  });

  it('replace the word typed, as LSP snippets', () => {
    const [item] = documentSnippetCompletions('flux-ku', { line: 0, character: 7 }, 'a.yaml').filter(
      (c) => c.label === 'flux-kustomization',
    );
    assert.ok(item && 'range' in item.textEdit!);
    assert.deepEqual(item.textEdit.range, {
      start: { line: 0, character: 0 },
      end: { line: 0, character: 7 },
    });
    assert.match(
      item.textEdit.newText,
      /^apiVersion: kustomize\.toolkit\.fluxcd\.io\/v1\nkind: Kustomization\n/,
    );
    assert.equal(item.insertTextFormat, 2);
  });
});
