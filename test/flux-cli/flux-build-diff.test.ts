/**
 * Differential test: the preview must render what Flux renders. For every Flux Kustomization in
 * ../shared/corpus whose source is the repository itself (sourceRef GitRepository/OCIRepository
 * `flux-system`), compare Flux Workbench's build with the real
 * `flux build kustomization NAME --dry-run --kustomization-file FILE --path DIR --strict-substitute`
 * of Flux 2.9.4 (built by test/build/ensure-flux-cli.sh).
 *
 * `--dry-run` skips substituteFrom, so our build skips it too (useSubstituteFrom: false); strict
 * substitution is kustomize-controller's default, hence `--strict-substitute`. Each repository is
 * copied to a temporary folder first and flux runs with --in-memory-build there: nothing is
 * written to the corpus.
 *
 * A second pass takes every such Kustomization that another Kustomization of the repository renders
 * and changes (its patches, targetNamespace or substitution reach the child's spec), and compares
 * the build of the spec the parent renders, as the preview shows it by default, with `flux build`
 * of that same spec written to a file.
 *
 * Outcomes: identical objects (same order, deep-equal after YAML parsing), both failing, or a
 * difference. Known, explained differences are classified (see `explain`); an unexplained one fails.
 * Env: FLUX_BIN (the flux binary), FLUX_WORKBENCH_CORPUS (default ../shared/corpus),
 * FLUX_DIFF_REPORT (write the full JSON report there), FLUX_DIFF_LIMIT (Kustomizations per repo).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { buildFlux, type BuildOutcome } from '../../server/src/build/fluxBuild';
import { artifactRoot } from '../../server/src/build/artifactRoot';
import { applyParents } from '../../server/src/build/parents';
import { WorkspaceVariableSource } from '../../server/src/build/variables';
import { listYamlFiles } from '../../server/src/workspace/workspace';
import { findFluxKustomizations, type FluxKustomizationDoc } from '../../server/src/build/fluxKustomizations';
import { nodeBuildFs, nodeSpawner } from '../../server/src/io/io';
import { GO_YAML } from '../../server/src/build/postBuild';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const corpus = process.env.FLUX_WORKBENCH_CORPUS ?? path.resolve(repoRoot, '..', 'shared', 'corpus');
const cache = process.env.FLUX_WORKBENCH_CACHE ?? path.join(os.homedir(), '.cache', 'flux-workbench');
const limit = Number(process.env.FLUX_DIFF_LIMIT ?? Infinity);

/** The flux CLI, built before this tier by test/build/ensure-flux-cli.sh (run-all.sh, `npm run test:differential`). */
function fluxBinary(): string | undefined {
  const candidate = process.env.FLUX_BIN ?? path.join(cache, 'bin', 'flux-v2.9.4');
  if (existsSync(candidate)) return candidate;
  // In CI a missing binary is a failure, not a skip.
  if (process.env.CI)
    throw new Error(`no flux CLI at ${candidate}: run bash test/build/ensure-flux-cli.sh first`);
  return undefined;
}

interface Case {
  repo: string;
  file: string;
  doc: FluxKustomizationDoc;
}

function listCases(root: string, repo: string): Case[] {
  const out: Case[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== '.git') walk(p);
      } else if (/\.ya?ml$/.test(name)) {
        for (const doc of findFluxKustomizations(readFileSync(p, 'utf8'))) {
          const ref = doc.spec.sourceRef;
          if (ref?.name === 'flux-system' && (ref.kind === 'GitRepository' || ref.kind === 'OCIRepository')) {
            out.push({ repo, file: p, doc });
          }
        }
      }
    }
  };
  walk(root);
  return out;
}

function runFlux(bin: string, c: Case, root: string): Promise<{ ok: boolean; out: string; err: string }> {
  const ns = c.doc.namespace || 'flux-system';
  const dir = path.resolve(root, (c.doc.spec.path ?? '').replace(/^\/+/, ''));
  const args = [
    'build',
    'kustomization',
    c.doc.name,
    '--dry-run',
    '--in-memory-build',
    '--strict-substitute',
  ];
  args.push('--kustomization-file', c.file, '--path', dir, '-n', ns);
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: root, timeout: 300_000, maxBuffer: 256 << 20 }, (error, stdout, stderr) =>
      resolve({ ok: !error, out: stdout, err: (stderr || error?.message || '').trim() }),
    );
  });
}

