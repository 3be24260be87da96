import * as path from 'node:path';

/** `p` is `root` or below it (both absolute). */
export function within(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The folder a Flux Kustomization's spec.path names, relative to the source root (a leading / too). */
export function specPathDir(root: string, specPath: string): string {
  return path.resolve(root, specPath.replace(/^\/+/, ''));
}
