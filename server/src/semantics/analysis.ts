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
import { drain, drainSliced, type SliceClock } from '../io/slices';

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
    // A sliced run under way is void too.
    this.runs++;
    this.sliced = undefined;
  }

  findings(): ReadonlyMap<string, Finding[]> {
    if (!this.ready) return new Map();
    if (this.cache && this.cache.generation === this.model.generation) return this.cache.byFile;
    return drain(this.run());
  }

  /**
   * {@link findings}, made in slices that yield the thread between two units of work (a
   * Kustomization, a file): the findings of a workspace of tens of thousands of objects take a few
   * hundred milliseconds. Callers meanwhile share the run under way; a change of the model while
   * it yields starts the work again from the new model. Undefined when `isCancelled` says so once
   * the run it waited for ended.
   */
  async findingsSliced(
    clock: SliceClock,
    isCancelled: () => boolean = () => false,
  ): Promise<ReadonlyMap<string, Finding[]> | undefined> {
    for (;;) {
      if (!this.ready) return new Map();
      const generation = this.model.generation;
      if (this.cache && this.cache.generation === generation) return this.cache.byFile;
      if (this.sliced?.generation !== generation) {
        const run = this.runs + 1;
        // Void when the model changed, or another run (a request's, at once) made the findings.
        const made = drainSliced(
          this.run(),
          clock,
          () => this.model.generation !== generation || this.runs !== run,
        );
        this.sliced = { generation, made };
      }
      const byFile = await this.sliced.made;
      if (isCancelled()) return undefined;
      if (byFile && this.model.generation === generation) return byFile;
    }
  }

  /** The sliced run under way, for the model's generation it started at. */
  private sliced:
    | { generation: number; made: Promise<ReadonlyMap<string, Finding[]> | undefined> }
    | undefined;

  /** Runs started: a run that yields is void once another one started. */
  private runs = 0;
  /** Files changed since the last complete run (a void run leaves them for the next). */
  private readonly dirty = new Set<string>();

  /** The work of {@link findings}, one step per unit; it records its results only when complete. */
  private *run(): Generator<void, ReadonlyMap<string, Finding[]>> {
    this.runs++;
    const generation = this.model.generation;
    for (const d of this.model.takeDirty()) this.dirty.add(d);
    const state = yield* this.update();
    const all: Finding[] = [...state.structural];
    const edges: Edge[] = [];
    for (const u of state.files.values()) {
      all.push(...u.findings);
      edges.push(...u.edges);
    }
    for (const u of state.kustomizations.values()) all.push(...u.findings);
    cycleFindings(edges, all);
    const byFile = yield* this.assemble(all);
    this.dirty.clear();
    this.state = state;
    this.cache = { generation, byFile };
    return byFile;
  }

  private *update(): Generator<void, State> {
    const model = this.model;
    const dirty = this.dirty;
    const previous = this.state;
    const full =
      !previous ||
      previous.structure !== model.structureGeneration ||
      previous.tree !== model.tree.generation;
    // A copy: a run that does not complete leaves the last complete state as it was.
    const state: State =
      previous && !full
        ? { ...previous, files: new Map(previous.files), kustomizations: new Map(previous.kustomizations) }
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
    // The model's own whole-workspace work (its indexes, the renderings), in steps too.
    yield* model.warmSteps();
    if (full) {
      const structural: Finding[] = [];
      yield* checkPaths(model, structural);
      yield* renderingFindings(model, structural);
      state.structural = structural;
      for (const f of model.allFiles()) {
        state.files.set(f.file, this.fileUnit(f));
        yield;
      }
    } else {
      for (const d of dirty) {
        const f = model.get(d);
        if (f) state.files.set(d, this.fileUnit(f));
        else state.files.delete(d);
        yield;
      }
      for (const [file, u] of state.files) {
        if (dirty.has(file) || !touched(u)) continue;
        const f = model.get(file);
        if (f) state.files.set(file, this.fileUnit(f));
        yield;
      }
    }
    const present = new Set<string>();
    for (const ks of model.fluxKustomizations()) {
      yield;
      const key = objectKey(ks);
      present.add(key);
      const u = state.kustomizations.get(key);
      if (!full && u && !dirty.has(ks.file) && !touched(u)) continue;
      state.kustomizations.set(key, this.kustomizationUnit(ks));
    }
    for (const key of [...state.kustomizations.keys()])
      if (!present.has(key)) state.kustomizations.delete(key);
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
  private *assemble(all: Finding[]): Generator<void, Map<string, Finding[]>> {
    const byFile = new Map<string, Finding[]>();
    const seen = new Set<string>();
    let entryPoints = false;
    for (const k of this.model.fluxKustomizations()) {
      yield;
      if ((entryPoints = this.model.rendering(k) !== undefined)) break;
    }
    for (const found of all) {
      yield;
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
