import { isMap, parseAllDocuments } from 'yaml';
import { removedTemplateFields } from '../flux/imageTemplates';
import { isObject } from '../flux/jsonSchema';
import { groupOf, referenceFieldsOf, type ReferenceField } from '../flux/references';
import { compileSelector, type Selector } from '../kustomize/selector';
import type { DocInfo } from './documents';
import {
  child,
  entries,
  items,
  keySpan,
  pairOf,
  span,
  str,
  toData,
  walkPath,
  type At,
  type Span,
} from './yamlNodes';

const SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';

const SELECTOR_FIELDS = [
  'group',
  'version',
  'kind',
  'name',
  'namespace',
  'labelSelector',
  'annotationSelector',
] as const;
const FLUX_KUSTOMIZATION = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', kind: 'Kustomization' };

/** A field of an object that names another object. */
export interface RefSite {
  field: ReferenceField;
  /** The kind written, else the field's default kind, else ''. */
  kind: string;
  kindSpan?: Span;
  name: string;
  /** The name's value; the reference mapping when there is no name. */
  nameSpan: Span;
  namespace?: string;
  namespaceSpan?: Span;
  optional: boolean;
  /** `name: '*'`: every object of the kind (with matchLabels). */
  wildcard: boolean;
}

/** An object a controller creates at run time from this one (it is in no file). */
export interface CreatedObject {
  kind: string;
  /** undefined: names come from templates (ResourceSet), so any name may exist. */
  name?: string;
  /** undefined: the creator's own namespace. */
  namespace?: string;
  /** Named after the namespace it is created in (FluxInstance sync objects, as bootstrap names them). */
  nameIsNamespace?: boolean;
  /** How it comes to exist, for messages: "ArtifactGenerator spec.artifacts". */
  how: string;
}

/** A patch in a Flux Kustomization's spec.patches that targets Flux Kustomizations (its children). */
export interface ChildPatch {
  /** The patch's target: Go regular expressions and label selectors (kustomize/selector.ts). */
  target: Selector;
  /** Dotted paths the patch sets ("spec.interval"); undefined when it cannot be read field by field. */
  provides: string[] | undefined;
  /** Variable names it adds to spec.postBuild.substitute. */
  substitute: string[];
  /** substituteFrom entries it adds. */
  substituteFrom: Array<{ kind: string; name: string; optional: boolean }>;
}

/** What a Flux Kustomization says about how it renders. */
export interface FluxKustomizationFacts {
  path?: string;
  pathSpan?: Span;
  targetNamespace?: string;
  /** namePrefix or nameSuffix: the objects it renders are renamed. */
  changesNames: boolean;
  /** spec.postBuild when set (null counts as unset, as the API server drops it). */
  postBuild?: {
    substitute: Array<{ name: string; span: Span }>;
    strategy?: string;
    span: Span;
  };
  childPatches: ChildPatch[];
  /** spec.patches has entries that may target anything (for duplicate and name checks). */
  hasPatches: boolean;
  components: Array<{ value: string; span: Span }>;
}

/** One Kubernetes object (a document with apiVersion and kind) of a file. */
export interface IndexedObject {
  file: string;
  docIndex: number;
  span: Span;
  apiVersion: string;
  group: string;
  kind: string;
  name: string;
  nameSpan?: Span;
  kindSpan?: Span;
  apiVersionSpan?: Span;
  /** metadata.namespace as written. */
  namespace?: string;
  namespaceSpan?: Span;
  labels: Record<string, string>;
  /** false when annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
  substitution: boolean;
  refs: RefSite[];
  ks?: FluxKustomizationFacts;
  /** ConfigMap/Secret data keys (variables when used by substituteFrom). */
  keys?: Array<{ name: string; span: Span }>;
  encrypted?: boolean;
  creates?: CreatedObject[];
  /** HelmChart spec.version / HelmRelease spec.chart.spec.version. */
  chartVersion?: { value: string; span: Span; sourceKind?: string };
  /** ImageUpdateAutomation: template data fields image-automation-controller 1.0 removed, and where. */
  removedTemplateFields?: { fields: string[]; span: Span };
  /** Sources: spec.url. */
  url?: string;
  /** One line shown in hovers (ImagePolicy: its policy and repository). */
  summary?: string;
  /** Objects a controller makes from this one that the model treats as objects of this document. */
  synthetic?: IndexedObject[];
  /** Set on those: how they come to exist ("FluxInstance flux (spec.sync)"). */
  createdBy?: string;
  /** Made by a kustomization file's configMapGenerator/secretGenerator (docIndex -1). */
  generated?: boolean;
  /** Generated, with keys from files (envs, files) or a merge: `keys` is not the whole list. */
  generatorKeysIncomplete?: boolean;
}

