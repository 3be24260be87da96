// Flux semantics: what the objects of the workspace say about each other. analysis.ts is the entry:
// the cross-file findings (checks/: references, dependsOn, paths, variables, values), each with a
// diagnostic code and related information, recomputed incrementally after an edit; navigation.ts
// (definition, references, links, symbols, CodeLens) and completion.ts (names) answer from the same
// model. Pure: imports workspace/ and the layers below it, never the editor.

import type { DiagnosticCode } from '../diagnosticCodes';
import type { FileIndex } from '../workspace/fileIndex';
import { objectKey, type WorkspaceModel } from '../workspace/model';
import type { IndexedObject, RefSite } from '../workspace/objectFacts';
import { ReferenceResolver, WorkspaceObjects, type ObjectSource } from '../workspace/resolver';
import { cycleFindings, dependsOnFindings, type Edge } from './checks/dependsOn';
import { checkPaths } from './checks/paths';
import { isDynamic, referenceFindings, resolveRef } from './checks/references';
import { renderingFindings, valueFindings } from './checks/values';
import { variableFindings } from './checks/variables';
import { Severity, type Finding } from './findings';

const DOWNGRADED = new Set<DiagnosticCode>([
  'reference-not-found',
  'depends-on-not-found',
  'kustomize-path-not-found',
  'kustomize-path-ignored',
  'kustomize-not-a-kustomization',
  'image-policy-not-found',
]);

/** The findings of one file's objects, or of one Kustomization, and the files they also rely on. */
interface Unit {
  findings: Finding[];
  /** Files whose content (not structure) the findings read: an edit there recomputes the unit. */
  touches: Set<string>;
}
interface FileUnit extends Unit {
  edges: Edge[];
  /** What its references resolve to (by target key), computed when references are asked for. */
  targets?: Array<{ from: IndexedObject; ref: RefSite; to: string[] }>;
}

interface State {
  structure: number;
  tree: number;
  files: Map<string, FileUnit>;
  kustomizations: Map<string, Unit>;
  /** Paths, duplicates and generated-kustomization refusals: they follow the structure alone. */
  structural: Finding[];
}

/**
 * The semantic findings of the whole workspace, computed from the model alone (no parsing, no I/O)
 * and cached until the model changes. Cross-file by nature: renaming a GitRepository changes the
 * findings of every file that references it. Incremental: an edit that leaves every file's
 * structure as it was (a value changed, not a name, a path or a reference target's identity)
 * recomputes only the findings of the edited files, of the Kustomizations that render or read
 * them, and of the units whose related information points into them; the dependsOn cycles are
 * found again from every file's edges.
 */
export class SemanticAnalysis {
  readonly resolver: ReferenceResolver;
  private cache: { generation: number; byFile: Map<string, Finding[]> } | undefined;
  private state: State | undefined;
  /** Milliseconds the last run took (for logs and benchmarks). */
  lastRunMs = 0;
  /**
   * False while the workspace is being indexed: a model that has not seen every file would call
   * references to unread files missing, so nothing is reported until the scan has finished.
   */
  ready = true;
  private refIndex:
    | { generation: number; byTarget: Map<string, Array<{ from: IndexedObject; ref: RefSite }>> }
    | undefined;

  constructor(
    readonly model: WorkspaceModel,
    extraSources: ObjectSource[] = [],
  ) {
    this.resolver = new ReferenceResolver([new WorkspaceObjects(model), ...extraSources]);
  }

  /** Forgets cached findings (a source outside the model, such as a cluster, changed). */
  invalidate(): void {
    this.cache = undefined;
    this.state = undefined;
  }

  findings(): ReadonlyMap<string, Finding[]> {
    if (!this.ready) return new Map();
    if (this.cache && this.cache.generation === this.model.generation) return this.cache.byFile;
    const started = performance.now();
    const state = this.update();
    const all: Finding[] = [...state.structural];
    const edges: Edge[] = [];
    for (const u of state.files.values()) {
      all.push(...u.findings);
      edges.push(...u.edges);
    }
    for (const u of state.kustomizations.values()) all.push(...u.findings);
    cycleFindings(edges, all);
    this.cache = { generation: this.model.generation, byFile: this.assemble(all) };
    this.lastRunMs = performance.now() - started;
    return this.cache.byFile;
  }

  private update(): State {
    const model = this.model;
    const dirty = model.takeDirty();
    const previous = this.state;
    const full =
      !previous ||
      previous.structure !== model.structureGeneration ||
      previous.tree !== model.tree.generation;
    const state: State =
      previous && !full
        ? previous
        : {
            structure: model.structureGeneration,
            tree: model.tree.generation,
            files: new Map(),
            kustomizations: new Map(),
            structural: [],
          };
    const touched = (u: Unit): boolean => {
      for (const d of dirty) if (u.touches.has(d)) return true;
      return false;
    };
    if (full) {
      checkPaths(model, state.structural);
      renderingFindings(model, state.structural);
      for (const f of model.allFiles()) state.files.set(f.file, this.fileUnit(f));
    } else {
      for (const d of dirty) {
        const f = model.get(d);
        if (f) state.files.set(d, this.fileUnit(f));
        else state.files.delete(d);
      }
      for (const [file, u] of state.files) {
        if (dirty.has(file) || !touched(u)) continue;
        const f = model.get(file);
        if (f) state.files.set(file, this.fileUnit(f));
      }
    }
    const present = new Set<string>();
    for (const ks of model.fluxKustomizations()) {
      const key = objectKey(ks);
      present.add(key);
      const u = state.kustomizations.get(key);
      if (!full && u && !dirty.has(ks.file) && !touched(u)) continue;
      state.kustomizations.set(key, this.kustomizationUnit(ks));
    }
    for (const key of [...state.kustomizations.keys()])
      if (!present.has(key)) state.kustomizations.delete(key);
    this.state = state;
    return state;
  }