const parseObjects = (yaml: string): unknown[] =>
  parseAllDocuments(yaml, GO_YAML)
    .map((d) => d.toJS({ maxAliasCount: -1 }))
    .filter((o) => o !== null && o !== undefined)
    .map((o) => JSON.parse(JSON.stringify(o)));

const idOf = (o: any): string => `${o?.kind}/${o?.metadata?.namespace ?? ''}/${o?.metadata?.name}`;

interface Row {
  id: string;
  /** The folder an OCI artifact source was taken to hold (see artifactRoot). */
  artifact?: string;
  /** Built with the spec its parent Kustomization renders (the second pass). */
  parent?: string;
  outcome: 'identical' | 'both-fail' | 'different';
  reason?: string;
  objects?: number;
  flux?: string;
  ours?: string;
}

/** Known differences, each explained in the report. Returns undefined for an unexplained one. */
function explain(fluxErr: string, oursErr: string): string | undefined {
  if (/\.sops\.yaml|\.sourceignore|ignore/i.test(oursErr + fluxErr) && /failed to decode/.test(fluxErr)) {
    return 'flux build reads files that source-controller leaves out of the artifact (default ignore rules such as **/.sops.yaml); the preview follows the controller';
  }
  return undefined;
}

type FluxTarget = Parameters<typeof buildFlux>[0]['target'] & { kind: 'flux' };

/**
 * Builds `target` both ways (`flux build` of the file `c.file`, and the preview's engine) and
 * classifies the outcome.
 */
async function compare(
  bin: string,
  c: Case,
  root: string,
  target: FluxTarget,
  fs: ReturnType<typeof nodeBuildFs>,
): Promise<Omit<Row, 'id'> & { explained?: boolean }> {
  const [flux, ours] = await Promise.all([
    runFlux(bin, c, root),
    buildFlux({
      target,
      sourceRoot: root,
      fs,
      spawn: nodeSpawner,
      trusted: true,
      strict: true,
      useSubstituteFrom: false,
      timeoutMs: 300_000,
    }),
  ]);
  const oursErr = ours.errors.map((e) => e.message).join('; ');
  if (!flux.ok && !ours.ok) {
    return {
      outcome: 'both-fail',
      reason: `flux: ${flux.err.split('\n')[0]} | ours: ${oursErr}`.slice(0, 500),
    };
  }
  if (flux.ok !== ours.ok) {
    const reason = explain(flux.err, oursErr);
    return {
      outcome: 'different',
      explained: reason !== undefined,
      reason:
        reason ??
        `flux ${flux.ok ? 'ok' : 'failed: ' + flux.err.split('\n')[0]} | ours ${ours.ok ? 'ok' : 'failed: ' + oursErr}`.slice(
          0,
          500,
        ),
    };
  }
  const a = parseObjects(flux.out);
  const b = parseObjects(ours.yaml);
  if (!c.doc.namespace) {
    // Explained: `flux build` labels objects with the file's metadata.namespace, empty here;
    // kustomize-controller uses the namespace the Kustomization lives in, which the preview
    // takes to be flux-system. Compare everything else.
    for (const o of a as any[]) {
      if (o?.metadata?.labels?.['kustomize.toolkit.fluxcd.io/namespace'] === '') {
        o.metadata.labels['kustomize.toolkit.fluxcd.io/namespace'] = 'flux-system';
      }
    }
  }
  try {
    assert.deepEqual(b, a);
    return { outcome: 'identical', objects: a.length };
  } catch {
    return { outcome: 'different', reason: firstDifference(a, b), objects: a.length };
  }
}

