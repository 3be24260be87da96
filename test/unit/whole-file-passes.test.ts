// Passes over every document of a file, or every object of the workspace, yield the thread (issue
// 10: no request waits for more than 200 ms of main-thread work) and give the same results as when
// made at once. Counted, not timed: with a SliceClock of 0 ms every step that may yield does, so a
// pass that stops yielding loses its share of the yields, whatever the machine.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseAllDocuments } from 'yaml';
import { SliceClock } from '../../server/src/io/slices';
import { DEFAULT_SERVICE_LIMITS } from '../../server/src/service/languageService';
import { parseFile } from '../../server/src/workspace/documents';
import { reparse, reparseSliced } from '../../server/src/workspace/parsedText';
import { makeService } from './helpers';
import { GIT_FLUX_SYSTEM, ks, modelOf } from './semantics-helpers';

/** Runs `work`, counting the turns of the event loop it leaves to others meanwhile. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  try {
    return { result: await work(), turns };
  } finally {
    counting = false;
  }
}

/** Runs `work`, counting how many times it yielded (a yield gives up several turns, see io/slices.ts). */
async function yieldsDuring<T>(work: () => Promise<T>): Promise<{ result: T; yields: number }> {
  const one = await turnsDuring(() => new SliceClock(0).yieldNow());
  const { result, turns } = await turnsDuring(work);
  return { result, yields: Math.round(turns / one.turns) };
}

/** The documents of yaml's own parseAllDocuments, with the server's options. */
function yamlDocuments(text: string) {
  const docs = parseAllDocuments(text, { uniqueKeys: false, keepSourceTokens: false, logLevel: 'error' });
  return Array.isArray(docs) ? docs : [];
}

/** `n` Flux Kustomizations in one file, each naming a GitRepository that does not exist. */
function manyKustomizations(n: number): string {
  return Array.from({ length: n }, (_, i) =>
    ks(`k${i}`, `  path: ./apps/a${i}\n  sourceRef:\n    kind: GitRepository\n    name: missing${i}\n`),
  ).join('---\n');
}

