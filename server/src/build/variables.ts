import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { yamlObjects } from '../flux/yamlObjects';
import type { BuildFs } from '../io/io';
import type { FluxBuildSpec } from './overlay';
import type { Variable } from './postBuild';
import { looksSopsEncrypted } from './sops';
import { isObject } from '../flux/jsonSchema';

/** A ConfigMap or Secret's variables as a source found them. */
export interface VariableObject {
  /** Decoded values (Secret data is base64-decoded, stringData wins over data). */
  data: Record<string, string>;
  /**
   * Secret data that is not valid UTF-8, as bytes (`data` then shows it with U+FFFD): Flux
   * substitutes the bytes, and the build then fails on the invalid text.
   */
  bytes?: Record<string, Uint8Array>;
  /** Where it was found, e.g. "clusters/dev/vars.yaml" or "cluster dev-admin". */
  origin: string;
  /** The object is SOPS-encrypted: keys are known, values are not. */
  encrypted?: boolean;
  /** Other places that define the same object (a repository with one folder per cluster). */
  alsoIn?: string[];
  /** The file it was read from (absolute), when it came from files. */
  file?: string;
}

/**
 * Where `spec.postBuild.substituteFrom` objects come from. The workspace implementation reads YAML
 * files; a cluster implementation (when the extension is connected) reads the live objects, which
 * are what kustomize-controller actually uses. `undefined` means "not found here".
 */
export interface VariableSource {
  readonly label: string;
  find(
    kind: 'ConfigMap' | 'Secret',
    namespace: string,
    name: string,
    signal?: AbortSignal,
    /** The Kustomization's file: where several definitions exist, the nearest one is meant. */
    near?: string,
  ): Promise<VariableObject | undefined>;
}

export interface ResolvedVariables {
  variables: Map<string, Variable>;
  warnings: string[];
  /** substituteFrom references that were not found anywhere and are not optional. */
  missing: string[];
  /** Files the variables were read from (absolute). */
  files: string[];
}

/**
 * Resolves the variables of a Flux Kustomization as kustomize-controller does: every
 * `substituteFrom` object in order (later keys win), from the Kustomization's namespace; a missing
 * object fails the build unless `optional: true`; then `substitute` (inline) overrides them; then
 * `overrides` (the CLI's --var) override everything. Newlines are removed from values, as Flux does.
 * Sources are asked in order (e.g. cluster first, then the workspace).
 */
