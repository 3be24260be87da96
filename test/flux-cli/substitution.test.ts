/**
 * Differential test of post-build substitution: every case of substitution.cases.ts is built by
 * the real `flux build kustomization --dry-run` of Flux 2.9.4 (with and without
 * `--strict-substitute`; groups without variables also with `substituteStrategy: Always`) and by
 * the preview's engine (buildFlux, strict or not), and the results are compared object by object.
 * A case is one ConfigMap whose value is the expression, in a literal block between brackets, so
 * that the substituted text reaches the YAML parser unchanged.
 *
 * Cases that can fail are built one per build (one failure fails a whole build); the others share a
 * build per group. Which is which is planned with the preview's own engine, and a shared build
 * that fails on either side is rebuilt case by case, so a wrong plan costs time, never a missed
 * difference. Failures must agree in kind: the same parse error, the same unset variable, the same
 * YAML (UTF-8) error, or both panicking.
 * Env: FLUX_BIN (the flux binary; else the cache's flux-v2.9.4, built in CI by ensure-flux-cli.sh).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildFlux } from '../../server/src/build/fluxBuild';
import { envsubst } from '../../server/src/build/envsubst';
import { parseEnvsubst } from '../../server/src/build/envsubstParse';
import { toByteString } from '../../server/src/build/goText';
import { GO_YAML } from '../../server/src/build/postBuild';
import { nodeBuildFs, nodeSpawner } from '../../server/src/io/io';
import { FILE_GROUPS, GROUPS, type Group } from './substitution.cases';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cache = process.env.FLUX_WORKBENCH_CACHE ?? path.join(os.homedir(), '.cache', 'flux-workbench');

function fluxBinary(): string | undefined {
  const candidate = process.env.FLUX_BIN ?? path.join(cache, 'bin', 'flux-v2.9.4');
  if (existsSync(candidate)) return candidate;
  if (!process.env.CI) return undefined;
  return execFileSync('bash', [path.join(repoRoot, 'test', 'build', 'ensure-flux-cli.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

interface Mode {
  strict: boolean;
  always: boolean;
}
const modeLabel = (m: Mode) =>
  `${m.strict ? 'strict' : 'non-strict'}${m.always ? ', substituteStrategy Always' : ''}`;
const modesOf = (vars: Record<string, string>): Mode[] =>
  Object.keys(vars).length > 0
    ? [
        { strict: true, always: false },
        { strict: false, always: false },
      ]
    : [
        { strict: true, always: false },
        { strict: false, always: false },
        { strict: true, always: true },
        { strict: false, always: true },
      ];

/** The kind of a failure, from either tool's message: what both must agree on. */
function failureKind(text: string): string {
  const unset = /variable not set \(strict mode\): "([^"]*)"/.exec(text);
  if (unset) return `unset variable ${unset[1]}`;
  for (const k of [
    'unable to parse substitution within function',
    'unable to parse default function',
    'unable to parse variable name',
    'missing closing brace',
    'bad substitution',
  ])
    if (text.includes(k)) return k;
  const utf8 =
    /yaml: (invalid leading UTF-8 octet|invalid trailing UTF-8 octet|incomplete UTF-8 octet sequence|invalid length of a UTF-8 sequence|invalid Unicode character)/.exec(
      text,
    );
  if (utf8) return `YAMLToJSON: ${utf8[1]}`;
  const panic = /slice bounds out of range \[[^\]]*\]/.exec(text);
  if (panic) return `panic: ${panic[0]}`;
  return `other: ${text.split('\n')[0]!.slice(0, 300)}`;
}

