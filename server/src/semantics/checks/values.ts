import * as path from 'node:path';
import { semverConstraintProblem } from '../../flux/semverConstraint';
import type { FileIndex } from '../../workspace/fileIndex';
import type { WorkspaceModel } from '../../workspace/model';
import type { IndexedObject } from '../../workspace/objectFacts';
import type { Span } from '../../workspace/yamlNodes';
import type { ReferenceResolver } from '../../workspace/resolver';
import { Severity, type Finding } from '../findings';
import { objectLabel, relatedOf } from './references';

/** Chart sources whose spec.version source-controller ignores (the chart is read from a path). */
const VERSIONLESS_SOURCES = new Set(['GitRepository', 'Bucket']);

/** {@link checkValues} of one file: conflict markers, chart versions, setter markers. */
export function valueFindings(
  model: WorkspaceModel,
  resolver: ReferenceResolver,
  f: FileIndex,
  out: Finding[],
): void {
  for (const s of f.conflicts)
    out.push({
      file: f.file,
      span: s,
      severity: Severity.Error,
      code: 'merge-conflict-marker',
      message:
        'Git merge conflict marker: resolve the conflict (keep one side, delete the <<<<<<<, ======= and >>>>>>> lines) before Flux sees this file.',
    });
  if (model.isPatchFile(f.file)) return;
  for (const o of f.objects) {
    if (o.removedTemplateFields) out.push(removedTemplateFinding(o, o.removedTemplateFields));
    const v = o.chartVersion;
    if (!v || v.value.includes('${') || (v.sourceKind && VERSIONLESS_SOURCES.has(v.sourceKind))) continue;
    const problem = semverConstraintProblem(v.value);
    if (problem)
      out.push({
        file: f.file,
        span: v.span,
        severity: Severity.Error,
        code: 'invalid-chart-version',
        message: `Chart version ${problem}: source-controller reads it as a semver version or constraint (1.2.3, >=1.2.0 <2.0.0, ~1.2, 1.x, *) and the chart fails to reconcile.`,
      });
  }
  for (const m of f.markers) {
    if (!m.namespace || !m.name) {
      out.push({
        file: f.file,
        span: m.span,
        severity: Severity.Warning,
        code: 'image-policy-not-found',
        message: `Setter marker "${m.namespace}:${m.name}" must be "<namespace>:<name>" of an ImagePolicy (optionally :tag, :name or :digest).`,
      });
      continue;
    }
    if (m.part !== undefined && !['tag', 'name', 'digest'].includes(m.part)) {
      out.push({
        file: f.file,
        span: m.span,
        severity: Severity.Warning,
        code: 'image-policy-not-found',
        message: `Setter marker suffix :${m.part} is not one image-automation-controller knows (:tag, :name or :digest).`,
      });
      continue;
    }
    const res = resolver.resolve('ImagePolicy', m.name, m.namespace, [], f.file);
    if (res.status === 'found' || res.status === 'external') continue;
    out.push({
      file: f.file,
      span: m.span,
      severity: Severity.Warning,
      code: 'image-policy-not-found',
      message: `No ImagePolicy ${m.namespace}/${m.name} in the workspace: image automation leaves this line unchanged.`,
      ...(res.status === 'other-namespace'
        ? {
            related: relatedOf(res.definitions, (d) => `ImagePolicy ${d.name} (${d.namespaces.join(', ')})`),
          }
        : {}),
    });
  }
}

/**
 * An ImageUpdateAutomation commit message template using data image-automation-controller 1.0
 * (Flux 2.7) removed. At image.toolkit.fluxcd.io/v1 the controller is 1.0 or later, so every commit
 * fails: an error. At an older version the repository may still run Flux 2.6, where the field
 * works: a warning (the apiVersion's own finding says when it goes).
 */
