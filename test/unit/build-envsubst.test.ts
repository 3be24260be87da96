import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { envsubst, EnvsubstError } from '../../server/src/build/envsubst';
import { postBuild, PostBuildError, type Variable } from '../../server/src/build/postBuild';
import { resolveVariables, WorkspaceVariableSource } from '../../server/src/build/variables';
import { nodeBuildFs } from '../../server/src/io/io';

const vars = (o: Record<string, string>) => (name: string) => o[name];
const sub = (text: string, o: Record<string, string> = {}, strict = true) => envsubst(text, vars(o), strict);

describe('envsubst (Flux semantics)', () => {
  it('substitutes ${VAR} and leaves $VAR alone', () => {
    assert.equal(sub('a ${X} $X b', { X: '1' }), 'a 1 $X b');
  });
  it('uses := and :- defaults for unset and empty values, and = too (as Flux does)', () => {
    assert.equal(sub('${A:=d1} ${B:-d2} ${C=d3}'), 'd1 d2 d3');
    assert.equal(sub('${A:=d1} ${B:-d2} ${C=d3}', { A: '', B: '', C: '' }), 'd1 d2 d3');
    assert.equal(sub('${A:=d1} ${B:-d2}', { A: 'a', B: 'b' }), 'a b');
  });
  it('evaluates nested defaults', () => {
    assert.equal(sub('${A:=${B:-x}-y}'), 'x-y');
  });
  it('treats $${VAR} as a literal ${VAR} and $$ as $', () => {
    assert.equal(sub('$${X} a$$b', { X: '1' }), '${X} a$b');
  });
  it('strict mode: an unset variable without a default is an error naming it', () => {
    assert.throws(
      () => sub('x: ${MISSING}'),
      (e: unknown) =>
        e instanceof EnvsubstError &&
        e.variable === 'MISSING' &&
        /variable not set \(strict mode\): "MISSING"/.test(e.message),
    );
    assert.equal(sub('x: ${MISSING}', {}, false), 'x: ');
  });
  it('strict mode: defaults are evaluated first, so an unset nested variable fails', () => {
    assert.throws(() => sub('${A:=${B}}', { A: 'a' }), /"B"/);
  });
  it('${VAR-default} is a parse error in Flux ("missing closing brace")', () => {
    assert.throws(() => sub('${A-d}'), /missing closing brace/);
  });
  it('reports malformed expressions with Flux messages', () => {
    assert.throws(() => sub('${}'), /unable to parse variable name/);
    assert.throws(() => sub('${A'), /missing closing brace|bad substitution/);
    assert.throws(() => sub('${A:=x'), /unable to parse substitution within function/);
  });
  it('supports the string functions', () => {
    const o = { S: 'Hello/World', E: 'été' };
    assert.equal(sub('${#S}', o), '11');
    assert.equal(sub('${#E}', o), '5'); // UTF-8 bytes, like Go's len
    assert.equal(sub('${S^^} ${S,,} ${S,}', o), 'HELLO/WORLD hello/world hello/World');
    assert.equal(sub('${S:6} ${S:0:5} ${S:-5}', o), 'World Hello Hello/World');
    assert.equal(sub('${S/o/0} ${S//o/0}', o), 'Hell0/World Hell0/W0rld');
    assert.equal(sub('${S/#Hello/Bye} ${S/%World/All}', o), 'Bye/World Hello/All');
    // Flux's copy of Go's path.Match lets '*' match '/' too.
    assert.equal(sub('${S#*/} ${S%/*} ${S##*o} ${S%%o*}', o), 'World Hello rld Hell');
  });
  it('inserts special characters verbatim (the YAML may then break, see postBuild)', () => {
    assert.equal(sub('v: ${X}', { X: 'a: b # c "d" \'e\' $f {g} [h]' }), 'v: a: b # c "d" \'e\' $f {g} [h]');
  });
});

