import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeService, repoRoot } from './helpers';

/** Expands a snippet body with each placeholder's default (first choice for `${1|a,b|}`). */
function expand(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
}

describe('snippets', () => {
  const snippets = JSON.parse(
    readFileSync(path.join(repoRoot, 'snippets', 'flux.code-snippets'), 'utf8'),
  ) as Record<string, { body: string[] }>;

  it('cover every kind Flux 2.9 serves', async () => {
    const { workspace } = await makeService();
    const kinds = new Set(workspace.registry.knownTypes().map((t) => t.kind));
    const covered = new Set(Object.values(snippets).map((s) => /kind: (\w+)/.exec(expand(s.body))![1]));
    for (const k of kinds) assert.ok(covered.has(k), `no snippet for ${k}`);
  });

  for (const [name, s] of Object.entries(snippets)) {
    it(`${name} expands to a document with no findings`, async () => {
      const text = expand(s.body);
      const file =
        name === 'Flux kustomization.yaml' ? 'kustomization.yaml' : `${name.replace(/\W+/g, '-')}.yaml`;
      const { validate } = await makeService({ [file]: text });
      assert.deepEqual(await validate(file), []);
    });
  }
});
