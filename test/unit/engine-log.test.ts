import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEngineNoRootLine, quietEngineNoise } from '../../server/src/service/engineLog';

describe('engine log lines about documents without a root node', () => {
  it('drops exactly that line and passes every other error on', () => {
    // The engine's own words: reading a property of the root of a document that has none.
    const noRoot = new TypeError("Cannot read properties of null (reading 'internalNode')");
    assert.ok(isEngineNoRootLine(['Error parsing YAML document:', noRoot]));
    assert.ok(!isEngineNoRootLine(['Error parsing YAML document:', new TypeError('other')]));
    assert.ok(!isEngineNoRootLine(['something else', noRoot]));
    const seen: unknown[][] = [];
    const target = { error: (...args: unknown[]) => void seen.push(args) };
    quietEngineNoise(target);
    target.error('Error parsing YAML document:', noRoot);
    target.error('a real failure', new Error('x'));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![0], 'a real failure');
  });
});
