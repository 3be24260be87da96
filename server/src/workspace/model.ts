import * as path from 'node:path';
import type { FluxPin } from '../flux/fluxVersion';
import { specPathDir, within } from '../io/paths';
import { drain, drainSliced, type SliceClock } from '../io/slices';
import type { DocInfo } from './documents';
import { bootstrapEntryPoints } from './bootstrap';
import { indexFile, indexFileSliced, textHash, type FileIndex } from './fileIndex';
import { compileSelector } from '../kustomize/selector';
import type { ChildPatch, CreatedObject, IndexedObject } from './objectFacts';
import { PathTree, type PathTreeSnapshot } from './pathTree';
import { reparse, reparseSliced, type ParsedText } from './parsedText';
import { renderKustomization, type RenderContext, type RenderedFile, type Rendering } from './rendering';
import { sourceOf, type KustomizationSource, type SourceSettings } from './sources';

/** A Flux Kustomization that renders a file, and how. */
export interface Owner {
  ks: IndexedObject;
  rendered: RenderedFile;
  /** The file is read by the build (a patch, a generator's input, a kustomization file), not rendered. */
  input: boolean;
}

/** The Flux Kustomizations (by key) that render or read each file. */
type OwnerKeys = Map<string, Array<{ ks: string; rendered: RenderedFile; input: boolean }>>;

/** Cached work, rebuilt when any file changes. */
interface Derived {
  byKindName: Map<string, IndexedObject[]>;
  byKind: Map<string, IndexedObject[]>;
  created: Map<string, Array<{ by: IndexedObject; made: CreatedObject }>>;
  patchFiles: Set<string>;
  /** Objects by their stable key (file, document, kind, name). */
  byKey: Map<string, IndexedObject>;
  /** Patch files some kustomization lists with an explicit `target`. */
  targetedPatchFiles: Set<string>;
  generatorInputs: Set<string>;
  chartDirs: string[];
  fluxKustomizations: IndexedObject[];
}

/** Files whose last parse is kept (the ones being edited), unless {@link WorkspaceModel.keepParses}. */
const KEPT_PARSES = 16;

/**
 * The workspace model: every YAML document of the workspace indexed by kind, namespace and name,
 * the kustomize structure, which Flux Kustomization renders which file, and the namespaces Flux
 * applies objects in. Pure: callers feed it file texts and the paths they saw (the scanner, open
 * buffers, file events); it does no I/O. Answers are computed lazily and cached until the next
 * change.
 */
export class WorkspaceModel {
  private readonly files = new Map<string, FileIndex>();
  readonly tree = new PathTree();
  /** The last parse of recently edited files, so an edit re-parses only the document it touched. */
  private readonly parses = new Map<string, ParsedText>();
  private derived: Derived | undefined;
  // What depends on the structure only (which file renders which), kept across edits that leave
  // every file's structure as it was (see structureOf): by the objects' stable keys.
  private renderings = new Map<string, Rendering | undefined>();
  private ownerKeys: OwnerKeys | undefined;
  private topKeys = new Map<string, ReadonlySet<string>>();
  private owners = new Map<string, Owner[]>();
  private sources = new Map<string, KustomizationSource>();
  private readonly structures = new Map<string, string>();
  /** Bumped on every change; checks and caches key on it. */
  generation = 0;
  /** Bumped when what renders what may have changed. */
  structureGeneration = 0;
  /** Files indexed or removed since the last {@link takeDirty}. */
  private dirty = new Set<string>();
  /** Source roots (repositories): spec.path is relative to the one holding the Kustomization. */
  private roots: string[] = [];
  settings: SourceSettings = { repositoryUrls: [], sourceFolders: {} };
  /** Keep the parse of every file (the command line validates each file right after the scan). */
  keepParses = false;

  setRoots(roots: readonly string[]): void {
    this.roots = [...new Set(roots.map((r) => path.resolve(r)))].sort((a, b) => b.length - a.length);
    this.changed(true);
  }

