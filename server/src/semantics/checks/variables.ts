import type { WorkspaceModel } from '../../workspace/model';
import type { IndexedObject } from '../../workspace/objectFacts';
import type { ReferenceResolver } from '../../workspace/resolver';
import { isValidVariableName, type VarUse } from '../../workspace/variableUses';
import { Severity, type Finding, type Related } from '../findings';
import { objectLabel, resolveRef } from './references';

/** The variables a Flux Kustomization substitutes, and where each comes from. */
export interface VariableSet {
  /** Whether kustomize-controller substitutes at all (postBuild set, with variables or strategy Always). */
  substitutes: boolean;
  /** Every variable is known: a use of another one is certainly unset. */
  complete: boolean;
  /** Why not complete, for hovers ("Secret cluster-secrets is not in the workspace"). */
  unknownBecause: string[];
  defined: Map<string, Related>;
}

/**
 * The variables of `ks` as Flux resolves them: its own spec.postBuild (substitute keys, the keys of
 * its substituteFrom ConfigMaps and Secrets), plus what the patches of the parents that render it
 * add (a common way to give every child a CLUSTER variable).
 */
export function variablesOf(
  model: WorkspaceModel,
  resolver: ReferenceResolver,
  ks: IndexedObject,
): VariableSet {
  const set: VariableSet = { substitutes: false, complete: true, unknownBecause: [], defined: new Map() };
  const pb = ks.ks?.postBuild;
  const parents = new Set(
    model
      .ownersOf(ks.file)
      .filter((w) => !w.input)
      .map((w) => w.ks),
  );
  const namespace = model.namespacesOf(ks)[0] ?? ks.namespace ?? '';
  const patches = model.childPatchesFor(ks.name, namespace, ks.labels, parents);
  const strategyAlways = pb?.strategy === 'Always';
  if (
    !pb &&
    !patches.some(
      (p) =>
        p.substitute.length ||
        p.substituteFrom.length ||
        p.provides?.some((x) => x.startsWith('spec.postBuild')),
    )
  ) {
    return set;
  }
  for (const p of patches) {
    if (p.provides === undefined) {
      set.complete = false;
      set.unknownBecause.push(
        `a patch of ${objectLabel('Kustomization', p.parent.namespace, p.parent.name)} that cannot be read field by field`,
      );
    }
    for (const name of p.substitute)
      set.defined.set(name, {
        file: p.parent.file,
        span: p.parent.nameSpan ?? p.parent.span,
        message: `${name}: set by a patch of ${p.parent.name}`,
      });
    for (const from of p.substituteFrom) {
      set.complete = false;
      set.unknownBecause.push(`${from.kind} ${from.name}, added by a patch of ${p.parent.name}`);
    }
  }
  for (const r of ks.refs) {
    if (r.field.label !== 'spec.postBuild.substituteFrom') continue;
    if (r.name.includes('${')) {
      set.complete = false;
      set.unknownBecause.push(`${r.kind} ${r.name}`);
      continue;
    }
    const { resolution } = resolveRef(model, resolver, ks, r);
    if (resolution.status !== 'found') {
      // Missing and optional: no variables; missing and required: reported as such. Made at run time
      // (an ExternalSecret, say): its keys are not known here.
      if (resolution.status === 'external' || !r.optional) {
        set.complete = false;
        set.unknownBecause.push(`${r.kind} ${r.name} is not defined in the workspace`);
      }
      continue;
    }
    const defs = resolution.definitions;
    for (const d of defs) {
      if (d.origin.type !== 'file') {
        set.complete = false;
        set.unknownBecause.push(`${r.kind} ${r.name} is made at run time`);
        continue;
      }
      const o = d.origin.object;
      if (o.keys === undefined || o.generatorKeysIncomplete) {
        set.complete = false;
        set.unknownBecause.push(`${r.kind} ${r.name}'s keys come from files not read here`);
      }
      for (const k of o.keys ?? [])
        if (!set.defined.has(k.name))
          set.defined.set(k.name, {
            file: o.file,
            span: k.span,
            message: `${k.name}: key of ${r.kind} ${r.name}`,
          });
    }
  }
  for (const s of pb?.substitute ?? [])
    set.defined.set(s.name, { file: ks.file, span: s.span, message: `${s.name}: spec.postBuild.substitute` });
  set.substitutes = set.defined.size > 0 || strategyAlways || !set.complete;
  return set;
}

/**
 * `${VAR}` uses in the files a Kustomization renders that it does not define (strict substitution
 * fails the build, Flux 2.9's default), reported at the use and at the Kustomization; invalid names
 * and expressions Flux cannot parse.
 */
export function checkVariables(model: WorkspaceModel, resolver: ReferenceResolver, out: Finding[]): void {
  for (const ks of model.fluxKustomizations()) variableFindings(model, resolver, ks, out);
}

