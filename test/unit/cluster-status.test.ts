// Every row of the status function (research/live-explorer.md section 4.3) as a fixture, plus the
// traps peers fall into: the suspended echo, a failed new generation, no status yet, HelmRelease
// RetriesExceeded and Drifted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../client/src/cluster/object';
import { fluxStatus, isFailing } from '../../client/src/cluster/status';
import {
  lastReconciled,
  nextReconcile,
  parseGoDuration,
  shortDuration,
} from '../../client/src/cluster/timing';

const cond = (type: string, status: string, reason: string, message = '', observedGeneration?: number) => ({
  type,
  status,
  reason,
  message,
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  lastTransitionTime: '2026-12-01T10:00:00Z',
});

type R = Record<string, unknown>;
function ks(extra: { generation?: number; spec?: R; status?: R; metadata?: R } = {}): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: {
      name: 'apps',
      namespace: 'flux-system',
      generation: extra.generation ?? 2,
      ...extra.metadata,
    },
    spec: { interval: '10m', path: './apps', ...extra.spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const readyAt = (gen: number) => ({
  observedGeneration: gen,
  lastAppliedRevision: 'main@sha1:0123456789abcdef',
  conditions: [
    cond('Ready', 'True', 'ReconciliationSucceeded', 'Applied revision: main@sha1:0123456789abcdef', gen),
  ],
});

describe('status function (section 4.3)', () => {
  it('1. deletionTimestamp -> Terminating, before anything else', () => {
    const s = fluxStatus(
      ks({
        metadata: { deletionTimestamp: '2026-12-01T11:00:00Z' },
        spec: { suspend: true },
        status: readyAt(2),
      }),
    );
    assert.equal(s.state, 'Terminating');
  });

  it('2. spec.suspend -> Suspended with the last Ready as secondary text', () => {
    const s = fluxStatus(ks({ spec: { suspend: true }, status: readyAt(2) }));
    assert.equal(s.state, 'Suspended');
    assert.equal(s.lastReady?.status, 'True');
    assert.equal(s.revision, 'main@sha1:0123456789abcdef');
  });

  it('2. the Flux Operator annotation reconcile: disabled -> Suspended, naming suspendedBy', () => {
    const s = fluxStatus({
      apiVersion: 'fluxcd.controlplane.io/v1',
      kind: 'ResourceSet',
      metadata: {
        name: 'apps',
        namespace: 'flux-system',
        generation: 1,
        annotations: {
          'fluxcd.controlplane.io/reconcile': 'disabled',
          'fluxcd.controlplane.io/suspendedBy': 'jane',
        },
      },
      status: { conditions: [cond('Ready', 'True', 'ReconciliationSucceeded', 'ok', 1)] },
    });
    assert.equal(s.state, 'Suspended');
    assert.equal(s.suspendedBy, 'jane');
  });

  it('suspended-echo trap: a suspended object echoes our token with the old Ready=True, and is still Suspended', () => {
    const status = { ...readyAt(2), lastHandledReconcileAt: '2026-12-01T12:00:00.123456789Z' };
    const s = fluxStatus(ks({ spec: { suspend: true }, status }));
    assert.equal(s.state, 'Suspended');
    assert.notEqual(s.state, 'Ready');
  });

  it('3. static: an OCI HelmRepository without status -> Ready (static)', () => {
    const s = fluxStatus({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'oci', namespace: 'flux-system', generation: 1 },
      spec: { type: 'oci', url: 'oci://ghcr.io/x' },
    });
    assert.deepEqual([s.state, s.static], ['Ready', true]);
  });

  it('3. static: Alert and Provider v1beta3 without status -> Ready; v1beta2 without status -> Pending', () => {
    const alert = (v: string): KubeObject => ({
      apiVersion: `notification.toolkit.fluxcd.io/${v}`,
      kind: 'Alert',
      metadata: { name: 'a', namespace: 'flux-system', generation: 1 },
      spec: { providerRef: { name: 'p' } },
    });
    assert.equal(fluxStatus(alert('v1beta3')).state, 'Ready');
    assert.equal(fluxStatus({ ...alert('v1beta3'), kind: 'Provider' }).state, 'Ready');
    assert.equal(fluxStatus(alert('v1beta2')).state, 'Pending');
  });

  it('4. no status at all -> Pending (kstatus would say Current)', () => {
    assert.equal(fluxStatus(ks()).state, 'Pending');
    assert.equal(fluxStatus(ks({ status: { observedGeneration: -1, conditions: [] } })).state, 'Pending');
  });

  it('5. Stalled=True -> Stalled with reason and message', () => {
    const s = fluxStatus(
      ks({
        status: {
          conditions: [
            cond('Ready', 'False', 'InvalidCELExpression', 'bad expr'),
            cond('Stalled', 'True', 'InvalidCELExpression', 'invalid CEL expression: x'),
          ],
        },
      }),
    );
    assert.deepEqual(
      [s.state, s.reason, s.message, s.resetSuggested],
      ['Stalled', 'InvalidCELExpression', 'invalid CEL expression: x', undefined],
    );
  });

  it('5. HelmRelease RetriesExceeded -> Stalled, reset suggested', () => {
    const s = fluxStatus({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'demo', generation: 3 },
      status: {
        observedGeneration: 3,
        conditions: [
          cond('Ready', 'False', 'UpgradeFailed', 'Helm upgrade failed: timeout', 3),
          cond('Stalled', 'True', 'RetriesExceeded', 'Failed to upgrade after 4 attempt(s)', 3),
        ],
      },
    });
    assert.deepEqual([s.state, s.reason, s.resetSuggested], ['Stalled', 'RetriesExceeded', true]);
  });

  it('6. Reconciling=True/Progressing -> Reconciling with the live step message', () => {
    const s = fluxStatus(
      ks({
        status: {
          ...readyAt(1),
          conditions: [
            cond('Ready', 'Unknown', 'Progressing', 'Reconciliation in progress'),
            cond(
              'Reconciling',
              'True',
              'Progressing',
              'Fetching manifests for revision main@sha1:abc with a timeout of 9m30s',
            ),
          ],
        },
      }),
    );
    assert.equal(s.state, 'Reconciling');
    assert.match(s.message, /^Fetching manifests/);
  });

  it('7. Ready=False/DependencyNotReady -> WaitingForDependency naming the blocker', () => {
    const s = fluxStatus(
      ks({
        status: {
          conditions: [
            cond(
              'Ready',
              'False',
              'DependencyNotReady',
              "dependency 'flux-system/infrastructure' is not ready",
            ),
            cond('Reconciling', 'True', 'ProgressingWithRetry', 'retrying'),
          ],
        },
      }),
    );
    assert.deepEqual(
      [s.state, s.blockedBy],
      ['WaitingForDependency', 'Kustomization flux-system/infrastructure'],
    );
    assert.equal(isFailing(s), false);
  });

  it('8. Ready=False with Reconciling=True/ProgressingWithRetry -> Failed (kstatus says InProgress)', () => {
    const s = fluxStatus(
      ks({
        status: {
          conditions: [
            cond('Ready', 'False', 'BuildFailed', 'kustomize build failed: accumulating resources'),
            cond('Reconciling', 'True', 'ProgressingWithRetry', 'Detecting drift for revision main@sha1:x'),
          ],
        },
      }),
    );
    assert.deepEqual([s.state, s.reason], ['Failed', 'BuildFailed']);
    assert.equal(isFailing(s), true);
  });

  it('failed new generation: observedGeneration stays behind after a failure -> Failed, not Updating or InProgress', () => {
    const s = fluxStatus(
      ks({
        generation: 3,
        status: {
          observedGeneration: 2,
          lastAppliedRevision: 'main@sha1:old',
          lastAttemptedRevision: 'main@sha1:new',
          conditions: [cond('Ready', 'False', 'BuildFailed', 'kustomization path not found', 3)],
        },
      }),
    );
    assert.deepEqual(
      [s.state, s.revision, s.attemptedRevision],
      ['Failed', 'main@sha1:old', 'main@sha1:new'],
    );
  });

  it('9. Ready=True for an older generation -> Updating', () => {
    assert.equal(fluxStatus(ks({ generation: 3, status: readyAt(2) })).state, 'Updating');
    // Ready's own observedGeneration missing: status.observedGeneration decides; missing counts as stale.
    const noCondGen = { ...readyAt(3), conditions: [cond('Ready', 'True', 'ReconciliationSucceeded', 'ok')] };
    assert.equal(fluxStatus(ks({ generation: 3, status: noCondGen })).state, 'Ready');
    const none = { conditions: [cond('Ready', 'True', 'ReconciliationSucceeded', 'ok')] };
    assert.equal(fluxStatus(ks({ generation: 3, status: none })).state, 'Updating');
  });

  it('10. Ready=True at the current generation -> Ready with the revision', () => {
    const s = fluxStatus(ks({ status: readyAt(2) }));
    assert.deepEqual([s.state, s.revision], ['Ready', 'main@sha1:0123456789abcdef']);
  });

  it('10. HelmRelease Drifted=True -> Ready, drift detected; revision from status.history', () => {
    const s = fluxStatus({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'demo', generation: 1 },
      status: {
        observedGeneration: 1,
        history: [{ chartName: 'podinfo', chartVersion: '6.5.0', version: 2, status: 'deployed' }],
        conditions: [
          cond('Ready', 'True', 'UpgradeSucceeded', 'Helm upgrade succeeded', 1),
          cond('Drifted', 'True', 'DriftDetected', '1 object changed', 1),
        ],
      },
    });
    assert.deepEqual([s.state, s.drifted, s.revision], ['Ready', true, '6.5.0']);
    assert.match(s.message, /drift detected/);
  });

  it('10. sources: the revision is the artifact revision', () => {
    const s = fluxStatus({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'repo', namespace: 'flux-system', generation: 1 },
      status: {
        observedGeneration: 1,
        artifact: { revision: 'main@sha1:feed' },
        conditions: [cond('Ready', 'True', 'Succeeded', 'stored artifact', 1)],
      },
    });
    assert.equal(s.revision, 'main@sha1:feed');
  });

  it('11. Ready=Unknown without Reconciling -> Reconciling', () => {
    const s = fluxStatus(
      ks({ status: { conditions: [cond('Ready', 'Unknown', 'Progressing', 'Reconciliation in progress')] } }),
    );
    assert.equal(s.state, 'Reconciling');
  });

  it('a Ready condition with a status outside True/False/Unknown -> Unknown; malformed conditions are ignored', () => {
    assert.equal(fluxStatus(ks({ status: { conditions: [cond('Ready', 'Maybe', 'X')] } })).state, 'Unknown');
    assert.equal(fluxStatus(ks({ status: { conditions: [null, 7, { type: 1 }] } })).state, 'Pending');
    assert.equal(fluxStatus(ks({ status: { conditions: 'nope' } })).state, 'Pending');
  });
});