  /** The source roots set by {@link setRoots}. */
  get sourceRoots(): readonly string[] {
    return this.roots;
  }

  /** Makes the path tree a copy of another model's (see {@link PathTree.snapshot}). */
  restoreTree(snapshot: PathTreeSnapshot): void {
    this.tree.restore(snapshot);
    this.changed(true);
  }

  setSettings(settings: SourceSettings): void {
    if (JSON.stringify(settings) === JSON.stringify(this.settings)) return;
    this.settings = settings;
    this.changed(true);
  }

  /** The repository holding `file` (the longest root containing it). */
  rootOf(file: string): string | undefined {
    return this.roots.find((r) => within(r, file));
  }

  /**
   * Indexes a file's text; `docs` may pass a parse the caller already has, `indexed` an index of
   * this text made beforehand (see {@link indexSliced}).
   */
  update(file: string, text: string, docs?: readonly DocInfo[], indexed?: FileIndex): FileIndex {
    let index: FileIndex;
    try {
      let parsed = docs;
      if (!parsed && !indexed) {
        const p = reparse(this.parses.get(file), text).parsed;
        this.keep(file, p);
        parsed = p.file.docs;
      }
      index = indexed ?? indexFile(file, text, parsed!);
    } catch (err) {
      index = notIndexed(file, text, err);
    }
    this.files.set(file, index);
    this.tree.add(file, 'file');
    const structure = structureOf(index);
    const same = this.structures.get(file) === structure;
    this.dirty.add(file);
    this.structures.set(file, structure);
    this.changed(!same);
    return index;
  }

  /**
   * Parses `text` in slices that yield the thread, from the last parse of `file` (only the pieces
   * an edit touched are parsed again); {@link update} then finds it parsed. A file of tens of
   * thousands of documents is so read without holding up requests. Undefined when `isCancelled`
   * said so between two slices.
   */
  async warmPieces(
    file: string,
    text: string,
    clock: SliceClock,
    isCancelled?: () => boolean,
  ): Promise<ParsedText | undefined> {
    const r = await reparseSliced(this.parses.get(file), text, clock, undefined, isCancelled);
    if (r) this.keep(file, r.parsed);
    return r?.parsed;
  }

  /**
   * The index of `text` (parsed by {@link warmPieces}), made in slices that yield the thread; not
   * recorded: {@link update} does that.
   */
  async indexSliced(file: string, text: string, parsed: ParsedText, clock: SliceClock): Promise<FileIndex> {
    try {
      return await indexFileSliced(file, text, parsed.file.docs, clock);
    } catch (err) {
      return notIndexed(file, text, err);
    }
  }

  /** The last parse of `file`, when it is kept (see {@link keepParses}). */
  parseOf(file: string): ParsedText | undefined {
    return this.parses.get(file);
  }

  /** The last parse of `file`, handed over once (the command line validates each file once). */
  takeParse(file: string): ParsedText | undefined {
    const p = this.parses.get(file);
    this.parses.delete(file);
    return p;
  }

  private keep(file: string, p: ParsedText): void {
    this.parses.delete(file);
    this.parses.set(file, p);
    while (!this.keepParses && this.parses.size > KEPT_PARSES)
      this.parses.delete(this.parses.keys().next().value!);
  }

  /** The files changed since the last call (for incremental analysis), and forgets them. */
  takeDirty(): Set<string> {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }

  remove(file: string): void {
    this.dirty.add(file);
    this.files.delete(file);
    this.structures.delete(file);
    this.parses.delete(file);
    this.tree.remove(file);
    this.changed(true);
  }

  /** Forgets a folder and every file below it (a folder deleted or newly ignored). */
  removeUnder(dir: string): void {
    for (const f of [...this.files.keys()])
      if (within(dir, f)) {
        this.files.delete(f);
        this.structures.delete(f);
      }
    for (const f of [...this.parses.keys()]) if (within(dir, f)) this.parses.delete(f);
    this.tree.remove(dir);
    this.changed(true);
  }

