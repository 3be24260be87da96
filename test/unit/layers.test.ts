// The server's folders import only downward (README "Layout"): a folder may import from its own
// layer or a lower one, never from a higher one, so there are no cycles between folders.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './helpers';

/** Lowest first. A folder (or top-level file) may import from any entry at its index or below. */
const SERVER_LAYERS: string[][] = [
  ['flux', 'kubernetes', 'io', 'protocol.ts', 'diagnosticCodes.ts', 'vendor-stubs'],
  ['kustomize'],
  ['build'],
  ['workspace'],
  ['semantics'],
  ['service'],
  ['handlers'],
  [
    'server.ts',
    'buildWorker.ts',
    'openapiWorker.ts',
    'schemaWorker.ts',
    'validateWorker.ts',
    'validateWorkerEntry.ts',
    'cli',
    'start.ts',
  ],
];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function layerOf(srcRoot: string, file: string): { name: string; level: number } {
  const top = path.relative(srcRoot, file).split(path.sep)[0]!;
  const level = SERVER_LAYERS.findIndex((l) => l.includes(top));
  return { name: top, level };
}

describe('layout', () => {
  it('every server/src folder imports only from its own layer or below', () => {
    const srcRoot = path.join(repoRoot, 'server', 'src');
    const violations: string[] = [];
    for (const file of tsFiles(srcRoot)) {
      const from = layerOf(srcRoot, file);
      assert.notEqual(from.level, -1, `${from.name} is in no layer of SERVER_LAYERS (add it)`);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        if (!target.startsWith(srcRoot + path.sep)) continue;
        const to = layerOf(srcRoot, target.endsWith('.ts') ? target : `${target}.ts`);
        if (to.level > from.level)
          violations.push(`${path.relative(srcRoot, file)} imports ${m[1]} (${from.name} -> ${to.name})`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