describe("envsubst: Flux's engine byte for byte", () => {
  const fails = (text: string, o: Record<string, string>, re: RegExp, stage?: EnvsubstError['stage']) =>
    assert.throws(
      () => sub(text, o),
      (e: unknown) => e instanceof EnvsubstError && re.test(e.message) && (!stage || e.stage === stage),
    );
  it('patterns: * and ? match / too', () => {
    assert.equal(sub('${f##*/}', { f: 'path/to/file' }), 'file');
    assert.equal(sub('${f%%/*}', { f: 'a/b/c' }), 'a');
    assert.equal(sub('${f#?}', { f: '/x' }), 'x');
    assert.equal(sub('${f%[0-9]}', { f: 'v1' }), 'v1'); // reversed, the class is malformed: no trim
  });
  it("case operators map one rune to one rune, with Go's tables", () => {
    const o = { a: 'straße', b: 'ΣΟΦΟΣ', c: 'İ', d: 'ǅ', e: 'ᾳ' };
    assert.equal(sub('${a^^} ${b,,} ${c,,} ${d^^} ${d,,} ${e^^} ${e^}', o), 'STRAßE σοφοσ i Ǆ ǆ ᾼ ᾼ');
    assert.equal(sub('${a,^}', o), 'straße'); // an operator Flux parses but has no function for
  });
  it('offsets and lengths count bytes; cutting a character fails the build as in Flux', () => {
    const o = { v: '日本語' };
    assert.equal(sub('${#v} ${v:3} ${v:3:3} ${v:-3}', o), '9 本語 本 日本語'); // `:-` is a default, not bash's offset
    fails('${v:1}', o, /^yaml: invalid (leading|trailing) UTF-8 octet/, 'yaml');
    fails('${v#?}', o, /invalid/, 'yaml'); // the shortest byte prefix `?` matches is one byte
    assert.equal(sub('${v##?}', o), '本語');
  });
  it("Go's integer rules for offsets: a non-number or overflow keeps the value, a negative length panics", () => {
    const o = { v: 'hello' };
    assert.equal(sub('${v: 1} ${v:1e2} ${v:99999999999999999999}', o), 'hello hello hello');
    fails('${v:1:-1}', o, /crashes.*slice bounds out of range \[1:0\]/, 'panic');
    fails('${v:1:9223372036854775807}', o, /slice bounds out of range/, 'panic');
  });
  it('a multi-byte character right after `${name:` is a bad substitution (Flux steps back by its width)', () => {
    fails('${v:é}', { v: 'x' }, /^bad substitution$/);
    assert.equal(sub('${v:e}', { v: 'x' }), 'x');
  });
  it('strict mode covers every operator except the defaults', () => {
    fails('${#m}', {}, /variable not set \(strict mode\): "m"/);
    for (const op of [
      '^',
      '^^',
      ',',
      ',,',
      ':0',
      '/a/b',
      '//a/b',
      '/#a/b',
      '/%a/b',
      '#a',
      '##a',
      '%a',
      '%%a',
    ])
      fails(`\${m${op}}`, {}, /variable not set \(strict mode\): "m"/);
    assert.equal(sub('${m:-a}${m:=b}${m=c}${m:+d}${m:?e}'), 'abcde');
    assert.equal(sub('${m^^}', {}, false), '');
  });
  it('replacement is plain text; an empty pattern inserts around every rune', () => {
    const o = { v: 'a*b日', e: '' };
    assert.equal(
      sub('${v/*/-} ${v/\\*/-} ${v//${e}/.} ${v/${e}/.} ${v/#a/} ${v/%b日/Z}', o),
      'a-b日 a*b日 .a.*.b.日. .a*b日 a*b日 a*Z',
    );
  });
});

