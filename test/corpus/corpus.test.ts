import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');

/**
 * `validate` over five real Flux repositories must report no errors or warnings except true ones.
 * The only true positive: flux2-multi-tenancy uses OCIRepository at v1beta2, removed in Flux 2.8.
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
  'xunholy__k8s-gitops': { errors: [], files: 970 },
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
        const summary = lines[lines.length - 1]!;
        assert.match(
          summary,
          new RegExp(
            `^${want.files} files checked with Flux schemas: bundled, Flux 2\\.9\\.4; built-in kinds: bundled, Kubernetes v1\\.36\\.3; ${want.errors.length} errors, 0 warnings`,
          ),
        );
        assert.equal(r.status, want.errors.length ? 1 : 0);
      });
    }
  },
);