/** {@link checkVariables} of one Kustomization (its own fields, and the files it renders). */
export function variableFindings(
  model: WorkspaceModel,
  resolver: ReferenceResolver,
  ks: IndexedObject,
  out: Finding[],
): void {
  if (model.isPatchFile(ks.file)) return;
  // Invalid names in substitute: Flux refuses the whole substitution.
  for (const s of ks.ks?.postBuild?.substitute ?? []) {
    if (!isValidVariableName(s.name))
      out.push({
        file: ks.file,
        span: s.span,
        severity: Severity.Error,
        code: 'variable-invalid-name',
        message: `'${s.name}' is not a variable name Flux accepts (it must match ^[_a-zA-Z][_a-zA-Z0-9]*$): the build fails ("var name is invalid").`,
      });
  }
  const r = model.rendering(ks);
  if (!r) return;
  const vars = variablesOf(model, resolver, ks);
  if (!vars.substitutes) return;
  for (const [name, where] of vars.defined) {
    if (isValidVariableName(name) || where.file === ks.file) continue;
    out.push({
      file: ks.file,
      span: ks.ks?.postBuild?.span ?? ks.nameSpan ?? ks.span,
      severity: Severity.Error,
      code: 'variable-invalid-name',
      message: `substituteFrom brings the key '${name}', which is not a variable name Flux accepts (^[_a-zA-Z][_a-zA-Z0-9]*$): the build fails ("var name is invalid").`,
      related: [where],
    });
  }
  const undefinedUses: Array<{ file: string; use: VarUse }> = [];
  for (const file of [...r.resources.keys(), ...r.inputs]) {
    const f = model.get(file);
    if (
      !f ||
      f.varUses.length === 0 ||
      r.unsubstituted.has(file) ||
      r.resources.get(file)?.substitutionDisabled
    )
      continue;
    const disabled = new Set(f.objects.filter((o) => !o.substitution).map((o) => o.docIndex));
    for (const use of f.varUses) {
      if (disabled.has(use.docIndex)) continue;
      if (use.problem !== undefined) {
        out.push({
          file,
          span: use.exprSpan,
          severity: Severity.Error,
          code: 'variable-bad-expression',
          message: `Flux cannot parse this substitution (${use.problem}): the build of ${objectLabel('Kustomization', ks.namespace, ks.name)} fails. Write $\${...} for a literal \${.`,
          related: [
            {
              file: ks.file,
              span: ks.nameSpan ?? ks.span,
              message: 'the Kustomization that substitutes this file',
            },
          ],
        });
        continue;
      }
      if (!vars.complete || use.hasDefault || vars.defined.has(use.name)) continue;
      undefinedUses.push({ file, use });
    }
  }
  if (undefinedUses.length === 0) return;
  const label = objectLabel('Kustomization', model.namespacesOf(ks)[0] ?? ks.namespace, ks.name);
  const from = sourcesText(ks);
  for (const { file, use } of undefinedUses) {
    out.push({
      file,
      span: use.span,
      severity: Severity.Error,
      code: isValidVariableName(use.name) ? 'variable-undefined' : 'variable-invalid-name',
      message: isValidVariableName(use.name)
        ? `\${${use.name}} is defined nowhere for ${label} (${from}) and has no default: strict substitution fails the build. Define it, or write \${${use.name}:=default}.`
        : `\${${use.name}} can never be set: Flux variable names must match ^[_a-zA-Z][_a-zA-Z0-9]*$. The build of ${label} fails.`,
      related: [
        {
          file: ks.file,
          span: ks.ks?.postBuild?.span ?? ks.nameSpan ?? ks.span,
          message: `${label} renders this file`,
        },
      ],
    });
  }
  const names = [...new Set(undefinedUses.map((u) => u.use.name))];
  out.push({
    file: ks.file,
    span: ks.ks?.postBuild?.span ?? ks.nameSpan ?? ks.span,
    severity: Severity.Error,
    code: 'variable-undefined',
    message: `${names.length === 1 ? 'A variable' : `${names.length} variables`} used in the files this Kustomization renders ${names.length === 1 ? 'is' : 'are'} defined nowhere (${from}): ${names
      .slice(0, 10)
      .map((n) => `\${${n}}`)
      .join(', ')}${names.length > 10 ? ', …' : ''}. Strict substitution fails the build.`,
    related: undefinedUses
      .slice(0, 50)
      .map(({ file, use }) => ({ file, span: use.span, message: `\${${use.name}} used here` })),
  });
}

function sourcesText(ks: IndexedObject): string {
  const from = ks.refs
    .filter((r) => r.field.label === 'spec.postBuild.substituteFrom')
    .map((r) => `${r.kind} ${r.name}`);
  const own = ks.ks?.postBuild?.substitute.length ? ['spec.postBuild.substitute'] : [];
  const all = [...own, ...from];
  return all.length ? `looked in ${all.join(', ')}` : 'it has no substitute or substituteFrom';
}
