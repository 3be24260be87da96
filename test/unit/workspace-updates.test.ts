import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SliceClock } from '../../server/src/io/slices';
import { Workspace } from '../../server/src/workspace/workspace';

const CM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: a
`;
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object }
`;

/** An update with the text a file is indexed with changes nothing (opening a file, saving one). */
describe('workspace: updates of a file', () => {
  it('the text already indexed changes nothing; any other text does', async () => {
    const ws = new Workspace();
    ws.updateFile('/ws/a.yaml', CM);
    const generation = ws.model.generation;
    ws.updateFile('/ws/a.yaml', CM);
    await ws.updateFileSliced('/ws/a.yaml', CM);
    assert.equal(ws.model.generation, generation, 'same text: the model did not change');
    ws.updateFile('/ws/a.yaml', CM.replace('name: a', 'name: b'));
    assert.ok(ws.model.generation > generation, 'another text is indexed');
    assert.equal(ws.model.get('/ws/a.yaml')?.objects[0]?.name, 'b');
    // Back to the first text: indexed again (the digest is of the last text, not of any seen).
    ws.updateFile('/ws/a.yaml', CM);
    assert.equal(ws.model.get('/ws/a.yaml')?.objects[0]?.name, 'a');
  });

  it('a file removed and given the same text again is indexed again, its CRDs included', async () => {
    const ws = new Workspace();
    ws.updateFile('/ws/crd.yaml', CRD);
    assert.ok(ws.registry.resolve('example.com', 'v1', 'Widget'));
    ws.removeFile('/ws/crd.yaml');
    assert.equal(ws.registry.resolve('example.com', 'v1', 'Widget'), undefined);
    await ws.updateFileSliced('/ws/crd.yaml', CRD);
    assert.ok(ws.registry.resolve('example.com', 'v1', 'Widget'), 'the CRD is back');
  });

  it('a newer text supersedes one still being parsed, also when it is the indexed text', async () => {
    const ws = new Workspace();
    ws.updateFile('/ws/a.yaml', CM);
    const edited = Array.from({ length: 2000 }, (_, i) => CM.replace('name: a', `name: a${i}`)).join('---\n');
    const slow = ws.updateFileSliced('/ws/a.yaml', edited);
    const back = ws.updateFileSliced('/ws/a.yaml', CM); // the user undid the edit meanwhile
    await Promise.all([slow, back]);
    assert.equal(ws.model.get('/ws/a.yaml')?.objects.length, 1);
    assert.equal(ws.model.get('/ws/a.yaml')?.objects[0]?.name, 'a');
  });

  it('a file of many documents is indexed in slices that yield the thread, to the same index', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => CM.replace('name: a', `name: a${i}`)).join('---\n');
    const whole = new Workspace();
    whole.updateFile('/ws/a.yaml', text);
    const sliced = new Workspace();
    // Turns of the event loop while the update runs: parsing and indexing each give some back.
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const parse = sliced.model.warmPieces('/ws/b.yaml', text, new SliceClock(0));
    const parsed = (await parse)!;
    const turnsParsing = turns;
    const index = await sliced.model.indexSliced('/ws/a.yaml', text, parsed, new SliceClock(0));
    counting = false;
    assert.ok(turns - turnsParsing > 100, `indexing 3,000 documents yielded ${turns - turnsParsing} times`);
    sliced.updateFile('/ws/a.yaml', text, index);
    assert.deepEqual(sliced.model.get('/ws/a.yaml'), whole.model.get('/ws/a.yaml'));
    assert.equal(sliced.model.get('/ws/a.yaml')?.objects.length, 3000);
  });
});
