import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
