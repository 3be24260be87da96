import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject } from '../flux/jsonSchema';
import { yamlObjects } from '../flux/yamlObjects';
import { compileSelector, type Selector } from '../kustomize/selector';

/** What one file contributes to the workspace model. Extracted without I/O from its path and text. */
export interface FileFacts {
  crds: unknown[];
  /** Absolute paths of files this kustomization.yaml uses as patches. */
  patchFiles: string[];
  /**
   * Absolute paths of files this kustomization.yaml reads as data, never as objects to apply:
   * configMapGenerator/secretGenerator files and envs, helmCharts values files.
   */
  generatorInputs: string[];
  /** Patches in Flux Kustomizations' spec.patches that target Flux Kustomizations. */
  kustomizationPatches: ParentPatch[];
  fluxKustomizations: FluxKustomizationRef[];
  isChartManifest: boolean;
}

export interface ParentPatch {
  /** The Kustomization (file and name) whose spec.patches holds the patch. */
  from: { file: string; name: string };
  /** The patch's target: Go regular expressions and label selectors (kustomize/selector.ts). */
  target: Selector;
  /** Dotted paths the patch sets, e.g. "spec.interval"; undefined when it cannot be read. */
  provides: string[] | undefined;
}

export interface FluxKustomizationRef {
  file: string;
  name: string;
  namespace: string;
  docIndex: number;
  labels: Record<string, string>;
}

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

const KUSTOMIZATION_FILE = /^(kustomization\.ya?ml|Kustomization)$/;

