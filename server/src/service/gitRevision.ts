import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Spawner } from '../io/io';
import { URI } from 'vscode-uri';
import type { GitRevisionParams, GitRevisionResult } from '../protocol';

const GIT_OPTIONS = { timeoutMs: 60_000, maxOutputBytes: 1 << 20 };

/**
 * The commit `revision` names in the Git repository holding `input` (a file or folder), or why
 * there is none, said plainly: not a Git repository, no commits yet, git missing, Restricted Mode
 * (git is a program, and a repository's config can make it run others).
 */
export async function resolveRevision(
  spawn: Spawner,
  input: string,
  revision: string,
  trusted: boolean,
  signal?: AbortSignal,
): Promise<GitRevisionResult> {
  if (!trusted)
    return {
      ok: false,
      reason: 'needs a trusted workspace',
      message: `Restricted Mode: comparing with ${revision} runs git, a program, on this workspace. Trust the workspace (Manage Workspace Trust) to compare builds.`,
    };
  const opts = { ...GIT_OPTIONS, ...(signal ? { signal } : {}) };
  const dir = existsSync(input) && statSync(input).isDirectory() ? input : path.dirname(input);
  const top = await spawn('git', ['-C', dir, 'rev-parse', '--show-toplevel'], opts);
  if (top.spawnError)
    return {
      ok: false,
      reason: 'git is not installed',
      message: `git is not installed (${top.spawnError.message}): comparing the build with ${revision} needs it.`,
    };
  if (top.code !== 0)
    return {
      ok: false,
      reason: 'not a Git repository',
      message: `Not a Git repository, so there is no ${revision} to compare the build with (${dir}). To compare with a commit: git init, git add -A, git commit.`,
    };
  const root = top.stdout.trim();
  const commit = await spawn(
    'git',
    ['-C', root, 'rev-parse', '--verify', '--quiet', `${revision}^{commit}`],
    opts,
  );
  if (commit.code !== 0) {
    const any = await spawn('git', ['-C', root, 'rev-list', '-n', '1', '--all'], opts);
    if (any.code === 0 && any.stdout.trim() === '')
      return {
        ok: false,
        reason: 'no commits yet',
        message: `No commits yet, so there is no ${revision} to compare the build with (Git repository ${root}). Commit first.`,
      };
    return {
      ok: false,
      reason: `no ${revision}`,
      message: `${revision} is not a commit of the Git repository ${root}.`,
    };
  }
  return { ok: true, commit: commit.stdout.trim(), root };
}

/** The files of `commit` of the repository at `root` in a temporary folder (`git archive`; the working tree is never touched). */
export async function checkoutRevision(
  spawn: Spawner,
  root: string,
  commit: string,
  signal?: AbortSignal,
): Promise<{ dir: string; dispose: () => Promise<void> } | { error: string }> {
  const opts = { ...GIT_OPTIONS, ...(signal ? { signal } : {}) };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'flux-workbench-rev-'));
  const dispose = (): Promise<void> => rm(tmp, { recursive: true, force: true });
  const tar = path.join(tmp, 'rev.tar');
  const archive = await spawn('git', ['-C', root, 'archive', '--format=tar', '-o', tar, commit], opts);
  if (archive.code !== 0) {
    await dispose();
    return {
      error: `git archive ${commit} failed: ${archive.stderr.trim() || archive.stopped || 'unknown error'}`,
    };
  }
  const dir = path.join(tmp, 'src');
  await mkdir(dir);
  const untar = await spawn('tar', ['-xf', tar, '-C', dir], opts);
  if (untar.code !== 0) {
    await dispose();
    return { error: `extracting ${commit} failed: ${untar.stderr.trim()}` };
  }
  return { dir, dispose };
}

/** `flux/gitRevision`: the commit `params.revision` names for the file or folder `params.uri`. */
export function gitRevisionOf(
  spawn: Spawner,
  params: GitRevisionParams,
  signal?: AbortSignal,
): Promise<GitRevisionResult> {
  return resolveRevision(spawn, URI.parse(params.uri).fsPath, params.revision, params.trusted, signal);
}
