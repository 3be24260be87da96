/**
 * The anchor of the built-in kinds' validation: `kubeconform -strict` (v0.8.0, built from Go modules
 * by test/build/ensure-kubeconform.sh) against `flux-workbench validate`, both with schemas of
 * Kubernetes v1.36.3. kubeconform's schemas are generated here from the same OpenAPI v3 documents
 * in ../shared/kubernetes-openapi (see kubeconformSchemas.ts for why and how); Flux Workbench's come
 * from its own converter at build time.
 *
 * 1. The corpus: every kubeconform finding on a built-in kind is either also reported by Flux
 *    Workbench at that document (a true error) or a false alarm of a named kind (explicit nulls,
 *    `${VAR}` values, SOPS metadata, partial objects in patch files, Helm templates); every finding
 *    of ours on a built-in kind is one kubeconform also has, or a true one listed here.
 * 2. Seeded errors: real built-in manifests of the corpus, each mutated once (unknown field, wrong
 *    type, missing required field, an apiVersion Kubernetes v1.36 does not serve): both tools must
 *    find every one, Flux Workbench at the right line.
 * Figures are printed. Env: KUBECONFORM_BIN, FLUX_WORKBENCH_CORPUS.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseAllDocuments, stringify, type Document } from 'yaml';
import { kindSuffix, writeKubeconformSchemas } from './kubeconformSchemas';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const corpus = process.env.FLUX_WORKBENCH_CORPUS ?? path.join(shared, 'corpus');
const openapi = path.join(shared, 'kubernetes-openapi', 'v1.36.3');
const cli = path.join(repoRoot, 'server', 'out', 'cli.js');
const cache = process.env.FLUX_WORKBENCH_CACHE ?? path.join(os.homedir(), '.cache', 'flux-workbench');

function kubeconformBinary(): string | undefined {
  const candidate = process.env.KUBECONFORM_BIN ?? path.join(cache, 'bin', 'kubeconform-v0.8.0');
  if (existsSync(candidate)) return candidate;
  if (!process.env.CI) return undefined;
  return execFileSync('bash', [path.join(repoRoot, 'test', 'build', 'ensure-kubeconform.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

interface KcResult {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg?: string;
}

interface Leaf {
  path: string;
  msg: string;
}

/** The innermost causes of a kubeconform message ("- at '/spec/x': got null, want string"). */
function leaves(msg: string): Leaf[] {
  const out: Leaf[] = [];
  for (const m of msg.matchAll(/at '([^']*)': (.+?)(?=\s+- at '|$)/g)) {
    if (/^'(allOf|anyOf|oneOf)' failed$|^validation failed$/.test(m[2]!.trim())) continue;
    out.push({ path: m[1]!, msg: m[2]!.trim() });
  }
  return out;
}

function valueAt(obj: unknown, pointer: string): unknown {
  let cur = obj;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === '.git' || name === 'node_modules') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/i.test(name)) out.push(p);
  }
  return out;
}

/** Files named by any kustomization.yaml's patches / patchesStrategicMerge / patchesJson6902. */
function patchFiles(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files.filter((x) => /(^|\/)kustomization\.ya?ml$/.test(x))) {
    for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) {
      const k = d.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
      if (!k || typeof k !== 'object') continue;
      const add = (p: unknown): void => {
        if (typeof p === 'string' && !p.includes('\n')) out.add(path.resolve(path.dirname(f), p));
      };
      for (const p of (k.patches as unknown[]) ?? []) add((p as { path?: unknown })?.path);
      for (const p of (k.patchesStrategicMerge as unknown[]) ?? []) add(p);
      for (const p of (k.patchesJson6902 as unknown[]) ?? []) add((p as { path?: unknown })?.path);
    }
  }
  return out;
}

interface Doc {
  value: Record<string, unknown>;
  startLine: number;
  endLine: number;
}

