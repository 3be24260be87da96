import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');

/** A change to one file: `from` must occur in it (the first occurrence is replaced). */
interface Mutation {
  file: string;
  from: string;
  to: string;
}

/** A finding `validate` must report: its code, in `file`, on the line holding `line` (after the mutations). */
interface Expected {
  /** The code, or the codes either of which says it (a missing dependsOn target with a same-named object of another kind). */
  code: string | string[];
  file: string;
  line: string;
  /** Which occurrence of `line` (default the first). */
  nth?: number;
}

interface Seed {
  what: string;
  mutations: Mutation[];
  expect: Expected[];
}

/**
 * Real mistakes, seeded into copies of the corpus repositories, must be reported at the right file
 * and line: a renamed source, a removed dependency target, a broken path, a dependsOn cycle, an
 * undefined variable, a removed apiVersion. Proves the cross-file checks are not blind on real
 * repositories (the corpus test proves they raise no false alarm there).
 */
const SEEDS: Record<string, Seed[]> = {
  'fluxcd__flux2-kustomize-helm-example': [
    {
      what: 'rename a HelmRepository',
      mutations: [
        { file: 'apps/base/podinfo/repository.yaml', from: 'name: podinfo', to: 'name: podinfo-renamed' },
      ],
      expect: [
        {
          code: 'reference-not-found',
          file: 'apps/base/podinfo/release.yaml',
          line: 'name: podinfo',
          nth: 2,
        },
      ],
    },
    {
      what: 'remove a dependency target',
      mutations: [
        {
          file: 'clusters/production/infrastructure.yaml',
          from: 'name: infra-controllers\n  namespace',
          to: 'name: gone-controllers\n  namespace',
        },
      ],
      expect: [
        {
          code: 'depends-on-not-found',
          file: 'clusters/production/infrastructure.yaml',
          line: '- name: infra-controllers',
        },
      ],
    },
    {
      what: 'add a dependsOn cycle',
      mutations: [
        {
          file: 'clusters/staging/infrastructure.yaml',
          from: 'name: infra-controllers\n  namespace: flux-system\nspec:\n',
          to: 'name: infra-controllers\n  namespace: flux-system\nspec:\n  dependsOn:\n    - name: infra-configs\n',
        },
      ],
      expect: [
        {
          code: 'depends-on-cycle',
          file: 'clusters/staging/infrastructure.yaml',
          line: '- name: infra-configs',
        },
        {
          code: 'depends-on-cycle',
          file: 'clusters/staging/infrastructure.yaml',
          line: '- name: infra-controllers',
        },
      ],
    },
    {
      what: 'break a kustomization path',
      mutations: [
        {
          file: 'apps/production/kustomization.yaml',
          from: '- ../base/podinfo',
          to: '- ../base/podinfo-missing',
        },
      ],
      expect: [
        {
          code: 'kustomize-path-not-found',
          file: 'apps/production/kustomization.yaml',
          line: '- ../base/podinfo-missing',
        },
      ],
    },
    {
      what: 'pick a removed apiVersion',
      mutations: [
        {
          file: 'apps/base/podinfo/release.yaml',
          from: 'helm.toolkit.fluxcd.io/v2',
          to: 'helm.toolkit.fluxcd.io/v2beta1',
        },
      ],
      expect: [
        {
          code: 'removed-api-version',
          file: 'apps/base/podinfo/release.yaml',
          line: 'apiVersion: helm.toolkit.fluxcd.io/v2beta1',
        },
      ],
    },
  ],
  'fluxcd__flux2-monitoring-example': [
    {
      what: 'remove a dependency target and break a spec.path',
      mutations: [
        {
          file: 'clusters/test/monitoring.yaml',
          from: 'name: monitoring-controllers\n  namespace',
          to: 'name: gone\n  namespace',
        },
        {
          file: 'clusters/test/monitoring.yaml',
          from: 'path: ./monitoring/configs',
          to: 'path: ./monitoring/confs',
        },
      ],
      expect: [
        {
          code: 'depends-on-not-found',
          file: 'clusters/test/monitoring.yaml',
          line: '- name: monitoring-controllers',
        },
        { code: 'path-not-found', file: 'clusters/test/monitoring.yaml', line: 'path: ./monitoring/confs' },
      ],
    },
  ],
  'fluxcd__flux2-multi-tenancy': [
    {
      what: 'rename a GitRepository',
      mutations: [
        {
          file: 'tenants/base/dev-team/sync.yaml',
          from: 'name: dev-team\n  namespace: apps\nspec:\n  interval: 1m',
          to: 'name: dev-team-renamed\n  namespace: apps\nspec:\n  interval: 1m',
        },
      ],
      expect: [
        { code: 'reference-not-found', file: 'tenants/base/dev-team/sync.yaml', line: '    name: dev-team' },
      ],
    },
    {
      what: 'break a kustomization path',
      mutations: [
        { file: 'tenants/base/dev-team/kustomization.yaml', from: '- rbac.yaml', to: '- rbac-missing.yaml' },
      ],
      expect: [
        {
          code: 'kustomize-path-not-found',
          file: 'tenants/base/dev-team/kustomization.yaml',
          line: '- rbac-missing.yaml',
        },
      ],
    },
  ],
  'joryirving__home-ops': [
    {
      what: 'rename an OCIRepository',
      mutations: [
        {
          file: 'kubernetes/apps/base/downloads/recyclarr/ocirepository.yaml',
          from: 'name: recyclarr',
          to: 'name: recyclarr-renamed',
        },
      ],
      expect: [
        {
          code: 'reference-not-found',
          file: 'kubernetes/apps/base/downloads/recyclarr/helmrelease.yaml',
          line: 'name: recyclarr',
          nth: 2,
        },
      ],
    },
    {
      what: 'remove a dependency target',
      mutations: [
        {
          file: 'kubernetes/apps/main/downloads/sonarr.yaml',
          from: 'name: &app sonarr',
          to: 'name: &app sonarr-gone',
        },
      ],
      // home-ops names each app's HelmRelease like its Kustomization: the finding may say that.
      expect: [
        {
          code: ['depends-on-not-found', 'depends-on-wrong-kind'],
          file: 'kubernetes/apps/main/downloads/recyclarr.yaml',
          line: '- name: sonarr',
        },
      ],
    },
    {
      what: 'add a dependsOn cycle',
      mutations: [
        {
          file: 'kubernetes/apps/main/downloads/radarr.yaml',
          from: 'spec:\n',
          to: 'spec:\n  dependsOn:\n    - name: recyclarr\n',
        },
      ],
      expect: [
        {
          code: 'depends-on-cycle',
          file: 'kubernetes/apps/main/downloads/radarr.yaml',
          line: '- name: recyclarr',
        },
        {
          code: 'depends-on-cycle',
          file: 'kubernetes/apps/main/downloads/recyclarr.yaml',
          line: '- name: radarr',
        },
      ],
    },
    {
      what: 'break a path',
      mutations: [
        {
          file: 'kubernetes/apps/base/downloads/recyclarr/kustomization.yaml',
          from: '- ./externalsecret.yaml',
          to: '- ./externalsecret-missing.yaml',
        },
        {
          file: 'kubernetes/apps/main/cert-manager/cert-manager.yaml',
          from: 'path: ./kubernetes/apps/base/cert-manager/cert-manager',
          to: 'path: ./kubernetes/apps/base/cert-manager/nope',
        },
      ],
      expect: [
        {
          code: 'kustomize-path-not-found',
          file: 'kubernetes/apps/base/downloads/recyclarr/kustomization.yaml',
          line: '- ./externalsecret-missing.yaml',
        },
        {
          code: 'path-not-found',
          file: 'kubernetes/apps/main/cert-manager/cert-manager.yaml',
          line: 'path: ./kubernetes/apps/base/cert-manager/nope',
        },
      ],
    },
    {
      what: 'use an undefined variable',
      mutations: [
        {
          file: 'kubernetes/apps/base/downloads/recyclarr/helmrelease.yaml',
          from: 'kind: HelmRelease\nmetadata:\n',
          to: 'kind: HelmRelease\nmetadata:\n  labels:\n    seeded: ${SEEDED_UNDEFINED}\n',
        },
      ],
      expect: [
        {
          code: 'variable-undefined',
          file: 'kubernetes/apps/base/downloads/recyclarr/helmrelease.yaml',
          line: 'seeded: ${SEEDED_UNDEFINED}',
        },
        {
          code: 'variable-undefined',
          file: 'kubernetes/apps/main/downloads/recyclarr.yaml',
          line: 'postBuild:',
        },
      ],
    },
    {
      what: 'pick a removed apiVersion',
      mutations: [
        {
          file: 'kubernetes/apps/base/downloads/radarr/helmrelease.yaml',
          from: 'helm.toolkit.fluxcd.io/v2',
          to: 'helm.toolkit.fluxcd.io/v2beta2',
        },
      ],
      expect: [
        {
          code: 'removed-api-version',
          file: 'kubernetes/apps/base/downloads/radarr/helmrelease.yaml',
          line: 'apiVersion: helm.toolkit.fluxcd.io/v2beta2',
        },
      ],
    },
  ],
  'xunholy__k8s-gitops': [
    {
      what: 'rename an OCIRepository',
      mutations: [
        {
          file: 'kubernetes/apps/base/flux-system/repositories/oci/bjw-charts.yaml',
          from: 'name: app-template',
          to: 'name: app-template-renamed',
        },
      ],
      expect: [
        {
          code: 'reference-not-found',
          file: 'kubernetes/apps/base/home-system/bazarr/app/helmrelease.yaml',
          line: 'name: app-template',
        },
      ],
    },
    {
      what: 'remove a dependency target',
      mutations: [
        {
          file: 'kubernetes/apps/base/external-secrets/onepassword/ks.yaml',
          from: '  name: onepassword\n',
          to: '  name: onepassword-gone\n',
        },
      ],
      expect: [
        {
          code: 'depends-on-not-found',
          file: 'kubernetes/apps/base/home-system/bazarr/ks.yaml',
          line: '- name: onepassword',
        },
      ],
    },
    {
      what: 'break a kustomization path',
      mutations: [
        {
          file: 'kubernetes/apps/base/home-system/bazarr/app/kustomization.yaml',
          from: '- httproute.yaml',
          to: '- httproute-missing.yaml',
        },
      ],
      expect: [
        {
          code: 'kustomize-path-not-found',
          file: 'kubernetes/apps/base/home-system/bazarr/app/kustomization.yaml',
          line: '- httproute-missing.yaml',
        },
      ],
    },
  ],
};

