// Reading objects from repository YAML for builds: the conversion to plain data is the costly part
// (the yaml package resolves each alias by walking the document again), so only the documents a
// caller wants are converted, and alias resolution beyond a bound is refused, not attempted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { findFluxKustomizations } from '../../server/src/build/fluxKustomizations';
import { toJSSafely } from '../../server/src/flux/safeYaml';
import { firstYamlObject, yamlObjects } from '../../server/src/flux/yamlObjects';

/** A document of `n` anchors, each with an alias (work n x nodes for the yaml package). */
function anchors(n: number): string {
  const lines = ['anchors:'];
  for (let i = 0; i < n; i++) lines.push(`  a${i}: &a${i} {x: ${i}}`, `  b${i}: *a${i}`);
  return lines.join('\n') + '\n';
}

const KS = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
`;

describe('yaml objects for builds', () => {
  it('refuses to resolve aliases whose cost is quadratic, says why, and converts ordinary ones', () => {
    const [bomb] = parseAllDocuments(anchors(10_000));
    assert.throws(() => toJSSafely(bomb!), /aliases over .* nodes are too costly to expand/);
    const [few] = parseAllDocuments(anchors(50));
    const value = toJSSafely(few!) as { anchors: Record<string, unknown> };
    assert.deepEqual(value.anchors.b49, { x: 49 });
  });

  it('converts only the documents a caller wants, and the first one when only that is asked', () => {
    const text = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n---\n${anchors(10_000)}---\n${KS}`;
    assert.deepEqual(firstYamlObject(text)?.resources, ['a.yaml']);
    const found = findFluxKustomizations(text);
    assert.deepEqual(
      found.map((k) => [k.name, k.namespace, k.spec.path]),
      [['apps', 'flux-system', './apps']],
    );
    // Without a choice, every mapping document is converted; the alias bomb is skipped.
    assert.equal(yamlObjects(text).length, 2);
    // A kind known only after conversion (an alias) is converted to be judged.
    const aliased = `x: &k Kustomization\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: *k\nmetadata: {name: a}\n`;
    assert.equal(findFluxKustomizations(aliased).length, 1);
  });
});