describe('whole-file passes yield the thread', () => {
  it('the semantic findings of the workspace, one unit per step, equal the findings made at once', async () => {
    const n = 1500;
    const files = { 'clusters/all.yaml': manyKustomizations(n), 'flux-system/git.yaml': GIT_FLUX_SYSTEM };
    const once = modelOf(files).analysis.findings();
    const sliced = modelOf(files);
    const { result, yields } = await yieldsDuring(() => sliced.analysis.findingsSliced(new SliceClock(0)));
    // Each Kustomization is visited by several passes (renderings, paths, duplicates, its unit).
    assert.ok(yields > 2 * n, `findings of ${n} Kustomizations yielded ${yields} times`);
    assert.deepEqual(result, once);
    assert.ok(
      [...result!.values()].flat().filter((f) => f.code === 'reference-not-found').length >= n,
      'every missing GitRepository is reported',
    );
  });

  it('an edit while the findings are made in slices: they are the new model’s; a cancelled run gives none', async () => {
    const files = { 'clusters/all.yaml': manyKustomizations(300) };
    const t = modelOf(files);
    const making = t.analysis.findingsSliced(new SliceClock(0));
    await new Promise((resolve) => setImmediate(resolve));
    // Meanwhile the file loses all but one Kustomization.
    t.workspace.updateFile(t.abs('clusters/all.yaml'), manyKustomizations(1));
    const result = await making;
    assert.deepEqual(result, modelOf({ 'clusters/all.yaml': manyKustomizations(1) }).analysis.findings());
    t.workspace.updateFile(t.abs('clusters/all.yaml'), manyKustomizations(300));
    let cancelled = false;
    const stopped = t.analysis.findingsSliced(new SliceClock(0), () => cancelled);
    cancelled = true;
    assert.equal(await stopped, undefined);
  });

  it('the documents a reparse moves are numbered and moved in slices, to the same parse', async () => {
    const n = 3000;
    const text = Array.from(
      { length: n },
      (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`,
    ).join('---\n');
    const prev = reparse(undefined, text).parsed;
    // An edit in the first document moves every document after it.
    const edited = text.replace('name: c0', 'name: c00');
    const once = reparse(prev, edited);
    const { result, yields } = await yieldsDuring(() => reparseSliced(prev, edited, new SliceClock(0)));
    assert.equal(once.work.docsMoved, n - 1);
    assert.ok(yields > n / 2, `moving ${n - 1} documents yielded ${yields} times`);
    assert.deepEqual(result!.parsed.file, once.parsed.file);
  });

  it('the parse of one large document yields between tokens, with the documents of parseAllDocuments', async () => {
    // One document of 2,000 entries with anchors, aliases and complex keys (54 KB: under the 64 KB
    // past which a document is read by a line scan instead).
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: one', 'data:'];
    for (let i = 0; i < 2000; i++)
      lines.push(i % 3 ? `  k${i}: &a${i} value ${i}` : `  ? [x${i}, *a${i - 1}]\n  : y${i}`);
    const text = lines.join('\n') + '\n';
    const { result, yields } = await yieldsDuring(() => reparseSliced(undefined, text, new SliceClock(0)));
    const docs = result!.parsed.file.docs;
    assert.equal(docs.length, 1);
    assert.ok(yields >= 10, `the parse of one document of ${text.length} characters yielded ${yields} times`);
    const ownDocs = yamlDocuments(text);
    assert.deepEqual(
      docs.map((d) => ({ range: [d.start, d.end], js: (d.contents as { toJSON(): unknown }).toJSON() })),
      ownDocs.map((d) => ({ range: [d.range[0], d.range[2]], js: d.contents!.toJSON() })),
    );
  });

  it('the stepped parse gives the documents parseAllDocuments gives on broken YAML', () => {
    const texts = [
      'a: [1, 2\nb: {c: d\n',
      'key: "unterminated\n---\n- - - x\n...\n%YAML 1.2\n---\nz: 1\n',
      '? ? ? a\n: b\n: c\n*undefined\n',
      '',
      '# only a comment\n',
    ];
    for (const text of texts) {
      const ours = parseFile(text).docs;
      const theirs = yamlDocuments(text);
      assert.deepEqual(
        ours.map((d) => [d.start, d.end, JSON.stringify(d.contents)]),
        theirs.map((d) => [d.range[0], d.range[2], JSON.stringify(d.contents)]),
        JSON.stringify(text),
      );
    }
  });

  it('validate: the adjustment of the engine’s findings and the Flux checks yield between documents', async () => {
    const n = 800;
    // Each document has one engine finding (a ConfigMap value that is not a string).
    const text = Array.from(
      { length: n },
      (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n  a: ${i}\n`,
    ).join('---\n');
    const { service } = await makeService({}, '/ws', { semantics: true });
    service.limits = { ...DEFAULT_SERVICE_LIMITS, sliceMs: 0 };
    const doc = TextDocument.create(pathToFileURL(path.join('/ws', 'cms.yaml')).toString(), 'yaml', 1, text);
    const first = await service.validate(doc);
    assert.equal(first.diagnostics.filter((d) => d.code === 'wrong-type').length, n);
    // Again: the parse and the engine's findings are cached, so what yields is the adjustment of
    // each finding and the Flux checks of each document.
    const { result, yields } = await yieldsDuring(() => service.validate(doc));
    assert.ok(yields >= 2 * n, `validating ${n} documents with ${n} findings yielded ${yields} times`);
    assert.deepEqual(result.diagnostics, first.diagnostics);
    // A newer edit cancels the run at its next yield.
    const cancelled = await service.validate(doc, { isCancelled: () => true });
    assert.equal(cancelled.cancelled, true);
  });
});