describe('envsubst: bounded work', () => {
  const nested = (depth: number, leaf = 'x') => {
    let t = leaf;
    for (let i = 0; i < depth; i++) t = `\${V${i % 7}:-${t}}`;
    return t;
  };
  it('2,000 and 200,000 nested defaults evaluate without recursion', () => {
    assert.equal(sub(nested(2_000)), 'x');
    assert.equal(sub(`a: ${nested(200_000)}`), 'a: x');
    assert.throws(
      () => sub(nested(200_000, '${B')),
      /unable to parse substitution within function|bad substitution/,
    );
  });
  it('results are limited in size, before they are built', () => {
    let t = '${A}';
    for (let i = 0; i < 12; i++) t = `\${A//\${E}/${t}}`;
    assert.throws(
      () => envsubst(t, vars({ A: 'abcdefgh', E: '' }), true, undefined, { maxBytes: 1 << 20 }),
      (e: unknown) =>
        e instanceof EnvsubstError && e.stage === 'limit' && /exceed 1048576 bytes/.test(e.message),
    );
  });
  it('${A##*a*a*a*b} against a long value: matching steps grow linearly, and stop at a budget', () => {
    const steps = (n: number) => {
      const stats = { matchSteps: 0 };
      envsubst('${A##*a*a*a*b} ${A%%b*a*a*a*}', vars({ A: 'a'.repeat(n) }), true, undefined, { stats });
      return stats.matchSteps;
    };
    const small = steps(20_000);
    const large = steps(200_000);
    assert.ok(large <= small * 11, `${small} steps for 20 kB, ${large} for 200 kB`);
    assert.throws(
      () =>
        envsubst('${A##*a*a*a*b}', vars({ A: 'a'.repeat(100_000) }), true, undefined, {
          maxMatchSteps: 50_000,
        }),
      (e: unknown) =>
        e instanceof EnvsubstError && e.stage === 'limit' && /more than 50000 steps/.test(e.message),
    );
  });
});

const v = (value: string): Variable => ({ value, source: 'test' });
const run = (
  yaml: string,
  variables: Record<string, string>,
  extra: Partial<Parameters<typeof postBuild>[1]> = {},
) =>
  postBuild(yaml, {
    name: 'apps',
    namespace: 'flux-system',
    postBuild: { substitute: {} },
    variables: new Map(Object.entries(variables).map(([k, x]) => [k, v(x)])),
    strict: true,
    ...extra,
  });

