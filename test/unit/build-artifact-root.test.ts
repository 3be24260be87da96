// Which folder of the repository an OCIRepository/Bucket source holds (artifactRoot).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { artifactRoot } from '../../server/src/build/artifactRoot';
import { nodeBuildFs } from '../../server/src/io/io';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fw-artifact-root-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const dirs = (root: string, ...list: string[]) => {
  for (const d of list) mkdirSync(path.join(root, d), { recursive: true });
  return root;
};
const oci = { kind: 'OCIRepository', name: 'flux-system' };
const fs = nodeBuildFs();

describe('artifactRoot', () => {
  it('is the repository for a GitRepository, or when spec.path exists there', async () => {
    const root = dirs(path.join(tmp, 'plain'), 'apps/web', 'kubernetes/apps/web');
    assert.deepEqual(
      await artifactRoot(fs, root, { kind: 'GitRepository', name: 'x' }, 'flux-system', './nope'),
      {
        root,
      },
    );
    assert.deepEqual(await artifactRoot(fs, root, oci, 'flux-system', './apps/web'), { root });
  });

  it('is the one folder that has spec.path, with a note saying it was taken to be that', async () => {
    const root = dirs(path.join(tmp, 'pushed'), 'kubernetes/clusters/main', 'docs');
    const r = await artifactRoot(fs, root, oci, 'flux-system', './clusters/main');
    assert.equal(r.root, path.join(root, 'kubernetes'));
    assert.match(
      r.note!,
      /OCIRepository\/flux-system is taken to be an artifact of kubernetes\/, the only folder/,
    );
    assert.match(r.note!, /artifactRoots\["OCIRepository\/flux-system"\]/);
  });

  it('is an error naming the folders when several have spec.path', async () => {
    const root = dirs(path.join(tmp, 'ambiguous'), 'a/clusters/main', 'b/clusters/main');
    const r = await artifactRoot(fs, root, oci, 'flux-system', './clusters/main');
    assert.equal(r.root, root);
    assert.match(r.error!, /several folders have it \(a, b\): set fluxWorkbench.build.artifactRoots/);
  });

  it('follows the setting, by Kind/namespace/name first, and refuses a folder outside the repository', async () => {
    const root = dirs(path.join(tmp, 'configured'), 'a/clusters/main', 'b/clusters/main');
    const r = await artifactRoot(fs, root, oci, 'flux-system', './clusters/main', {
      'OCIRepository/flux-system': 'a',
      'OCIRepository/flux-system/flux-system': 'b',
    });
    assert.equal(r.root, path.join(root, 'b'));
    assert.match(
      r.note!,
      /built from b \(fluxWorkbench.build.artifactRoots\["OCIRepository\/flux-system\/flux-system"\]\)/,
    );
    const out = await artifactRoot(fs, root, oci, 'flux-system', './clusters/main', {
      'OCIRepository/flux-system': '../elsewhere',
    });
    assert.match(out.error!, /outside the repository/);
  });

  it('leaves a path nobody has to the build, which names it', async () => {
    const root = dirs(path.join(tmp, 'missing'), 'kubernetes');
    assert.deepEqual(await artifactRoot(fs, root, oci, 'flux-system', './clusters/nowhere'), { root });
  });
});
