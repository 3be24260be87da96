import type { FileIndex, SetterMarker } from '../workspace/fileIndex';
import type { KustomizeRef } from '../workspace/kustomizeFacts';
import type { IndexedObject, RefSite } from '../workspace/objectFacts';
import type { VarUse } from '../workspace/variableUses';
import type { Span } from '../workspace/yamlNodes';

/** What a position of a file stands on, as far as Flux semantics go. */
export type Located =
  | { type: 'ref'; object: IndexedObject; ref: RefSite }
  | { type: 'var'; use: VarUse }
  | { type: 'marker'; marker: SetterMarker }
  | { type: 'kustomize-path'; ref: KustomizeRef }
  | { type: 'spec-path'; object: IndexedObject }
  | { type: 'var-definition'; object: IndexedObject; name: string }
  | { type: 'object'; object: IndexedObject };

const inside = (s: Span | undefined, offset: number): boolean => !!s && offset >= s[0] && offset <= s[1];

/** The innermost thing at `offset`. */
export function locate(f: FileIndex, offset: number): Located | undefined {
  for (const use of f.varUses) if (inside(use.span, offset)) return { type: 'var', use };
  for (const marker of f.markers) if (inside(marker.span, offset)) return { type: 'marker', marker };
  for (const ref of f.kustomize?.refs ?? [])
    if (inside(ref.span, offset)) return { type: 'kustomize-path', ref };
  for (const object of f.objects) {
    for (const ref of object.refs)
      if (inside(ref.nameSpan, offset) || inside(ref.kindSpan, offset)) return { type: 'ref', object, ref };
    if (object.ks && inside(object.ks.pathSpan, offset)) return { type: 'spec-path', object };
    for (const s of object.ks?.postBuild?.substitute ?? [])
      if (inside(s.span, offset)) return { type: 'var-definition', object, name: s.name };
    for (const k of object.keys ?? [])
      if (!object.generated && inside(k.span, offset))
        return { type: 'var-definition', object, name: k.name };
  }
  for (const object of f.objects)
    if (!object.createdBy && inside(object.nameSpan, offset)) return { type: 'object', object };
  return undefined;
}

/** The object whose document holds `offset` (the innermost one: generated objects have no document). */
export function objectAt(f: FileIndex, offset: number): IndexedObject | undefined {
  return f.objects.find((o) => !o.createdBy && o.docIndex >= 0 && offset >= o.span[0] && offset <= o.span[1]);
}
