// Rewrites a Flux object of a removed API version to the version Flux 2.9 serves, with the field
// migrations Flux documents for each move. Pure: a document's text in, the new text out (comments
// and key order kept: the edit goes through the YAML document, not a re-dump of plain data).

import { isMap, isScalar, isSeq, parseDocument, Scalar, stringify, YAMLMap, type Document } from 'yaml';
import { migrateMessageTemplate } from './imageTemplates';
import { isObject } from './jsonSchema';
import { keepLeadingComments } from './yamlObjects';

/** The version each group's kinds move to (the one Flux 2.9 serves: FACTS.md). */
const TARGET: Record<string, string | Record<string, string>> = {
  'source.toolkit.fluxcd.io': 'v1',
  'kustomize.toolkit.fluxcd.io': 'v1',
  'helm.toolkit.fluxcd.io': 'v2',
  'notification.toolkit.fluxcd.io': { Alert: 'v1beta3', Provider: 'v1beta3', Receiver: 'v1' },
  'image.toolkit.fluxcd.io': 'v1',
};

/** The apiVersion a Flux kind moves to from an older one, or undefined when it needs no move. */
export function migrationTarget(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return undefined;
  const group = apiVersion.slice(0, slash);
  const t = TARGET[group];
  const version = typeof t === 'string' ? t : t?.[kind];
  if (!version || version === apiVersion.slice(slash + 1)) return undefined;
  return `${group}/${version}`;
}

export interface Migration {
  apiVersion: string;
  /** The document's new text. */
  text: string;
  /** The field changes made, for the action's title and the user: "spec.valuesFile -> spec.valuesFiles". */
  changes: string[];
  /** What could not be migrated, each with the reason (the user edits it by hand). */
  left?: string[];
}

type Doc = Document.Parsed;

/**
 * Migrates one YAML document (the text of one `---` section) to the served version. Field moves,
 * from the controllers' CHANGELOGs and API docs:
 * - GitRepository (source v1.0.0): `spec.gitImplementation` and the unused `spec.accessFrom` removed;
 *   Bucket and HelmChart: `spec.accessFrom` removed;
 * - HelmChart (source v1.3.0) and HelmRelease `spec.chart.spec` (helm v1.0.0): `valuesFile` replaced
 *   by `valuesFiles` (the single file was merged first, so it goes first);
 * - Kustomization (kustomize v1.0.0): `spec.validation` removed (server-side apply always validates),
 *   `spec.patchesStrategicMerge` and `spec.patchesJson6902` replaced by `spec.patches`; HelmRelease
 *   (helm v1.0.0): the same for `spec.postRenderers[].kustomize`;
 * - HelmRelease v2beta1: the remediation renames of helm-controller 0.0.5 that old manifests still
 *   carry (`spec.maxRetries` -> `spec.install.remediation.retries` and
 *   `spec.upgrade.remediation.retries`; `spec.rollback.enable` -> `spec.upgrade.remediation.remediateLastFailure`);
 * - Alert (notification v1beta3): `spec.summary` deprecated for `spec.eventMetadata.summary`;
 * - ImageUpdateAutomation (image-automation v1.0.0): the commit message template's `.Updated` and
 *   `.Changed.ImageResult` data removed for `.Changed` (imageTemplates.ts; what has no exact
 *   equivalent is left, with the reason);
 * - everything else of these groups: the apiVersion alone (the fields did not change).
 * Patches keep kustomize's order of application: strategic-merge patches first, then the existing
 * `patches`, then the JSON 6902 ones. Returns undefined when the text does not parse or is not a
 * Flux object of an older version.
 */
