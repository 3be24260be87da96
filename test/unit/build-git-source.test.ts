import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { remoteResourceError } from '../../server/src/build/engine';
import { gitSourceOf } from '../../server/src/build/gitSource';
import type { BuildFs } from '../../server/src/io/io';

const files: Record<string, string> = {
  '/repo/sources.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  url: https://github.com/stefanprodan/podinfo
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: fleet
  namespace: flux-system
spec:
  url: ssh://git@github.com/example/fleet.git
`,
};
const fs: BuildFs = {
  readFile: async (f) => files[f] ?? Promise.reject(new Error('ENOENT')),
  readDir: async () => [],
  kind: async (p) => (files[p] ? 'file' : undefined),
};
const yaml = async (): Promise<string[]> => Object.keys(files);
const ref = (name: string) => ({ kind: 'GitRepository', name });

describe('the build preview tells the truth about its source', () => {
  it('does not build a Kustomization of another repository from these files, and says how to', async () => {
    const v = await gitSourceOf(fs, '/repo', ref('podinfo'), 'flux-system', yaml, [
      'git@github.com:example/fleet.git',
    ]);
    assert.equal(v.kind, 'other');
    assert.match(
      v.kind === 'other' ? v.error : '',
      /GitRepository flux-system\/podinfo fetches https:\/\/github\.com\/stefanprodan\/podinfo, which is not this workspace's repository .*artifactRoots\["GitRepository\/flux-system\/podinfo"\]/,
    );
  });

  it('builds this repository, and a source mapped to a local folder', async () => {
    assert.deepEqual(
      await gitSourceOf(fs, '/repo', ref('fleet'), 'flux-system', yaml, ['https://github.com/example/fleet']),
      { kind: 'this' },
    );
    const mapped = await gitSourceOf(
      fs,
      '/repo',
      ref('podinfo'),
      'flux-system',
      yaml,
      ['https://github.com/example/fleet'],
      {
        'GitRepository/podinfo': '/src/podinfo',
      },
    );
    assert.equal(mapped.kind, 'mapped');
    assert.equal(mapped.kind === 'mapped' ? mapped.root : '', path.resolve('/src/podinfo'));
  });

  it('says so when there is no remote to compare with', async () => {
    const v = await gitSourceOf(fs, '/repo', ref('podinfo'), 'flux-system', yaml, []);
    assert.equal(v.kind, 'this');
    assert.match(v.kind === 'this' ? (v.note ?? '') : '', /no git remote to compare it with/);
    assert.deepEqual(await gitSourceOf(fs, '/repo', ref('flux-system'), 'flux-system', yaml, []), {
      kind: 'this',
    });
  });

  it('errors about remote bases name the URL, not a path made up from it', () => {
    const kustomize =
      "accumulating resources: accumulation err='accumulating resources from 'github.com/example/base/overlays/prod?ref=v1': open /tmp/x/apps/github.com/example/base/overlays/prod?ref=v1: no such file or directory': failed to run '/usr/bin/git fetch --depth=1 https://github.com/example/base v1': fatal: unable to access 'https://github.com/example/base/': Could not resolve host: github.com\n: exit status 128";
    const m = remoteResourceError(kustomize)!;
    assert.match(
      m,
      /^remote resource github\.com\/example\/base\/overlays\/prod\?ref=v1 could not be fetched \(unable to access 'https:\/\/github\.com\/example\/base\/': Could not resolve host: github\.com\)/,
    );
    assert.doesNotMatch(m, /\/tmp\/x/);
    assert.equal(remoteResourceError("accumulating resources from 'apps/base': missing"), undefined);
  });
});
