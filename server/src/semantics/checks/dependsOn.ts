import type { FileIndex } from '../../workspace/fileIndex';
import { objectKey, type WorkspaceModel } from '../../workspace/model';
import type { IndexedObject, RefSite } from '../../workspace/objectFacts';
import type { ReferenceResolver } from '../../workspace/resolver';
import { Severity, type Finding } from '../findings';
import { isDynamic, objectLabel, relatedOf, resolveRef } from './references';

/** Kinds with spec.dependsOn, and the kind each may depend on (Flux 2.9: its own kind only). */
const DEPENDS_ON: Readonly<Record<string, string>> = {
  Kustomization: 'Kustomization',
  HelmRelease: 'HelmRelease',
};

/** A dependsOn edge; the target by its stable key (its object may be re-made by an edit). */
export interface Edge {
  from: IndexedObject;
  ref: RefSite;
  to: string;
  toName: string;
}

/**
 * dependsOn: an unknown target, a target of a kind Flux does not allow (a HelmRelease waiting for a
 * Kustomization waits forever), and cycles, reported at every member's dependsOn entry.
 */
export function checkDependsOn(model: WorkspaceModel, resolver: ReferenceResolver, out: Finding[]): void {
  const edges: Edge[] = [];
  for (const f of model.allFiles()) dependsOnFindings(model, resolver, f, out, edges);
  cycleFindings(edges, out);
}

/** {@link checkDependsOn} for one file: its findings, and its edges (for {@link cycleFindings}). */
export function dependsOnFindings(
  model: WorkspaceModel,
  resolver: ReferenceResolver,
  f: FileIndex,
  out: Finding[],
  edges: Edge[],
): void {
  if (model.isPatchFile(f.file)) return;
  for (const o of f.objects) {
    const targetKind = DEPENDS_ON[o.kind];
    if (!targetKind) continue;
    for (const r of o.refs) {
      if (!r.field.dependency || isDynamic(r)) continue;
      const other = Object.values(DEPENDS_ON).filter((k) => k !== targetKind);
      const { resolution: res, namespace } = resolveRef(model, resolver, o, r, targetKind, other);
      const target = objectLabel(targetKind, namespace, r.name);
      if (res.status === 'found') {
        for (const d of res.definitions)
          if (d.origin.type === 'file')
            edges.push({ from: o, ref: r, to: objectKey(d.origin.object), toName: d.origin.object.name });
        continue;
      }
      if (res.status === 'external') continue;
      if (res.status === 'other-kind') {
        out.push({
          file: o.file,
          span: r.nameSpan,
          severity: Severity.Error,
          code: 'depends-on-wrong-kind',
          message: `${o.kind} ${o.name} depends on ${r.name}, which is a ${res.definitions[0]!.kind}: a ${o.kind}'s dependsOn names ${targetKind}s only, so it waits forever (dependency not found). Depend on a ${targetKind}, or check readiness another way (healthChecks, a wrapper ${targetKind}).`,
          related: relatedOf(res.definitions, (d) => `${d.kind} ${d.name}`),
        });
        continue;
      }
      out.push({
        file: o.file,
        span: r.nameSpan,
        severity: Severity.Warning,
        code: 'depends-on-not-found',
        message:
          res.status === 'other-namespace'
            ? `${target} does not exist: ${targetKind} ${r.name} is in ${[...new Set(res.definitions.flatMap((d) => d.namespaces.map((n) => n ?? '(no namespace)')))].join(', ')}. Set the namespace of the dependsOn entry. Until it exists, Flux waits (dependency not found).`
            : res.status === 'other-cluster'
              ? `${target} is defined only in the files of another cluster: Flux waits for it forever (dependency not found).`
              : `${target} is not defined in ${res.asked.join(' or ') || 'the workspace'}: Flux waits for it forever (dependency not found).`,
        ...(res.status === 'other-namespace' || res.status === 'other-cluster'
          ? {
              related: relatedOf(res.definitions, (d) => `${d.kind} ${d.name} (${d.namespaces.join(', ')})`),
            }
          : {}),
      });
    }
  }
}

/**
 * Strongly connected components (Tarjan, iterative) of the dependsOn graph; each is a cycle,
 * reported at every dependsOn entry on it, with the others as related information.
 */
export function cycleFindings(edges: readonly Edge[], out: Finding[]): void {
  const key = (e: Edge): string => objectKey(e.from);
  const next = new Map<string, Edge[]>();
  for (const e of edges) {
    const l = next.get(key(e));
    if (l) l.push(e);
    else next.set(key(e), [e]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let counter = 0;
  const components: string[][] = [];
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const succ = next.get(frame.v) ?? [];
      if (frame.i < succ.length) {
        const w = succ[frame.i++]!.to;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.v)!));
      }
      if (low.get(frame.v) === index.get(frame.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== frame.v);
        const selfLoop = comp.length === 1 && (next.get(comp[0]!) ?? []).some((e) => e.to === comp[0]);
        if (comp.length > 1 || selfLoop) components.push(comp.reverse());
      }
    }
  }
  for (const comp of components) {
    const members = new Set(comp);
    const inCycle = edges.filter((e) => members.has(key(e)) && members.has(e.to));
    const names = orderCycle(comp, inCycle, key);
    const text = [...names, names[0]].join(' → ');
    for (const e of inCycle) {
      out.push({
        file: e.from.file,
        span: e.ref.nameSpan,
        severity: Severity.Error,
        code: 'depends-on-cycle',
        message: `dependsOn cycle: ${text}. None of these ${e.from.kind}s ever becomes ready: each waits for the next (dependency not ready).`,
        related: inCycle
          .filter((x) => x !== e)
          .map((x) => ({
            file: x.from.file,
            span: x.ref.nameSpan,
            message: `${x.from.kind} ${x.from.name} depends on ${x.toName}`,
          })),
      });
    }
  }
}

/** The members' names in the order the edges walk them, starting with the first. */
function orderCycle(comp: string[], edges: readonly Edge[], key: (e: Edge) => string): string[] {
  const name = new Map<string, string>();
  for (const e of edges) {
    name.set(key(e), e.from.name);
    name.set(e.to, e.toName);
  }
  const order: string[] = [comp[0]!];
  const seen = new Set(order);
  for (let cur = comp[0]!; ; ) {
    const e = edges.find((x) => key(x) === cur && !seen.has(x.to));
    if (!e) break;
    order.push(e.to);
    seen.add(e.to);
    cur = e.to;
  }
  for (const k of comp) if (!seen.has(k)) order.push(k);
  return order.map((k) => name.get(k) ?? k);
}
