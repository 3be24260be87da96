import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { BuildFs } from '../io/io';

/**
 * What source-controller leaves out of a Git artifact (fluxcd/pkg/sourceignore): VCS files, a few
 * binary extensions, CI files, `.sops.yaml`, `.flux.yaml`, `.goreleaser.yml`, and every pattern of
 * `.sourceignore` files (gitignore syntax, scoped to their folder). kustomize-controller never sees
 * these files, so the generator must not list them (a `.sops.yaml` is not a Kubernetes object and
 * would fail the build).
 */
export const DEFAULT_IGNORE_PATTERNS = [
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];

/**
 * A gitignore matcher over several pattern files, each scoped to its folder (its domain), as
 * source-controller applies them (fluxcd/pkg/sourceignore on go-git's gitignore): the pattern
 * that matches last decides (a later, deeper `.sourceignore` can re-include what an earlier one
 * excluded), and an excluded folder is never walked, so nothing below it comes back. Patterns
 * are matched by the `ignore` package (gitignore rules, case-sensitive like go-git, wildcards
 * matched without backtracking blow-ups), never by a RegExp of our own.
 */
export class IgnoreMatcher {
  private readonly sets: Array<{ domain: string; rules: Ignore }> = [];

  /** Adds patterns (gitignore lines) that apply below `domain` (an absolute folder). */
  add(lines: Iterable<string>, domain: string): this {
    const rules = ignore({ ignorecase: false });
    for (const line of lines) {
      const l = line.replace(/\r$/, '');
      if (l.length > MAX_PATTERN_LENGTH) continue; // nobody writes one; it only costs time
      rules.add(l);
    }
    this.sets.push({ domain, rules });
    this.folders.clear();
    return this;
  }

  /** Is `file` (absolute) ignored? `isDir` tells whether the path itself is a folder. */
  ignores(file: string, isDir: boolean): boolean {
    // As the walker meets them: each folder on the way, then the path itself.
    const parts = file.split(path.sep);
    const firstBelowRoot = this.sets.length ? this.sets[0]!.domain.split(path.sep).length : parts.length;
    const first = Math.min(firstBelowRoot, parts.length);
    if (parts.length > first && this.folderIgnored(parts, parts.length - 1, first)) return true;
    return this.decides(file, isDir);
  }

  /** Verdicts of folders (with those of the folders above them), as the walk meets each many times. */
  private readonly folders = new Map<string, boolean>();

  /** Is the folder of the first `n` parts, or one above it (from `first` parts on), ignored? */
  private folderIgnored(parts: readonly string[], n: number, first: number): boolean {
    const p = parts.slice(0, n).join(path.sep);
    let verdict = this.folders.get(p);
    if (verdict === undefined) {
      verdict = (n > first && this.folderIgnored(parts, n - 1, first)) || (p !== '' && this.decides(p, true));
      this.folders.set(p, verdict);
    }
    return verdict;
  }

  /** The verdict of the last pattern set that has one for `p` alone. */
  private decides(p: string, isDir: boolean): boolean {
    for (let i = this.sets.length - 1; i >= 0; i--) {
      const { domain, rules } = this.sets[i]!;
      const rel = path.relative(domain, p);
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const subject = rel.split(path.sep).join('/') + (isDir ? '/' : '');
      let verdict;
      try {
        verdict = rules.checkIgnore(subject);
      } catch {
        continue; // a path the matcher refuses to judge (none that path.relative makes)
      }
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    return false;
  }
}

/** Longest .sourceignore line considered. */
const MAX_PATTERN_LENGTH = 4096;

/**
 * The matcher for building `dir` inside a source rooted at `root`: the defaults plus the
 * `.sourceignore` files of `root` and of every folder down to `dir`. Folders below `dir` are added
 * by the generator as it walks them ({@link addSourceIgnoreOf}), so the whole tree is never read.
 */
export async function loadSourceIgnore(fs: BuildFs, root: string, dir: string): Promise<IgnoreMatcher> {
  const m = new IgnoreMatcher().add(DEFAULT_IGNORE_PATTERNS, root);
  const rel = path.relative(root, dir);
  const chain = [root];
  if (rel && !rel.startsWith('..')) {
    let d = root;
    for (const part of rel.split(path.sep)) chain.push((d = path.join(d, part)));
  }
  for (const d of chain) await addSourceIgnoreOf(fs, m, d);
  return m;
}

/** Adds the patterns of `dir/.sourceignore`, if there is one. */
export async function addSourceIgnoreOf(fs: BuildFs, m: IgnoreMatcher, dir: string): Promise<void> {
  const file = path.join(dir, '.sourceignore');
  if ((await fs.kind(file)) !== 'file') return;
  const text = await fs.readFile(file).catch(() => '');
  m.add(text.split('\n'), dir);
}