describe('post-build substitution', () => {
  const cm = (data: string, annotations = '') =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n${annotations}data:\n${data}`;
  it('substitutes, re-types values as Flux does, and adds the owner labels', () => {
    const r = run(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: \${R}\n`, {
      R: '3',
    });
    const spec = r.objects[0]!.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 3);
    assert.deepEqual((r.objects[0]!.metadata as { labels: object }).labels, {
      'kustomize.toolkit.fluxcd.io/name': 'apps',
      'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
    });
  });
  it('leaves objects annotated kustomize.toolkit.fluxcd.io/substitute: disabled alone', () => {
    const r = run(
      cm('  a: ${HOME}\n', '  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n'),
      { X: '1' },
    );
    assert.equal((r.objects[0]!.data as Record<string, string>).a, '${HOME}');
    assert.deepEqual(r.substitutionDisabled, ['ConfigMap/c']);
  });
  it('also honours the label form of substitute: disabled', () => {
    const r = run(cm('  a: ${HOME}\n', '  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n'), {
      X: '1',
    });
    assert.equal((r.objects[0]!.data as Record<string, string>).a, '${HOME}');
  });
  it('does not substitute without variables (strategy WithVariables), but does with Always', () => {
    const text = cm('  a: ${X:=d}\n');
    assert.equal((run(text, {}).objects[0]!.data as Record<string, string>).a, '${X:=d}');
    const always = run(text, {}, { postBuild: { substituteStrategy: 'Always' } });
    assert.equal((always.objects[0]!.data as Record<string, string>).a, 'd');
  });
  it('does not substitute when spec.postBuild is absent', () => {
    const r = run(cm('  a: ${X}\n'), { X: '1' }, { postBuild: undefined });
    assert.equal((r.objects[0]!.data as Record<string, string>).a, '${X}');
  });
  it('strict: names every unset variable and the objects using them', () => {
    assert.throws(
      () => run(cm('  a: ${ONE}\n  b: ${TWO}\n  c: ${THREE:=ok}\n'), { X: '1' }),
      (e: unknown) =>
        e instanceof PostBuildError &&
        /post build failed for '~G_v1_ConfigMap\/c'/.test(e.message) &&
        e.unresolved.has('ONE') &&
        e.unresolved.has('TWO') &&
        !e.unresolved.has('THREE'),
    );
  });
  it('values with YAML special characters: quoted references survive, unquoted ones fail clearly', () => {
    const special = 'a: b #c';
    const ok = run(cm(`  q: "\${S}"\n`), { S: special });
    assert.equal((ok.objects[0]!.data as Record<string, string>).q, special);
    assert.throws(() => run(cm('  q: ${S}\n'), { S: special }), /YAMLToJSON: .*must be quoted/s);
    // "#" starts a comment when unquoted: the value silently becomes null, exactly as in Flux.
    const comment = run(cm('  q: ${S}\n'), { S: '#x' });
    assert.equal((comment.objects[0]!.data as Record<string, unknown>).q, null);
  });
  it('a substitution that cuts a character fails as YAMLToJSON fails in Flux', () => {
    assert.throws(
      () => run(cm('  q: ${S:1}\n'), { S: 'été' }),
      (e: unknown) =>
        e instanceof PostBuildError &&
        /post build failed for '~G_v1_ConfigMap\/c': envsubst error: YAMLToJSON: yaml: invalid/.test(
          e.message,
        ),
    );
  });
  it('a binary Secret value is substituted as its bytes, as Flux does', () => {
    const variables = new Map<string, Variable>([
      ['B', { value: '\ufffd\ufffd', source: 'Secret s', bytes: Uint8Array.of(0xff, 0xfe) }],
    ]);
    const build = (data: string) =>
      postBuild(cm(data), {
        name: 'a',
        namespace: 'f',
        postBuild: { substitute: {} },
        variables,
        strict: true,
      });
    assert.equal((build('  len: "${#B}"\n').objects[0]!.data as Record<string, string>).len, '2');
    assert.throws(() => build('  q: ${B}\n'), /YAMLToJSON: yaml: invalid leading UTF-8 octet/);
  });
  it('removes newlines from values and rejects invalid variable names', () => {
    const r = run(cm('  q: ${S}\n'), { S: 'a\nb' });
    assert.equal((r.objects[0]!.data as Record<string, string>).q, 'ab');
    assert.throws(() => run(cm('  q: x\n'), { 'BAD-NAME': '1' }), /var name is invalid/);
  });
  it("reads values as Flux's Go YAML does (1.1 booleans and octals), quoting them back out", () => {
    const r = run(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: yes\n  b: "yes"\n  mode: 0755\n  t: 2024-01-01\n  s: 1:30\n',
      {},
    );
    const data = r.objects[0]!.data as Record<string, unknown>;
    assert.deepEqual(data, { a: true, b: 'yes', mode: 493, t: '2024-01-01', s: '1:30' });
    assert.match(r.yaml, /b: "yes"/);
    const plain = run(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n  num: 10\n',
      {},
    );
    assert.deepEqual(plain.objects[0]!.data, { a: '1', num: 10 });
  });
  it('applies commonMetadata after the owner labels', () => {
    const r = run(
      cm('  a: b\n'),
      {},
      { commonMetadata: { labels: { team: 'x' }, annotations: { note: 'y' } } },
    );
    const meta = r.objects[0]!.metadata as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    assert.equal(meta.labels.team, 'x');
    assert.equal(meta.annotations.note, 'y');
  });
});

describe('substituteFrom Secrets with binary data', () => {
  it('keeps the bytes of a value that is not UTF-8 (shown with U+FFFD)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-subst-vars-'));
    try {
      const file = path.join(dir, 'secret.yaml');
      writeFileSync(
        file,
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: bin\n  namespace: flux-system\ndata:\n  B: //4K/Q==\n  T: dGV4dA==\n',
      );
      const source = new WorkspaceVariableSource(nodeBuildFs(), dir, async () => [file]);
      const resolved = await resolveVariables(
        { substituteFrom: [{ kind: 'Secret', name: 'bin' }] },
        'flux-system',
        [source],
        { useSubstituteFrom: true, inlineSource: 'test' },
      );
      const b = resolved.variables.get('B')!;
      assert.deepEqual([...b.bytes!], [0xff, 0xfe, 0xfd]); // the newline byte removed, as Flux does
      assert.equal(b.value, '\ufffd\ufffd\ufffd');
      assert.equal(resolved.variables.get('T')!.bytes, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
