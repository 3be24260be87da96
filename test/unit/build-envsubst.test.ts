import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envsubst, EnvsubstError } from '../../server/src/build/envsubst';
import { postBuild, PostBuildError, type Variable } from '../../server/src/build/postBuild';

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
    // Go's path.Match: '*' never matches '/', unlike bash.
    assert.equal(sub('${S#*/} ${S%/*} ${S##*o} ${S%%o*}', o), 'World Hello /World Hello/W');
  });
  it('inserts special characters verbatim (the YAML may then break, see postBuild)', () => {
    assert.equal(sub('v: ${X}', { X: 'a: b # c "d" \'e\' $f {g} [h]' }), 'v: a: b # c "d" \'e\' $f {g} [h]');
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
