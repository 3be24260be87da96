import * as path from 'node:path';
import { KUSTOMIZATION_FILE_NAMES } from '../kustomize/kustomizationFile';
import type { FileIndex } from './fileIndex';
import type { KustomizeRef } from './kustomizeFacts';
import type { PathTree } from './pathTree';

/** A file a Flux Kustomization renders, with what the kustomize tree above it does to its objects. */
export interface RenderedFile {
  /**
   * The namespace kustomize forces on the file's namespaced objects: the Kustomization's
   * targetNamespace, else the outermost kustomization `namespace:` on the way; undefined when none
   * does (metadata.namespace then stands).
   */
  namespace?: string;
  /** A namePrefix/nameSuffix on the way renames the file's objects. */
  renamed: boolean;
  /** The kustomization files that include it, innermost first (for related information). */
  via: string[];
  /** A kustomization on the way annotates every object `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
  substitutionDisabled?: boolean;
}

/** Something in the kustomize tree that cannot be followed, said where it is written. */
export interface RenderProblem {
  file: string;
  ref: KustomizeRef;
  kind: 'missing' | 'ignored' | 'folder-without-kustomization' | 'file-as-component' | 'cycle';
  reason?: string;
}

export interface Rendering {
  /** The folder spec.path names. */
  dir: string;
  /** Rendered resource files. */
  resources: Map<string, RenderedFile>;
  /** Files read but not rendered as objects: kustomization files, patches, generator inputs. */
  inputs: Set<string>;
  /** Inputs whose content reaches the cluster unsubstituted (generator inputs of annotated objects). */
  unsubstituted: Set<string>;
  /** Objects kustomize generates (configMapGenerator, secretGenerator), with the kustomization file. */
  generatorFiles: Set<string>;
  /** Remote bases and components: fetched by kustomize, not in this workspace. */
  remote: Array<{ file: string; ref: KustomizeRef }>;
  problems: RenderProblem[];
  /** True when no kustomization file exists in `dir`: Flux generates one listing every YAML file. */
  generated: boolean;
}

interface Scope {
  namespace: string | undefined;
  renamed: boolean;
  substitutionDisabled: boolean;
}

export interface RenderContext {
  tree: PathTree;
  /** The index of a file, if it is a YAML file the model holds. */
  file(p: string): FileIndex | undefined;
  /** Upper bound on files followed, so a pathological tree stays bounded. */
  limit?: number;
}

/** Roles whose path is a YAML file or a folder (so a YAML-only scan can tell it is missing). */
export function isStructural(role: KustomizeRef['role']): boolean {
  return role === 'resource' || role === 'component' || role === 'patch' || role === 'crd';
}

/** The kustomization file of `dir` the model knows, in kustomize's order of preference. */
export function kustomizationIn(ctx: RenderContext, dir: string): FileIndex | undefined {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const f = ctx.file(path.join(dir, name));
    if (f?.kustomize) return f;
  }
  return undefined;
}

/**
 * What kustomize-controller renders for a Kustomization whose spec.path is `dir`: the folder's
 * kustomization file followed through resources, bases and components, or, without one, the
 * kustomization Flux generates (every YAML file below `dir`, sub-folders with a kustomization file
 * as resources). `targetNamespace` and `components` are the Kustomization's own overlays.
 */
export function renderKustomization(
  ctx: RenderContext,
  dir: string,
  overlay: { targetNamespace?: string; renamed: boolean; components: string[] },
): Rendering {
  const r: Rendering = {
    dir,
    resources: new Map(),
    inputs: new Set(),
    unsubstituted: new Set(),
    generatorFiles: new Set(),
    remote: [],
    problems: [],
    generated: !kustomizationIn(ctx, dir),
  };
  let budget = ctx.limit ?? 20_000;
  const emit = (file: string, rf: RenderedFile): void => {
    if (budget-- <= 0) return;
    // The first path that reaches a file is the one messages name.
    if (!r.resources.has(file)) r.resources.set(file, rf);
  };
  const top: Scope = {
    namespace: overlay.targetNamespace,
    renamed: overlay.renamed,
    substitutionDisabled: false,
  };
  // Each folder is followed once per render: a base used twice adds nothing new to ownership.
  const visited = new Set<string>();
  const walk = (d: string, outer: Scope, via: string[], generatedTop: boolean): void => {
    if (budget <= 0 || visited.has(d)) return;
    visited.add(d);
    const k = kustomizationIn(ctx, d);
    if (!k) {
      if (generatedTop) generatedListing(d, outer, via);
      return;
    }
    const facts = k.kustomize!;
    r.inputs.add(k.file);
    if (facts.generated.length) r.generatorFiles.add(k.file);
    // The outermost namespace wins: kustomize applies the inner transformer first.
    const scope: Scope = {
      namespace: outer.namespace ?? facts.namespace,
      renamed: outer.renamed || facts.changesNames,
      substitutionDisabled: outer.substitutionDisabled || facts.substitutionDisabled,
    };
    const chain = [k.file, ...via];
    for (const ref of facts.refs) {
      if (ref.remote) {
        if (ref.role === 'resource' || ref.role === 'component') r.remote.push({ file: k.file, ref });
        continue;
      }
      const abs = path.resolve(d, ref.value);
      const st = ctx.tree.state(abs, isStructural(ref.role));
      if (st.kind === 'unknown') continue;
      if (st.kind === 'missing' || st.kind === 'ignored') {
        r.problems.push({
          file: k.file,
          ref,
          kind: st.kind,
          ...(st.kind === 'ignored' ? { reason: st.reason } : {}),
        });
        continue;
      }
      if (ref.role === 'resource') {
        if (st.kind === 'file') emit(abs, { ...scope, via: chain });
        else if (!kustomizationIn(ctx, abs))
          r.problems.push({ file: k.file, ref, kind: 'folder-without-kustomization' });
        else walk(abs, scope, chain, false);
      } else if (ref.role === 'component') {
        if (st.kind === 'file') r.problems.push({ file: k.file, ref, kind: 'file-as-component' });
        else if (!kustomizationIn(ctx, abs))
          r.problems.push({ file: k.file, ref, kind: 'folder-without-kustomization' });
        // A component's resources join the including kustomization's.
        else walk(abs, scope, chain, false);
      } else if (st.kind === 'file') {
        r.inputs.add(abs);
        if (ref.substitutionDisabled || scope.substitutionDisabled) r.unsubstituted.add(abs);
      }
    }
  };
  const generatedListing = (d: string, scope: Scope, via: string[]): void => {
    const stack = [d];
    while (stack.length && budget > 0) {
      const dir = stack.pop()!;
      for (const name of ctx.tree.list(dir)) {
        const p = path.join(dir, name);
        const kind = ctx.tree.kind(p);
        if (kind === 'dir') {
          if (kustomizationIn(ctx, p)) walk(p, scope, via, false);
          else stack.push(p);
        } else if (kind === 'file' && /\.ya?ml$/.test(name)) {
          emit(p, { ...scope, via });
        }
      }
    }
  };
  walk(dir, top, [], true);
  // spec.components: folders relative to spec.path, applied to the whole build.
  for (const c of overlay.components) {
    const abs = path.resolve(dir, c);
    if (ctx.tree.kind(abs) === 'dir' && kustomizationIn(ctx, abs)) walk(abs, top, [], false);
  }
  return r;
}
