import * as path from 'node:path';
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

interface Pattern {
  domain: string;
  negate: boolean;
  dirOnly: boolean;
  /** Matches one path component (pattern without '/'), or the path relative to the domain. */
  anchored: boolean;
  re: RegExp;
}

function globToRe(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A gitignore matcher: the last matching pattern wins; a matched folder hides everything below. */
export class IgnoreMatcher {
  private readonly patterns: Pattern[] = [];

  /** Adds patterns (gitignore lines) that apply below `domain` (an absolute folder). */
  add(lines: Iterable<string>, domain: string): this {
    for (let line of lines) {
      line = line.replace(/\r$/, '');
      if (!line.trim() || line.startsWith('#')) continue;
      line = line.replace(/(?<!\\)\s+$/, '');
      let negate = false;
      if (line.startsWith('!')) {
        negate = true;
        line = line.slice(1);
      }
      const dirOnly = line.endsWith('/');
      if (dirOnly) line = line.slice(0, -1);
      const anchored = line.includes('/');
      if (line.startsWith('/')) line = line.slice(1);
      if (!line) continue;
      this.patterns.push({ domain, negate, dirOnly, anchored, re: globToRe(line) });
    }
    return this;
  }

  /** Is `file` (absolute) ignored? `isDir` tells whether the path itself is a folder. */
  ignores(file: string, isDir: boolean): boolean {
    let result = false;
    for (const p of this.patterns) {
      const rel = path.relative(p.domain, file);
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const parts = rel.split(path.sep);
      if (matchesPattern(p, parts, isDir)) result = !p.negate;
    }
    return result;
  }
}

function matchesPattern(p: Pattern, parts: string[], isDir: boolean): boolean {
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    const componentIsDir = !last || isDir;
    if (p.dirOnly && !componentIsDir) continue;
    const subject = p.anchored ? parts.slice(0, i + 1).join('/') : parts[i]!;
    if (p.re.test(subject)) return true;
  }
  return false;
}

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