  /** Records a path that exists (the scanner lists every file, YAML or not). */
  addPath(p: string, kind: 'file' | 'dir'): void {
    if (this.tree.kind(p) === kind) return;
    this.tree.add(p, kind);
    // A new folder or file of another kind can change what a generated kustomization lists.
    this.changed(kind === 'dir');
  }

  /** Every change bumps the generation; one that may change what renders what drops those caches too. */
  private changed(structural = true): void {
    this.generation++;
    this.derived = undefined;
    this.pins = undefined;
    this.owners = new Map();
    this.sources = new Map();
    if (!structural) return;
    this.structureGeneration++;
    this.renderings = new Map();
    this.ownerKeys = undefined;
    this.topKeys = new Map();
  }

  get(file: string): FileIndex | undefined {
    return this.files.get(file);
  }

  allFiles(): IterableIterator<FileIndex> {
    return this.files.values();
  }

  /** Every Flux pin in the workspace (see flux/fluxVersion.ts). */
  fluxPins(): FluxPin[] {
    if (this.pins) return this.pins;
    const out: FluxPin[] = [];
    for (const f of this.files.values()) out.push(...f.fluxPins);
    return (this.pins = out);
  }

  /** {@link fluxPins}, until the next change (asked once per Flux object validated). */
  private pins: FluxPin[] | undefined;

  get fileCount(): number {
    return this.files.size;
  }

  private d(): Derived {
    return this.derived ?? drain(this.derive());
  }

  /**
   * The model's whole-workspace work, one file or Flux Kustomization per step: its indexes, every
   * Kustomization's rendering and which files each renders. A caller that yields the thread between
   * two steps (semantics/analysis.ts) so keeps a workspace of tens of thousands of objects from
   * holding up requests; the answers are the same as when made on first use. A caller must not go
   * on with the steps after a change of the model (see {@link generation}).
   */
  *warmSteps(): Generator<void, true> {
    if (this.warmAt === this.generation) return true;
    const generation = this.generation;
    if (!this.derived) yield* this.derive();
    for (const ks of this.fluxKustomizations()) {
      yield;
      if (!this.renderings.has(objectKey(ks))) this.rendering(ks);
    }
    if (!this.ownerKeys) yield* this.ownerKeySteps();
    if (this.generation === generation) this.warmAt = generation;
    return true;
  }

  /** The generation {@link warmSteps} last completed at. */
  private warmAt = -1;

  /**
   * {@link warmSteps} in slices of `clock`, again when the model changes meanwhile, until they are
   * done for the model as it is; false when `isCancelled` said so after a yield.
   */
  async warmSliced(clock: SliceClock, isCancelled: () => boolean = () => false): Promise<boolean> {
    for (;;) {
      const generation = this.generation;
      const done = await drainSliced(
        this.warmSteps(),
        clock,
        () => isCancelled() || this.generation !== generation,
      );
      if (isCancelled()) return false;
      if (done && this.generation === generation) return true;
    }
  }