const present = existsSync(corpus);
if (!present && process.env.CI)
  throw new Error(`the corpus is missing at ${corpus}; CI must run with ../shared beside the clone`);
if (!present) console.log(`SKIPPING seeded-error tests: ${corpus} does not exist (CI is not set)`);

function lineOf(text: string, needle: string, nth = 1): number {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `"${needle}" (occurrence ${nth}) not found after the mutations`);
  }
  return text.slice(0, at).split('\n').length;
}

describe(
  'seeded mistakes in copies of the corpus are reported at the right file and line',
  { skip: !present && 'no ../shared/corpus' },
  () => {
    const tmp = present ? mkdtempSync(path.join(os.tmpdir(), 'fw-seeded-')) : '';
    after(() => rmSync(tmp, { recursive: true, force: true }));

    for (const [repo, seeds] of Object.entries(SEEDS)) {
      it(`${repo}: ${seeds.map((s) => s.what).join('; ')}`, () => {
        const dir = path.join(tmp, repo);
        cpSync(path.join(corpus, repo), dir, { recursive: true });
        for (const m of seeds.flatMap((s) => s.mutations)) {
          const file = path.join(dir, m.file);
          const text = readFileSync(file, 'utf8');
          assert.ok(
            text.includes(m.from),
            `${m.file} no longer contains ${JSON.stringify(m.from)} (did the corpus change?)`,
          );
          writeFileSync(file, text.replace(m.from, m.to));
        }
        const r = spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', '.'], {
          cwd: dir,
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        });
        assert.equal(r.stderr, '', 'nothing on stderr');
        const found = new Set(
          r.stdout
            .split('\n')
            .map((l) => /^(.+?):(\d+):\d+: (?:error|warning|info): .* \[([a-z0-9-]+)\]$/.exec(l))
            .filter((m): m is RegExpExecArray => !!m)
            .map((m) => `${m[1]}:${m[2]} ${m[3]}`),
        );
        for (const s of seeds) {
          for (const e of s.expect) {
            const line = lineOf(readFileSync(path.join(dir, e.file), 'utf8'), e.line, e.nth);
            const codes = Array.isArray(e.code) ? e.code : [e.code];
            const want = codes.map((c) => `${e.file}:${line} ${c}`);
            assert.ok(
              want.some((w) => found.has(w)),
              `${s.what}: expected ${want.join(' or ')}; validate reported for that file: ${[...found].filter((f) => f.startsWith(e.file)).join(', ') || 'nothing'}`,
            );
          }
        }
      });
    }
  },
);