function removedTemplateFinding(o: IndexedObject, t: { fields: string[]; span: Span }): Finding {
  const current = o.apiVersion === 'image.toolkit.fluxcd.io/v1';
  const uses = t.fields.map((f) => `\`${f}\``).join(' and ');
  const instead = t.fields.includes('.Updated')
    ? '`.Changed`'
    : '`.Changed.FileChanges` or `.Changed.Objects`';
  return {
    file: o.file,
    span: t.span,
    severity: current ? Severity.Error : Severity.Warning,
    code: 'removed-template-field',
    message:
      `The commit message template uses ${uses}, removed in image-automation-controller 1.0 (Flux 2.7): ` +
      (current
        ? 'every commit of this automation fails'
        : 'from Flux 2.7 on, every commit of this automation fails') +
      ` ("template uses removed field"). Use ${instead} (quick fix: rewrite the template).`,
  };
}

/**
 * What the renderings decide: duplicates, and files a generated kustomization refuses. One step per
 * Kustomization (a caller may yield the thread between two, see semantics/analysis.ts).
 */
export function* renderingFindings(model: WorkspaceModel, out: Finding[]): Generator<void, void> {
  yield* duplicates(model, out);
  yield* generatedRefusals(model, out);
}

/** kustomize refuses two resources with the same id in one build ("already registered id"). */
function* duplicates(model: WorkspaceModel, out: Finding[]): Generator<void, void> {
  for (const ks of model.fluxKustomizations()) {
    yield;
    const r = model.rendering(ks);
    if (!r || ks.ks?.changesNames) continue;
    const seen = new Map<string, IndexedObject[]>();
    for (const [file, rendered] of r.resources) {
      if (rendered.renamed) continue;
      for (const o of model.get(file)?.objects ?? []) {
        if (!o.name || o.createdBy || /\$\{|<<|\{\{/.test(o.name + (o.namespace ?? ''))) continue;
        const ns = rendered.namespace ?? o.namespace ?? '';
        const id = `${o.group}/${o.kind}/${ns}/${o.name}`;
        const list = seen.get(id);
        if (list) list.push(o);
        else seen.set(id, [o]);
      }
    }
    const label = objectLabel('Kustomization', model.namespacesOf(ks)[0] ?? ks.namespace, ks.name);
    for (const list of seen.values()) {
      if (list.length < 2) continue;
      for (const o of list) {
        const ns = r.resources.get(o.file)?.namespace ?? o.namespace;
        out.push({
          file: o.file,
          span: o.nameSpan ?? o.span,
          severity: Severity.Error,
          code: 'duplicate-object',
          message: `${objectLabel(o.kind, ns, o.name)} is rendered ${list.length} times by ${label}: kustomize fails ("may not add resource with an already registered id").`,
          related: list
            .filter((x) => x !== o)
            .map((x) => ({
              file: x.file,
              span: x.nameSpan ?? x.span,
              message: `also ${path.basename(x.file)}`,
            })),
        });
      }
    }
  }
}

/**
 * Without a kustomization.yaml in spec.path, Flux generates one listing every YAML file below it,
 * and kustomize refuses a file that is not Kubernetes objects (a values file, say).
 */
function* generatedRefusals(model: WorkspaceModel, out: Finding[]): Generator<void, void> {
  const reported = new Set<string>();
  for (const ks of model.fluxKustomizations()) {
    yield;
    const r = model.rendering(ks);
    if (!r?.generated) continue;
    for (const [file, rendered] of r.resources) {
      const f = model.get(file);
      if (!f || f.nonObjectDocuments === 0 || reported.has(file) || rendered.via.length > 0) continue;
      reported.add(file);
      out.push({
        file,
        span: [0, 0],
        severity: Severity.Error,
        code: 'generated-kustomization-refuses-file',
        message: `${objectLabel('Kustomization', model.namespacesOf(ks)[0] ?? ks.namespace, ks.name)} has no kustomization.yaml in ${ks.ks?.path}, so Flux lists every YAML file there; this one is not Kubernetes objects and the build fails. Add a kustomization.yaml listing the resources, or a .sourceignore entry.`,
        related: [{ file: ks.file, span: ks.ks?.pathSpan ?? ks.span, message: 'its spec.path' }],
      });
    }
  }
}
