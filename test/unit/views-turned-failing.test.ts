// The optional failure notifications' choice of objects (client/src/views/shared/turnedFailing.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '../../client/src/cluster';
import { turnedFailing } from '../../client/src/views/shared/turnedFailing';

const KS = 'kustomizations.kustomize.toolkit.fluxcd.io';
const obj = (key: string, from: Change['from'], to: Change['to'], context = 'prod'): Change => ({
  context,
  what: 'object',
  kind: KS,
  key,
  type: 'MODIFIED',
  from,
  to,
});

describe('failure notifications: which objects turned failing', () => {
  it('an object that goes from Ready, Reconciling or Updating to Failed or Stalled', () => {
    const got = turnedFailing([
      obj('flux-system/apps', 'Ready', 'Failed'),
      obj('flux-system/infra', 'Reconciling', 'Stalled', 'staging'),
      obj('team-a/web', 'Updating', 'Failed'),
    ]);
    assert.deepEqual(got, [
      { context: 'prod', kind: KS, namespace: 'flux-system', name: 'apps' },
      { context: 'staging', kind: KS, namespace: 'flux-system', name: 'infra' },
      { context: 'prod', kind: KS, namespace: 'team-a', name: 'web' },
    ]);
  });
  it('not one already failing when first listed, nor Failed to Stalled, nor a recovery or a deletion', () => {
    const got = turnedFailing([
      { context: 'prod', what: 'object', kind: KS, key: 'a/new', type: 'ADDED', to: 'Failed' },
      obj('a/still', 'Failed', 'Stalled'),
      obj('a/recovered', 'Failed', 'Ready'),
      { context: 'prod', what: 'object', kind: KS, key: 'a/gone', type: 'DELETED', from: 'Ready' },
      obj('a/waiting', 'Ready', 'WaitingForDependency'),
      { context: 'prod', what: 'kind', kind: KS },
      { context: 'prod', what: 'session' },
    ]);
    assert.deepEqual(got, []);
  });
});
