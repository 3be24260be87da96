import type { WorkspaceModel } from '../workspace/model';
import type { IndexedObject, RefSite } from '../workspace/objectFacts';
import { isDynamic, resolveRef } from './checks/references';
import { ReferenceResolver, WorkspaceObjects, type ObjectSource } from '../workspace/resolver';
import { checkDependsOn } from './checks/dependsOn';
import { checkPaths } from './checks/paths';
import { checkReferences } from './checks/references';
import { checkValues } from './checks/values';
import { checkVariables } from './checks/variables';
import { Severity, type Finding } from './findings';
import type { DiagnosticCode } from '../diagnosticCodes';

const DOWNGRADED = new Set<DiagnosticCode>([
  'reference-not-found',
  'depends-on-not-found',
  'kustomize-path-not-found',
  'kustomize-path-ignored',
  'kustomize-not-a-kustomization',
  'image-policy-not-found',
]);

/**
 * The semantic findings of the whole workspace, computed from the model alone (no parsing, no I/O)
 * and cached until the model changes. Cross-file by nature: renaming a GitRepository changes the
 * findings of every file that references it, so they are computed for all files at once.
 */
export class SemanticAnalysis {
  readonly resolver: ReferenceResolver;
  private cache: { generation: number; byFile: Map<string, Finding[]> } | undefined;
  /** Milliseconds the last full run took (for logs and benchmarks). */
  lastRunMs = 0;
  /**
   * False while the workspace is being indexed: a model that has not seen every file would call
   * references to unread files missing, so nothing is reported until the scan has finished.
   */
  ready = true;
  private refIndex:
    | { generation: number; byTarget: Map<IndexedObject, Array<{ from: IndexedObject; ref: RefSite }>> }
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
  }

  findings(): ReadonlyMap<string, Finding[]> {
    if (!this.ready) return new Map();
    if (this.cache && this.cache.generation === this.model.generation) return this.cache.byFile;
    const started = performance.now();
    const all: Finding[] = [];
    checkReferences(this.model, this.resolver, all);
    checkDependsOn(this.model, this.resolver, all);
    checkPaths(this.model, all);
    checkVariables(this.model, this.resolver, all);
    checkValues(this.model, this.resolver, all);
    const byFile = new Map<string, Finding[]>();
    const seen = new Set<string>();
    const entryPoints = this.model.fluxKustomizations().some((k) => this.model.rendering(k));
    for (const f of all) {
      // Files no Kustomization renders (an archive folder, say) may never be applied: their broken
      // references are said quietly. Cycles and syntax-like mistakes keep their severity.
      if (
        entryPoints &&
        DOWNGRADED.has(f.code) &&
        f.severity < Severity.Information &&
        this.model.ownersOf(f.file).length === 0
      ) {
        f.severity = Severity.Information;
        f.message += ' (No Kustomization of the workspace renders this file, so Flux may never apply it.)';
      }
      // The same finding can come from two renderings (a file two Kustomizations render).
      const key = `${f.file}\0${f.span[0]}\0${f.code}\0${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = byFile.get(f.file);
      if (list) list.push(f);
      else byFile.set(f.file, [f]);
    }
    this.cache = { generation: this.model.generation, byFile };
    this.lastRunMs = performance.now() - started;
    return byFile;
  }

  findingsOf(file: string): readonly Finding[] {
    return this.findings().get(file) ?? [];
  }

  /** The references (of files that are not patches) that resolve to `target`. */
  referencesTo(target: IndexedObject): ReadonlyArray<{ from: IndexedObject; ref: RefSite }> {
    if (!this.refIndex || this.refIndex.generation !== this.model.generation) {
      const byTarget = new Map<IndexedObject, Array<{ from: IndexedObject; ref: RefSite }>>();
      for (const f of this.model.allFiles()) {
        if (this.model.isPatchFile(f.file)) continue;
        for (const o of f.objects)
          for (const r of o.refs) {
            if (isDynamic(r)) continue;
            const kind = r.field.dependency ? o.kind : r.kind;
            const { resolution } = resolveRef(this.model, this.resolver, o, r, kind);
            if (resolution.status !== 'found') continue;
            for (const d of resolution.definitions) {
              if (d.origin.type !== 'file') continue;
              const list = byTarget.get(d.origin.object);
              if (list) list.push({ from: o, ref: r });
              else byTarget.set(d.origin.object, [{ from: o, ref: r }]);
            }
          }
      }
      this.refIndex = { generation: this.model.generation, byTarget };
    }
    return this.refIndex.byTarget.get(target) ?? [];
  }
}