const objectYaml = (name: string, expr: string) =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: flux-system\ndata:\n  v: |\n    [${expr}]\n`;

interface BuildResult {
  flux: { ok: boolean; objects: Map<string, unknown>; err: string };
  ours: { ok: boolean; objects: Map<string, unknown>; err: string };
}

const byName = (yaml: string): Map<string, unknown> => {
  const out = new Map<string, unknown>();
  for (const d of parseAllDocuments(yaml, GO_YAML)) {
    const o = JSON.parse(JSON.stringify(d.toJS({ maxAliasCount: -1 }) ?? null)) as {
      metadata?: { name?: string };
    } | null;
    if (o) out.set(String(o.metadata?.name), o);
  }
  return out;
};

let buildCount = 0;
let tmpRoot = '';

/** Builds manifests `files` with both tools under `mode` and variables `vars`. */
async function buildBoth(
  bin: string,
  files: Record<string, string>,
  vars: Record<string, string>,
  mode: Mode,
): Promise<BuildResult> {
  const dir = path.join(tmpRoot, `b${++buildCount}`);
  const manifests = path.join(dir, 'manifests');
  mkdirSync(manifests, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(manifests, name), text);
  writeFileSync(
    path.join(manifests, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${Object.keys(files)
      .map((f) => `- ${f}\n`)
      .join('')}`,
  );
  const spec = {
    interval: '10m',
    path: './manifests',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    postBuild: { substitute: vars, ...(mode.always ? { substituteStrategy: 'Always' } : {}) },
  };
  const ksFile = path.join(dir, 'ks.yaml');
  const ks = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'subst', namespace: 'flux-system' },
    spec,
  };
  writeFileSync(ksFile, JSON.stringify(ks, null, 1)); // JSON: every value stays a string for Go's YAML 1.1
  const args = ['build', 'kustomization', 'subst', '--dry-run', '--in-memory-build'];
  args.push('--kustomization-file', ksFile, '--path', manifests, '-n', 'flux-system');
  if (mode.strict) args.push('--strict-substitute');
  const [flux, ours] = await Promise.all([
    new Promise<{ ok: boolean; out: string; err: string }>((resolve) =>
      execFile(bin, args, { cwd: dir, timeout: 120_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
        resolve({ ok: !error, out: stdout, err: `${stderr}\n${error?.message ?? ''}` }),
      ),
    ),
    buildFlux({
      target: { kind: 'flux', name: 'subst', namespace: 'flux-system', spec, file: ksFile },
      sourceRoot: dir,
      fs: nodeBuildFs(),
      spawn: nodeSpawner,
      trusted: true,
      strict: mode.strict,
      useSubstituteFrom: false,
      timeoutMs: 120_000,
    }),
  ]);
  return {
    flux: { ok: flux.ok, objects: flux.ok ? byName(flux.out) : new Map(), err: flux.err },
    ours: {
      ok: ours.ok,
      objects: ours.ok ? byName(ours.yaml) : new Map(),
      err: ours.errors.map((e) => e.message).join('\n'),
    },
  };
}

interface Row {
  group: string;
  expr: string;
  mode: string;
  outcome: 'identical' | 'both fail alike' | 'different';
  detail?: string;
}
const rows: Row[] = [];
let rebuilt = 0;

/** Would the preview fail on this case? Only decides how cases are batched. */
function mayFail(expr: string, vars: Record<string, string>, mode: Mode): boolean {
  if (Object.keys(vars).length === 0 && !mode.always) return false;
  try {
    envsubst(`[${expr}]`, (n) => vars[n]?.replace(/\n/g, ''), mode.strict);
    return false;
  } catch {
    return true;
  }
}

/** Compares the builds of `exprs` (object i holds exprs[i]); one failing build is a single result. */
function compareBuild(g: Group, exprs: string[], mode: Mode, r: BuildResult): Row[] {
  const label = modeLabel(mode);
  if (!r.flux.ok || !r.ours.ok) {
    const kinds = [r.flux.ok ? 'ok' : failureKind(r.flux.err), r.ours.ok ? 'ok' : failureKind(r.ours.err)];
    return exprs.map((expr) => ({
      group: g.name,
      expr,
      mode: label,
      outcome: kinds[0] === kinds[1] ? 'both fail alike' : 'different',
      ...(kinds[0] !== kinds[1] ? { detail: `flux: ${kinds[0]} | ours: ${kinds[1]}` } : { detail: kinds[0] }),
    }));
  }
  return exprs.map((expr, i) => {
    const name = `c-${i}`;
    const a = r.flux.objects.get(name);
    const b = r.ours.objects.get(name);
    try {
      assert.deepEqual(b, a);
      return { group: g.name, expr, mode: label, outcome: 'identical' as const };
    } catch {
      const value = (o: unknown) => JSON.stringify((o as { data?: { v?: unknown } } | undefined)?.data?.v);
      return {
        group: g.name,
        expr,
        mode: label,
        outcome: 'different' as const,
        detail: `flux ${value(a)} | ours ${value(b)}`,
      };
    }
  });
}

async function runGroup(bin: string, g: Group): Promise<Row[]> {
  const out: Row[] = [];
  const jobs: Array<() => Promise<void>> = [];
  for (const mode of modesOf(g.vars)) {
    const alone = g.exprs.filter((e) => mayFail(e, g.vars, mode));
    const shared = g.exprs.filter((e) => !alone.includes(e));
    const build = (exprs: string[]) =>
      buildBoth(bin, { 'cases.yaml': exprs.map((e, i) => objectYaml(`c-${i}`, e)).join('') }, g.vars, mode);
    if (shared.length > 0)
      jobs.push(async () => {
        const r = await build(shared);
        if (shared.length > 1 && (!r.flux.ok || !r.ours.ok)) {
          // Planned wrong: build each case alone to see which ones fail, and how.
          rebuilt++;
          for (const e of shared) out.push(...compareBuild(g, [e], mode, await build([e])));
        } else out.push(...compareBuild(g, shared, mode, r));
      });
    for (const e of alone)
      jobs.push(async () => void out.push(...compareBuild(g, [e], mode, await build([e]))));
  }
  await twoAtATime(jobs);
  return out;
}