  /** The work of {@link d}, one step per file; recorded when the model did not change meanwhile. */
  private *derive(): Generator<void, Derived> {
    const generation = this.generation;
    const patchFiles = new Set<string>();
    const targetedPatchFiles = new Set<string>();
    const generatorInputs = new Set<string>();
    const chartDirs: string[] = [];
    for (const f of this.files.values()) {
      yield;
      if (f.isChartManifest) chartDirs.push(path.dirname(f.file) + path.sep);
      if (!f.kustomize) continue;
      const dir = path.dirname(f.file);
      for (const ref of f.kustomize.refs) {
        if (ref.role === 'generator-file' && !ref.remote) generatorInputs.add(path.resolve(dir, ref.value));
        if (ref.role !== 'patch' || ref.remote) continue;
        patchFiles.add(path.resolve(dir, ref.value));
        if (ref.explicitTarget) targetedPatchFiles.add(path.resolve(dir, ref.value));
      }
    }
    const byKindName = new Map<string, IndexedObject[]>();
    const byKind = new Map<string, IndexedObject[]>();
    const created = new Map<string, Array<{ by: IndexedObject; made: CreatedObject }>>();
    const fluxKustomizations: IndexedObject[] = [];
    const byKey = new Map<string, IndexedObject>();
    for (const f of this.files.values()) {
      yield;
      // A patch file holds partial objects that patch others: no object of its own.
      if (patchFiles.has(f.file)) continue;
      for (const o of f.objects) {
        yield;
        byKey.set(objectKey(o), o);
        push(byKindName, `${o.kind}/${o.name}`, o);
        push(byKind, o.kind, o);
        if (o.ks) fluxKustomizations.push(o);
        for (const made of o.creates ?? []) push(created, made.kind, { by: o, made });
      }
    }
    for (const ks of bootstrapEntryPoints(this.files.values(), (f) => this.rootOf(f))) {
      byKey.set(objectKey(ks), ks);
      push(byKindName, `${ks.kind}/${ks.name}`, ks);
      push(byKind, ks.kind, ks);
      fluxKustomizations.push(ks);
    }
    const derived: Derived = {
      byKey,
      byKindName,
      byKind,
      created,
      patchFiles,
      targetedPatchFiles,
      generatorInputs,
      chartDirs,
      fluxKustomizations,
    };
    if (this.generation === generation) this.derived = derived;
    return derived;
  }

  /** Objects of `kind` named `name` (any namespace), in files that are not patches. */
  find(kind: string, name: string): readonly IndexedObject[] {
    return this.d().byKindName.get(`${kind}/${name}`) ?? [];
  }

  ofKind(kind: string): readonly IndexedObject[] {
    return this.d().byKind.get(kind) ?? [];
  }

  /** Objects of `kind` controllers create at run time from objects of the workspace. */
  createdOfKind(kind: string): ReadonlyArray<{ by: IndexedObject; made: CreatedObject }> {
    return this.d().created.get(kind) ?? [];
  }

  fluxKustomizations(): readonly IndexedObject[] {
    return this.d().fluxKustomizations;
  }

  isPatchFile(file: string): boolean {
    return this.d().patchFiles.has(file);
  }

  /**
   * A patch file listed with an explicit `target`: kustomize patches what the target selects, so the
   * patch's own apiVersion and kind say nothing (an old apiVersion there is not an error).
   */
  isTargetedPatchFile(file: string): boolean {
    return this.d().targetedPatchFiles.has(file);
  }

  /** True for files a kustomization reads as generator data (configMapGenerator files, Helm values). */
  isGeneratorInput(file: string): boolean {
    return this.d().generatorInputs.has(file);
  }

  /** True for files under `templates/` of a Helm chart (a folder with a Chart.yaml). */
  isHelmTemplate(file: string): boolean {
    const abs = path.resolve(file);
    return this.d().chartDirs.some(
      (d) => abs.startsWith(d) && abs.slice(d.length).split(path.sep).includes('templates'),
    );
  }

  /** Where a Flux Kustomization's spec.path is read from (this repository, another one, a guess). */
  sourceOf(ks: IndexedObject): KustomizationSource {
    const key = objectKey(ks);
    let s = this.sources.get(key);
    if (!s) this.sources.set(key, (s = sourceOf(this, ks)));
    return s;
  }