/** Cheap test first: most YAML files contribute nothing and are never parsed here. */
export function extractFileFacts(file: string, text: string): FileFacts {
  const facts: FileFacts = {
    crds: [],
    patchFiles: [],
    generatorInputs: [],
    kustomizationPatches: [],
    fluxKustomizations: [],
    isChartManifest: false,
  };
  const base = path.basename(file);
  if (base === 'Chart.yaml') facts.isChartManifest = true;
  const isKustomizeFile = KUSTOMIZATION_FILE.test(base);
  const mayHaveCrd = text.includes('CustomResourceDefinition');
  const mayHaveFluxKs = text.includes('kustomize.toolkit.fluxcd.io');
  if (!isKustomizeFile && !mayHaveCrd && !mayHaveFluxKs) return facts;

  for (const { index: docIndex, value: obj } of yamlObjects(text)) {
    if (
      obj.kind === 'CustomResourceDefinition' &&
      typeof obj.apiVersion === 'string' &&
      obj.apiVersion.startsWith('apiextensions.k8s.io/')
    ) {
      facts.crds.push(obj);
    } else if (
      isKustomizeFile &&
      (obj.apiVersion === undefined || String(obj.apiVersion).startsWith('kustomize.config.k8s.io/'))
    ) {
      facts.patchFiles.push(...patchFilesOf(obj, path.dirname(file)));
      facts.generatorInputs.push(...generatorInputsOf(obj, path.dirname(file)));
    } else if (
      typeof obj.apiVersion === 'string' &&
      obj.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') &&
      obj.kind === 'Kustomization'
    ) {
      const meta = isObject(obj.metadata) ? obj.metadata : {};
      const name = typeof meta.name === 'string' ? meta.name : '';
      const labels: Record<string, string> = {};
      if (isObject(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) labels[k] = String(v);
      facts.fluxKustomizations.push({
        file,
        name,
        namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
        docIndex,
        labels,
      });
      const spec = isObject(obj.spec) ? obj.spec : {};
      if (Array.isArray(spec.patches)) {
        for (const p of spec.patches) {
          const parent = kustomizationPatchOf(p, { file, name });
          if (parent) facts.kustomizationPatches.push(parent);
        }
      }
    }
  }
  return facts;
}

function patchFilesOf(k: Record<string, unknown>, dir: string): string[] {
  const out: string[] = [];
  const add = (p: unknown): void => {
    if (typeof p === 'string' && p && !p.includes('\n') && !/^[a-z]+:\/\//.test(p))
      out.push(path.resolve(dir, p));
  };
  if (Array.isArray(k.patches)) for (const p of k.patches) if (isObject(p)) add(p.path);
  if (Array.isArray(k.patchesStrategicMerge)) for (const p of k.patchesStrategicMerge) add(p);
  if (Array.isArray(k.patchesJson6902)) for (const p of k.patchesJson6902) if (isObject(p)) add(p.path);
  return out;
}

function generatorInputsOf(k: Record<string, unknown>, dir: string): string[] {
  const out: string[] = [];
  const add = (p: unknown): void => {
    if (typeof p !== 'string' || !p || p.includes('\n') || /^[a-z]+:\/\//.test(p)) return;
    // `files` entries may name the key: "config.yaml=files/app-config.yaml".
    const file = p.includes('=') ? p.slice(p.indexOf('=') + 1) : p;
    out.push(path.resolve(dir, file));
  };
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    const list = k[field];
    if (!Array.isArray(list)) continue;
    for (const g of list) {
      if (!isObject(g)) continue;
      for (const key of ['files', 'envs']) if (Array.isArray(g[key])) for (const f of g[key]) add(f);
      add(g.env);
    }
  }
  if (Array.isArray(k.helmCharts)) {
    for (const c of k.helmCharts) {
      if (!isObject(c)) continue;
      add(c.valuesFile);
      if (Array.isArray(c.additionalValuesFiles)) for (const f of c.additionalValuesFiles) add(f);
    }
  }
  return out;
}

function kustomizationPatchOf(p: unknown, from: ParentPatch['from']): ParentPatch | undefined {
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
    provides = leafPaths(body).filter((p) => !p.startsWith('metadata') && p !== 'apiVersion' && p !== 'kind');
  }
  return {
    from,
    target: selector,
    provides,
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

/** The workspace model: per-file facts, aggregated on demand. Callers own the I/O. */
export class WorkspaceModel {
  private readonly facts = new Map<string, FileFacts>();
  private patchFileSet: Set<string> | undefined;
  private generatorInputSet: Set<string> | undefined;
  private chartDirs: string[] | undefined;

  update(file: string, text: string): FileFacts {
    const f = extractFileFacts(file, text);
    this.facts.set(file, f);
    this.patchFileSet = undefined;
    this.generatorInputSet = undefined;
    this.chartDirs = undefined;
    return f;
  }

  remove(file: string): void {
    this.facts.delete(file);
    this.patchFileSet = undefined;
    this.generatorInputSet = undefined;
    this.chartDirs = undefined;
  }

  isPatchFile(file: string): boolean {
    if (!this.patchFileSet) {
      this.patchFileSet = new Set();
      for (const f of this.facts.values()) for (const p of f.patchFiles) this.patchFileSet.add(p);
    }
    return this.patchFileSet.has(path.resolve(file));
  }

  /** True for files a kustomization reads as generator data (configMapGenerator files, ...). */
  isGeneratorInput(file: string): boolean {
    if (!this.generatorInputSet) {
      this.generatorInputSet = new Set();
      for (const f of this.facts.values()) for (const p of f.generatorInputs) this.generatorInputSet.add(p);
    }
    return this.generatorInputSet.has(path.resolve(file));
  }

  /** True for files under `templates/` of a Helm chart (a folder with a Chart.yaml). */
  isHelmTemplate(file: string): boolean {
    if (!this.chartDirs) {
      this.chartDirs = [...this.facts.entries()]
        .filter(([, f]) => f.isChartManifest)
        .map(([p]) => path.dirname(p) + path.sep);
    }
    const abs = path.resolve(file);
    return this.chartDirs.some(
      (d) => abs.startsWith(d) && abs.slice(d.length).split(path.sep).includes('templates'),
    );
  }

  /**
   * Fields that a parent Kustomization's patch sets on the Kustomization named `name` (with `labels`),
   * or 'all' when a matching patch cannot be read field by field.
   */
  fieldsProvidedByParents(
    name: string,
    namespace: string,
    labels: Record<string, string>,
  ): Set<string> | 'all' {
    const out = new Set<string>();
    const resource = {
      ...FLUX_KUSTOMIZATION,
      name,
      namespace,
      labels,
    };
    for (const f of this.facts.values()) {
      for (const p of f.kustomizationPatches) {
        // The child's API version is not known here, and an empty namespace is unknown (a parent
        // may set it): neither rules a patch out.
        const target = { ...p.target, version: undefined };
        const selector = compileSelector(namespace ? target : { ...target, namespace: undefined });
        if (!selector.ok || !selector.matches(resource)) continue;
        if (p.provides === undefined) return 'all';
        for (const x of p.provides) out.add(x);
      }
    }
    return out;
  }

  allFacts(): ReadonlyMap<string, FileFacts> {
    return this.facts;
  }
}
