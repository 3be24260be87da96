import * as path from 'node:path';
import {
  CompletionItemKind,
  type CompletionItem,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-types';
import { groupOf, referenceFieldsOf, type ReferenceField } from '../flux/references';
import type { Definition } from '../workspace/resolver';
import type { SemanticAnalysis } from './analysis';
import { objectLabel } from './checks/references';
import { variablesOf } from './checks/variables';
import { positionAt, rangeOf } from './findings';
import { objectAt } from './locate';

interface Line {
  text: string;
  start: number;
}

/** The key written on a block-style line, with its column and a sequence dash's column. */
function keyOf(line: string): { key: string; col: number; dash?: number; value: string } | undefined {
  const m = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*)\s*:(?:\s+|$)(.*)$/.exec(line);
  if (!m) return undefined;
  const indent = m[1]!.length;
  return m[2]
    ? { key: m[3]!, col: indent + m[2].length, dash: indent, value: m[4]! }
    : { key: m[3]!, col: indent, value: m[4]! };
}

/**
 * The key path of the mapping that holds the line being typed, read from indentation (a document
 * being typed often does not parse): ["spec", "dependsOn", "[]"], and the other keys of that
 * mapping with their values and lines. Block style only.
 */
export function blockPath(
  lines: readonly Line[],
  at: number,
): { path: string[]; siblings: Map<string, { value: string; line: number }> } {
  const isNoise = (t: string): boolean => !t.trim() || t.trim().startsWith('#');
  const isMarker = (t: string): boolean => /^(---|\.\.\.)(\s|$)/.test(t);
  const cur = keyOf(lines[at]!.text);
  const col = cur ? cur.col : lines[at]!.text.search(/\S|$/);
  const siblings = new Map<string, { value: string; line: number }>();
  // The mapping's other keys: up to its first key (an item's dash line), down to its end.
  for (let i = at - 1; i >= 0; i--) {
    const t = lines[i]!.text;
    if (isMarker(t)) break;
    if (isNoise(t)) continue;
    const k = keyOf(t);
    if (k && k.col === col) siblings.set(k.key, { value: k.value.trim(), line: i });
    if (k?.dash !== undefined && k.col === col) break;
    if (t.search(/\S/) < col && !(k?.dash !== undefined && k.col === col)) break;
  }
  if (cur?.dash === undefined)
    for (let i = at + 1; i < lines.length; i++) {
      const t = lines[i]!.text;
      if (isMarker(t)) break;
      if (isNoise(t)) continue;
      const k = keyOf(t);
      if (t.search(/\S/) < col || (k?.dash !== undefined && k.dash < col)) break;
      if (k && k.col === col && k.dash === undefined) siblings.set(k.key, { value: k.value.trim(), line: i });
    }
  // Up through the parents: a key at a smaller column, or the dash of the item that holds us.
  const out: string[] = [];
  let t = col;
  let inItem = false;
  if (cur?.dash !== undefined) {
    out.push('[]');
    t = cur.dash;
    inItem = true;
  }
  for (let i = at - 1; i >= 0 && t > 0; i--) {
    const text = lines[i]!.text;
    if (isMarker(text)) break;
    if (isNoise(text)) continue;
    const k = keyOf(text);
    const indent = text.search(/\S/);
    if (k?.dash !== undefined) {
      if (k.dash < t || (!inItem && k.dash < t)) {
        out.push('[]');
        t = k.dash;
        inItem = true;
      }
      continue;
    }
    if (k && (inItem ? indent <= t : indent < t)) {
      out.push(k.key);
      t = indent;
      inItem = false;
    }
  }
  return { path: out.reverse(), siblings };
}

