import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewText } from '../../client/src/preview/header';
import type { BuildResult } from '../../server/src/protocol';

const base: BuildResult = {
  ok: true,
  yaml: 'apiVersion: v1\nkind: ConfigMap\n',
  objectCount: 1,
  title: 'Kustomization flux-system/apps',
  dirUri: 'file:///repo/apps/dev',
  generated: true,
  engine: 'kubectl kustomize (kustomize v5.5.0)',
  files: [],
  overlays: ['namespace: web (spec.targetNamespace)'],
  variables: [
    { name: 'CLUSTER', value: 'dev', source: 'spec.postBuild.substitute (clusters/dev/apps.yaml)' },
  ],
  unresolved: [],
  warnings: ['ConfigMap flux-system/x not found (optional: its variables are not set)'],
  errors: [],
  durationMs: 42,
};
const rel = (u: string) => u.replace('file:///repo/', '');

describe('preview header', () => {
  it('names the Kustomization, the engine and its version, the variables and the unresolved ones', () => {
    const text = previewText(base, rel);
    assert.match(text, /^# Flux build preview: Kustomization flux-system\/apps\n/);
    assert.match(text, /# path: apps\/dev \(no kustomization.yaml: generated as Flux does\)/);
    assert.match(text, /# engine: kubectl kustomize \(kustomize v5.5.0\); 1 objects in 42 ms/);
    assert.match(text, /# {3}CLUSTER=dev {2}<- spec.postBuild.substitute/);
    assert.match(text, /# unresolved variables: none/);
    assert.ok(text.endsWith('---\napiVersion: v1\nkind: ConfigMap\n'));
    assert.doesNotMatch(text, /# parent:/);
  });
  it('leaves durations out of the two sides of a diff', () => {
    const text = previewText({ ...base, phases: { kustomize: 40 } }, rel, undefined, { timings: false });
    assert.match(text, /# engine: kubectl kustomize \(kustomize v5.5.0\); 1 objects\n/);
    assert.doesNotMatch(text, /# time:| ms/);
    assert.match(previewText({ ...base, phases: { kustomize: 40 } }, rel), /# time: kustomize 40 ms/);
  });
  it('names the parent Kustomization whose rendering was built', () => {
    const text = previewText(
      {
        ...base,
        parents: ['spec as rendered by parent Kustomization flux-system/apps; it changes spec.patches'],
      },
      rel,
    );
    assert.match(
      text,
      /^# parent: spec as rendered by parent Kustomization flux-system\/apps; it changes spec\.patches$/m,
    );
  });
  it('shows errors with file and line and keeps the last good build below them', () => {
    const text = previewText(
      {
        ...base,
        ok: false,
        yaml: '',
        unresolved: ['MISSING'],
        errors: [{ message: 'variable not set', uri: 'file:///repo/a.yaml', line: 6 }],
      },
      rel,
      'kind: Old\n',
    );
    assert.match(text, /# unresolved variables: MISSING/);
    assert.match(text, /# ERROR: a.yaml:7: variable not set/);
    assert.ok(text.endsWith('---\nkind: Old\n'));
  });
});
