// The optional failure notifications' choice of objects (client/src/views/shared/turnedFailing.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '../../client/src/cluster';
import { TurnedFailingTracker } from '../../client/src/views/shared/turnedFailing';

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
const added = (key: string, to: Change['to'], context = 'prod'): Change => ({
  context,
  what: 'object',
  kind: KS,
  key,
  type: 'ADDED',
  to,
});
const names = (got: { namespace: string; name: string }[]) => got.map((t) => `${t.namespace}/${t.name}`);

describe('failure notifications: which objects turned failing', () => {
  it('an object that goes from Ready, Reconciling or Updating to Failed or Stalled', () => {
    const t = new TurnedFailingTracker();
    t.update([added('flux-system/apps', 'Ready'), added('team-a/web', 'Updating')]);
    t.update([added('flux-system/infra', 'Ready', 'staging')]);
    t.update([obj('flux-system/infra', 'Ready', 'Reconciling', 'staging')]);
    const got = t.update([
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

  it('a retry of a failing object (Failed, Reconciling, Failed: what kustomize-controller writes) is not a new failure; a failed run after a recovery is', () => {
    const t = new TurnedFailingTracker();
    t.update([added('a/apps', 'Ready')]);
    t.update([obj('a/apps', 'Ready', 'Reconciling')]);
    assert.deepEqual(names(t.update([obj('a/apps', 'Reconciling', 'Failed')])), ['a/apps']);
    for (let retry = 0; retry < 3; retry++) {
      assert.deepEqual(t.update([obj('a/apps', 'Failed', 'Reconciling')]), []);
      assert.deepEqual(t.update([obj('a/apps', 'Reconciling', 'Failed')]), [], `retry ${retry}`);
    }
    t.update([obj('a/apps', 'Failed', 'Reconciling')]);
    t.update([obj('a/apps', 'Reconciling', 'Ready')]);
    t.update([obj('a/apps', 'Ready', 'Reconciling')]);
    assert.deepEqual(names(t.update([obj('a/apps', 'Reconciling', 'Failed')])), ['a/apps']);
  });

  it('not one already failing when first listed, nor at its retries; a new object failing its first run is', () => {
    const t = new TurnedFailingTracker();
    assert.deepEqual(t.update([added('a/old', 'Failed'), added('a/new', 'Pending')]), []);
    assert.deepEqual(t.update([obj('a/old', 'Failed', 'Reconciling')]), []);
    assert.deepEqual(
      names(t.update([obj('a/old', 'Reconciling', 'Failed'), obj('a/new', 'Pending', 'Failed')])),
      ['a/new'],
    );
    // First listed during a run: what came before is unknown, so its failure is not announced.
    t.update([added('a/busy', 'Reconciling')]);
    assert.deepEqual(t.update([obj('a/busy', 'Reconciling', 'Failed')]), []);
  });

  it('listed again (a context shown again): a remembered Ready state does not count', () => {
    const t = new TurnedFailingTracker();
    t.update([added('a/x', 'Ready')]);
    assert.deepEqual(t.update([added('a/x', 'Failed')]), []);
  });

  it('not Failed to Stalled, a recovery, a deletion, a wait for a dependency, kind and session changes', () => {
    const t = new TurnedFailingTracker();
    t.update([added('a/still', 'Failed'), added('a/recovered', 'Failed'), added('a/gone', 'Ready')]);
    t.update([added('a/waiting', 'Ready')]);
    const got = t.update([
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