function docsOf(file: string): Doc[] {
  const text = readFileSync(file, 'utf8');
  const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
  const out: Doc[] = [];
  for (const d of parseAllDocuments(text) as Document.Parsed[]) {
    let value: unknown;
    try {
      value = d.toJS({ maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (value && typeof value === 'object' && !Array.isArray(value))
      out.push({
        value: value as Record<string, unknown>,
        startLine: lineOf(d.range[0]),
        endLine: lineOf(d.range[2]),
      });
  }
  return out;
}

interface OurFinding {
  file: string;
  line: number;
  severity: string;
  message: string;
}

function ourFindings(cwd: string, args: string[]): OurFinding[] {
  const r = spawnSync(process.execPath, [cli, 'validate', '--no-remote-schemas', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const out: OurFinding[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /^(.+?):(\d+):\d+: (error|warning): (.*)$/.exec(l);
    if (m) out.push({ file: path.resolve(cwd, m[1]!), line: Number(m[2]), severity: m[3]!, message: m[4]! });
  }
  return out;
}

let kubeconform: string | undefined;
let schemaDir = '';

function runKubeconform(targets: string[], ignoreMissing = true): KcResult[] {
  const r = spawnSync(
    kubeconform!,
    [
      '-strict',
      ...(ignoreMissing ? ['-ignore-missing-schemas'] : []),
      '-output',
      'json',
      '-schema-location',
      path.join(schemaDir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      ...targets,
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return (JSON.parse(r.stdout) as { resources: KcResult[] }).resources;
}

const isBuiltin = (apiVersion: unknown, kind: unknown): boolean =>
  typeof apiVersion === 'string' &&
  typeof kind === 'string' &&
  existsSync(path.join(schemaDir, `${kind.toLowerCase()}${kindSuffix(apiVersion)}.json`));

const present = existsSync(corpus) && existsSync(openapi);
if (!present && process.env.CI) throw new Error(`${corpus} or ${openapi} is missing; CI needs ../shared`);

describe('built-in kinds: Flux Workbench against kubeconform -strict, Kubernetes v1.36.3', () => {
  before(() => {
    kubeconform = kubeconformBinary();
    schemaDir = mkdtempSync(path.join(os.tmpdir(), 'fw-kubeconform-schemas-'));
    if (present) writeKubeconformSchemas(openapi, schemaDir);
  });

  it('on the corpus: no fewer true errors than kubeconform, and no false alarm', (t) => {
    if (!present) return t.skip('no ../shared/corpus');
    if (!kubeconform) return t.skip('kubeconform is not built: bash test/build/ensure-kubeconform.sh');
    const figures: string[] = [];
    const missed: string[] = [];
    const oursOnly: string[] = [];
    for (const repo of readdirSync(corpus).filter((d) => statSync(path.join(corpus, d)).isDirectory())) {
      const dir = path.join(corpus, repo);
      const files = yamlFiles(dir);
      const patches = patchFiles(files);
      const results = runKubeconform(files);
      const falseAlarms = new Map<string, number>();
      const alarm = (why: string): void => void falseAlarms.set(why, (falseAlarms.get(why) ?? 0) + 1);
      const trueErrors: Array<{ file: string; doc: Doc }> = [];
      for (const r of results) {
        if (r.status === 'statusError') {
          // Files that are not Kubernetes objects: app configs, docker-compose, Talos, JSON 6902 lists.
          if (/missing '(kind|apiVersion)' key|cannot unmarshal array/.test(r.msg ?? '')) {
            alarm('file that is not a Kubernetes object (no kind or apiVersion, or a list)');
            continue;
          }
          // Anything else (duplicate keys, say) is a true error somewhere in the file.
          const file = path.resolve(r.filename);
          const text = readFileSync(file, 'utf8');
          trueErrors.push({ file, doc: { value: {}, startLine: 1, endLine: text.split('\n').length } });
          continue;
        }
        if (r.status !== 'statusInvalid' || !isBuiltin(r.version, r.kind)) continue;
        const file = path.resolve(r.filename);
        const doc = docsOf(file).find(
          (d) =>
            d.value.kind === r.kind && (d.value.metadata as { name?: unknown } | undefined)?.name === r.name,
        );
        assert.ok(doc, `kubeconform named ${r.kind} ${r.name} in ${file}, which is not there`);
        const causes = leaves(r.msg ?? '');
        const reasons = causes.map((c) => {
          const v = valueAt(doc.value, c.path);
          if (v === null) return 'explicit null (the API server drops it)';
          if (typeof v === 'string' && v.includes('${')) return '${VAR} value (post-build substitution)';
          if (typeof v === 'string' && v.startsWith('ENC[')) return 'SOPS-encrypted value';
          if (c.path === '' && /'sops' not allowed/.test(c.msg))
            return 'SOPS metadata (decrypted and dropped by Flux)';
          if (/missing propert/.test(c.msg) && patches.has(file)) return 'partial object in a patch file';
          if (
            /\/templates\//.test(file) &&
            existsSync(path.join(file.split('/templates/')[0]!, 'Chart.yaml'))
          )
            return 'Helm template';
          return undefined;
        });
        if (causes.length && reasons.every(Boolean)) for (const why of new Set(reasons)) alarm(why!);
        else trueErrors.push({ file, doc });
      }
      const ours = ourFindings(dir, ['.']);
      for (const e of trueErrors) {
        if (!ours.some((o) => o.file === e.file && o.line >= e.doc.startLine && o.line <= e.doc.endLine))
          missed.push(`${path.relative(corpus, e.file)}:${e.doc.startLine} ${String(e.doc.value.kind)}`);
      }
      for (const o of ours) {
        const doc = docsOf(o.file).find((d) => o.line >= d.startLine && o.line <= d.endLine);
        if (
          !doc ||
          (!isBuiltin(doc.value.apiVersion, doc.value.kind) && !/not served by Kubernetes/.test(o.message))
        )
          continue;
        if (!trueErrors.some((e) => e.file === o.file && e.doc.startLine === doc.startLine))
          oursOnly.push(`${path.relative(corpus, o.file)}:${o.line}: ${o.message}`);
      }
      const alarms = [...falseAlarms].map(([why, n]) => `${n} ${why}`).join('; ') || 'none';
      figures.push(
        `| ${repo} | ${trueErrors.length} | ${trueErrors.length - missed.length} | ${alarms} | ${oursOnly.length} |`,
      );
    }
    console.log(
      '\n| repository | kubeconform: true errors | Flux Workbench: of those found | kubeconform false alarms | Flux Workbench findings kubeconform lacks |',
    );
    console.log('|---|---|---|---|---|');
    for (const f of figures) console.log(f);
    assert.deepEqual(missed, [], 'true errors kubeconform finds and Flux Workbench does not');
    assert.deepEqual(
      oursOnly,
      [],
      'Flux Workbench findings on built-in kinds that kubeconform does not have',
    );
  });

  it('seeded errors in real corpus manifests: both find every one, Flux Workbench at the right line', (t) => {
    if (!present) return t.skip('no ../shared/corpus');
    if (!kubeconform) return t.skip('kubeconform is not built: bash test/build/ensure-kubeconform.sh');
    // One real manifest per built-in kind of the corpus that both tools accept as it is.
    const samples = new Map<string, Record<string, unknown>>();
    for (const repo of readdirSync(corpus)) {
      const dir = path.join(corpus, repo);
      if (!statSync(dir).isDirectory()) continue;
      for (const f of yamlFiles(dir)) {
        if (/\/templates\//.test(f) || !/^(apiVersion|kind):/m.test(readFileSync(f, 'utf8'))) continue;
        for (const d of docsOf(f)) {
          const key = `${String(d.value.apiVersion)} ${String(d.value.kind)}`;
          if (samples.has(key) || !isBuiltin(d.value.apiVersion, d.value.kind)) continue;
          const text = stringify(d.value);
          if (text.includes('${') || text.includes('ENC[') || 'sops' in d.value || /: null$/m.test(text))
            continue;
          samples.set(key, d.value);
        }
      }
    }
    assert.ok(samples.size >= 10, `only ${samples.size} built-in kinds found in the corpus`);
    const seeded = mkdtempSync(path.join(os.tmpdir(), 'fw-seeded-builtins-'));
    const cases: Array<{ file: string; what: string; line: number; message: RegExp }> = [];
    /** Writes one mutated manifest; Flux Workbench must report `message` on the marker's line. */
    const write = (
      name: string,
      obj: Record<string, unknown>,
      what: string,
      marker: string,
      message: RegExp,
    ): void => {
      const text = stringify(obj, { lineWidth: 0 });
      const line = text.split('\n').findIndex((l) => l.includes(marker)) + 1;
      assert.ok(line > 0, `${marker} not in ${name}`);
      const file = path.join(seeded, `${name}.yaml`);
      writeFileSync(file, text);
      cases.push({ file, what, line, message });
    };
    const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    let i = 0;
    for (const [key, obj] of samples) {
      const base = `${String(obj.kind).toLowerCase()}-${i++}`;
      const unknown = clone(obj);
      (unknown.metadata as Record<string, unknown>).labelz = { seeded: 'x' };
      write(
        `${base}-unknown`,
        unknown,
        `${key}: unknown field metadata.labelz`,
        'labelz',
        /^Property labelz is not allowed/,
      );
      const wrongType = clone(obj);
      (wrongType.metadata as Record<string, unknown>).labels = 'seeded-not-a-map';
      write(
        `${base}-type`,
        wrongType,
        `${key}: metadata.labels is a string`,
        'seeded-not-a-map',
        /^Incorrect type/,
      );
      const schema = JSON.parse(
        readFileSync(
          path.join(schemaDir, `${String(obj.kind).toLowerCase()}${kindSuffix(String(obj.apiVersion))}.json`),
          'utf8',
        ),
      ) as {
        required?: string[];
        properties?: Record<string, { allOf?: Array<{ $ref?: string }> }>;
        definitions?: Record<string, { required?: string[] }>;
      };
      const rootRequired = (schema.required ?? []).filter(
        (r) => r !== 'apiVersion' && r !== 'kind' && r in obj,
      );
      const specRef = schema.properties?.spec?.allOf?.[0]?.$ref?.replace('#/definitions/', '');
      const specRequired = (specRef ? (schema.definitions?.[specRef]?.required ?? []) : []).filter(
        (r) => typeof obj.spec === 'object' && obj.spec !== null && r in (obj.spec as object),
      );
      if (rootRequired.length) {
        const missing = clone(obj);
        delete missing[rootRequired[0]!];
        write(
          `${base}-required`,
          missing,
          `${key}: required ${rootRequired[0]} removed`,
          'apiVersion:',
          new RegExp(`^Missing property "${rootRequired[0]}"`),
        );
      } else if (specRequired.length) {
        const missing = clone(obj);
        delete (missing.spec as Record<string, unknown>)[specRequired[0]!];
        write(
          `${base}-required`,
          missing,
          `${key}: required spec.${specRequired[0]} removed`,
          'spec:',
          new RegExp(`^Missing property "${specRequired[0]}"`),
        );
      }
    }
    const removed = clone(samples.get('apps/v1 Deployment') ?? [...samples.values()][0]!);
    removed.apiVersion = removed.kind === 'Deployment' ? 'extensions/v1beta1' : 'v1beta9';
    write(
      'removed-apiversion',
      removed,
      `${String(removed.kind)} at ${String(removed.apiVersion)}`,
      'apiVersion:',
      /is not served by Kubernetes v1\.36\.3/,
    );

    const kc = runKubeconform([seeded], false);
    const ours = ourFindings(seeded, ['.']);
    const kcMissed = cases.filter(
      (c) => !kc.some((r) => path.resolve(r.filename) === c.file && r.status !== 'statusValid'),
    );
    // Exactly the seeded finding, on its line: anything else in the file would be a false alarm.
    const ourMissed = cases.filter((c) => {
      const found = ours.filter((o) => o.file === c.file);
      return !(found.length === 1 && found[0]!.line === c.line && c.message.test(found[0]!.message));
    });
    for (const c of ourMissed)
      console.log(
        `  ${c.what}: expected line ${c.line}, got ${JSON.stringify(ours.filter((o) => o.file === c.file))}`,
      );
    console.log(
      `\nseeded ${cases.length} errors into ${samples.size} real manifests (one per built-in kind of the corpus): kubeconform found ${cases.length - kcMissed.length}, Flux Workbench found ${cases.length - ourMissed.length}`,
    );
    assert.deepEqual(
      ourMissed.map((c) => c.what),
      [],
      'seeded errors Flux Workbench missed',
    );
    assert.deepEqual(
      kcMissed.map((c) => c.what),
      [],
      'seeded errors kubeconform missed (the anchor itself is broken)',
    );
  });
});
