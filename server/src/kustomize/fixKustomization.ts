// `kustomize edit fix` for a kustomization.yaml, as a pure rewrite: the deprecated fields move to
// their replacements. I/O (reading the files the kustomization names) is passed in.

import * as path from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
  Scalar,
  type Document,
  type Node,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { isObject } from '../flux/jsonSchema';
import { keepLeadingComments } from '../flux/yamlObjects';

/** Reads what the fix needs to know about the kustomization's folder. */
export interface FixIo {
  /** The file's text, or undefined when it is not a readable file. */
  readText(file: string): Promise<string | undefined>;
}

export interface KustomizationFix {
  /** The kustomization.yaml's new text. */
  text: string;
  changes: string[];
  /** Why a field was left as it is (vars that cannot become replacements, say). */
  notes: string[];
}

const DEPRECATED = ['bases', 'patchesStrategicMerge', 'patchesJson6902', 'commonLabels', 'vars'] as const;

/** Which deprecated fields this kustomization.yaml text uses (a cheap check for the code action). */
export function deprecatedFieldsIn(text: string): string[] {
  return DEPRECATED.filter((f) => new RegExp(`^${f}\\s*:`, 'm').test(text));
}

/**
 * Moves the deprecated fields of a kustomization.yaml to their replacements:
 * - `bases` -> appended to `resources`;
 * - `patchesStrategicMerge` -> `patches` (`path:` for a file that exists, `patch:` for an inline one),
 *   `patchesJson6902` -> `patches` (target and path or patch kept);
 * - `commonLabels` -> `labels: [{pairs, includeSelectors: true}]` (commonLabels also set selectors);
 * - `vars` -> `replacements`: for each `$(NAME)` in the files the kustomization renders (its
 *   resources, bases' resources and patch files), a target with the field path, and delimiter and
 *   index when the variable is part of a longer value. A variable used where no delimiter separates
 *   it is not converted (kustomize cannot express it); the vars then stay, and a note says why.
 * Patches keep kustomize's order of application: strategic-merge patches, then `patches`, then the
 * JSON 6902 ones. Returns undefined when the text does not parse or uses none of these fields.
 */
export async function fixKustomization(
  file: string,
  text: string,
  io: FixIo,
): Promise<KustomizationFix | undefined> {
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text);
  } catch {
    return undefined;
  }
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const dir = path.dirname(file);
  const changes: string[] = [];
  const notes: string[] = [];

  const bases = doc.get('bases', true);
  if (isSeq(bases)) {
    appendTo(doc, 'resources', bases.items);
    doc.delete('bases');
    changes.push('bases -> resources');
  }

  const smp = doc.get('patchesStrategicMerge', true);
  const json = doc.get('patchesJson6902', true);
  if (isSeq(smp) || isSeq(json)) {
    const before: unknown[] = [];
    if (isSeq(smp)) {
      for (const item of smp.items) {
        const value = isScalar(item) ? item.value : (item as Node | null)?.toJSON();
        const isPath =
          typeof value === 'string' &&
          !value.includes('\n') &&
          (await io.readText(path.resolve(dir, value))) !== undefined;
        before.push(doc.createNode(isPath ? { path: value } : { patch: literal(value) }));
      }
      changes.push('patchesStrategicMerge -> patches');
    }
    const after = isSeq(json) ? json.items : [];
    if (isSeq(json)) changes.push('patchesJson6902 -> patches');
    doc.delete('patchesStrategicMerge');
    doc.delete('patchesJson6902');
    const existing = doc.get('patches', true);
    if (isSeq(existing)) {
      existing.items.unshift(...(before as typeof existing.items));
      existing.items.push(...after);
    } else {
      const list = doc.createNode([]) as YAMLSeq;
      list.items.push(...before, ...after);
      doc.set('patches', list);
    }
  }

  const common = doc.get('commonLabels', true);
  if (isMap(common)) {
    const entry = doc.createNode({ pairs: {}, includeSelectors: true }) as YAMLMap;
    entry.set('pairs', common);
    appendTo(doc, 'labels', [entry]);
    doc.delete('commonLabels');
    changes.push('commonLabels -> labels (includeSelectors: true)');
  }

  const vars = doc.get('vars', true);
  if (isSeq(vars)) {
    const converted = await varsToReplacements(doc, dir, vars.toJSON() as unknown[], io);
    if ('reason' in converted) notes.push(`vars not converted: ${converted.reason}`);
    else {
      appendTo(
        doc,
        'replacements',
        converted.replacements.map((r) => doc.createNode(r)),
      );
      doc.delete('vars');
      changes.push(`vars -> replacements (${converted.targets} targets)`);
    }
  }
  if (changes.length === 0 && notes.length === 0) return undefined;
  const out = doc.toString({ lineWidth: 0, indentSeq: !/^[a-zA-Z]\w*:\s*\n- /m.test(text) });
  return { text: keepLeadingComments(text, out), changes, notes };
}

function appendTo(doc: Document.Parsed, key: string, items: unknown[]): void {
  const list = doc.get(key, true);
  if (isSeq(list)) list.items.push(...(items as typeof list.items));
  else {
    const node = doc.createNode([]);
    node.items.push(...(items as typeof node.items));
    doc.set(key, node);
  }
}

function literal(value: unknown): Scalar {
  const s = new Scalar(String(value).trimEnd());
  s.type = Scalar.BLOCK_LITERAL;
  return s;
}

