import * as path from 'node:path';
import { readFileP } from './io';

/** `git@github.com:org/repo.git`, `https://github.com/org/repo`, `ssh://git@github.com/org/repo` -> `github.com/org/repo`. */
export function normalizeGitUrl(url: string): string {
  let u = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  const scp = /^[^@/:]+@([^:/]+):(.*)$/.exec(u);
  if (scp) u = `${scp[1]}/${scp[2]}`;
  else u = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]+@/, '');
  // A port is part of the address only for ssh (ssh://host:22/path): drop it, and any user.
  u = u.replace(/^([^/:]+):\d+\//, '$1/');
  return u.toLowerCase();
}

/** The remote URLs of a git work tree, normalized (from .git/config; a worktree's .git file is followed). */
export async function gitRemoteUrls(repo: string): Promise<string[]> {
  let gitDir = path.join(repo, '.git');
  const pointer = await readFileP(gitDir, 'utf8').catch(() => undefined);
  const m = pointer ? /^gitdir:\s*(.+)$/m.exec(pointer) : null;
  if (m) {
    gitDir = path.resolve(repo, m[1]!.trim());
    // A linked worktree keeps its config in the common directory.
    const common = await readFileP(path.join(gitDir, 'commondir'), 'utf8').catch(() => undefined);
    if (common) gitDir = path.resolve(gitDir, common.trim());
  }
  const config = await readFileP(path.join(gitDir, 'config'), 'utf8').catch(() => '');
  return [...config.matchAll(/^\s*url\s*=\s*(.+)$/gm)].map((x) => normalizeGitUrl(x[1]!.trim()));
}
