import { isScalar } from 'yaml';
import { KUSTOMIZATION_FILE_NAMES } from '../kustomize/kustomizationFile';
import { entries, items, span, str, child, type At, type Span } from './yamlNodes';

/** How a kustomization.yaml uses a path it names. */
export type KustomizeRole =
  | 'resource'
  | 'component'
  | 'patch'
  | 'generator-file'
  | 'crd'
  | 'configuration'
  | 'transformer'
  | 'generator'
  | 'validator'
  | 'replacement'
  | 'openapi';

/** A path (or URL) a kustomization file names. */
export interface KustomizeRef {
  /** The field as kustomize knows it (canonical spelling), e.g. "resources". */
  field: string;
  role: KustomizeRole;
  /** The value as written (a generator's `key=path` is reduced to the path). */
  value: string;
  span: Span;
  /** A URL or a git address: kustomize fetches it; never a local path. */
  remote: boolean;
  /** A patch with an explicit `target`: its own apiVersion/kind do not say what it patches. */
  explicitTarget?: boolean;
  /** A generator input whose ConfigMap/Secret is annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
  substitutionDisabled?: boolean;
}

/** A ConfigMap or Secret a generator makes, with the keys it certainly has. */
export interface GeneratedObject {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  span: Span;
  namespace?: string;
  keys: string[];
  /** False when some keys come from files (`envs`, `files`) this model does not read. */
  keysComplete: boolean;
}

export interface KustomizeFacts {
  kind: 'Kustomization' | 'Component';
  /** The `namespace:` field: kustomize sets it on every namespaced object of this build. */
  namespace?: string;
  /** namePrefix/nameSuffix or a name-changing transformer: object names are not what files say. */
  changesNames: boolean;
  refs: KustomizeRef[];
  generated: GeneratedObject[];
  /** commonAnnotations sets `kustomize.toolkit.fluxcd.io/substitute: disabled` on every object. */
  substitutionDisabled: boolean;
}

const SUBSTITUTE = 'kustomize.toolkit.fluxcd.io/substitute';

/** kustomize reads kustomization fields case-insensitively (Go's encoding/json): `apiversion` works. */
const CANONICAL = new Map(
  [
    'apiVersion',
    'kind',
    'namespace',
    'namePrefix',
    'nameSuffix',
    'resources',
    'bases',
    'components',
    'patches',
    'patchesStrategicMerge',
    'patchesJson6902',
    'configMapGenerator',
    'secretGenerator',
    'crds',
    'configurations',
    'transformers',
    'generators',
    'validators',
    'replacements',
    'openapi',
    'commonAnnotations',
    'generatorOptions',
    'helmCharts',
  ].map((k) => [k.toLowerCase(), k]),
);

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com[:/]|^gitlab\.com[:/]|^bitbucket\.org[:/]/i;

export function isKustomizationFileName(base: string): boolean {
  return KUSTOMIZATION_FILE_NAMES.includes(base);
}

/** Reads a kustomization file's root mapping. */
export function kustomizeFactsOf(root: At): KustomizeFacts {
  const facts: KustomizeFacts = {
    kind: 'Kustomization',
    changesNames: false,
    refs: [],
    generated: [],
    substitutionDisabled: false,
  };
  const disabledBy = (annotations: At | undefined): boolean =>
    str(child(annotations, SUBSTITUTE)) === 'disabled';
  const optionsDisable = disabledBy(child(child(root, 'generatorOptions', true), 'annotations', true));
  const add = (
    field: string,
    role: KustomizeRole,
    at: At | undefined,
    extra: Partial<KustomizeRef> = {},
  ): void => {
    const value = str(at);
    const s = span(at);
    if (value === undefined || !s || value.includes('\n') || value.trim() === '') return;
    facts.refs.push({ field, role, value, span: s, remote: REMOTE.test(value), ...extra });
  };
  for (const { key, value } of entries(root)) {
    const field = CANONICAL.get(key.toLowerCase());
    if (!field) continue;
    switch (field) {
      case 'kind':
        if (str(value) === 'Component') facts.kind = 'Component';
        break;
      case 'namespace': {
        const ns = str(value);
        if (ns) facts.namespace = ns;
        break;
      }
      case 'namePrefix':
      case 'nameSuffix':
        if (str(value)) facts.changesNames = true;
        break;
      case 'resources':
      case 'bases':
        for (const i of items(value)) add(field, 'resource', i);
        break;
      case 'components':
        for (const i of items(value)) add(field, 'component', i);
        break;
      case 'crds':
        for (const i of items(value)) add(field, 'crd', i);
        break;
      case 'configurations':
        for (const i of items(value)) add(field, 'configuration', i);
        break;
      case 'transformers':
      case 'generators':
      case 'validators':
        // Inline transformer configurations (mappings) are not paths.
        for (const i of items(value))
          add(
            field,
            field === 'transformers' ? 'transformer' : field === 'generators' ? 'generator' : 'validator',
            i,
          );
        break;
      case 'patchesStrategicMerge':
        for (const i of items(value)) add(field, 'patch', i);
        break;
      case 'patches':
      case 'patchesJson6902':
        for (const i of items(value)) {
          const target = child(i, 'target', true);
          add(field, 'patch', child(i, 'path', true), target ? { explicitTarget: true } : {});
        }
        break;
      case 'replacements':
        for (const i of items(value)) add(field, 'replacement', child(i, 'path', true));
        break;
      case 'openapi':
        add(field, 'openapi', child(value, 'path', true));
        break;
      case 'helmCharts':
        // Values files of charts kustomize inflates (Flux does not; `flux build` may): data, not objects.
        for (const c of items(value)) {
          add(field, 'generator-file', child(c, 'valuesFile', true));
          for (const f of items(child(c, 'additionalValuesFiles', true))) add(field, 'generator-file', f);
        }
        break;
      case 'commonAnnotations':
        if (disabledBy(value)) facts.substitutionDisabled = true;
        break;
      case 'configMapGenerator':
      case 'secretGenerator':
        for (const g of items(value)) {
          const before = facts.refs.length;
          generator(field, g, facts, add);
          const disabled =
            optionsDisable || disabledBy(child(child(g, 'options', true), 'annotations', true));
          if (disabled) for (const r of facts.refs.slice(before)) r.substitutionDisabled = true;
        }
        break;
    }
  }
  return facts;
}

function generator(
  field: string,
  g: At,
  facts: KustomizeFacts,
  add: (field: string, role: KustomizeRole, at: At | undefined) => void,
): void {
  const nameAt = child(g, 'name', true);
  const name = str(nameAt);
  const keys: string[] = [];
  let keysComplete = true;
  for (const lit of items(child(g, 'literals', true))) {
    const l = str(lit);
    if (l && l.includes('=')) keys.push(l.slice(0, l.indexOf('=')));
  }
  for (const f of items(child(g, 'files', true))) {
    const v = str(f);
    const s = span(f);
    if (!v || !s) continue;
    // `key=path`, else the key is the file's base name.
    const eq = v.indexOf('=');
    const file = eq >= 0 ? v.slice(eq + 1) : v;
    keys.push(eq >= 0 ? v.slice(0, eq) : file.split('/').pop()!);
    // The path is the end of the scalar (quotes aside, which keep the end where it is).
    const quoted = isScalar(f.node) && (f.node.type === 'QUOTE_DOUBLE' || f.node.type === 'QUOTE_SINGLE');
    const end = s[1] - (quoted ? 1 : 0);
    facts.refs.push({
      field,
      role: 'generator-file',
      value: file,
      span: [Math.max(s[0], end - file.length), end],
      remote: false,
    });
  }
  for (const e of [...items(child(g, 'envs', true)), child(g, 'env', true)]) {
    if (!e) continue;
    keysComplete = false;
    add(field, 'generator-file', e);
  }
  const behavior = str(child(g, 'behavior', true));
  // A merge or replace changes an object generated elsewhere: its keys are not all known here.
  if (behavior === 'merge' || behavior === 'replace') keysComplete = false;
  const s = span(nameAt);
  if (name && s) {
    const ns = str(child(g, 'namespace', true));
    facts.generated.push({
      kind: field === 'configMapGenerator' ? 'ConfigMap' : 'Secret',
      name,
      span: s,
      ...(ns ? { namespace: ns } : {}),
      keys,
      keysComplete,
    });
  }
}
