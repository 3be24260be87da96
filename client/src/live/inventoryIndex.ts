import { findKind } from '../cluster/kinds';
import { inventoryOf } from '../cluster/relations';
import type { CachedObject, ContextSession } from '../cluster/session';

/** `status.inventory.entries[].id` of an object: `<namespace>_<name>_<group>_<kind>` (`:` as `__`). */
export function inventoryId(namespace: string, name: string, group: string, kind: string): string {
  return `${namespace}_${name.replace(/:/g, '__')}_${group}_${kind}`;
}

const KS = findKind('Kustomization')!;
const HR = findKind('HelmRelease')!;

interface Entry {
  /** The inventory owners the index was built from (objects are replaced on every change). */
  owners: CachedObject[];
  byId: Map<string, CachedObject[]>;
}

/**
 * Which Kustomizations (and HelmReleases, whose status has an inventory since Flux 2.8) list an
 * object, per session. Rebuilt only when one of them changed: the cache replaces a CachedObject on
 * every watch event, so comparing the owners by identity tells.
 */
export class InventoryIndex {
  private readonly bySession = new WeakMap<object, Entry>();

  owners(session: Pick<ContextSession, 'list'>, id: string): readonly CachedObject[] {
    return this.entry(session).byId.get(id) ?? [];
  }

  private entry(session: Pick<ContextSession, 'list'>): Entry {
    const owners = [...session.list({ kind: KS }), ...session.list({ kind: HR })];
    const hit = this.bySession.get(session);
    if (hit && hit.owners.length === owners.length && hit.owners.every((o, i) => o === owners[i])) return hit;
    const byId = new Map<string, CachedObject[]>();
    for (const o of owners)
      for (const e of inventoryOf(o.obj) ?? []) {
        const l = byId.get(e.id);
        if (l) l.push(o);
        else byId.set(e.id, [o]);
      }
    const entry = { owners, byId };
    this.bySession.set(session, entry);
    return entry;
  }
}
