import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');

const RECREATE =
  'warning: `recreate` is deprecated: This behavior was deprecated in Helm 3. After helm-controller was upgraded to the Helm 4 SDK, this field is no longer functional and will print a warning if set to true. It will also be removed in a future release. [deprecated-field]';

/**
 * `validate` over five real Flux repositories must report no errors or warnings except true ones.
 * The true positives: flux2-multi-tenancy uses OCIRepository at v1beta2, removed in Flux 2.8;
 * k8s-gitops sets HelmRelease `rollback.recreate: true`, which helm-controller 1.6 (Helm 4 SDK, Flux
 * 2.9) no longer acts on and warns about (its CRD marks the field deprecated).
 */
const expected: Record<string, { errors: string[]; files: number }> = {
  'fluxcd__flux2-kustomize-helm-example': { errors: [], files: 27 },
  'fluxcd__flux2-monitoring-example': { errors: [], files: 16 },
  'fluxcd__flux2-multi-tenancy': {
    files: 23,
    errors: [
      'infrastructure/kyverno/source.yaml:1:13: error: OCIRepository source.toolkit.fluxcd.io/v1beta2 is not served by the schemas in use (bundled, Flux 2.9.4): it was removed in Flux 2.8. Use source.toolkit.fluxcd.io/v1. [removed-api-version]',
    ],
  },
  'joryirving__home-ops': { errors: [], files: 1142 },
  'xunholy__k8s-gitops': {
    files: 970,
    errors: [
      'kubernetes/apps/base/ai-system/kagent/crds/helmrelease.yaml:30:5',
      'kubernetes/apps/base/ai-system/kgateway/crds/helmrelease.yaml:30:5',
      'kubernetes/apps/base/ai-system/kmcp/crds/helmrelease.yaml:30:5',
      'kubernetes/apps/base/observability/kube-prometheus-stack/app/helmrelease.yaml:35:5',
      'kubernetes/clusters/cluster-00/flux-system/kustomize-mutating-webhook/app/helmrelease.yaml:37:5',
    ].map((at) => `${at}: ${RECREATE}`),
  },
};

const present = existsSync(corpus);
if (!present && process.env.CI)
  throw new Error(`the corpus is missing at ${corpus}; CI must run with ../shared beside the clone`);
if (!present) console.log(`SKIPPING corpus tests: ${corpus} does not exist (CI is not set)`);

describe(
  'validate over the real corpus reports only true positives',
  { skip: !present && 'no ../shared/corpus' },
  () => {
    for (const [repo, want] of Object.entries(expected)) {
      it(repo, () => {
        const dir = path.join(corpus, repo);
        const r = spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', '.'], {
          cwd: dir,
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        });
        assert.equal(r.stderr, '', 'nothing on stderr');
        const lines = r.stdout.trim().split('\n');
        const findings = lines.filter((l) => /: (error|warning): /.test(l));
        assert.deepEqual(findings, want.errors);
        const errors = want.errors.filter((e) => / error: /.test(e)).length;
        const warnings = want.errors.length - errors;
        const summary = lines[lines.length - 1]!;
        assert.match(
          summary,
          new RegExp(
            `^${want.files} files checked with Flux schemas: bundled, Flux 2\\.9\\.4; built-in kinds: bundled, Kubernetes v1\\.36\\.3; ${errors} errors?, ${warnings} warnings?`,
          ),
        );
        assert.equal(r.status, errors ? 1 : 0);
      });
    }
  },
);
