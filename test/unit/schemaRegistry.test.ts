import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SchemaRegistry } from '../../server/src/flux/schemaRegistry';
import { bundledCrds } from './helpers';

const snapshot = JSON.parse(readFileSync(bundledCrds, 'utf8')) as {
  fluxVersion: string;
  crds: Array<Record<string, any>>;
};

function withVersion(crd: Record<string, any>, label: string, versions?: string[]) {
  const copy = structuredClone(crd);
  copy.metadata.labels = { ...(copy.metadata.labels ?? {}), 'app.kubernetes.io/version': label };
  if (versions) copy.spec.versions = versions.map((name) => ({ ...copy.spec.versions[0], name }));
  return copy;
}

describe('schema registry: sources and their order', () => {
  it('serves every Flux 2.9 kind from the bundle and names it', () => {
    const r = new SchemaRegistry();
    assert.deepEqual(r.setBundled(snapshot.fluxVersion, snapshot.crds), []);
    const kinds = r
      .knownTypes()
      .map((t) => `${t.apiVersion} ${t.kind}`)
      .sort();
    assert.deepEqual(kinds, [
      'helm.toolkit.fluxcd.io/v2 HelmRelease',
      'image.toolkit.fluxcd.io/v1 ImagePolicy',
      'image.toolkit.fluxcd.io/v1 ImageRepository',
      'image.toolkit.fluxcd.io/v1 ImageUpdateAutomation',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'notification.toolkit.fluxcd.io/v1 Receiver',
      'notification.toolkit.fluxcd.io/v1beta3 Alert',
      'notification.toolkit.fluxcd.io/v1beta3 Provider',
      'source.extensions.fluxcd.io/v1beta1 ArtifactGenerator',
      'source.toolkit.fluxcd.io/v1 Bucket',
      'source.toolkit.fluxcd.io/v1 ExternalArtifact',
      'source.toolkit.fluxcd.io/v1 GitRepository',
      'source.toolkit.fluxcd.io/v1 HelmChart',
      'source.toolkit.fluxcd.io/v1 HelmRepository',
      'source.toolkit.fluxcd.io/v1 OCIRepository',
    ]);
    assert.equal(r.fluxStatus().label, 'bundled, Flux 2.9.4');
  });

  it('prefers workspace CRDs over cluster CRDs over the bundle, per kind', () => {
    const r = new SchemaRegistry();
    r.setBundled(snapshot.fluxVersion, snapshot.crds);
    const ks = snapshot.crds.find((c) => c.spec.names.kind === 'Kustomization')!;
    r.setClusterCrds('prod', [withVersion(ks, 'v2.8.0')]);
    assert.equal(r.fluxStatus().label, 'cluster (prod), Flux v2.8.0');
    r.setWorkspaceFile('clusters/a/gotk-components.yaml', [withVersion(ks, 'v2.7.0', ['v1', 'v1beta2'])]);
    assert.equal(r.fluxStatus().label, 'workspace (clusters/a/gotk-components.yaml), Flux v2.7.0');
    const res = r.resolve('kustomize.toolkit.fluxcd.io', 'v1beta2', 'Kustomization');
    assert.ok(res?.found, 'the workspace CRDs serve v1beta2');
    // Other kinds still come from the bundle.
    const git = r.resolve('source.toolkit.fluxcd.io', 'v1', 'GitRepository');
    assert.equal(git?.found && git.origin.kind, 'bundled');
    r.setWorkspaceFile('clusters/a/gotk-components.yaml', []);
    assert.equal(r.fluxStatus().label, 'cluster (prod), Flux v2.8.0');
  });

  it('explains unserved versions with the versions that are served', () => {
    const r = new SchemaRegistry();
    r.setBundled(snapshot.fluxVersion, snapshot.crds);
    const res = r.resolve('source.toolkit.fluxcd.io', 'v1beta2', 'OCIRepository');
    assert.deepEqual(res && !res.found && res.servedVersions, ['v1']);
    assert.equal(r.resolve('example.com', 'v1', 'Widget'), undefined);
  });

  it('says plainly when there is no schema source', () => {
    const r = new SchemaRegistry();
    assert.deepEqual(r.fluxStatus(), { available: false, label: 'none' });
  });

  it('widens Alert event sources for Flux Operator kinds', () => {
    const r = new SchemaRegistry();
    r.setBundled(snapshot.fluxVersion, snapshot.crds);
    const alert = r.resolve('notification.toolkit.fluxcd.io', 'v1beta3', 'Alert');
    assert.ok(alert?.found);
    const kindEnum = (alert.gvk.schema as any).properties.spec.properties.eventSources.items.properties.kind
      .enum as string[];
    assert.ok(kindEnum.includes('FluxInstance') && kindEnum.includes('Kustomization'));
  });
});
