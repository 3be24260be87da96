// An older Flux on a real kube-apiserver and etcd (issue 9, point 1: "older Flux versions work with
// what they serve"). The harness installs the CRDs of Flux 2.9.4; this test rewrites them into what
// a Flux 2.0 cluster serves: Kustomizations at kustomize.toolkit.fluxcd.io/v1beta2 only (v1 no
// longer served) and every Flux CRD labelled app.kubernetes.io/version v2.0.1. The CRD objects are
// the API server's own; only their served versions and labels are edited, as an older install has
// them. No controllers: the status is written through the status subresource as one would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findKind, fluxStatus, FluxExplorer, runAction } from '../../../client/src/cluster';
import { kubectl, startCluster, stopCluster, until, type Cluster } from './harness';

const ADMIN = 'flux-workbench-admin@flux-workbench-test';
const CRD = 'kustomizations.kustomize.toolkit.fluxcd.io';
let cluster: Cluster;

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  [k: string]: unknown;
}

before(async () => {
  cluster = await startCluster('fw-older-flux', '');
  const crd = JSON.parse(await kubectl(cluster, ['get', 'crd', CRD, '-o', 'json'])) as {
    metadata: Record<string, unknown>;
    spec: { versions: CrdVersion[] };
    status?: unknown;
  };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1')!;
  crd.spec.versions = [
    { ...v1, served: false, storage: false },
    { ...structuredClone(v1), name: 'v1beta2', served: true, storage: true },
  ];
  delete crd.status;
  await kubectl(cluster, ['replace', '-f', '-'], { input: JSON.stringify(crd) });
  await kubectl(cluster, [
    'label',
    'crd',
    '-l',
    'app.kubernetes.io/part-of=flux',
    '--overwrite',
    'app.kubernetes.io/version=v2.0.1',
  ]);
  await until(
    'the API server to serve kustomizations at v1beta2 only',
    async () => {
      const out = await kubectl(cluster, ['api-versions']);
      const lines = out.split('\n');
      return lines.includes('kustomize.toolkit.fluxcd.io/v1beta2') &&
        !lines.includes('kustomize.toolkit.fluxcd.io/v1')
        ? true
        : undefined;
    },
    60_000,
    250,
  );
  await kubectl(cluster, ['create', 'namespace', 'older']);
  await kubectl(cluster, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
      kind: 'Kustomization',
      metadata: { name: 'legacy', namespace: 'older' },
      spec: {
        interval: '10m',
        path: './x',
        prune: false,
        sourceRef: { kind: 'GitRepository', name: 'repo' },
      },
    }),
  });
  await kubectl(cluster, [
    'patch',
    'kustomizations.v1beta2.kustomize.toolkit.fluxcd.io',
    'legacy',
    '-n',
    'older',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        observedGeneration: 1,
        lastAppliedRevision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ReconciliationSucceeded',
            message: 'Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567',
            observedGeneration: 1,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
      },
    }),
  ]);
});

after(async () => {
  await stopCluster(cluster);
});

describe('an older Flux (Kustomization v1beta2 only, CRDs of v2.0.1)', () => {
  it('discovery takes the version served, the cache lists at it, the state and the Flux version are read', async () => {
    const explorer = new FluxExplorer({ kubeconfigFiles: [cluster.kubeconfig] });
    try {
      await explorer.loadKubeconfig();
      await explorer.show([ADMIN]);
      const s = explorer.session(ADMIN)!;
      await until('the cache', () => (s.settled && s.phase.phase === 'ready' ? true : undefined), 60_000);
      const d = s.discovery!;
      assert.equal(d.fluxVersion, 'v2.0.1');
      const ks = d.kinds.find((k) => k.kind === 'Kustomization')!;
      assert.equal(ks.version, 'v1beta2');
      assert.deepEqual(ks.servedVersions, ['v1beta2']);
      const items = await until('the v1beta2 object in the cache', () => {
        const l = s.list({ kind: findKind('Kustomization')!, namespace: 'older' });
        return l.length ? l : undefined;
      });
      assert.equal(items.length, 1);
      assert.equal(items[0]!.obj.apiVersion, 'kustomize.toolkit.fluxcd.io/v1beta2');
      const state = fluxStatus(items[0]!.obj);
      assert.equal(state.state, 'Ready');

      // An action is a patch at the served version; the verdict comes from the object itself.
      const v = await runAction(
        s,
        'suspend',
        { kind: 'Kustomization', namespace: 'older', name: 'legacy' },
        {
          timeoutMs: 30_000,
        },
      );
      assert.equal(v.ok, true, v.message);
      const live = JSON.parse(
        await kubectl(cluster, [
          'get',
          'kustomizations.v1beta2.kustomize.toolkit.fluxcd.io',
          'legacy',
          '-n',
          'older',
          '-o',
          'json',
        ]),
      ) as { spec: { suspend?: boolean } };
      assert.equal(live.spec.suspend, true);
    } finally {
      await explorer.dispose();
    }
  });
});