async function twoAtATime(jobs: Array<() => Promise<void>>): Promise<void> {
  const queue = [...jobs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let j = queue.shift(); j; j = queue.shift()) await j();
    }),
  );
}

/** The operators a case uses, by the preview's parser ('${V}' for plain references). */
function operatorsOf(expr: string): string[] {
  try {
    return parseEnvsubst(toByteString(`[${expr}]`)).flatMap((s) =>
      s.t === 'func' ? [s.name === '' ? '${V}' : s.name === '#' && s.argc === 0 ? '${#V}' : s.name] : [],
    );
  } catch {
    return ['(parse error)'];
  }
}
const ALL_OPERATORS = [
  '${V}',
  '${#V}',
  '^',
  '^^',
  ',',
  ',,',
  ':',
  ':-',
  ':=',
  ':+',
  ':?',
  '=',
  '#',
  '##',
  '%',
  '%%',
  '/',
  '//',
  '/#',
  '/%',
];

const bin = fluxBinary();
const skip = bin
  ? false
  : 'flux CLI absent: run `bash test/build/ensure-flux-cli.sh` or set FLUX_BIN; CI builds it';
if (skip) console.log(`# SKIPPED substitution differential test: ${skip}`);

describe('post-build substitution: preview vs `flux build --dry-run` (Flux 2.9.4)', { skip }, () => {
  const started = Date.now();
  tmpRoot = skip ? '' : mkdtempSync(path.join(os.tmpdir(), 'fw-subst-'));
  after(() => {
    if (tmpRoot) rmSync(tmpRoot, { recursive: true, force: true });
    const n = (o: Row['outcome']) => rows.filter((r) => r.outcome === o).length;
    const covered = new Map<string, number>();
    for (const r of rows) for (const op of operatorsOf(r.expr)) covered.set(op, (covered.get(op) ?? 0) + 1);
    console.log(
      `# substitution: ${rows.length} cases (${new Set(rows.map((r) => r.expr)).size} expressions x strictness/strategy), ` +
        `${n('identical')} identical, ${n('both fail alike')} fail alike in both, ${n('different')} different; ` +
        `${buildCount} builds per tool (${rebuilt} shared builds redone case by case), ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(`# operators covered (cases): ${[...covered].map(([op, c]) => `${op} ${c}`).join(', ')}`);
    for (const r of rows.filter((x) => x.outcome === 'different'))
      console.log(`#   different: [${r.group}] ${r.expr} (${r.mode}): ${r.detail}`.slice(0, 500));
  });

  for (const g of GROUPS) {
    it(g.name, async () => {
      const result = await runGroup(bin!, g);
      rows.push(...result);
      assert.equal(result.length, g.exprs.length * modesOf(g.vars).length);
      const different = result.filter((r) => r.outcome === 'different');
      assert.deepEqual(
        different.map((r) => `${r.expr} (${r.mode}): ${r.detail}`),
        [],
      );
    });
  }

  for (const g of FILE_GROUPS) {
    it(g.name, async () => {
      const result: Row[] = [];
      const compareMode = async (mode: Mode): Promise<void> => {
        const r = await buildBoth(bin!, g.files, g.vars, mode);
        let outcome: Row['outcome'] = 'identical';
        let detail: string | undefined;
        if (!r.flux.ok || !r.ours.ok) {
          const kinds = [
            r.flux.ok ? 'ok' : failureKind(r.flux.err),
            r.ours.ok ? 'ok' : failureKind(r.ours.err),
          ];
          outcome = kinds[0] === kinds[1] ? 'both fail alike' : 'different';
          detail = `flux: ${kinds[0]} | ours: ${kinds[1]}`;
        } else {
          try {
            assert.deepEqual([...r.ours.objects], [...r.flux.objects]);
          } catch (err) {
            outcome = 'different';
            detail = String((err as Error).message)
              .split('\n')
              .slice(0, 20)
              .join(' ');
          }
        }
        const expr = Object.values(g.files).join('\n');
        result.push({ group: g.name, expr, mode: modeLabel(mode), outcome, ...(detail ? { detail } : {}) });
      };
      await twoAtATime(modesOf(g.vars).map((m) => () => compareMode(m)));
      rows.push(...result);
      const different = result.filter((r) => r.outcome === 'different');
      assert.deepEqual(
        different.map((r) => `${r.mode}: ${r.detail}`),
        [],
      );
    });
  }

  it('the table covers every operator', () => {
    const used = new Set(GROUPS.flatMap((g) => g.exprs.flatMap(operatorsOf)));
    assert.deepEqual(
      ALL_OPERATORS.filter((op) => !used.has(op)),
      [],
    );
  });
});