export async function resolveVariables(
  postBuild: FluxBuildSpec['postBuild'],
  namespace: string,
  sources: readonly VariableSource[],
  options: {
    useSubstituteFrom: boolean;
    overrides?: ReadonlyMap<string, string>;
    inlineSource: string;
    signal?: AbortSignal;
    /** The Kustomization's file (see {@link VariableSource.find}). */
    near?: string;
  },
): Promise<ResolvedVariables> {
  const out: ResolvedVariables = { variables: new Map(), warnings: [], missing: [], files: [] };
  const refs = postBuild && Array.isArray(postBuild.substituteFrom) ? postBuild.substituteFrom : [];
  if (refs.length && !options.useSubstituteFrom) {
    out.warnings.push(`substituteFrom skipped (${refs.length} references), as \`flux build --dry-run\` does`);
  }
  for (const ref of options.useSubstituteFrom ? refs : []) {
    if (
      !isObject(ref) ||
      (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') ||
      typeof ref.name !== 'string'
    ) {
      out.warnings.push(`substituteFrom entry ignored: ${JSON.stringify(ref)}`);
      continue;
    }
    const id = `${ref.kind} ${namespace}/${ref.name}`;
    let found: VariableObject | undefined;
    for (const s of sources) {
      found = await s.find(ref.kind, namespace, ref.name, options.signal, options.near);
      if (found) break;
    }
    if (!found) {
      if (ref.optional === true) out.warnings.push(`${id} not found (optional: its variables are not set)`);
      else
        out.missing.push(
          `substitute from '${ref.kind}/${ref.name}' error: ${id} not found in ${sources.map((s) => s.label).join(' or ') || 'any source'}`,
        );
      continue;
    }
    if (found.file) out.files.push(found.file);
    if (found.alsoIn?.length)
      out.warnings.push(
        `${id} is defined ${found.alsoIn.length + 1} times in the workspace (${[found.origin, ...found.alsoIn].join(', ')}); used the one nearest the Kustomization, ${found.origin}`,
      );
    if (found.encrypted)
      out.warnings.push(
        `${id} (${found.origin}) is SOPS-encrypted: its variables are shown as \${NAME}, not decrypted`,
      );
    for (const [k, v] of Object.entries(found.data)) {
      const raw = found.bytes?.[k];
      out.variables.set(k, {
        value: v.replace(/\n/g, ''),
        source: `${id} (${found.origin})`,
        ...(found.encrypted ? { masked: true } : {}),
        ...(raw ? { bytes: raw.filter((b) => b !== 0x0a) } : {}),
      });
    }
  }
  const inline = postBuild && isObject(postBuild.substitute) ? postBuild.substitute : {};
  for (const [k, v] of Object.entries(inline)) {
    out.variables.set(k, { value: String(v ?? '').replace(/\n/g, ''), source: options.inlineSource });
  }
  for (const [k, v] of options.overrides ?? [])
    out.variables.set(k, { value: v.replace(/\n/g, ''), source: 'command line (--var)' });
  return out;
}

/**
 * Finds ConfigMaps and Secrets in the workspace's YAML files. Only files whose text names the
 * object are parsed, so a lookup costs one read per candidate file.
 */
export class WorkspaceVariableSource implements VariableSource {
  readonly label = 'the workspace';
  constructor(
    private readonly fs: BuildFs,
    private readonly root: string,
    /** The YAML files to search (absolute). */
    private readonly files: () => Promise<readonly string[]>,
  ) {}

  async find(
    kind: 'ConfigMap' | 'Secret',
    namespace: string,
    name: string,
    _signal?: AbortSignal,
    near?: string,
  ): Promise<VariableObject | undefined> {
    const exact: VariableObject[] = [];
    const loose: VariableObject[] = [];
    const files = new Map<VariableObject, string>();
    for (const file of await this.files()) {
      let text: string;
      try {
        text = await this.fs.readFile(file);
      } catch {
        continue;
      }
      if (!text.includes(name) || !text.includes(kind)) continue;
      for (const { value: o } of yamlObjects(
        text,
        undefined,
        (r) => r.kind === kind && r.apiVersion === 'v1',
      )) {
        if (o.kind !== kind || o.apiVersion !== 'v1' || !isObject(o.metadata) || o.metadata.name !== name)
          continue;
        const ns = typeof o.metadata.namespace === 'string' ? o.metadata.namespace : undefined;
        const found = { ...toVariableObject(o, path.relative(this.root, file) || file), file };
        files.set(found, file);
        // An object without a namespace is applied into one by its Kustomization: accept it if
        // nothing names the exact namespace.
        if (ns === namespace) exact.push(found);
        else if (ns === undefined) loose.push(found);
      }
    }
    const all = exact.length ? exact : loose;
    if (all.length <= 1) return all[0];
    // Several (one per cluster folder, typically): the one sharing the longest folder path with
    // the Kustomization, else the first in path order.
    const shared = (file: string): number => {
      if (!near) return 0;
      const a = path.dirname(file).split(path.sep);
      const b = path.dirname(near).split(path.sep);
      let n = 0;
      while (n < a.length && n < b.length && a[n] === b[n]) n++;
      return n;
    };
    const best = all.reduce((x, y) => (shared(files.get(y)!) > shared(files.get(x)!) ? y : x));
    return { ...best, alsoIn: all.filter((o) => o !== best).map((o) => o.origin) };
  }
}

function toVariableObject(o: Record<string, unknown>, origin: string): VariableObject {
  const data: Record<string, string> = {};
  const bytes: Record<string, Uint8Array> = {};
  const encrypted =
    isObject(o.sops) || looksSopsEncrypted(JSON.stringify(o.data ?? '') + JSON.stringify(o.stringData ?? ''));
  if (isObject(o.data)) {
    for (const [k, v] of Object.entries(o.data)) {
      if (o.kind !== 'Secret' || encrypted) {
        data[k] = String(v ?? '');
        continue;
      }
      const raw = Buffer.from(String(v ?? ''), 'base64');
      data[k] = raw.toString('utf8');
      if (!isUtf8(raw)) bytes[k] = raw;
    }
  }
  if (o.kind === 'Secret' && isObject(o.stringData))
    for (const [k, v] of Object.entries(o.stringData)) {
      data[k] = String(v ?? '');
      delete bytes[k];
    }
  return {
    data,
    origin,
    ...(encrypted ? { encrypted: true } : {}),
    ...(Object.keys(bytes).length ? { bytes } : {}),
  };
}