export function objectFacts(file: string, d: DocInfo, root: At): IndexedObject | undefined {
  const apiVersion = d.apiVersion!;
  const kind = d.kind!;
  const group = groupOf(apiVersion);
  const meta = child(root, 'metadata');
  const nameAt = child(meta, 'name');
  const nsAt = child(meta, 'namespace');
  const o: IndexedObject = {
    file,
    docIndex: d.index,
    span: [d.start, d.end],
    apiVersion,
    group,
    kind,
    name: str(nameAt) ?? '',
    labels: d.labels,
    substitution: true,
    refs: [],
  };
  const ns = str(nsAt);
  if (ns) o.namespace = ns;
  const set = <K extends keyof IndexedObject>(k: K, v: IndexedObject[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('nameSpan', span(nameAt));
  set('namespaceSpan', span(nsAt));
  if (d.kindRange) o.kindSpan = d.kindRange;
  if (d.apiVersionRange) o.apiVersionSpan = d.apiVersionRange;
  if (str(child(child(meta, 'annotations'), SUBSTITUTE_ANNOTATION)) === 'disabled') o.substitution = false;

  for (const field of referenceFieldsOf(group, kind)) {
    for (const at of walkPath(root, field.path)) {
      const ref = refSite(field, at);
      if (ref) o.refs.push(ref);
    }
  }
  const spec = child(root, 'spec');
  if (group === 'kustomize.toolkit.fluxcd.io' && kind === 'Kustomization')
    o.ks = fluxKustomizationFacts(spec);
  else if (group === '' && (kind === 'ConfigMap' || kind === 'Secret')) dataKeys(o, root);
  else if (group === 'helm.toolkit.fluxcd.io' && kind === 'HelmRelease') helmRelease(o, spec);
  else if (group === 'source.toolkit.fluxcd.io') {
    set('url', str(child(spec, 'url')));
    if (kind === 'HelmChart') chartVersion(o, spec, str(child(child(spec, 'sourceRef'), 'kind')));
  } else if (group === 'source.extensions.fluxcd.io' && kind === 'ArtifactGenerator') {
    o.creates = items(child(spec, 'artifacts'))
      .map((a) => str(child(a, 'name')))
      .filter((n): n is string => !!n)
      .map((name) => ({
        kind: 'ExternalArtifact',
        name,
        how: `ArtifactGenerator ${o.name} (spec.artifacts)`,
      }));
  } else if (group === 'image.toolkit.fluxcd.io' && kind === 'ImageUpdateAutomation') {
    const template = child(child(child(spec, 'git'), 'commit'), 'messageTemplate');
    const value = str(template);
    const fields = value?.includes('{{') ? removedTemplateFields(value) : [];
    const at = span(template);
    if (fields.length && at) o.removedTemplateFields = { fields, span: at };
  } else if (group === 'image.toolkit.fluxcd.io' && kind === 'ImagePolicy') {
    const policy = entries(child(spec, 'policy'))[0];
    const detail = policy
      ? Object.values((toData(policy.value) as Record<string, unknown>) ?? {})[0]
      : undefined;
    o.summary = `policy ${policy?.key ?? 'not set'}${typeof detail === 'string' ? ` ${detail}` : ''}, image repository ${str(child(child(spec, 'imageRepositoryRef'), 'name')) ?? '(not set)'}`;
  } else if (group === 'fluxcd.controlplane.io') {
    if (kind === 'FluxInstance')
      fluxInstanceSync(o, child(spec, 'sync'), `FluxInstance ${o.name} (spec.sync)`);
    if (kind === 'ResourceSet') resourceSet(o, spec);
  } else if (group === 'external-secrets.io' && kind === 'ExternalSecret') {
    const target = str(child(child(spec, 'target'), 'name')) ?? o.name;
    if (target) o.creates = [{ kind: 'Secret', name: target, how: `ExternalSecret ${o.name}` }];
  } else if (group === 'bitnami.com' && kind === 'SealedSecret') {
    if (o.name) o.creates = [{ kind: 'Secret', name: o.name, how: `SealedSecret ${o.name}` }];
  }
  return o;
}

function refSite(field: ReferenceField, at: At): RefSite | undefined {
  const s = span(at);
  if (!s) return undefined;
  const nameAt = child(at, 'name');
  const kindAt = child(at, 'kind');
  const nsAt = child(at, 'namespace');
  const name = str(nameAt) ?? '';
  const kind = str(kindAt) ?? field.defaultKind ?? '';
  const r: RefSite = {
    field,
    kind,
    name,
    nameSpan: span(nameAt) ?? s,
    optional: str(child(at, 'optional')) === 'true',
    wildcard: field.wildcard === true && name === '*',
  };
  const ks = span(kindAt);
  if (ks) r.kindSpan = ks;
  const ns = str(nsAt);
  if (ns) {
    r.namespace = ns;
    const nss = span(nsAt);
    if (nss) r.namespaceSpan = nss;
  }
  return r;
}

function fluxKustomizationFacts(spec: At | undefined): FluxKustomizationFacts {
  const pathAt = child(spec, 'path');
  const f: FluxKustomizationFacts = {
    changesNames: !!(str(child(spec, 'namePrefix')) || str(child(spec, 'nameSuffix'))),
    childPatches: [],
    hasPatches: items(child(spec, 'patches')).length > 0,
    components: [],
  };
  const p = str(pathAt);
  const ps = span(pathAt);
  if (p !== undefined) f.path = p;
  if (ps) f.pathSpan = ps;
  const tn = str(child(spec, 'targetNamespace'));
  if (tn) f.targetNamespace = tn;
  const pb = child(spec, 'postBuild');
  const pbPair = pairOf(spec, 'postBuild');
  const pbSpan = pbPair && spec ? keySpan(pbPair, spec.base) : undefined;
  if (pb && pbSpan && isMap(pb.node)) {
    const strategy = str(child(pb, 'substituteStrategy'));
    f.postBuild = {
      substitute: entries(child(pb, 'substitute'))
        .filter((e) => e.keySpan)
        .map((e) => ({ name: e.key, span: e.keySpan! })),
      span: pbSpan,
      ...(strategy ? { strategy } : {}),
    };
  }
  for (const c of items(child(spec, 'components'))) {
    const v = str(c);
    const s = span(c);
    if (v && s) f.components.push({ value: v, span: s });
  }
  for (const p of items(child(spec, 'patches'))) {
    const cp = childPatchOf(toData(p));
    if (cp) f.childPatches.push(cp);
  }
  return f;
}

/**
 * A patch of spec.patches that targets Kustomizations: what it sets on them. kustomize-controller
 * applies it to the child Kustomization objects this one renders, before they reach the cluster.
 */
export function childPatchOf(p: unknown): ChildPatch | undefined {
  if (!isObject(p) || typeof p.patch !== 'string') return undefined;
  const target = isObject(p.target) ? p.target : {};
  let body: unknown;
  try {
    body = parseAllDocuments(p.patch)[0]?.toJS({ maxAliasCount: 100 });
  } catch {
    body = undefined;
  }
  const selector: Selector = {};
  for (const k of SELECTOR_FIELDS) if (typeof target[k] === 'string' && target[k]) selector[k] = target[k];
  // Without a target kind, a patch applies to the objects of its own kind.
  if (!selector.kind && isObject(body) && typeof body.kind === 'string') selector.kind = body.kind;
  if (!selector.kind) return undefined;
  const kindOnly = compileSelector({ group: selector.group, kind: selector.kind });
  // An invalid pattern fails the parent's build in kustomize: such a patch provides nothing.
  if (!compileSelector(selector).ok || !kindOnly.ok) return undefined;
  if (!kindOnly.matches({ ...FLUX_KUSTOMIZATION, name: '', namespace: '' })) return undefined;
  let provides: string[] | undefined;
  const substitute: string[] = [];
  const substituteFrom: ChildPatch['substituteFrom'] = [];
  if (Array.isArray(body)) {
    // JSON 6902: the paths of add/replace operations.
    provides = body
      .filter((op) => isObject(op) && (op.op === 'add' || op.op === 'replace') && typeof op.path === 'string')
      .map((op) =>
        String((op as Record<string, unknown>).path)
          .split('/')
          .filter(Boolean)
          .join('.'),
      );
  } else if (isObject(body)) {
    provides = leafPaths(body).filter((x) => !x.startsWith('metadata') && x !== 'apiVersion' && x !== 'kind');
    const pb = isObject(body.spec) && isObject(body.spec.postBuild) ? body.spec.postBuild : undefined;
    if (pb && isObject(pb.substitute)) substitute.push(...Object.keys(pb.substitute));
    if (pb && Array.isArray(pb.substituteFrom))
      for (const r of pb.substituteFrom)
        if (isObject(r) && typeof r.name === 'string')
          substituteFrom.push({ kind: String(r.kind ?? ''), name: r.name, optional: r.optional === true });
  }
  return {
    target: selector,
    provides,
    substitute,
    substituteFrom,
  };
}

/** Every path to a present key (objects are walked, not arrays): "spec", "spec.interval", ... */
function leafPaths(obj: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p);
    if (isObject(v)) out.push(...leafPaths(v, p));
  }
  return out;
}

