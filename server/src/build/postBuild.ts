import {
  parse,
  stringify,
  type ParseOptions,
  type SchemaOptions,
  type DocumentOptions,
  type ToStringOptions,
  type CreateNodeOptions,
} from 'yaml';
import { envsubst, EnvsubstError, VARIABLE_NAME } from './envsubst';
import type { FluxBuildSpec } from './overlay';
import { maskSopsSecret } from './sops';
import { isObject } from '../flux/jsonSchema';

export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';
const OWNER_NAME = 'kustomize.toolkit.fluxcd.io/name';
const OWNER_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';

/**
 * YAML as Flux's Go side reads it (sigs.k8s.io/yaml, YAML 1.1): `yes`/`on` are booleans and `0755` is
 * octal, but there are no timestamps (they stay strings in JSON).
 */
export const GO_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  uniqueKeys: false,
  customTags: (tags) =>
    tags.filter((t) =>
      typeof t === 'string'
        ? t !== 'timestamp' && t !== 'floatTime' && t !== 'intTime'
        : t.tag !== 'tag:yaml.org,2002:timestamp' && (t as { format?: string }).format !== 'TIME',
    ),
};
// Stringified with the same schema, so strings like "yes", "on" or "0755" are quoted for Go readers.
const STRINGIFY: DocumentOptions & SchemaOptions & ToStringOptions & CreateNodeOptions = {
  ...GO_YAML,
  lineWidth: 0,
  aliasDuplicateObjects: false,
};

/**
 * Parses one object's YAML with the values Flux's Go code would see. (A faster YAML 1.2 parse for
 * documents without 1.1-only scalars was tried and dropped: the differential test found `zone: .`,
 * which YAML 1.1 readers take as a float and 1.2 as a string.)
 */
export function parseGoYaml(text: string): unknown {
  return parse(text, GO_YAML);
}

/** A variable available to substitution, with where its value came from. */
export interface Variable {
  value: string;
  /** e.g. "spec.postBuild.substitute", "ConfigMap flux-system/cluster-vars (clusters/dev/vars.yaml)". */
  source: string;
  /** The value is SOPS-encrypted: the expression is left as it is and reported as masked. */
  masked?: boolean;
  /** The value's bytes, when they are not valid UTF-8 (a binary Secret value); `value` shows them with U+FFFD. */
  bytes?: Uint8Array;
}

export interface PostBuildOptions {
  name: string;
  namespace: string;
  postBuild: FluxBuildSpec['postBuild'];
  commonMetadata?: FluxBuildSpec['commonMetadata'];
  variables: ReadonlyMap<string, Variable>;
  strict: boolean;
}

export interface PostBuildResult {
  /** The objects, parsed on first access (the YAML text is what the build produces). */
  readonly objects: Array<Record<string, unknown>>;
  objectCount: number;
  yaml: string;
  /** Variables referenced by substituted objects, and whether each had a value (or a default). */
  used: Map<string, boolean>;
  /** Objects skipped because of `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
  substitutionDisabled: string[];
  sopsMasked: string[];
}

export class PostBuildError extends Error {
  constructor(
    message: string,
    /** Unset variables and the objects (Kind/namespace/name) that use them. */
    readonly unresolved: Map<string, string[]> = new Map(),
  ) {
    super(message);
  }
}

/** kustomize's Gvk.String(), which Flux puts in its errors: "apps_v1_Deployment", "~G_v1_ConfigMap". */
function gvkString(o: Record<string, unknown>): string {
  const av = String(o.apiVersion ?? '');
  const [g, v] = av.includes('/') ? av.split('/', 2) : ['', av];
  return `${g || '~G'}_${v || '~V'}_${String(o.kind ?? '') || '~K'}`;
}

export function objectId(o: Record<string, unknown>): string {
  const m = isObject(o.metadata) ? o.metadata : {};
  return `${String(o.kind ?? '?')}/${m.namespace ? `${String(m.namespace)}/` : ''}${String(m.name ?? '?')}`;
}

/**
 * The object's YAML with the ownership labels (and commonMetadata) added as text, or undefined when
 * the text is not in the plain block layout kustomize writes (then the caller parses it). Secrets
 * (masking), objects already carrying Flux's labels or annotations, and kustomize config objects
 * always take the parsing path.
 */
