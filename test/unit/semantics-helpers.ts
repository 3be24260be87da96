import * as path from 'node:path';
import { SemanticAnalysis } from '../../server/src/semantics/analysis';
import { rangeOf, type Finding } from '../../server/src/semantics/findings';
import { Workspace } from '../../server/src/workspace/workspace';

/**
 * A workspace model of in-memory files (path relative to `root` -> text), scanned completely (so a
 * path that is not among the files does not exist), with its semantic analysis.
 */
export function modelOf(
  files: Record<string, string>,
  root = '/ws',
  extra: { dirs?: string[]; otherFiles?: string[] } = {},
) {
  const workspace = new Workspace();
  for (const [p, text] of Object.entries(files)) workspace.updateFile(path.join(root, p), text);
  for (const d of extra.dirs ?? []) workspace.model.addPath(path.join(root, d), 'dir');
  for (const f of extra.otherFiles ?? []) workspace.model.addPath(path.join(root, f), 'file');
  workspace.model.addPath(root, 'dir');
  workspace.model.setRoots([root]);
  workspace.model.tree.markComplete(root, { allFiles: true });
  const model = workspace.model;
  const analysis = new SemanticAnalysis(model);
  /** Findings as "file:line code message" lines, sorted. */
  const lines = (): string[] => {
    const out: string[] = [];
    for (const [file, list] of analysis.findings()) for (const f of list) out.push(describe(file, f));
    return out.sort();
  };
  const describe = (file: string, f: Finding): string => {
    const r = rangeOf(model, file, f.span);
    return `${path.relative(root, file)}:${r.start.line + 1} ${f.code} ${f.message}`;
  };
  const codes = (): string[] => lines().map((l) => l.split(' ').slice(0, 2).join(' '));
  const at = (file: string) => analysis.findingsOf(path.join(root, file));
  return { workspace, model, analysis, lines, codes, at, abs: (p: string) => path.join(root, p) };
}

export function ks(name: string, spec: string, meta = '  namespace: flux-system\n'): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
${meta}spec:
  interval: 10m
  prune: true
${spec}`;
}

export const GIT_FLUX_SYSTEM = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://github.com/example/fleet
  ref:
    branch: main
`;

export const SOURCE = `  sourceRef:
    kind: GitRepository
    name: flux-system
`;