interface Occurrence {
  select: Record<string, string>;
  fieldPath: string;
  options?: { delimiter: string; index: number };
}

async function varsToReplacements(
  doc: Document.Parsed,
  dir: string,
  vars: unknown[],
  io: FixIo,
): Promise<{ replacements: unknown[]; targets: number } | { reason: string }> {
  const files = await renderedFiles(doc.toJSON() as Record<string, unknown>, dir, io, 0);
  const replacements: unknown[] = [];
  let targets = 0;
  for (const v of vars) {
    if (!isObject(v) || typeof v.name !== 'string' || !isObject(v.objref))
      return { reason: 'a var without name or objref' };
    const found: Occurrence[] = [];
    for (const f of files) {
      const text = await io.readText(f);
      if (!text?.includes(`$(${v.name})`)) continue;
      for (const d of parseAllDocuments(text)) {
        const obj = d.toJS({ maxAliasCount: 100 }) as unknown;
        if (!isObject(obj)) continue;
        const select = selectorOf(obj);
        const r = occurrences(obj, `$(${v.name})`, []);
        if ('reason' in r) return { reason: `${r.reason} (${path.relative(dir, f)})` };
        for (const o of r) found.push({ select, ...o });
      }
    }
    const objref = v.objref;
    const [group, version] = String(objref.apiVersion ?? '').includes('/')
      ? String(objref.apiVersion).split('/')
      : ['', String(objref.apiVersion ?? '')];
    const fieldref = isObject(v.fieldref) ? v.fieldref : {};
    const source: Record<string, unknown> = {
      ...(group ? { group } : {}),
      ...(version ? { version } : {}),
      kind: objref.kind,
      name: objref.name,
      ...(typeof objref.namespace === 'string' ? { namespace: objref.namespace } : {}),
      // vars write list indexes as `ports[0]`, replacements as `ports.0`.
      fieldPath:
        typeof fieldref.fieldpath === 'string'
          ? fieldref.fieldpath.replace(/\[(\d+)\]/g, '.$1')
          : 'metadata.name',
    };
    replacements.push({
      source,
      targets: found.map((o) => ({
        select: o.select,
        fieldPaths: [o.fieldPath],
        ...(o.options ? { options: o.options } : {}),
      })),
    });
    targets += found.length;
  }
  return { replacements, targets };
}

/** The resource and patch files a kustomization renders, its bases' included (as kustomize fix reads them). */
async function renderedFiles(
  k: Record<string, unknown>,
  dir: string,
  io: FixIo,
  depth: number,
): Promise<string[]> {
  if (depth > 10) return [];
  const out: string[] = [];
  const entries = [
    ...(Array.isArray(k.resources) ? k.resources : []),
    ...(Array.isArray(k.bases) ? k.bases : []),
  ];
  for (const r of entries) {
    if (typeof r !== 'string' || /^[a-z]+:\/\/|^github\.com\//.test(r)) continue;
    const p = path.resolve(dir, r);
    const text = await io.readText(p);
    if (text !== undefined) {
      out.push(p);
      continue;
    }
    for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
      const sub = await io.readText(path.join(p, name));
      if (sub === undefined) continue;
      const parsed = parseDocument(sub).toJSON() as unknown;
      if (isObject(parsed)) out.push(...(await renderedFiles(parsed, p, io, depth + 1)));
      break;
    }
  }
  for (const list of [k.patches, k.patchesStrategicMerge, k.patchesJson6902]) {
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      const file = typeof p === 'string' ? p : isObject(p) && typeof p.path === 'string' ? p.path : undefined;
      if (file && !file.includes('\n')) out.push(path.resolve(dir, file));
    }
  }
  return out;
}

function selectorOf(obj: Record<string, unknown>): Record<string, string> {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return {
    ...(group ? { group } : {}),
    ...(version ? { version } : {}),
    ...(typeof obj.kind === 'string' ? { kind: obj.kind } : {}),
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
  };
}

/** Every scalar holding `token`, with its kustomize field path and, inside a longer value, its segment. */
function occurrences(
  node: unknown,
  token: string,
  at: string[],
): Array<{ fieldPath: string; options?: { delimiter: string; index: number } }> | { reason: string } {
  const out: Array<{ fieldPath: string; options?: { delimiter: string; index: number } }> = [];
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const r = occurrences(node[i], token, [...at, String(i)]);
      if ('reason' in r) return r;
      out.push(...r);
    }
  } else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      const r = occurrences(v, token, [...at, k.includes('.') ? `[${k}]` : k]);
      if ('reason' in r) return r;
      out.push(...r);
    }
  } else if (typeof node === 'string' && node.includes(token)) {
    const fieldPath = at.join('.');
    if (node === token) return [{ fieldPath }];
    const i = node.indexOf(token);
    let delimiter: string;
    if (i === 0) delimiter = node[token.length]!;
    else if (i + token.length >= node.length) delimiter = node[i - 1]!;
    else {
      if (node[i - 1] !== node[i + token.length])
        return { reason: `${token} at ${fieldPath} is inside "${node}" with no delimiter around it` };
      delimiter = node[i - 1]!;
    }
    const index = node.split(delimiter).indexOf(token);
    if (index < 0) return { reason: `${token} at ${fieldPath} is not a whole segment of "${node}"` };
    out.push({ fieldPath, options: { delimiter, index } });
  }
  return out;
}