function dataKeys(o: IndexedObject, root: At): void {
  const keys: Array<{ name: string; span: Span }> = [];
  for (const field of ['data', 'stringData', 'binaryData']) {
    for (const e of entries(child(root, field))) if (e.keySpan) keys.push({ name: e.key, span: e.keySpan });
  }
  o.keys = keys;
  if (child(root, 'sops')) o.encrypted = true;
}

function chartVersion(o: IndexedObject, spec: At | undefined, sourceKind: string | undefined): void {
  const v = child(spec, 'version');
  const value = str(v);
  const s = span(v);
  if (value !== undefined && s) o.chartVersion = { value, span: s, ...(sourceKind ? { sourceKind } : {}) };
}

function helmRelease(o: IndexedObject, spec: At | undefined): void {
  const chartSpec = child(child(spec, 'chart'), 'spec');
  if (chartSpec) {
    const sourceRef = child(chartSpec, 'sourceRef');
    chartVersion(o, chartSpec, str(child(sourceRef, 'kind')));
    // source-controller makes a HelmChart `<namespace>-<name>` for an inline chart, in the source's namespace.
    const sourceNs = str(child(sourceRef, 'namespace'));
    o.creates = [
      {
        kind: 'HelmChart',
        name: `${o.namespace ?? ''}-${o.name}`,
        ...(sourceNs ? { namespace: sourceNs } : {}),
        how: `HelmRelease ${o.name} (spec.chart)`,
      },
    ];
  }
  // The Flux Operator's flux-instance chart makes a FluxInstance from these values.
  const sync = child(child(child(spec, 'values'), 'instance'), 'sync');
  if (sync) {
    const target = str(child(spec, 'targetNamespace'));
    fluxInstanceSync(o, sync, `HelmRelease ${o.name} (values.instance.sync)`, target);
  }
}

