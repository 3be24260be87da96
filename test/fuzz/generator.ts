// The fuzz tier's own generator: seeded mutations of real repository files (../shared/corpus) and
// hostile constructions of every class the hostile-input issue names. Deterministic per seed, so a
// failing seed can be replayed with `npm run fuzz -- --seed N`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** A small, fast, seedable PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One generated case: files written into a fresh workspace, and the file to open and probe. */
export interface FuzzCase {
  name: string;
  /** Workspace-relative path -> text. */
  files: Record<string, string>;
  /** Workspace-relative paths of FIFOs to create (a `$schema` may point at one). */
  fifos?: string[];
  /** Workspace-relative path -> absolute target of a symbolic link (e.g. out of the workspace). */
  symlinks?: Record<string, string>;
  /** The file opened in the editor and probed. */
  open: string;
  /** Whether a build is requested for the opened file. */
  build: boolean;
}

let corpusFiles: string[] | undefined;
export function corpus(dir: string): string[] {
  if (corpusFiles) return corpusFiles;
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(name) && st.size < 200_000) out.push(p);
    }
  };
  walk(dir);
  return (corpusFiles = out);
}

const YAML_CHARS = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '#',
  '%',
  '?',
  '\t',
  '\n',
  ' ',
  ',',
  '@',
  '`',
  '\\',
  '\u00e9',
  '\u{1F600}',
  '\r',
  '\u2028',
  '\ufeff',
];

type Mutator = (rng: Rng, text: string) => string;

const truncate: Mutator = (rng, t) => t.slice(0, rng.int(0, t.length));
const flipBytes: Mutator = (rng, t) => {
  const chars = [...t];
  for (let n = rng.int(1, 12); n > 0 && chars.length; n--)
    chars[rng.int(0, chars.length - 1)] = rng.pick(YAML_CHARS);
  return chars.join('');
};
const insertAtLine = (rng: Rng, t: string, insert: string): string => {
  const lines = t.split('\n');
  lines.splice(rng.int(0, lines.length), 0, insert);
  return lines.join('\n');
};
const conflictMarkers: Mutator = (rng, t) =>
  insertAtLine(rng, insertAtLine(rng, insertAtLine(rng, t, '<<<<<<< HEAD'), '======='), '>>>>>>> feature');
const goTemplate: Mutator = (rng, t) =>
  insertAtLine(
    rng,
    t,
    rng.pick([
      '{{ .Values.x }}',
      '  name: {{ include "x" . }}',
      '{{- if .a }}',
      '{{ range $k, $v := . }}{{ end }}',
    ]),
  );
const directive: Mutator = (rng, t) =>
  rng.pick([
    '%YAML 1.2\n---\n',
    '%YAML 1.1\n---\n',
    '%TAG ! tag:example.com,2000:\n---\n',
    '%YAML 1.2\n',
    '%BOGUS x\n---\n',
    '%YAML 9.9\n---\n',
  ]) + t;