describe('timing (descriptions: age, next reconcile)', () => {
  it('parses Go durations, estimates the next run from the interval (retryInterval when failing)', () => {
    assert.deepEqual(['10m', '1h30m', '30s', '500ms', '1.5h', '', 'x', '5'].map(parseGoDuration), [
      600_000,
      5_400_000,
      30_000,
      500,
      5_400_000,
      undefined,
      undefined,
      undefined,
    ]);
    const obj = ks({
      spec: { interval: '10m', retryInterval: '2m' },
      status: { ...readyAt(2), history: [{ lastReconciled: '2026-12-01T10:00:00Z' }] },
    });
    const t = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(lastReconciled(obj), t);
    assert.equal(nextReconcile(obj, fluxStatus(obj)), t + 600_000);
    const failed = ks({
      spec: { interval: '10m', retryInterval: '2m' },
      status: { conditions: [cond('Ready', 'False', 'BuildFailed', 'x')] },
    });
    assert.equal(nextReconcile(failed, fluxStatus(failed)), Date.parse('2026-12-01T10:00:00Z') + 120_000);
    const suspended = ks({ spec: { suspend: true, interval: '10m' }, status: readyAt(2) });
    assert.equal(nextReconcile(suspended, fluxStatus(suspended)), undefined);
    assert.deepEqual([5_000, 300_000, 7_200_000, 3 * 86_400_000].map(shortDuration), [
      '5s',
      '5m',
      '2h',
      '3d',
    ]);
  });
});
