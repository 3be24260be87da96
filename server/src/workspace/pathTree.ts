import * as path from 'node:path';

/** What the model knows of a path of the workspace. */
export type PathState =
  | { kind: 'file' | 'dir' }
  /** Left out on purpose: Flux never sees it (.gitignore, .sourceignore) or the user excluded it. */
  | { kind: 'ignored'; reason: string }
  | { kind: 'missing' }
  /** Outside every scanned root, or the scan has not finished: absence proves nothing. */
  | { kind: 'unknown' };

/**
 * Every file and folder the scanner saw (YAML or not), so "does this path exist?" is answered from
 * memory, and folders can be listed the way Flux's generated kustomization lists them.
 */
/** A {@link PathTree}'s state as plain data. */
export interface PathTreeSnapshot {
  kinds: Array<[string, 'file' | 'dir']>;
  children: Array<[string, string[]]>;
  ignored: Array<[string, string]>;
  complete: Array<[string, { allFiles: boolean }]>;
}

export class PathTree {
  private readonly kinds = new Map<string, 'file' | 'dir'>();
  private readonly children = new Map<string, Set<string>>();
  private readonly ignored = new Map<string, string>();
  /**
   * Roots whose scan finished: below them, a YAML path the tree lacks does not exist; other files
   * too when `allFiles` (a git work tree; a folder that is not one may be a copy of only some files).
   */
  private readonly complete = new Map<string, { allFiles: boolean }>();

  /** Bumped whenever a path is added, removed or ignored (answers of {@link state} may change). */
  generation = 0;

  /** Everything the tree knows, as plain data (for a copy of the model on another thread). */
  snapshot(): PathTreeSnapshot {
    return {
      kinds: [...this.kinds],
      children: [...this.children].map(([dir, names]) => [dir, [...names]]),
      ignored: [...this.ignored],
      complete: [...this.complete],
    };
  }

  /** Makes this tree the one a {@link snapshot} was taken of. */
  restore(s: PathTreeSnapshot): void {
    this.generation++;
    for (const m of [this.kinds, this.children, this.ignored, this.complete]) m.clear();
    for (const [p, k] of s.kinds) this.kinds.set(p, k);
    for (const [dir, names] of s.children) this.children.set(dir, new Set(names));
    for (const [p, reason] of s.ignored) this.ignored.set(p, reason);
    for (const [r, o] of s.complete) this.complete.set(r, o);
  }

  add(p: string, kind: 'file' | 'dir'): void {
    if (this.kinds.get(p) === kind && !this.ignored.has(p)) return;
    this.generation++;
    this.ignored.delete(p);
    this.kinds.set(p, kind);
    if (kind === 'dir' && !this.children.has(p)) this.children.set(p, new Set());
    // Parents, up to the first one already known.
    for (let child = p, dir = path.dirname(p); dir !== child; child = dir, dir = path.dirname(dir)) {
      let set = this.children.get(dir);
      const known = set !== undefined;
      if (!set) this.children.set(dir, (set = new Set()));
      set.add(path.basename(child));
      if (known && this.kinds.get(dir) === 'dir') break;
      this.kinds.set(dir, 'dir');
    }
  }

  /** Records a path left out on purpose (it exists, but Flux or the user does not want it). */
  addIgnored(p: string, reason: string): void {
    this.generation++;
    if (this.ignored.size < 100_000) this.ignored.set(p, reason);
  }

  /** Forgets a path and everything below it. */
  remove(p: string): void {
    this.generation++;
    const stack = [p];
    while (stack.length) {
      const q = stack.pop()!;
      this.kinds.delete(q);
      this.ignored.delete(q);
      const kids = this.children.get(q);
      if (kids) for (const k of kids) stack.push(path.join(q, k));
      this.children.delete(q);
    }
    this.children.get(path.dirname(p))?.delete(path.basename(p));
  }

  markComplete(root: string, options: { allFiles: boolean } = { allFiles: true }): void {
    this.generation++;
    this.complete.set(root, options);
  }

  /**
   * Whether the absence of `p` from the tree means it does not exist. `yamlOrFolder`: the path can
   * only be a YAML file or a folder (a kustomize resource, component or patch without another
   * extension), which every complete scan sees.
   */
  isComplete(p: string, yamlOrFolder = false): boolean {
    const yaml = /\.ya?ml$/i.test(p) || (yamlOrFolder && !path.extname(p));
    for (const [r, o] of this.complete)
      if ((p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep)) && (yaml || o.allFiles))
        return true;
    return false;
  }

  state(p: string, yamlOrFolder = false): PathState {
    const k = this.kinds.get(p);
    if (k) return { kind: k };
    // An ignored folder hides everything below it.
    for (let q = p, up = path.dirname(p); this.ignored.size > 0; q = up, up = path.dirname(up)) {
      const reason = this.ignored.get(q);
      if (reason !== undefined) return { kind: 'ignored', reason };
      if (up === q) break;
    }
    return this.isComplete(p, yamlOrFolder) ? { kind: 'missing' } : { kind: 'unknown' };
  }

  /** Names in a folder, sorted as Go sorts them (bytes). */
  list(dir: string): string[] {
    return [...(this.children.get(dir) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  kind(p: string): 'file' | 'dir' | undefined {
    return this.kinds.get(p);
  }

  /** Folders of the tree (for spec.path completion), below `root`, up to `limit`. */
  dirsUnder(root: string, limit = 5000): string[] {
    const out: string[] = [];
    const stack = [root];
    while (stack.length && out.length < limit) {
      const d = stack.pop()!;
      out.push(d);
      for (const name of this.list(d).reverse()) {
        const p = path.join(d, name);
        if (this.kinds.get(p) === 'dir') stack.push(p);
      }
    }
    return out;
  }
}