const deepNesting: Mutator = (rng, t) => {
  const n = rng.int(100, 3000);
  switch (rng.int(0, 3)) {
    case 0:
      return t + '\ndeep: ' + '['.repeat(n) + ']'.repeat(n) + '\n';
    case 1:
      return t + '\ndeep: ' + '{a: '.repeat(n) + '1' + '}'.repeat(n) + '\n';
    case 2: // compact nested sequences: one line, no indentation
      return t + '\n' + '- '.repeat(rng.int(100, 10_000)) + 'x\n';
    default:
      return (
        t +
        '\n' +
        Array.from({ length: Math.min(n, 400) }, (_, i) => ' '.repeat(i) + `k${i}:`).join('\n') +
        ' v\n'
      );
  }
};
const complexKeys: Mutator = (rng, t) => {
  const n = rng.int(5, rng.chance(0.3) ? 1000 : 40);
  let s = '';
  for (let i = 0; i < n; i++) s += ' '.repeat(i * 2) + '? ';
  return t + '\n' + s + 'a\n';
};
const aliases: Mutator = (rng, t) => {
  const n = rng.int(100, 20_000);
  switch (rng.int(0, 2)) {
    case 0: {
      let s = 'anchors:\n';
      for (let i = 0; i < n; i++) s += `  a${i}: &a${i} {x: ${i}}\n  b${i}: *a${i}\n`;
      return t + '\n---\n' + s;
    }
    case 1: {
      // A billion laughs of configurable depth.
      const depth = rng.int(5, 12);
      let s = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
      for (let i = 1; i < depth; i++)
        s += `l${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(',')}]\n`;
      return t + '\n---\n' + s;
    }
    default:
      return (
        t +
        '\n---\nbase: &b\n  x: 1\n' +
        Array.from({ length: Math.min(n, 5000) }, (_, i) => `m${i}:\n  <<: *b\n  y: ${i}`).join('\n') +
        '\n'
      );
  }
};
const huge: Mutator = (rng, t) => {
  switch (rng.int(0, 3)) {
    case 0:
      return t + '\nhuge: ' + 'x'.repeat(rng.int(100_000, 1_500_000)) + '\n';
    case 1: {
      const n = rng.int(5000, 25_000);
      return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n${Array.from({ length: n }, (_, i) => `  k${i}: v${i}`).join('\n')}\n`;
    }
    case 2:
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flow}\ndata: {${Array.from({ length: rng.int(5000, 40_000) }, (_, i) => `k${i}: v${i}`).join(', ')}}\n`;
    default:
      return `list: [${Array.from({ length: rng.int(10_000, 60_000) }, (_, i) => `item${i}`).join(', ')}]\n`;
  }
};
const nonStringTypes: Mutator = (rng, t) => {
  const v = rng.pick(['1', 'true', '[a, b]', '{a: 1}', '1.5', '~', '!!binary aGVsbG8=', '&x 1']);
  return /^apiVersion:/m.test(t) && rng.chance(0.5)
    ? t.replace(/^apiVersion:.*$/m, `apiVersion: ${v}`)
    : t.replace(/^kind:.*$/m, `kind: ${v}`) +
        (rng.chance(0.3) ? `\n---\napiVersion: ${v}\nkind: ${v}\n` : '');
};

export const MUTATORS: Record<string, Mutator> = {
  truncate,
  flipBytes,
  conflictMarkers,
  goTemplate,
  directive,
  deepNesting,
  complexKeys,
  aliases,
  huge,
  nonStringTypes,
};

const ks = (name: string, spec: string): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./app
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${spec}`;

const cm = (name: string, data: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n${data}`;

/** Hostile kustomize patch targets: pathological Go/JS regular expressions and selectors. */
function hostileTargets(rng: Rng): FuzzCase {
  const pattern = rng.pick([
    '(a+)+',
    '(a|aa)+$',
    '(.*a){20}',
    '((a*)*)*b',
    '(?<=a)b',
    '[',
    '(x+x+)+y',
    'a{1000}{1000}',
    '(?i)' + 'a?'.repeat(50) + 'a'.repeat(50),
  ]);
  const long = 'a'.repeat(rng.int(30, 250));
  const q = JSON.stringify(pattern);
  const parent = ks(
    'parent',
    `  patches:
    - target:
        kind: Kustomization
        name: ${q}
        labelSelector: ${JSON.stringify(rng.pick(['a in (' + 'x,'.repeat(500) + 'y)', 'env=prod', '!!!', 'x notin (a']))}
      patch: |
        - op: add
          path: /spec/timeout
          value: 5m
`,
  );
  const child = ks(long, '').replace('  interval: 10m\n', '');
  const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [cm.yaml]
patches:
  - target: { kind: ConfigMap, name: ${q} }
    patch: |
      - op: add
        path: /data/x
        value: y
replacements:
  - source: { kind: ConfigMap, name: ${long} }
    targets:
      - select: { kind: ConfigMap, name: ${q} }
        fieldPaths: [data.a]
`;
  return {
    name: `hostile patch target ${pattern}`,
    files: {
      'clusters/parent.yaml': parent,
      'clusters/child.yaml': child,
      'app/kustomization.yaml': kustomization,
      'app/cm.yaml': cm(long, '  a: b\n'),
    },
    open: rng.chance(0.5) ? 'clusters/child.yaml' : 'clusters/parent.yaml',
    build: true,
  };
}

/** Hostile post-build substitution: backtracking-prone patterns and deep nesting of defaults. */
function hostileSubstitution(rng: Rng): FuzzCase {
  const value = 'a'.repeat(rng.int(1000, 50_000));
  const depth = rng.int(100, 3000);
  const expr = rng.pick([
    '${A##*a*a*a*a*a*b}',
    '${A%%*a*a*a*a*a*b}',
    '${A#' + '*a'.repeat(20) + 'b}',
    '${A/' + '*a'.repeat(10) + '/x}',
    '${B:-'.repeat(depth) + 'x' + '}'.repeat(depth),
    '${A:' + '9'.repeat(30) + '}',
    '${A^^}'.repeat(200),
    '$'.repeat(10_000) + '{A}',
  ]);
  return {
    name: `hostile substitution ${expr.slice(0, 24)}`,
    files: {
      'clusters/apps.yaml': ks('apps', `  postBuild:\n    substitute:\n      A: "${value}"\n`),
      'app/cm.yaml': cm('subst', `  x: ${JSON.stringify(expr)}\n`),
    },
    open: 'clusters/apps.yaml',
    build: true,
  };
}

/** `$schema` keys and modelines naming devices, FIFOs, files outside the workspace. */
function hostileSchemas(rng: Rng): FuzzCase {
  const where = rng.pick([
    '/dev/urandom',
    '/dev/zero',
    '/etc/passwd',
    '../../../../../../etc/hostname',
    './fifo.json',
    './link.json',
    './big.json',
    '/proc/self/environ',
    'file:///dev/zero',
  ]);
  const form = rng.int(0, 3);
  const head =
    form === 0
      ? `$schema: ${where}\n`
      : form === 1
        ? `# $schema: ${where}\n`
        : form === 2
          ? `# yaml-language-server: $schema=${where}\n`
          : `# yaml-language-server: $schema: ${where}\n`;
  return {
    name: `$schema ${where} (form ${form})`,
    files: {
      'schema-user.yaml': head + 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n',
      'big.json': '{"type":"object","description":"' + 'x'.repeat(rng.chance(0.5) ? 30_000_000 : 1000) + '"}',
    },
    fifos: ['fifo.json'],
    symlinks: { 'link.json': '/dev/zero' },
    open: 'schema-user.yaml',
    build: false,
  };
}

/** Tens of thousands of documents in a file the workspace model reads. */
function manyDocuments(rng: Rng): FuzzCase {
  const n = rng.int(5000, 50_000);
  const docs = Array.from({ length: n }, (_, i) =>
    i % 2
      ? `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k${i}\n`
      : `resources: [r${i}.yaml]\n`,
  );
  return {
    name: `${n} documents in kustomization.yaml`,
    files: { 'app/kustomization.yaml': docs.join('---\n') },
    open: 'app/kustomization.yaml',
    build: false,
  };
}

/** A case for `seed`, index `i`: a mutated corpus file or one of the hostile constructions. */
export function generateCase(seed: number, i: number, corpusDir: string): FuzzCase {
  const rng = new Rng(seed * 7919 + i * 104729 + 1);
  const kind = rng.int(0, 9);
  if (kind === 0) return hostileTargets(rng);
  if (kind === 1) return hostileSubstitution(rng);
  if (kind === 2) return hostileSchemas(rng);
  if (kind === 3 && rng.chance(0.5)) return manyDocuments(rng);
  const files = corpus(corpusDir);
  const source = rng.pick(files);
  let text = readFileSync(source, 'utf8');
  const applied: string[] = [];
  const names = Object.keys(MUTATORS);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const m = rng.pick(names);
    applied.push(m);
    text = MUTATORS[m]!(rng, text);
  }
  const base = path.basename(source);
  const rel = /^kustomization\.ya?ml$/.test(base) ? `app/${base}` : `m/${base}`;
  return {
    name: `${applied.join('+')} of ${path.relative(corpusDir, source)}`,
    files: { [rel]: text },
    open: rel,
    build: /kustomize\.toolkit\.fluxcd\.io|^kustomization\.ya?ml$/.test(text) || /^kustomization/.test(base),
  };
}