const samePath = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Names to complete at `offset`: a reference's name (filling in the kind), dependsOn, spec.path
 * (folders of the repository), and `${VAR}` names in a file a Kustomization renders. Undefined when
 * the position is none of these (the schema's completion answers then).
 */
export function completeNames(
  analysis: SemanticAnalysis,
  file: string,
  text: string,
  offset: number,
): CompletionItem[] | undefined {
  if (!analysis.ready) return undefined;
  const model = analysis.model;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const lineStarts = model.get(file)?.lineStarts;
  const posOf = (o: number) =>
    lineStarts
      ? positionAt(lineStarts, o)
      : positionAt([0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)], o);
  const variable = /\$\{([_A-Za-z0-9]*)$/.exec(before);
  if (variable) return completeVariables(analysis, file, text, offset, variable[1]!.length);
  const m = /^(\s*)(-\s+)?([A-Za-z]+):\s*(["']?)([^"'\s]*)$/.exec(before);
  if (!m || (m[3] !== 'name' && m[3] !== 'path')) return undefined;
  const partial = m[5]!;
  const replace: Range = { start: posOf(offset - partial.length), end: posOf(offset) };
  const lines: Line[] = [];
  let at = 0;
  let cursorLine = 0;
  for (const l of text.split('\n')) {
    if (at <= offset) cursorLine = lines.length;
    lines.push({ text: l, start: at });
    at += l.length + 1;
  }
  const ctx = blockPath(lines, cursorLine);
  const index = model.get(file);
  const o = index && objectAt(index, offset);
  // The document being typed: from the index when it parses, else from its apiVersion/kind lines.
  const { apiVersion, kind } = o ?? docHeader(lines, cursorLine);
  if (!apiVersion || !kind) return undefined;
  const key = m[3]!;
  if (
    key === 'path' &&
    kind === 'Kustomization' &&
    groupOf(apiVersion) === 'kustomize.toolkit.fluxcd.io' &&
    samePath(ctx.path, ['spec'])
  )
    return o ? completePaths(analysis, o, partial, replace) : undefined;
  const field = referenceFieldsOf(groupOf(apiVersion), kind).find((f) => samePath(f.path, ctx.path));
  if (!field || key !== 'name') return undefined;
  return completeReference(analysis, {
    file,
    field,
    referrer: o,
    replace,
    lines,
    cursorLine,
    siblings: ctx.siblings,
  });
}

function docHeader(lines: readonly Line[], at: number): { apiVersion?: string; kind?: string } {
  const out: { apiVersion?: string; kind?: string } = {};
  let i = at;
  while (i > 0 && !/^(---|\.\.\.)/.test(lines[i]!.text)) i--;
  for (let j = i; j < lines.length && (j === i || !/^(---|\.\.\.)/.test(lines[j]!.text)); j++) {
    const m = /^(apiVersion|kind):\s*["']?([^"'\s#]+)/.exec(lines[j]!.text);
    if (m) out[m[1] as 'apiVersion' | 'kind'] = m[2]!;
  }
  return out;
}

function completeReference(
  analysis: SemanticAnalysis,
  c: {
    file: string;
    field: ReferenceField;
    referrer: ReturnType<typeof objectAt>;
    replace: Range;
    lines: readonly Line[];
    cursorLine: number;
    siblings: Map<string, { value: string; line: number }>;
  },
): CompletionItem[] {
  const model = analysis.model;
  const writtenKind = c.siblings.get('kind')?.value.replace(/^["']|["']$/g, '');
  const kinds =
    writtenKind && c.field.kinds.includes(writtenKind)
      ? [writtenKind]
      : c.field.dependency && c.referrer
        ? [c.referrer.kind]
        : [...c.field.kinds];
  const referrerNs =
    c.siblings.get('namespace')?.value ?? (c.referrer ? model.namespacesOf(c.referrer)[0] : undefined);
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  const cur = c.lines[c.cursorLine]!.text;
  const key = keyOf(cur);
  const indent = ' '.repeat(key?.col ?? 0);
  for (const kind of kinds) {
    for (const d of analysis.resolver.list(kind)) {
      const o = d.origin.type === 'file' ? d.origin.object : undefined;
      if (o && c.referrer && o === c.referrer) continue;
      const ns = d.namespaces.find((n) => n !== undefined);
      const id = `${kind}/${ns ?? ''}/${d.name}`;
      if (seen.has(id) || !d.name) continue;
      seen.add(id);
      const edits: TextEdit[] = [];
      // Filling in the kind: the field may name several kinds, and the kind decides the object.
      if (!c.field.defaultKind) {
        const k = c.siblings.get('kind');
        if (!k) edits.push(insertLine(c.lines, c.cursorLine, `${indent}kind: ${kind}`));
        else if (k.value !== kind) edits.push(replaceValue(c.lines, k.line, kind));
      }
      const needsNs =
        c.field.namespaced &&
        ns !== undefined &&
        referrerNs !== undefined &&
        ns !== referrerNs &&
        !c.siblings.has('namespace');
      if (needsNs) edits.push(insertLine(c.lines, c.cursorLine, `${indent}namespace: ${ns}`));
      const near = c.referrer ? model.sameCluster(c.referrer.file, definitionFile(d)) : undefined;
      items.push({
        label: d.name,
        kind: CompletionItemKind.Reference,
        detail: objectLabel(kind, ns, d.name),
        documentation: describeDefinition(analysis, d),
        // This cluster's objects first, then this namespace's.
        sortText: `${near === false ? 1 : 0}${ns === referrerNs ? 0 : 1}${d.name}`,
        filterText: d.name,
        textEdit: { range: c.replace, newText: d.name },
        ...(edits.length ? { additionalTextEdits: edits } : {}),
      });
    }
  }
  return items;
}

function definitionFile(d: Definition): string {
  return d.origin.type === 'file'
    ? d.origin.object.file
    : d.origin.type === 'created'
      ? d.origin.by.file
      : '';
}

function describeDefinition(analysis: SemanticAnalysis, d: Definition): string {
  if (d.origin.type === 'created') return `made at run time by ${d.origin.how}`;
  if (d.origin.type === 'cluster') return `in cluster ${d.origin.context}`;
  const o = d.origin.object;
  const line = rangeOf(analysis.model, o.file, o.nameSpan ?? o.span).start.line + 1;
  return `${path.relative(analysis.model.rootOf(o.file) ?? path.dirname(o.file), o.file)}:${line}${o.url ? ` — ${o.url}` : ''}`;
}

/** A line inserted after line `at` (a sibling key of the one being typed). */
function insertLine(lines: readonly Line[], at: number, text: string): TextEdit {
  const pos = { line: at + 1, character: 0 };
  return at + 1 < lines.length
    ? { range: { start: pos, end: pos }, newText: `${text}\n` }
    : {
        range: {
          start: { line: at, character: lines[at]!.text.length },
          end: { line: at, character: lines[at]!.text.length },
        },
        newText: `\n${text}`,
      };
}

function replaceValue(lines: readonly Line[], at: number, value: string): TextEdit {
  const t = lines[at]!.text;
  const colon = t.indexOf(':');
  const start = colon + 1 + (t.slice(colon + 1).length - t.slice(colon + 1).trimStart().length);
  const end = t.replace(/\s+#.*$/, '').trimEnd().length;
  return {
    range: { start: { line: at, character: start }, end: { line: at, character: Math.max(start, end) } },
    newText: value,
  };
}

function completePaths(
  analysis: SemanticAnalysis,
  ks: NonNullable<ReturnType<typeof objectAt>>,
  partial: string,
  replace: Range,
): CompletionItem[] | undefined {
  const src = analysis.model.sourceOf(ks);
  const root = src.kind === 'local' || src.kind === 'guessed' ? src.root : analysis.model.rootOf(ks.file);
  if (!root) return undefined;
  const items: CompletionItem[] = [];
  for (const dir of analysis.model.tree.dirsUnder(root)) {
    const rel = path.relative(root, dir).split(path.sep).join('/');
    if (!rel || rel.split('/').some((p) => p.startsWith('.'))) continue;
    const value = `./${rel}`;
    const k = analysis.model.tree.list(dir).some((n) => /^kustomization\.ya?ml$|^Kustomization$/.test(n));
    items.push({
      label: value,
      kind: CompletionItemKind.Folder,
      detail: k ? 'folder with a kustomization.yaml' : 'folder (Flux generates its kustomization.yaml)',
      filterText: value,
      sortText: `${k ? 0 : 1}${value}`,
      textEdit: { range: replace, newText: value },
    });
  }
  void partial;
  return items;
}

function completeVariables(
  analysis: SemanticAnalysis,
  file: string,
  text: string,
  offset: number,
  typed: number,
): CompletionItem[] | undefined {
  const model = analysis.model;
  const owners = model.ownersOf(file);
  if (owners.length === 0) return undefined;
  const lines = model.get(file)?.lineStarts ?? [0];
  const range: Range = { start: positionAt(lines, offset - typed), end: positionAt(lines, offset) };
  const closes = text[offset] === '}';
  const items = new Map<string, CompletionItem>();
  for (const w of owners) {
    const vars = variablesOf(model, analysis.resolver, w.ks);
    const label = objectLabel('Kustomization', model.namespacesOf(w.ks)[0], w.ks.name);
    for (const [name, where] of vars.defined) {
      if (items.has(name)) continue;
      items.set(name, {
        label: name,
        kind: CompletionItemKind.Variable,
        detail: `${where.message} (${label})`,
        textEdit: { range, newText: closes ? name : `${name}}` },
      });
    }
  }
  return [...items.values()];
}