  /** What a Flux Kustomization renders, when its source is in the workspace. */
  rendering(ks: IndexedObject): Rendering | undefined {
    const key = objectKey(ks);
    if (this.renderings.has(key)) return this.renderings.get(key);
    const src = this.sourceOf(ks);
    let r: Rendering | undefined;
    if (
      (src.kind === 'local' || src.kind === 'guessed') &&
      ks.ks?.path !== undefined &&
      !ks.ks.path.includes('${')
    ) {
      const dir = specPathDir(src.root, ks.ks.path);
      if (within(src.root, dir) && this.tree.kind(dir) === 'dir') {
        r = renderKustomization(this.renderContext(), dir, {
          ...(ks.ks.targetNamespace ? { targetNamespace: ks.ks.targetNamespace } : {}),
          renamed: ks.ks.changesNames,
          components: ks.ks.components.map((c) => c.value),
        });
      }
    }
    this.renderings.set(key, r);
    return r;
  }

  renderContext(): RenderContext {
    return { tree: this.tree, file: (p) => this.files.get(p) };
  }

  /** The Flux Kustomizations that render `file` (or read it as a patch or input). */
  ownersOf(file: string): readonly Owner[] {
    const hit = this.owners.get(file);
    if (hit) return hit;
    const ownerKeys = this.ownerKeys ?? drain(this.ownerKeySteps());
    // The current objects of those keys (an edit that kept the structure made new objects).
    const byKey = this.d().byKey;
    const out: Owner[] = [];
    for (const w of ownerKeys.get(file) ?? []) {
      const ks = byKey.get(w.ks);
      if (ks) out.push({ ks, rendered: w.rendered, input: w.input });
    }
    this.owners.set(file, out);
    return out;
  }

  /** Which files each Flux Kustomization renders or reads, one Kustomization per step. */
  private *ownerKeySteps(): Generator<void, OwnerKeys> {
    const generation = this.generation;
    const map: OwnerKeys = new Map();
    for (const ks of this.fluxKustomizations()) {
      yield;
      const r = this.rendering(ks);
      if (!r) continue;
      const key = objectKey(ks);
      for (const [f, rendered] of r.resources) push(map, f, { ks: key, rendered, input: false });
      for (const f of r.inputs)
        push(map, f, {
          ks: key,
          rendered: {
            renamed: false,
            via: [],
            ...(ks.ks?.targetNamespace ? { namespace: ks.ks.targetNamespace } : {}),
          },
          input: true,
        });
    }
    if (this.generation === generation) this.ownerKeys = map;
    return map;
  }

  /**
   * The Kustomizations at the top of the chains that render `file`: one per cluster entry point
   * (a Kustomization no other renders, such as flux-system, or one that renders itself). Empty
   * when no Kustomization renders the file. Objects of different clusters share names, so lookups
   * prefer objects with a top in common.
   */
  topsOf(file: string): ReadonlySet<string> {
    const hit = this.topKeys.get(file);
    if (hit) return hit;
    const out = new Set<string>();
    const seen = new Set<string>([file]);
    let level = [file];
    let incomplete = false;
    for (let depth = 0; level.length && depth < 20; depth++) {
      const next: string[] = [];
      for (const f of level) {
        for (const w of this.ownersOf(f)) {
          const owners = this.ownersOf(w.ks.file);
          if (w.ks.createdBy || owners.some((x) => x.ks === w.ks)) {
            // An entry point: the Flux Operator (or bootstrap) makes it, or it renders itself.
            out.add(objectKey(w.ks));
          } else if (owners.length) {
            if (!seen.has(w.ks.file)) {
              seen.add(w.ks.file);
              next.push(w.ks.file);
            }
          } else {
            // Rendered by something the model does not see: the chain's top is not known.
            incomplete = true;
          }
        }
      }
      level = next;
    }
    const tops = incomplete ? new Set<string>() : out;
    this.topKeys.set(file, tops);
    return tops;
  }

  /** Whether two files belong to one cluster as far as the model can tell (see {@link topsOf}). */
  sameCluster(a: string, b: string): boolean | undefined {
    const ta = this.topsOf(a);
    const tb = this.topsOf(b);
    if (ta.size === 0 || tb.size === 0) return undefined;
    for (const t of ta) if (tb.has(t)) return true;
    return false;
  }

