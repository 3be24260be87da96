import * as path from 'node:path';
import { specPathDir, within } from '../../io/paths';
import type { WorkspaceModel } from '../../workspace/model';
import { isStructural, kustomizationIn } from '../../workspace/rendering';
import { Severity, type Finding } from '../findings';

const ROLE_WORDS: Readonly<Record<string, string>> = {
  resource: 'resource',
  component: 'component',
  patch: 'patch',
  'generator-file': 'generator file',
  crd: 'CRD file',
  configuration: 'configuration file',
  transformer: 'transformer file',
  generator: 'generator file',
  validator: 'validator file',
  replacement: 'replacement file',
  openapi: 'OpenAPI schema file',
};

/**
 * Paths that do not exist: a Flux Kustomization's spec.path (when its source is this repository),
 * and every local path of a kustomization file (remote URLs are information). Absence is said only
 * where the scan is complete, so nothing is reported while indexing. One step per Kustomization
 * and per file (a caller may yield the thread between two, see semantics/analysis.ts).
 */
export function* checkPaths(model: WorkspaceModel, out: Finding[]): Generator<void, void> {
  for (const ks of model.fluxKustomizations()) {
    yield;
    const p = ks.ks?.path;
    if (p === undefined || !ks.ks?.pathSpan || p.includes('${')) continue;
    const src = model.sourceOf(ks);
    if (src.kind !== 'local') continue;
    const dir = specPathDir(src.root, p);
    const rel = path.relative(src.root, dir) || '.';
    const at = { file: ks.file, span: ks.ks.pathSpan };
    if (!within(src.root, dir)) {
      out.push({
        ...at,
        severity: Severity.Error,
        code: 'path-not-found',
        message: `spec.path ${p} leaves the repository: Flux refuses paths outside the source.`,
      });
      continue;
    }
    const st = model.tree.state(dir, true);
    if (st.kind === 'missing')
      out.push({
        ...at,
        severity: Severity.Error,
        code: 'path-not-found',
        message: `spec.path ${p} does not exist in this repository (${rel}; the source: ${src.reason}). Flux fails with "kustomization path not found".`,
      });
    else if (st.kind === 'ignored')
      out.push({
        ...at,
        severity: Severity.Error,
        code: 'path-not-found',
        message: `spec.path ${p} is not in the source Flux fetches: ${st.reason}.`,
      });
    else if (st.kind === 'file')
      out.push({
        ...at,
        severity: Severity.Error,
        code: 'path-not-found',
        message: `spec.path ${p} is a file; Flux needs a folder.`,
      });
  }

  for (const f of model.allFiles()) {
    yield;
    const k = f.kustomize;
    if (!k) continue;
    const dir = path.dirname(f.file);
    for (const ref of k.refs) {
      const what = ROLE_WORDS[ref.role] ?? ref.role;
      const at = { file: f.file, span: ref.span };
      if (ref.remote) {
        if (ref.role === 'resource' || ref.role === 'component')
          out.push({
            ...at,
            severity: Severity.Information,
            code: 'kustomize-remote-reference',
            message: `Remote ${what} ${ref.value}: kustomize fetches it when building, so its content is not checked here.`,
          });
        continue;
      }
      const abs = path.resolve(dir, ref.value);
      const st = model.tree.state(abs, isStructural(ref.role));
      if (st.kind === 'missing') {
        out.push({
          ...at,
          severity: Severity.Error,
          code: 'kustomize-path-not-found',
          message: `${ref.field} entry ${ref.value} does not exist (${path.relative(dir, abs) || '.'} from this folder): kustomize fails to build.`,
        });
      } else if (st.kind === 'ignored') {
        out.push({
          ...at,
          severity: Severity.Warning,
          code: 'kustomize-path-ignored',
          message: `${ref.field} entry ${ref.value} is not in what Flux fetches: ${st.reason}. The build in the cluster fails.`,
        });
      } else if (st.kind === 'dir' && (ref.role === 'resource' || ref.role === 'component')) {
        const inner = kustomizationIn(model.renderContext(), abs);
        if (!inner) {
          out.push({
            ...at,
            severity: Severity.Error,
            code: 'kustomize-not-a-kustomization',
            message: `${ref.field} entry ${ref.value} is a folder without a kustomization.yaml: kustomize cannot build it.`,
          });
        } else if (ref.role === 'component' && inner.kustomize!.kind !== 'Component') {
          out.push({
            ...at,
            severity: Severity.Error,
            code: 'kustomize-not-a-kustomization',
            message: `components entry ${ref.value} is a Kustomization, not a Component (kind: Component): kustomize refuses it.`,
            related: [{ file: inner.file, span: [0, 0], message: 'its kustomization file' }],
          });
        } else if (ref.role === 'resource' && inner.kustomize!.kind === 'Component') {
          out.push({
            ...at,
            severity: Severity.Error,
            code: 'kustomize-not-a-kustomization',
            message: `${ref.field} entry ${ref.value} is a Component: list it under components, not ${ref.field}.`,
            related: [{ file: inner.file, span: [0, 0], message: 'its kustomization file' }],
          });
        }
      } else if (st.kind === 'file' && ref.role === 'component') {
        out.push({
          ...at,
          severity: Severity.Error,
          code: 'kustomize-not-a-kustomization',
          message: `components entry ${ref.value} is a file; a component is a folder with a kustomization.yaml of kind Component.`,
        });
      }
    }
  }
}