function labelInPlace(text: string, options: PostBuildOptions): string | undefined {
  if (
    /kustomize\.toolkit\.fluxcd\.io\/(?:name|namespace|substitute)\b/.test(text) ||
    /^kind: ["']?Secret["']?\s*$/m.test(text)
  )
    return undefined;
  if (
    !/^kind: \S/m.test(text) ||
    !/^apiVersion: \S/m.test(text) ||
    /^apiVersion: ["']?kustomize\.config\.k8s\.io\//m.test(text)
  ) {
    return undefined;
  }
  const lines = text.split('\n');
  const start = lines.indexOf('metadata:');
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && lines[end]!.startsWith('  ')) end++;
  const block = lines.slice(start + 1, end);
  if (!block.some((l) => /^ {2}name: \S/.test(l))) return undefined;
  const labels: Record<string, string> = {
    [OWNER_NAME]: options.name,
    [OWNER_NAMESPACE]: options.namespace,
    ...(options.commonMetadata?.labels ?? {}),
  };
  const inserts: Array<{ at: number; lines: string[] }> = [];
  const entry = (k: string, v: string): string => `    ${JSON.stringify(k)}: ${JSON.stringify(String(v))}`;
  for (const [key, values] of [
    ['labels', labels],
    ['annotations', options.commonMetadata?.annotations ?? {}],
  ] as const) {
    const entries = Object.entries(values);
    if (entries.length === 0) continue;
    const i = block.findIndex((l) => l.startsWith(`  ${key}:`));
    if (i < 0) {
      inserts.push({ at: start + 1, lines: [`  ${key}:`, ...entries.map(([k, v]) => entry(k, v))] });
      continue;
    }
    // Only the block form with entries below; a key given again (commonMetadata overriding) or any
    // other form is left to the parsing path.
    if (block[i] !== `  ${key}:` || !block[i + 1]?.startsWith('    ')) return undefined;
    let j = i + 1;
    while (j < block.length && block[j]!.startsWith('    ')) j++;
    const existing = block.slice(i + 1, j).join('\n');
    if (entries.some(([k]) => existing.includes(k))) return undefined;
    inserts.push({ at: start + 1 + i + 1, lines: entries.map(([k, v]) => entry(k, v)) });
  }
  for (const ins of inserts.sort((a, b) => b.at - a.at)) lines.splice(ins.at, 0, ...ins.lines);
  return lines.join('\n');
}

/** Flux's wording for a failed substitution, by where it fails. */
function envsubstFailure(err: EnvsubstError): string {
  switch (err.stage) {
    case 'substitution':
      return `envsubst error: variable substitution failed: ${err.message}`;
    case 'yaml':
      return `envsubst error: YAMLToJSON: ${err.message}`;
    default:
      return err.message;
  }
}

/** Splits kustomize's output into one text per object (kustomize separates them with `---` lines). */
export function splitDocuments(text: string): string[] {
  return text.split(/^---[ \t]*$\n?/m).filter((d) => d.trim() !== '');
}

/**
 * What kustomize-controller does after kustomize: per object, post-build substitution on the
 * object's YAML text (unless the object has the label or annotation
 * `kustomize.toolkit.fluxcd.io/substitute: disabled`), then the ownership labels, SOPS masking
 * (the preview never decrypts) and `spec.commonMetadata`.
 *
 * Substitution runs when `spec.postBuild` is set and there is at least one variable, or the
 * strategy is `Always`. With `strict` (kustomize-controller's default since Flux 2.9), an unset
 * variable without a default fails the build; the error lists every such variable and object.
 */
export function postBuild(kustomizeOutput: string, options: PostBuildOptions): PostBuildResult {
  const { variables } = options;
  for (const name of variables.keys()) {
    if (!VARIABLE_NAME.test(name))
      throw new PostBuildError(
        `'${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`,
      );
  }
  const substitute =
    options.postBuild != null && (variables.size > 0 || options.postBuild.substituteStrategy === 'Always');
  const lookup = (name: string): string | Uint8Array | undefined => {
    const v = variables.get(name);
    if (!v) return undefined;
    return v.masked ? `\${${name}}` : (v.bytes ?? v.value.replace(/\n/g, ''));
  };
  const out: string[] = [];
  let parsed: Array<Record<string, unknown>> | undefined;
  const result: PostBuildResult = {
    get objects() {
      return (parsed ??= out.map((t) => parseGoYaml(t) as Record<string, unknown>));
    },
    objectCount: 0,
    yaml: '',
    used: new Map(),
    substitutionDisabled: [],
    sopsMasked: [],
  };
  const unresolved = new Map<string, string[]>();
  let firstError: string | undefined;

  for (const text of splitDocuments(kustomizeOutput)) {
    // Most objects only need the ownership labels: add them to kustomize's text without a YAML
    // round trip, which costs more than kustomize itself on large builds.
    if (!substitute || !text.includes('$')) {
      const labelled = labelInPlace(text, options);
      if (labelled !== undefined) {
        out.push(labelled);
        result.objectCount++;
        continue;
      }
    }
    let obj: unknown = parseGoYaml(text);
    if (!isObject(obj)) continue;
    let docText = text;
    if (substitute) {
      const meta = isObject(obj.metadata) ? obj.metadata : {};
      const disabled =
        (isObject(meta.labels) && meta.labels[SUBSTITUTE_KEY] === 'disabled') ||
        (isObject(meta.annotations) && meta.annotations[SUBSTITUTE_KEY] === 'disabled');
      if (disabled) result.substitutionDisabled.push(objectId(obj));
      else {
        let substituted: string;
        const where = `'${gvkString(obj)}/${String(meta.name ?? '')}'`;
        try {
          substituted = envsubst(text, lookup, options.strict, (name, set, hasDefault) =>
            result.used.set(name, set || hasDefault || result.used.get(name) === true),
          );
        } catch (err) {
          if (!(err instanceof EnvsubstError)) throw err;
          const message = `post build failed for ${where}: ${envsubstFailure(err)}`;
          if (!err.variable) throw new PostBuildError(message);
          firstError ??= message;
          // Keep going without strictness to name every unset variable at once.
          envsubst(text, lookup, false, (name, set, hasDefault) => {
            if (!set && !hasDefault)
              unresolved.set(name, [
                ...(unresolved.get(name) ?? []),
                objectId(obj as Record<string, unknown>),
              ]);
          });
          continue;
        }
        if (substituted !== text) {
          try {
            obj = parseGoYaml(substituted);
          } catch (err) {
            throw new PostBuildError(
              `post build failed for ${where}: YAMLToJSON: ${(err as Error).message.split('\n')[0]} ` +
                '(a substituted value made the YAML invalid: values with ": ", "#", leading "*", "&", "!", "{", "[" or quotes must be quoted in the manifest, e.g. \'${VAR}\')',
            );
          }
          if (!isObject(obj)) continue;
          docText = substituted;
        }
      }
    }
    const o = obj as Record<string, unknown>;
    if (
      String(o.apiVersion ?? '').startsWith('kustomize.config.k8s.io/') &&
      String(o.kind).toLowerCase() === 'kustomization'
    )
      continue;
    const meta = isObject(o.metadata) ? o.metadata : (o.metadata = {});
    if (!o.kind || !o.apiVersion || !meta.name) {
      throw new PostBuildError(
        `failed to decode Kubernetes apiVersion, kind and name from: ${docText.slice(0, 200)}`,
      );
    }
    meta.labels = {
      ...(isObject(meta.labels) ? meta.labels : {}),
      [OWNER_NAME]: options.name,
      [OWNER_NAMESPACE]: options.namespace,
    };
    if (maskSopsSecret(o, docText)) result.sopsMasked.push(objectId(o));
    const cm = options.commonMetadata;
    if (cm?.labels && Object.keys(cm.labels).length)
      meta.labels = { ...(meta.labels as object), ...cm.labels };
    if (cm?.annotations && Object.keys(cm.annotations).length)
      meta.annotations = { ...(isObject(meta.annotations) ? meta.annotations : {}), ...cm.annotations };
    result.objectCount++;
    out.push(stringify(o, STRINGIFY));
  }
  if (firstError) {
    const list = [...unresolved.entries()].map(
      ([v, objs]) => `${v} (in ${[...new Set(objs)].slice(0, 3).join(', ')}${objs.length > 3 ? ', …' : ''})`,
    );
    throw new PostBuildError(
      `${firstError}; unset variables without a default: ${list.join('; ')}`,
      unresolved,
    );
  }
  result.yaml = out.join('---\n');
  return result;
}