export function migrateFluxDocument(text: string): Migration | undefined {
  let doc: Doc;
  try {
    doc = parseDocument(text, { keepSourceTokens: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const apiVersion = doc.get('apiVersion');
  const kind = doc.get('kind');
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const to = migrationTarget(apiVersion, kind);
  if (!to) return undefined;
  const changes: string[] = [`apiVersion ${apiVersion} -> ${to}`];
  const node = doc.contents.get('apiVersion', true);
  if (isScalar(node)) (node as Scalar).value = to;
  else doc.set('apiVersion', to);

  const group = to.slice(0, to.lastIndexOf('/'));
  if (group === 'source.toolkit.fluxcd.io') {
    if (kind === 'GitRepository') drop(doc, ['spec', 'gitImplementation'], changes);
    if (kind === 'GitRepository' || kind === 'Bucket' || kind === 'HelmChart')
      drop(doc, ['spec', 'accessFrom'], changes);
    if (kind === 'HelmChart') valuesFileToList(doc, ['spec'], changes);
  } else if (group === 'kustomize.toolkit.fluxcd.io' && kind === 'Kustomization') {
    drop(doc, ['spec', 'validation'], changes);
    patchesToPatches(doc, ['spec'], changes);
  } else if (group === 'helm.toolkit.fluxcd.io' && kind === 'HelmRelease') {
    valuesFileToList(doc, ['spec', 'chart', 'spec'], changes);
    const renderers = doc.getIn(['spec', 'postRenderers']);
    if (isSeq(renderers))
      renderers.items.forEach((_, i) =>
        patchesToPatches(doc, ['spec', 'postRenderers', i, 'kustomize'], changes),
      );
    remediationRenames(doc, changes);
  } else if (group === 'notification.toolkit.fluxcd.io' && kind === 'Alert') {
    const summary = doc.getIn(['spec', 'summary'], true);
    if (summary !== undefined && !doc.hasIn(['spec', 'eventMetadata', 'summary'])) {
      doc.deleteIn(['spec', 'summary']);
      doc.setIn(['spec', 'eventMetadata', 'summary'], summary);
      changes.push('spec.summary -> spec.eventMetadata.summary');
    }
  }
  const left =
    group === 'image.toolkit.fluxcd.io' && kind === 'ImageUpdateAutomation'
      ? messageTemplate(doc, changes)
      : [];
  return {
    apiVersion: to,
    text: keepLeadingComments(text, serialize(doc, text)),
    changes,
    ...(left.length ? { left } : {}),
  };
}

const TEMPLATE_PATH = ['spec', 'git', 'commit', 'messageTemplate'];

/**
 * An ImageUpdateAutomation of the served version whose commit message template uses data that
 * image-automation-controller 1.0 removed: the template rewritten (imageTemplates.ts). Undefined
 * when the text is not such a document or nothing could be rewritten.
 */
export function migrateImageUpdateTemplate(text: string): Migration | undefined {
  let doc: Doc;
  try {
    doc = parseDocument(text, { keepSourceTokens: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length || !isMap(doc.contents) || doc.get('kind') !== 'ImageUpdateAutomation')
    return undefined;
  const apiVersion = doc.get('apiVersion');
  if (typeof apiVersion !== 'string') return undefined;
  const changes: string[] = [];
  const left = messageTemplate(doc, changes);
  if (changes.length === 0) return undefined;
  return {
    apiVersion,
    text: keepLeadingComments(text, serialize(doc, text)),
    changes,
    ...(left.length ? { left } : {}),
  };
}

/** Rewrites spec.git.commit.messageTemplate in place (its scalar style kept); returns what is left. */
function messageTemplate(doc: Doc, changes: string[]): string[] {
  const node = doc.getIn(TEMPLATE_PATH, true);
  if (!isScalar(node) || typeof node.value !== 'string') return [];
  const m = migrateMessageTemplate(node.value);
  if (m.changes.length) {
    node.value = m.text;
    changes.push(...m.changes.map((c) => `messageTemplate ${c}`));
  }
  return m.left;
}

function drop(doc: Doc, path: Array<string | number>, changes: string[]): void {
  if (!doc.hasIn(path)) return;
  doc.deleteIn(path);
  changes.push(`${path.join('.')} removed`);
}

function valuesFileToList(doc: Doc, at: Array<string | number>, changes: string[]): void {
  const single = doc.getIn([...at, 'valuesFile'], true);
  if (single === undefined) return;
  doc.deleteIn([...at, 'valuesFile']);
  const list = doc.getIn([...at, 'valuesFiles'], true);
  if (isSeq(list)) list.items.unshift(single);
  else doc.setIn([...at, 'valuesFiles'], doc.createNode([isScalar(single) ? single.value : single]));
  changes.push(`${[...at, 'valuesFile'].join('.')} -> ${[...at, 'valuesFiles'].join('.')}`);
}

/** patchesStrategicMerge (objects) and patchesJson6902 (target + operations) -> patches (strings). */
function patchesToPatches(doc: Doc, at: Array<string | number>, changes: string[]): void {
  const smp = doc.getIn([...at, 'patchesStrategicMerge'], true);
  const json = doc.getIn([...at, 'patchesJson6902'], true);
  if (smp === undefined && json === undefined) return;
  const before: unknown[] = [];
  const after: unknown[] = [];
  if (isSeq(smp)) {
    for (const item of smp.items) before.push(doc.createNode({ patch: block(toPlain(item)) }));
    changes.push(`${[...at, 'patchesStrategicMerge'].join('.')} -> ${[...at, 'patches'].join('.')}`);
  }
  if (isSeq(json)) {
    for (const item of json.items) {
      const plain = toPlain(item);
      if (!isObject(plain)) continue;
      after.push(
        doc.createNode({
          ...(plain.target !== undefined ? { target: plain.target } : {}),
          patch: block(plain.patch),
        }),
      );
    }
    changes.push(`${[...at, 'patchesJson6902'].join('.')} -> ${[...at, 'patches'].join('.')}`);
  }
  doc.deleteIn([...at, 'patchesStrategicMerge']);
  doc.deleteIn([...at, 'patchesJson6902']);
  const existing = doc.getIn([...at, 'patches'], true);
  if (isSeq(existing)) {
    existing.items.unshift(...(before as typeof existing.items));
    existing.items.push(...(after as typeof existing.items));
  } else {
    const parent = doc.getIn(at, true);
    const list = doc.createNode([]);
    list.items.push(...(before as typeof list.items), ...(after as typeof list.items));
    if (isMap(parent)) parent.set('patches', list);
    else doc.setIn([...at, 'patches'], list);
  }
}

function remediationRenames(doc: Doc, changes: string[]): void {
  const retries = doc.getIn(['spec', 'maxRetries'], true);
  if (retries !== undefined) {
    doc.deleteIn(['spec', 'maxRetries']);
    for (const action of ['install', 'upgrade'])
      if (!doc.hasIn(['spec', action, 'remediation', 'retries']))
        doc.setIn(['spec', action, 'remediation', 'retries'], retries);
    changes.push('spec.maxRetries -> spec.install/upgrade.remediation.retries');
  }
  const enable = doc.getIn(['spec', 'rollback', 'enable'], true);
  if (enable !== undefined) {
    doc.deleteIn(['spec', 'rollback', 'enable']);
    const rollback = doc.getIn(['spec', 'rollback'], true);
    if (rollback instanceof YAMLMap && rollback.items.length === 0) doc.deleteIn(['spec', 'rollback']);
    if (!doc.hasIn(['spec', 'upgrade', 'remediation', 'remediateLastFailure']))
      doc.setIn(['spec', 'upgrade', 'remediation', 'remediateLastFailure'], enable);
    changes.push('spec.rollback.enable -> spec.upgrade.remediation.remediateLastFailure');
  }
}

function toPlain(node: unknown): unknown {
  return node && typeof node === 'object' && 'toJSON' in node
    ? (node as { toJSON: () => unknown }).toJSON()
    : node;
}

/** A patch as kustomize wants it: one YAML string, written as a literal block. */
function block(value: unknown): Scalar {
  const text = typeof value === 'string' ? value : stringify(value, { lineWidth: 0 }).trimEnd();
  const s = new Scalar(text.trimEnd());
  s.type = Scalar.BLOCK_LITERAL;
  return s;
}

/** Serializes with the source's own style: its indentation and whether lists are indented. */
function serialize(doc: Doc, source: string): string {
  const indent = /\n( +)\S/.exec(source)?.[1]?.length ?? 2;
  // "key:\n- item" (not indented) versus "key:\n  - item".
  const flatSeq = /^( *)[^\s#-][^\n]*:\s*\n\1- /m.test(source);
  const out = doc.toString({ indent: Math.min(Math.max(indent, 2), 8), indentSeq: !flatSeq, lineWidth: 0 });
  return source.endsWith('\n') ? out : out.replace(/\n$/, '');
}