  /**
   * The namespaces Flux applies `o` in: the namespace the rendering forces (targetNamespace, else a
   * kustomization `namespace:`), else metadata.namespace. One entry per Kustomization rendering its
   * file; undefined where nothing says (Flux then refuses a namespaced object: "namespace not
   * specified"). A file no Kustomization renders gives metadata.namespace as written.
   */
  namespacesOf(o: IndexedObject): Array<string | undefined> {
    const owners = this.ownersOf(o.file).filter((w) => !w.input);
    if (owners.length === 0) return [o.namespace];
    return [...new Set(owners.map((w) => w.rendered.namespace ?? o.namespace))];
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
    for (const p of this.childPatchesFor(name, namespace, labels)) {
      if (p.provides === undefined) return 'all';
      for (const x of p.provides) out.add(x);
    }
    return out;
  }

  /**
   * The patches of Flux Kustomizations' spec.patches that target this Kustomization (by name,
   * namespace, label selector); only those of `from` when given (the parents that render it).
   */
  childPatchesFor(
    name: string,
    namespace: string,
    labels: Record<string, string>,
    from?: ReadonlySet<IndexedObject>,
  ): Array<ChildPatch & { parent: IndexedObject }> {
    const out: Array<ChildPatch & { parent: IndexedObject }> = [];
    const resource = {
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
      kind: 'Kustomization',
      name,
      namespace,
      labels,
    };
    for (const parent of from ?? this.fluxKustomizations()) {
      for (const p of parent.ks?.childPatches ?? []) {
        // The child's API version is not known here, and an empty namespace is unknown (a parent
        // may set it): neither rules a patch out.
        const target = { ...p.target, version: undefined };
        const selector = compileSelector(namespace ? target : { ...target, namespace: undefined });
        if (!selector.ok || !selector.matches(resource)) continue;
        out.push({ ...p, parent });
      }
    }
    return out;
  }
}

/** An object's identity across edits of its file that keep its place: file, document, kind, name. */
export function objectKey(o: IndexedObject): string {
  // Made once per object: whole-workspace passes ask for it several times per object, and a string
  // made once also has its hash computed once (Map keys).
  let key = objectKeys.get(o);
  if (key === undefined) objectKeys.set(o, (key = `${o.file}\0${o.docIndex}\0${o.kind}\0${o.name}`));
  return key;
}

const objectKeys = new WeakMap<IndexedObject, string>();

/**
 * What of a file decides what renders what: its kustomization (the paths it names, its namespace,
 * name changes, generators), and of each object its identity, a Flux Kustomization's path,
 * overlays and child patches, a source's URL, the sourceRef, and what it makes. Spans and other
 * values are left out, so an edit of a value keeps the renderings.
 */
export function structureOf(f: FileIndex): string {
  const k = f.kustomize;
  return JSON.stringify([
    k && [
      k.kind,
      k.namespace,
      k.changesNames,
      k.substitutionDisabled,
      k.refs.map((r) => [r.field, r.role, r.value, r.remote, r.substitutionDisabled]),
      k.generated.map((g) => [g.kind, g.name, g.namespace]),
    ],
    f.objects.map((o) => [
      o.kind,
      o.group,
      o.name,
      o.namespace,
      o.docIndex,
      o.url,
      o.createdBy,
      o.ks && [
        o.ks.path,
        o.ks.targetNamespace,
        o.ks.changesNames,
        o.ks.components.map((c) => c.value),
        o.ks.childPatches,
      ],
      o.refs.filter((r) => r.field.label === 'spec.sourceRef').map((r) => [r.kind, r.name, r.namespace]),
      o.creates,
    ]),
    f.nonObjectDocuments > 0,
  ]);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The index of a file the parser or the walk gave up on (a hostile nesting): nothing, and why. */
function notIndexed(file: string, text: string, err: unknown): FileIndex {
  return {
    ...indexFile(file, '', []),
    textHash: textHash(text),
    problem: `not indexed: ${(err as Error).message}`,
  };
}
