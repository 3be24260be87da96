// What the client makes of a cluster's answers before the language server sees them: which
// /openapi/v3 group versions are Kubernetes' own, the version /version reports, and an ImagePolicy's
// latest image from either status field. Pure functions, no cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBuiltinGroupVersion, kubernetesVersionOf } from '../../client/src/live/clusterReads';
import { latestImageOf, parseImageReference } from '../../client/src/live/serverObjects';

describe('the built-in group versions of an /openapi/v3 index', () => {
  it('takes the core group, dotless and *.k8s.io groups, not group lists, CRD groups or other paths', () => {
    const crdGroups = new Set(['gateway.networking.k8s.io', 'source.toolkit.fluxcd.io']);
    const paths = [
      'api',
      'api/v1',
      'apis',
      'apis/apps',
      'apis/apps/v1',
      'apis/batch/v1',
      'apis/networking.k8s.io/v1',
      'apis/rbac.authorization.k8s.io/v1',
      'apis/gateway.networking.k8s.io/v1',
      'apis/source.toolkit.fluxcd.io/v1',
      'apis/cert-manager.io/v1',
      'version',
      'openid/v1/jwks',
      '.well-known/openid-configuration',
    ];
    assert.deepEqual(
      paths.filter((p) => isBuiltinGroupVersion(p, crdGroups)),
      [
        'api/v1',
        'apis/apps/v1',
        'apis/batch/v1',
        'apis/networking.k8s.io/v1',
        'apis/rbac.authorization.k8s.io/v1',
      ],
    );
  });

  it('names a release by gitVersion, else by major.minor (a server built without release stamping)', () => {
    assert.equal(kubernetesVersionOf({ major: '1', minor: '35', gitVersion: 'v1.35.2' }), 'v1.35.2');
    assert.equal(
      kubernetesVersionOf({ major: '1', minor: '36', gitVersion: 'v0.0.0-master+$Format:%H$' }),
      'v1.36',
    );
    assert.equal(
      kubernetesVersionOf({ major: '1', minor: '30+', gitVersion: 'v1.30.4-eks-a737599' }),
      'v1.30.4-eks-a737599',
    );
    assert.equal(kubernetesVersionOf({ major: '1', minor: '31+' }), 'v1.31');
    assert.equal(kubernetesVersionOf('not json'), undefined);
  });
});

describe("an ImagePolicy's latest image", () => {
  it('reads status.latestRef (v1), else status.latestImage (v1beta2)', () => {
    const v1 = {
      metadata: { name: 'p' },
      status: { latestRef: { name: 'ghcr.io/o/app', tag: '1.2.3', digest: '' } },
    };
    assert.deepEqual(latestImageOf(v1), { name: 'ghcr.io/o/app', tag: '1.2.3' });
    const old = { metadata: { name: 'p' }, status: { latestImage: 'ghcr.io/o/app:1.2.3' } };
    assert.deepEqual(latestImageOf(old), { name: 'ghcr.io/o/app', tag: '1.2.3' });
    assert.equal(latestImageOf({ metadata: { name: 'p' }, status: {} }), undefined);
    assert.equal(latestImageOf({ metadata: { name: 'p' }, status: { latestRef: { tag: 'x' } } }), undefined);
  });

  it('splits a reference into name, tag and digest; a registry port is not a tag', () => {
    assert.deepEqual(parseImageReference('localhost:5000/app'), { name: 'localhost:5000/app' });
    assert.deepEqual(parseImageReference('localhost:5000/app:v2@sha256:ab'), {
      name: 'localhost:5000/app',
      tag: 'v2',
      digest: 'sha256:ab',
    });
    assert.deepEqual(parseImageReference('nginx@sha256:cd'), { name: 'nginx', digest: 'sha256:cd' });
  });
});
