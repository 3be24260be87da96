import type { FileIndex } from '../../workspace/fileIndex';
import type { WorkspaceModel } from '../../workspace/model';
import type { IndexedObject, RefSite } from '../../workspace/objectFacts';
import type { Definition, ReferenceResolver, Resolution } from '../../workspace/resolver';
import type { Finding, Related } from '../findings';
import { Severity } from '../findings';

/** `Kind namespace/name`, as Flux names objects in its messages. */
export function objectLabel(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** A reference whose target cannot be known from the files (substituted, templated, a selector). */
export function isDynamic(r: RefSite): boolean {
  return r.wildcard || r.name === '' || /\$\{|<<|\{\{/.test(`${r.name} ${r.kind} ${r.namespace ?? ''}`);
}

/** The namespaces a reference looks in: its own `namespace`, else those of the referring object. */
export function refNamespaces(
  model: WorkspaceModel,
  o: IndexedObject,
  r: RefSite,
): Array<string | undefined> {
  if (r.namespace !== undefined) return [r.namespace];
  return model.namespacesOf(o);
}

export function relatedOf(defs: readonly Definition[], what: (d: Definition) => string): Related[] {
  const out: Related[] = [];
  for (const d of defs) {
    const o =
      d.origin.type === 'file' ? d.origin.object : d.origin.type === 'created' ? d.origin.by : undefined;
    if (!o) continue;
    out.push({ file: o.file, span: o.nameSpan ?? o.span, message: what(d) });
  }
  return out;
}

const describeNs = (ns: ReadonlyArray<string | undefined>): string =>
  ns.map((n) => n ?? '(no namespace)').join(', ');

/**
 * Resolves a reference in every namespace the referrer is applied in; the result of the first
 * namespace where it does not resolve (a reference that works in every one is fine).
 */
export function resolveRef(
  model: WorkspaceModel,
  resolver: ReferenceResolver,
  o: IndexedObject,
  r: RefSite,
  kind = r.kind,
  otherKinds: readonly string[] = [],
): { resolution: Resolution; namespace: string | undefined } {
  let first: { resolution: Resolution; namespace: string | undefined } | undefined;
  for (const ns of refNamespaces(model, o, r)) {
    const resolution = resolver.resolve(kind, r.name, ns, otherKinds, o.file);
    if (resolution.status === 'found' || resolution.status === 'external')
      return { resolution, namespace: ns };
    first ??= { resolution, namespace: ns };
  }
  return first ?? { resolution: { status: 'missing', asked: [] }, namespace: undefined };
}

/**
 * sourceRef, chartRef, imageRepositoryRef, providerRef, eventSources, resources, sources and
 * substituteFrom: each must name an object of an allowed kind that exists. dependsOn is checked by
 * dependsOn.ts (it also looks for cycles).
 */
export function checkReferences(model: WorkspaceModel, resolver: ReferenceResolver, out: Finding[]): void {
  for (const f of model.allFiles()) referenceFindings(model, resolver, f, out);
}

/** {@link checkReferences} for the objects of one file. */
export function referenceFindings(
  model: WorkspaceModel,
  resolver: ReferenceResolver,
  f: FileIndex,
  out: Finding[],
): void {
  if (model.isPatchFile(f.file)) return;
  for (const o of f.objects) {
    for (const r of o.refs) {
      if (r.field.dependency || isDynamic(r)) continue;
      // A kind the field does not take: the schema's enum reports it (value-not-allowed, listing
      // the kinds it takes), so it is not looked up.
      if (r.kind && !r.field.kinds.includes(r.kind)) continue;
      if (!r.kind) continue; // the schema reports a missing kind
      const { resolution, namespace } = resolveRef(model, resolver, o, r, r.kind, r.field.kinds);
      const target = objectLabel(r.kind, namespace, r.name);
      const finding = describe(o, r, resolution, target, namespace);
      if (finding) out.push(finding);
    }
  }
}

function describe(
  o: IndexedObject,
  r: RefSite,
  res: Resolution,
  target: string,
  namespace: string | undefined,
): Finding | undefined {
  const at = { file: o.file, span: r.nameSpan };
  switch (res.status) {
    case 'found':
    case 'external':
      return undefined;
    case 'other-namespace':
      return {
        ...at,
        severity: Severity.Warning,
        code: 'reference-not-found',
        message: `${target} (${r.field.label}) does not exist: ${r.kind} ${r.name} is in ${describeNs([...new Set(res.definitions.flatMap((d) => d.namespaces))])}${r.field.namespaced ? ". Set the reference's namespace, or move it" : ` (${r.field.label} only looks in ${namespace ?? 'its own namespace'})`}.`,
        related: relatedOf(
          res.definitions,
          (d) => `${d.kind} ${d.name} is applied in ${describeNs(d.namespaces)}`,
        ),
      };
    case 'other-cluster':
      return {
        ...at,
        severity: Severity.Warning,
        code: 'reference-not-found',
        message: `${target} (${r.field.label}) is defined only in the files of another cluster, not in those of this one.`,
        related: relatedOf(res.definitions, (d) => `${d.kind} ${d.name}, another cluster's`),
      };
    case 'other-kind':
      return {
        ...at,
        severity: Severity.Warning,
        code: 'reference-not-found',
        message: `${target} (${r.field.label}) does not exist; there is a ${[...new Set(res.definitions.map((d) => d.kind))].join(' and a ')} of that name: is the kind right?`,
        related: relatedOf(res.definitions, (d) => `${d.kind} ${d.name}`),
      };
    case 'missing': {
      // substituteFrom Secrets are often created outside Git (by hand, by another controller).
      if (r.optional) return undefined;
      const secret = r.kind === 'Secret';
      return {
        ...at,
        severity: secret ? Severity.Information : Severity.Warning,
        code: 'reference-not-found',
        message: secret
          ? `${target} (${r.field.label}) is not in the workspace: it must exist in the cluster, or Flux fails the build (substitute from 'Secret/${r.name}' error). Mark it optional: true if it may be absent.`
          : `${target} (${r.field.label}) is not defined in ${res.asked.join(' or ') || 'the workspace'}: Flux will report it not found${r.field.mayBeOptional ? ' (mark it optional: true if it may be absent)' : ''}.`,
      };
    }
  }
}

export function list(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