  private fileUnit(f: FileIndex): FileUnit {
    const findings: Finding[] = [];
    const edges: Edge[] = [];
    referenceFindings(this.model, this.resolver, f, findings);
    dependsOnFindings(this.model, this.resolver, f, findings, edges);
    valueFindings(this.model, this.resolver, f, findings);
    return { findings, edges, touches: relatedFiles(findings, f.file) };
  }

  private kustomizationUnit(ks: IndexedObject): Unit {
    const findings: Finding[] = [];
    variableFindings(this.model, this.resolver, ks, findings);
    // It reads the files it renders (their variables), its substituteFrom objects' files (their
    // keys) and its parents' files (their patches).
    const touches = relatedFiles(findings, ks.file);
    const r = this.model.rendering(ks);
    if (r) {
      for (const f of r.resources.keys()) touches.add(f);
      for (const f of r.inputs) touches.add(f);
    }
    for (const w of this.model.ownersOf(ks.file)) touches.add(w.ks.file);
    for (const ref of ks.refs)
      if (ref.field.label === 'spec.postBuild.substituteFrom')
        for (const o of this.model.find(ref.kind, ref.name)) touches.add(o.file);
    return { findings, touches };
  }

  /** Dedupes (two renderings can say the same), says unrendered files' findings quietly, groups by file. */
  private assemble(all: Finding[]): Map<string, Finding[]> {
    const byFile = new Map<string, Finding[]>();
    const seen = new Set<string>();
    const entryPoints = this.model.fluxKustomizations().some((k) => this.model.rendering(k));
    for (const found of all) {
      const key = `${found.file}\0${found.span[0]}\0${found.code}\0${found.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let f = found;
      // Files no Kustomization renders (an archive folder, say) may never be applied: their broken
      // references are said quietly. Cycles and syntax-like mistakes keep their severity.
      if (
        entryPoints &&
        DOWNGRADED.has(f.code) &&
        f.severity < Severity.Information &&
        this.model.ownersOf(f.file).length === 0
      ) {
        f = {
          ...f,
          severity: Severity.Information,
          message: `${f.message} (No Kustomization of the workspace renders this file, so Flux may never apply it.)`,
        };
      }
      const list = byFile.get(f.file);
      if (list) list.push(f);
      else byFile.set(f.file, [f]);
    }
    return byFile;
  }

  findingsOf(file: string): readonly Finding[] {
    return this.findings().get(file) ?? [];
  }

  /** The references (of files that are not patches) that resolve to `target`. */
  referencesTo(target: IndexedObject): ReadonlyArray<{ from: IndexedObject; ref: RefSite }> {
    if (!this.refIndex || this.refIndex.generation !== this.model.generation) {
      this.findings();
      const byTarget = new Map<string, Array<{ from: IndexedObject; ref: RefSite }>>();
      for (const [file, u] of this.state?.files ?? []) {
        u.targets ??= this.targetsOf(file);
        for (const t of u.targets)
          for (const to of t.to) {
            const list = byTarget.get(to);
            if (list) list.push({ from: t.from, ref: t.ref });
            else byTarget.set(to, [{ from: t.from, ref: t.ref }]);
          }
      }
      this.refIndex = { generation: this.model.generation, byTarget };
    }
    return this.refIndex.byTarget.get(objectKey(target)) ?? [];
  }

  private targetsOf(file: string): NonNullable<FileUnit['targets']> {
    const f = this.model.get(file);
    const out: NonNullable<FileUnit['targets']> = [];
    if (!f || this.model.isPatchFile(file)) return out;
    for (const o of f.objects)
      for (const r of o.refs) {
        if (isDynamic(r)) continue;
        const kind = r.field.dependency ? o.kind : r.kind;
        const { resolution } = resolveRef(this.model, this.resolver, o, r, kind);
        if (resolution.status !== 'found') continue;
        const to = resolution.definitions.flatMap((d) =>
          d.origin.type === 'file' ? [objectKey(d.origin.object)] : [],
        );
        if (to.length) out.push({ from: o, ref: r, to });
      }
    return out;
  }
}

function relatedFiles(findings: readonly Finding[], own: string): Set<string> {
  const out = new Set<string>();
  for (const f of findings) {
    if (f.file !== own) out.add(f.file);
    for (const r of f.related ?? []) if (r.file !== own) out.add(r.file);
  }
  return out;
}
