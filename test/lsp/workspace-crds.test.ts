import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { hoverText, LspClient, repoRoot } from './client';

const crdDir = path.resolve(repoRoot, '..', 'shared', 'flux-crds');

/**
 * A repository pinned to another Flux version commits its own CRDs (gotk-components.yaml): those win
 * over the bundle, and the status and hovers say so.
 */
describe('CRDs committed in the workspace are the schema source', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-wscrd-'));
    const ks = parse(
      readFileSync(
        path.join(crdDir, 'kustomize-controller', 'kustomize.toolkit.fluxcd.io_kustomizations.yaml'),
        'utf8',
      ),
    );
    ks.metadata.labels = { ...(ks.metadata.labels ?? {}), 'app.kubernetes.io/version': 'v2.7.5' };
    // This "older" release also serves v1beta2, which the bundle does not.
    ks.spec.versions.push({ ...ks.spec.versions[0], name: 'v1beta2', storage: false });
    mkdirSync(path.join(dir, 'clusters', 'prod', 'flux-system'), { recursive: true });
    writeFileSync(
      path.join(dir, 'clusters', 'prod', 'flux-system', 'gotk-components.yaml'),
      '# Flux Version: v2.7.5\n---\n' + stringify(ks),
    );
    client = new LspClient();
    await client.initialize(dir);
  });
  after(async () => client.stop());

  it('names the workspace file and its Flux version in the status', async () => {
    const status = await client.waitFor(() =>
      client.notifications
        .filter((n) => n.method === 'flux/schemaStatus')
        .map((n) => n.params as { label: string })
        .find((p) => p.label.startsWith('workspace')),
    );
    assert.equal(status.label, 'workspace (clusters/prod/flux-system/gotk-components.yaml), Flux v2.7.5');
  });

  it('validates an API version only the workspace CRDs serve, and hovers name the source', async () => {
    const text =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nmetadata:\n  name: a\nspec:\n  interval: 1m\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  bogus: 1\n';
    const uri = client.open(path.join(dir, 'ks.yaml'), text);
    const diags = await client.diagnosticsFor(uri);
    // v1beta2 is served by these (Flux 2.7) CRDs and removed in Flux 2.8: validated, and a warning.
    assert.deepEqual(
      diags.map((d) => d.message),
      [
        'Kustomization kustomize.toolkit.fluxcd.io/v1beta2 is served by Flux 2.7, which this repository targets (the Flux v2.7.5 CRDs in the workspace (clusters/prod/flux-system/gotk-components.yaml)), but removed in Flux 2.8: move to kustomize.toolkit.fluxcd.io/v1 before upgrading Flux to 2.8 (quick fix: migrate).',
        'Property bogus is not allowed.',
      ],
    );
    const h = hoverText(await client.hover(uri, 5, 3));
    assert.match(
      h,
      /Schema source: workspace \(clusters\/prod\/flux-system\/gotk-components\.yaml\), Flux v2\.7\.5/,
    );
  });
});
