import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { fluxPinsOf, fluxTarget, minorOf } from '../../server/src/flux/fluxVersion';
import { makeService } from './helpers';

const HR_V2BETA1 = `apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: podinfo
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
`;
const FLUX_INSTANCE = (version: string) => `apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata:
  name: flux
  namespace: flux-system
spec:
  distribution:
    version: "${version}"
    registry: ghcr.io/fluxcd
`;

describe('the Flux version a repository targets', () => {
  it('reads the pins: FluxInstance, flux-instance chart values, install manifests, flux-manifests OCI', () => {
    const pins = fluxPinsOf('/ws/x.yaml', [
      {
        kind: 'FluxInstance',
        metadata: { name: 'flux', namespace: 'flux-system' },
        spec: { distribution: { version: '2.6.x' } },
      },
      {
        kind: 'HelmRelease',
        metadata: { name: 'fi' },
        spec: {
          chartRef: { kind: 'OCIRepository', name: 'flux-instance' },
          values: { instance: { distribution: { version: '~2.5.0' } } },
        },
      },
      {
        resources: [
          'github.com/fluxcd/flux2/manifests/install?ref=v2.4.0',
          'https://github.com/fluxcd/flux2/releases/download/v2.3.1/install.yaml',
          'apps/',
        ],
      },
      {
        kind: 'OCIRepository',
        metadata: { name: 'flux-manifests' },
        spec: { url: 'oci://ghcr.io/fluxcd/flux-manifests', ref: { tag: 'v2.7.2' } },
      },
      { kind: 'FluxInstance', metadata: { name: 'latest' }, spec: { distribution: { version: '2.x' } } },
    ]);
    assert.deepEqual(
      pins.map((p) => p.minor),
      ['2.6', '2.5', '2.4', '2.3', '2.7'],
    );
    assert.equal(minorOf('2.x'), undefined);
    const t = fluxTarget(pins);
    assert.equal(t.minor, '2.3');
    assert.match(
      t.reason,
      /^pinned by kustomization resource https:\/\/github\.com\/fluxcd\/flux2\/releases\/download\/v2\.3\.1\/install\.yaml v2\.3\.1 .*other pins name Flux 2\.4, 2\.5, 2\.6, 2\.7 \(the oldest is used\)/,
    );
    assert.deepEqual(fluxTarget([], { file: 'gotk.yaml', fluxVersion: 'v2.6.1' }).minor, '2.6');
    assert.equal(fluxTarget([]).pinned, false);
  });

  it('without a pin, a removed apiVersion is an error, as before', async () => {
    const { validate } = await makeService({ 'apps/hr.yaml': HR_V2BETA1 });
    const d = await validate('apps/hr.yaml');
    assert.deepEqual(
      d.map((x) => [x.severity, x.message]),
      [
        [
          DiagnosticSeverity.Error,
          'HelmRelease helm.toolkit.fluxcd.io/v2beta1 is not served by the schemas in use (bundled, Flux 2.9.4): it was removed in Flux 2.7. Use helm.toolkit.fluxcd.io/v2.',
        ],
      ],
    );
  });

  it('pinned to Flux 2.6, an apiVersion removed in 2.7 is a warning naming both versions and the way out', async () => {
    const { validate } = await makeService({
      'apps/hr.yaml': HR_V2BETA1,
      'clusters/prod/flux.yaml': FLUX_INSTANCE('2.6.x'),
    });
    const d = await validate('apps/hr.yaml');
    assert.deepEqual(
      d.map((x) => [x.severity, x.message]),
      [
        [
          DiagnosticSeverity.Warning,
          'HelmRelease helm.toolkit.fluxcd.io/v2beta1 is served by Flux 2.6, which this repository targets (pinned by FluxInstance flux-system/flux spec.distribution.version 2.6.x (/ws/clusters/prod/flux.yaml)), but removed in Flux 2.7: move to helm.toolkit.fluxcd.io/v2 before upgrading Flux to 2.7 (quick fix: migrate). Not validated: the schemas in use (bundled, Flux 2.9.4) do not have this version.',
        ],
      ],
    );
  });

  it('pinned to Flux 2.8, the same apiVersion is an error that names the pin', async () => {
    const { validate } = await makeService({
      'apps/hr.yaml': HR_V2BETA1,
      'clusters/prod/kustomization.yaml':
        'resources:\n  - github.com/fluxcd/flux2/manifests/install?ref=v2.8.1\n',
    });
    const d = await validate('apps/hr.yaml');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.severity, DiagnosticSeverity.Error);
    assert.match(
      d[0]!.message,
      /removed in Flux 2\.7; this repository targets Flux 2\.8 \(pinned by kustomization resource github\.com\/fluxcd\/flux2\/manifests\/install\?ref=v2\.8\.1 v2\.8\.1/,
    );
  });
});