const rows: Row[] = [];
/** Rows are also appended to FLUX_DIFF_REPORT.jsonl as they come, so a long run can be followed. */
function record(row: Row): void {
  rows.push(row);
  if (process.env.FLUX_DIFF_REPORT)
    appendFileSync(`${process.env.FLUX_DIFF_REPORT}.jsonl`, JSON.stringify(row) + '\n');
}
const bin = fluxBinary();
const skip = !bin
  ? 'flux CLI absent: run `npm run test:differential` (builds it from Go modules first) or set FLUX_BIN'
  : !existsSync(corpus)
    ? `no corpus at ${corpus}`
    : false;
if (skip) console.log(`# SKIPPED flux-build-diff: ${skip}`);

describe('preview vs `flux build --dry-run` (Flux 2.9.4) on the corpus', { skip }, () => {
  const tmp = skip ? '' : mkdtempSync(path.join(os.tmpdir(), 'fw-diff-'));
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    for (const [label, list] of [
      ['as written', rows.filter((r) => !r.parent)],
      ['as their parent renders them', rows.filter((r) => r.parent)],
    ] as const) {
      const n = (o: Row['outcome']) => list.filter((r) => r.outcome === o).length;
      console.log(
        `# flux-build-diff (${label}): ${list.length} compared, ${n('identical')} identical, ${n('both-fail')} fail in both, ${n('different')} different`,
      );
    }
    for (const r of rows.filter((x) => x.outcome !== 'identical')) {
      console.log(
        `#   ${r.outcome}${r.parent ? ' (parent-rendered)' : ''}: ${r.id}: ${r.reason ?? ''}`.slice(0, 600),
      );
    }
    if (process.env.FLUX_DIFF_REPORT)
      writeFileSync(process.env.FLUX_DIFF_REPORT, JSON.stringify(rows, null, 2));
  });

  for (const repo of skip
    ? []
    : readdirSync(corpus).filter((d) => statSync(path.join(corpus, d)).isDirectory())) {
    it(repo, async () => {
      const root = path.join(tmp, repo);
      cpSync(path.join(corpus, repo), root, { recursive: true });
      const cases = listCases(root, repo).slice(0, limit);
      const fs = nodeBuildFs();
      const unexplained: string[] = [];
      const work = async (c: Case): Promise<void> => {
        const id = `${repo}/${path.relative(root, c.file)}#${c.doc.name}`;
        // An OCIRepository source may hold one folder of the repository; both sides build from it.
        const source = await artifactRoot(
          fs,
          root,
          c.doc.spec.sourceRef,
          c.doc.namespace || 'flux-system',
          c.doc.spec.path ?? '',
        );
        const target = {
          kind: 'flux' as const,
          name: c.doc.name,
          namespace: c.doc.namespace || 'flux-system',
          spec: c.doc.spec,
          file: c.file,
        };
        const row = await compare(bin!, c, source.root, target, fs);
        record({ id, ...row, ...(source.note ? { artifact: path.relative(root, source.root) } : {}) });
        if (row.outcome === 'different' && !row.explained) unexplained.push(id);
      };
      await twoAtATime(cases, work);

      // Second pass: Kustomizations that another Kustomization of the repository renders, built
      // with the spec that parent gives them (patches, targetNamespace, substitution), as the
      // preview does by default. `flux build` gets that same spec, written to a file: both sides
      // must render it alike. Parents are built once each, with substituteFrom from the repository.
      // Per source folder (the repository, or the folder an OCI artifact holds).
      const parentBuilds = new Map<string, Promise<BuildOutcome>>();
      const optionsBySource = new Map<string, Parameters<typeof applyParents>[1]>();
      const parentOptionsFor = (sourceRoot: string): Parameters<typeof applyParents>[1] => {
        let o = optionsBySource.get(sourceRoot);
        if (o) return o;
        const files = listYamlFiles(sourceRoot);
        const variables = new WorkspaceVariableSource(fs, sourceRoot, () => files);
        o = {
          sourceRoot,
          fs,
          yamlFiles: () => files,
          build: (t: FluxTarget): Promise<BuildOutcome> => {
            const key = JSON.stringify([sourceRoot, t.file, t.namespace, t.name, t.spec]);
            let b = parentBuilds.get(key);
            if (!b) {
              b = buildFlux({
                target: t,
                sourceRoot,
                fs,
                spawn: nodeSpawner,
                trusted: true,
                strict: true,
                variableSources: [variables],
                timeoutMs: 300_000,
              });
              parentBuilds.set(key, b);
            }
            return b;
          },
        };
        optionsBySource.set(sourceRoot, o);
        return o;
      };
      const specs = path.join(tmp, `${repo}.parent-specs`);
      mkdirSync(specs, { recursive: true });
      let n = 0;
      let passThrough = 0;
      const workWithParent = async (c: Case): Promise<void> => {
        const target = {
          kind: 'flux' as const,
          name: c.doc.name,
          namespace: c.doc.namespace || 'flux-system',
          spec: c.doc.spec,
          file: c.file,
        };
        const source = await artifactRoot(
          fs,
          root,
          c.doc.spec.sourceRef,
          c.doc.namespace || 'flux-system',
          c.doc.spec.path ?? '',
        );
        const parentOptions = parentOptionsFor(source.root);
        const eff = await applyParents(target, parentOptions);
        if (eff.notes.some((x) => /passes it through/.test(x))) {
          // The shortcut that skips building a parent must agree with building it.
          passThrough++;
          const built = await applyParents(target, { ...parentOptions, passThroughShortcut: false });
          if (
            JSON.stringify([built.target.namespace, built.target.spec]) !==
            JSON.stringify([eff.target.namespace, eff.target.spec])
          )
            unexplained.push(
              `${repo}/${path.relative(root, c.file)}#${c.doc.name}: the parent does change it (${built.notes.join('; ')})`,
            );
          return;
        }
        if (!eff.notes.some((x) => !/changes nothing/.test(x))) return; // the first pass covers it
        const file = path.join(specs, `${++n}.yaml`);
        writeFileSync(
          file,
          stringify({
            apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
            kind: 'Kustomization',
            metadata: { name: eff.target.name, namespace: eff.target.namespace },
            spec: eff.target.spec,
          }),
        );
        const id = `${repo}/${path.relative(root, c.file)}#${c.doc.name}`;
        const doc = { ...c.doc, namespace: eff.target.namespace, spec: eff.target.spec };
        const row = await compare(bin!, { repo, file, doc }, source.root, eff.target, fs);
        record({ id, parent: eff.notes.join('; ').slice(0, 300), ...row });
        if (row.outcome === 'different' && !row.explained) unexplained.push(`${id} (parent-rendered)`);
      };
      await twoAtATime(cases, workWithParent);
      console.log(
        `# ${repo}: ${passThrough} Kustomizations whose parent passes them through, confirmed by building it`,
      );
      assert.deepEqual(unexplained, [], `unexplained differences in ${repo}`);
    });
  }
});

/** Runs `work` on every case, two at a time: each side is a process, and the machine has two cores. */
async function twoAtATime(cases: readonly Case[], work: (c: Case) => Promise<void>): Promise<void> {
  const queue = [...cases];
  await Promise.all(
    [0, 1].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) await work(c);
    }),
  );
}

function firstDifference(a: unknown[], b: unknown[]): string {
  if (a.length !== b.length) {
    const ids = (l: unknown[]) => new Set(l.map(idOf));
    const fa = ids(a);
    const fb = ids(b);
    return `object count ${a.length} (flux) vs ${b.length} (ours); only in flux: ${[...fa]
      .filter((x) => !fb.has(x))
      .slice(0, 3)
      .join(', ')}; only ours: ${[...fb]
      .filter((x) => !fa.has(x))
      .slice(0, 3)
      .join(', ')}`;
  }
  for (let i = 0; i < a.length; i++) {
    try {
      assert.deepEqual(b[i], a[i]);
    } catch (err) {
      return `${idOf(a[i])} vs ${idOf(b[i])}: ${String((err as Error).message)
        .split('\n')
        .slice(0, 12)
        .join(' ')}`.slice(0, 800);
    }
  }
  return 'unknown';
}
