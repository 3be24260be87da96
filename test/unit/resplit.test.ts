// The incremental split and parse of an edited file (flux/resplit.ts, workspace/parsedText.ts):
// whatever the edit, the result equals the split and parse of the new text from scratch, and an
// edit in a file of thousands of documents reads a few lines and parses the one piece it touched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitDocuments } from '../../server/src/flux/pieces';
import { changedSpan, resplit } from '../../server/src/flux/resplit';
import type { DocInfo } from '../../server/src/workspace/documents';
import { reparse } from '../../server/src/workspace/parsedText';

/** A small deterministic generator (mulberry32), so that a failure names its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Lines that matter to the splitter (markers, directives, comments, blanks) and ordinary content.
const LINES = [
  '---',
  '--- # c',
  '---x',
  '...',
  '... ',
  '%YAML 1.2',
  '# comment',
  '',
  '  ',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: a',
  'data: {k: v}',
  '- item',
  '  --- not a marker',
  'key: "---"',
];
const SNIPPETS = ['\n', '---\n', '\n---', '...\n', '%YAML 1.2\n---\n', '# x\n', 'a: b\n', '-', ' ', 'k'];

function randomText(r: () => number, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(LINES[Math.floor(r() * LINES.length)]!);
  return out.join(r() < 0.5 ? '\n' : '\r\n') + (r() < 0.5 ? '\n' : '');
}

function randomEdit(r: () => number, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  const del = r() < 0.5 ? 0 : Math.floor(r() * Math.min(12, text.length - at + 1));
  const ins = r() < 0.3 ? '' : SNIPPETS[Math.floor(r() * SNIPPETS.length)]!;
  return text.slice(0, at) + ins + text.slice(at + del);
}

/** What a document says, without its YAML node (compared by its data and range instead). */
function view(d: DocInfo): unknown {
  const { contents, ...rest } = d;
  return { ...rest, contents: contents ? [contents.range, contents.toJSON()] : null };
}

describe('incremental split and parse', () => {
  it('changedSpan finds the common prefix and suffix without overlap', () => {
    assert.deepEqual(changedSpan('abc', 'abc'), { start: 3, oldEnd: 3, newEnd: 3 });
    assert.deepEqual(changedSpan('aaa', 'aaaa'), { start: 3, oldEnd: 3, newEnd: 4 });
    assert.deepEqual(changedSpan('xabcx', 'xbcx'), { start: 1, oldEnd: 2, newEnd: 1 });
    const long = 'y'.repeat(5000);
    assert.deepEqual(changedSpan(long + 'a' + long, long + 'bb' + long), {
      start: 5000,
      oldEnd: 5001,
      newEnd: 5002,
    });
  });

  it('resplit equals the split from scratch, over chains of random edits (seeds 1-200)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      let text = randomText(r, 1 + Math.floor(r() * 40));
      let pieces = splitDocuments(text);
      for (let step = 0; step < 25; step++) {
        const next = randomEdit(r, text);
        const got = resplit(text, pieces, next).pieces;
        assert.deepEqual(got, splitDocuments(next), `seed ${seed} step ${step}: ${JSON.stringify(next)}`);
        text = next;
        pieces = got;
      }
    }
  });

  it('reparse equals the parse from scratch, over chains of random edits (seeds 1-60)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(1000 + seed);
      let text = randomText(r, 1 + Math.floor(r() * 30));
      let parsed = reparse(undefined, text).parsed;
      for (let step = 0; step < 15; step++) {
        const next = randomEdit(r, text);
        parsed = reparse(parsed, next).parsed;
        const fresh = reparse(undefined, next).parsed;
        const at = `seed ${seed} step ${step}: ${JSON.stringify(next)}`;
        assert.deepEqual(parsed.pieces, fresh.pieces, at);
        assert.deepEqual(parsed.file.docs.map(view), fresh.file.docs.map(view), at);
        assert.deepEqual(
          parsed.docsOf.map((ds) => ds.map((d) => d.index)),
          fresh.docsOf.map((ds) => ds.map((d) => d.index)),
          at,
        );
        text = next;
      }
    }
  });

  it('an edit in a file of 5,000 documents reads a few lines and parses one piece', () => {
    const text = Array.from(
      { length: 5000 },
      (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`,
    ).join('---\n');
    const first = reparse(undefined, text);
    assert.equal(first.parsed.file.docs.length, 5000);
    const edited = text.replace('name: c2500\n', 'name: c2500-x\n');
    const { parsed, work } = reparse(first.parsed, edited);
    assert.ok(work.linesScanned <= 12, `${work.linesScanned} lines read`);
    assert.equal(work.piecesParsed, 1);
    assert.equal(parsed.file.docs[2500]!.name, 'c2500-x');
    // The documents before the edit are the very same objects; those after it are moved copies
    // sharing their YAML nodes.
    assert.equal(parsed.file.docs[10], first.parsed.file.docs[10]);
    assert.equal(parsed.file.docs[4000]!.contents, first.parsed.file.docs[4000]!.contents);
    assert.equal(parsed.file.docs[4000]!.start, first.parsed.file.docs[4000]!.start + 2);
    // A new document in the middle renumbers those after it.
    const inserted = edited.replace('name: c100\n', 'name: c100\n---\nkind: Namespace\n');
    const again = reparse(parsed, inserted);
    assert.equal(again.work.piecesParsed, 2);
    assert.equal(again.parsed.file.docs.length, 5001);
    assert.equal(again.parsed.file.docs[4001]!.name, 'c4000');
    assert.equal(again.parsed.file.docs[4001]!.index, 4001);
  });
});
