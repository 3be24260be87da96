// Patterns that come from repository files (kustomize targets, label selectors, .sourceignore) are
// matched in linear time with the semantics of the Go tools that read them. Hostile-input class 2:
// a pathological regular expression in a patch target. Each hostile case has a timeout: with a
// backtracking engine it would not finish at all.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { IgnoreMatcher, DEFAULT_IGNORE_PATTERNS } from '../../server/src/build/sourceIgnore';
import { matchesLabelSelector, parseLabelSelector } from '../../server/src/kustomize/labelSelector';
import { compileSelector } from '../../server/src/kustomize/selector';
import { WorkspaceModel } from '../../server/src/workspace/model';

const ks = {
  group: 'kustomize.toolkit.fluxcd.io',
  version: 'v1',
  kind: 'Kustomization',
  namespace: 'flux-system',
};
const HANG = { timeout: 10_000 };

describe('kustomize selectors (RE2, anchored like kustomize)', () => {
  it('a pathological pattern against a long name answers at once (class 2)', HANG, () => {
    const s = compileSelector({ name: '(a+)+', kind: '(K|Ku|Kus)+.*' });
    assert.ok(s.ok);
    assert.equal(s.matches({ ...ks, name: 'a'.repeat(1000) + 'b' }), false);
    assert.equal(s.matches({ ...ks, name: 'a'.repeat(1000) }), true);
  });

  it('anchors every field as ^(?:pattern)$ and treats an empty field as "any"', () => {
    const s = compileSelector({ name: 'web|api', namespace: '' });
    assert.ok(s.ok);
    assert.equal(s.matches({ ...ks, name: 'web' }), true);
    assert.equal(s.matches({ ...ks, name: 'web-2' }), false, 'no partial match');
    assert.equal(s.matches({ ...ks, name: 'xapi' }), false);
    const any = compileSelector({});
    assert.ok(any.ok && any.matches({ ...ks, name: 'anything' }));
  });

  it('speaks Go syntax, not JavaScript syntax', () => {
    const goOnly = compileSelector({ name: '(?i)WEB-\\pL+' });
    assert.ok(goOnly.ok && goOnly.matches({ ...ks, name: 'web-é' }));
    const jsOnly = compileSelector({ name: '(?<=a)b' }); // lookbehind: JavaScript has it, RE2 does not
    assert.equal(jsOnly.ok, false);
    assert.match(!jsOnly.ok ? jsOnly.error : '', /target name is not a valid regular expression/);
  });

  it('refuses patterns longer than the limit instead of compiling them', () => {
    const s = compileSelector({ name: 'a'.repeat(5000) });
    assert.equal(s.ok, false);
  });

  it('label selectors: every operator of the Kubernetes syntax, invalid ones match nothing', () => {
    const labels = { env: 'prod', tier: 'web', n: '5' };
    assert.ok(matchesLabelSelector('env in (prod, stage),tier notin (db)', labels));
    assert.ok(!matchesLabelSelector('env in (stage)', labels));
    assert.ok(matchesLabelSelector('env==prod,!missing,n>4,n<6', labels));
    assert.ok(!matchesLabelSelector('tier!=web', labels));
    assert.ok(matchesLabelSelector('other!=x', labels), '!= matches an absent label');
    assert.equal(parseLabelSelector('env in (prod').ok, false);
    assert.ok(!matchesLabelSelector('env in (prod', labels));
    assert.ok(!matchesLabelSelector('a b', labels));
  });

  it('a hostile label selector is parsed in linear time', HANG, () => {
    const sel = 'a in (' + 'x,'.repeat(1500) + 'y)';
    assert.ok(matchesLabelSelector(sel, { a: 'y' }));
    assert.equal(parseLabelSelector('='.repeat(100_000)).ok, false);
  });

  it('parent patches: RE2 targets decide which Kustomizations get their fields', HANG, () => {
    const model = new WorkspaceModel();
    const parent = (target: string): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: parent, namespace: flux-system }
spec:
  patches:
    - target: ${target}
      patch: |
        - op: add
          path: /spec/interval
          value: 1h
`;
    model.update('/ws/a.yaml', parent('{ kind: Kustomization, name: "(a+)+" }'));
    model.update('/ws/b.yaml', parent('{ kind: "Kustom.*", name: "app-(?P<n>\\\\d+)" }'));
    model.update('/ws/c.yaml', parent('{ kind: Kustomization, name: "[" }'));
    model.update('/ws/d.yaml', parent('{ kind: HelmRelease, name: ".*" }'));
    assert.deepEqual(
      [...(model.fieldsProvidedByParents('a'.repeat(250), 'flux-system', {}) as Set<string>)],
      ['spec.interval'],
    );
    assert.equal(
      (model.fieldsProvidedByParents('a'.repeat(250) + 'b', 'flux-system', {}) as Set<string>).size,
      0,
    );
    assert.equal((model.fieldsProvidedByParents('app-12', 'flux-system', {}) as Set<string>).size, 1);
    // An invalid pattern fails the parent's build in kustomize: it provides nothing.
    assert.equal((model.fieldsProvidedByParents('[', 'flux-system', {}) as Set<string>).size, 0);
  });
});

describe('.sourceignore (gitignore rules of source-controller, via the ignore package)', () => {
  const root = path.join(path.sep, 'repo');
  const at = (...p: string[]): string => path.join(root, ...p);

  it('default excludes, folder scoping, last match wins, excluded folders stay excluded', () => {
    const m = new IgnoreMatcher()
      .add(DEFAULT_IGNORE_PATTERNS, root)
      .add(['*.txt', 'build/', '/top.yaml', '!keep.txt'], root)
      .add(['!again.txt', 'local.yaml'], at('apps'));
    assert.equal(m.ignores(at('apps', '.sops.yaml'), false), true);
    assert.equal(m.ignores(at('.github'), true), true);
    assert.equal(m.ignores(at('a.txt'), false), true);
    assert.equal(m.ignores(at('keep.txt'), false), false);
    assert.equal(m.ignores(at('apps', 'again.txt'), false), false, 'a deeper .sourceignore re-includes');
    assert.equal(m.ignores(at('again.txt'), false), true, 'only below its own folder');
    assert.equal(m.ignores(at('apps', 'local.yaml'), false), true);
    assert.equal(m.ignores(at('local.yaml'), false), false);
    assert.equal(m.ignores(at('top.yaml'), false), true);
    assert.equal(m.ignores(at('apps', 'top.yaml'), false), false, 'a leading / anchors to the folder');
    assert.equal(m.ignores(at('x', 'build', 'a.yaml'), false), true, 'below an excluded folder');
    assert.equal(m.ignores(at('x', 'build'), false), false, 'build/ names folders only');
    assert.equal(m.ignores(at('A.TXT'), false), false, 'case-sensitive, as go-git');
  });

  it('hostile wildcards against long names answer at once', HANG, () => {
    const m = new IgnoreMatcher().add(['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', '**/**/**/**/**/**/**/z'], root);
    assert.equal(m.ignores(at('a'.repeat(250) + 'c'), false), false);
    assert.equal(m.ignores(at(...Array(60).fill('a'), 'y'), false), false);
  });
});

describe('documents of a stream (pieces)', () => {
  it('keeps directives and leading comments with the document they introduce', async () => {
    const { splitDocuments } = await import('../../server/src/flux/pieces');
    const pieces = splitDocuments('%YAML 1.2\n---\na: 1\n...\n%YAML 1.1\n---\nb: 2\n---\nc: 3\n');
    assert.deepEqual(
      pieces.map((p) => [p.line, p.text]),
      [
        [0, '%YAML 1.2\n---\na: 1\n'],
        [3, '...\n%YAML 1.1\n---\nb: 2\n'],
        [7, '---\nc: 3\n'],
      ],
    );
    const modeline = splitDocuments('# yaml-language-server: $schema=x.json\n---\na: 1\n');
    assert.equal(modeline.length, 1, 'a modeline above the first --- belongs to the first document');
  });

  it('counts the lines and commas outside block scalars', async () => {
    const { structureOf } = await import('../../server/src/flux/complexity');
    assert.equal(structureOf('a: 1\nb: [1, 2, 3]\n'), 4);
    assert.equal(structureOf('a: |\n  x, y\n\n  z\nb: >-\n  w\nc: 1\n'), 3);
    assert.equal(structureOf('- |2\n   one\n- two\n'), 2);
    assert.equal(structureOf('a: b |\n  c: d\n'), 2, 'a | inside a plain value opens nothing');
  });

  it('counts compact nested sequences as nesting (class 9)', async () => {
    const { checkText, DEFAULT_LIMITS } = await import('../../server/src/service/textGuards');
    const v = checkText('- '.repeat(10_000) + 'x\n', DEFAULT_LIMITS);
    assert.ok(!v.ok && /Nesting is 10000 levels deep/.test(v.reason));
    assert.ok(checkText('- - - a\n- b: [c]\n', DEFAULT_LIMITS).ok);
  });

  it('measures documents the schema engine would take too long on (classes 1, 5, 6, 9)', async () => {
    const { parseFile } = await import('../../server/src/workspace/documents');
    const reason = (text: string): string | undefined => parseFile(text).docs[0]?.notChecked?.reason;
    assert.match(reason('? '.repeat(30) + 'a\n') ?? '', /complex keys/);
    const lines = Array.from({ length: 30 }, (_, i) => ' '.repeat(i * 2) + '? ').join('\n');
    assert.match(reason(lines + 'a\n') ?? '', /complex keys/);
    assert.match(
      reason(Array.from({ length: 3000 }, (_, i) => `k${i}: v`).join('\n')) ?? '',
      /more than 2,000 entries/,
    );
    const aliases = 'a: &a {x: 1}\n' + Array.from({ length: 1500 }, (_, i) => `b${i}: [*a, *a]`).join('\n');
    assert.match(reason(aliases) ?? '', /aliases/);
    assert.match(reason('list: [' + 'x, '.repeat(30_000) + 'y]') ?? '', /larger than the 64 KB/);
    // Large but cheap: a dashboard's JSON in a block scalar (an ordinary ConfigMap) is checked.
    const json = Array.from(
      { length: 12_000 },
      (_, i) => `      "panel${i}": {"id": ${i}, "type": "graph"},`,
    );
    const dashboard = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboards\ndata:\n  cilium.json: |-\n    {\n${json.join('\n')}\n    }\n  other: plain\n`;
    assert.ok(dashboard.length > 300 * 1024);
    assert.equal(reason(dashboard), undefined);
    assert.equal(parseFile(dashboard).docs[0]!.name, 'dashboards');
    // Large and dense: refused with the reason; past 1 MB, refused whatever it holds.
    const dense = Array.from({ length: 8000 }, (_, i) => `key${i}: value number ${i}`).join('\n');
    assert.match(reason(dense) ?? '', /unless it is mostly block scalars, and has more than 6,000 lines/);
    assert.match(
      reason(dashboard + '  more: |\n' + '    x\n'.repeat(200_000)) ?? '',
      /larger than the 1\.0 MB/,
    );
    assert.equal(reason('apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n'), undefined);
    const big = parseFile(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: ' + 'x'.repeat(100_000),
    );
    assert.deepEqual(
      [big.docs[0]!.apiVersion, big.docs[0]!.kind, big.docs[0]!.name],
      ['v1', 'ConfigMap', 'big'],
    );
  });
});