/**
 * FluxInstance spec.sync (or the flux-instance chart's values.instance.sync): the Flux Operator
 * makes a source and a Kustomization, named after the namespace as flux bootstrap names them,
 * that sync the cluster from `path`. They are modelled as objects of the creator's document, so
 * references to them resolve and the Kustomization renders its path like any other.
 */
function fluxInstanceSync(
  o: IndexedObject,
  sync: At | undefined,
  how: string,
  targetNamespace?: string,
): void {
  const kind = str(child(sync, 'kind'));
  const namespace = targetNamespace ?? o.namespace;
  const s = span(sync);
  if (!sync || !kind || !namespace || !s) return;
  const name = str(child(sync, 'name')) ?? namespace;
  const common = {
    file: o.file,
    docIndex: o.docIndex,
    span: o.span,
    nameSpan: s,
    name,
    namespace,
    labels: {},
    substitution: true,
    createdBy: how,
  };
  const url = str(child(sync, 'url'));
  const source: IndexedObject = {
    ...common,
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    group: 'source.toolkit.fluxcd.io',
    kind,
    refs: [],
    ...(url ? { url } : {}),
  };
  const sourceRef = referenceFieldsOf('kustomize.toolkit.fluxcd.io', 'Kustomization').find(
    (f) => f.label === 'spec.sourceRef',
  )!;
  const path = str(child(sync, 'path'));
  const ks: IndexedObject = {
    ...common,
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    group: 'kustomize.toolkit.fluxcd.io',
    kind: 'Kustomization',
    refs: [{ field: sourceRef, kind, name, nameSpan: s, namespace, optional: false, wildcard: false }],
    ks: {
      ...(path !== undefined
        ? { path, ...(span(child(sync, 'path')) ? { pathSpan: span(child(sync, 'path'))! } : {}) }
        : {}),
      changesNames: false,
      childPatches: [],
      hasPatches: false,
      components: [],
    },
  };
  o.synthetic = [...(o.synthetic ?? []), source, ks];
}

function resourceSet(o: IndexedObject, spec: At | undefined): void {
  const made: CreatedObject[] = [];
  const how = `ResourceSet ${o.name} (templates)`;
  for (const r of items(child(spec, 'resources'))) {
    const kind = str(child(r, 'kind'));
    if (!kind || kind.includes('<<')) continue;
    const name = str(child(child(r, 'metadata'), 'name'));
    const ns = str(child(child(r, 'metadata'), 'namespace'));
    made.push({
      kind,
      ...(name && !name.includes('<<') ? { name } : {}),
      ...(ns && !ns.includes('<<') ? { namespace: ns } : {}),
      how,
    });
  }
  const template = str(child(spec, 'resourcesTemplate'));
  if (template)
    for (const m of template.matchAll(/^\s*kind:\s*([A-Za-z]+)\s*$/gm)) made.push({ kind: m[1]!, how });
  if (made.length) o.creates = [...(o.creates ?? []), ...made];
}
