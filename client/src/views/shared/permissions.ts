// What the user may patch, per (context, kind, namespace), as far as the API server has told us
// (SelfSubjectAccessReview through the engine's canI). Rendering only peeks at known answers; the
// questions are asked when objects arrive, a few at a time, and each answer refreshes the nodes
// of that kind and namespace. Pure: the asking function is passed in.

import type { FluxKind } from '../../cluster/kinds';
import type { Permission } from '../../cluster/rbac';
import type { PermissionLookup } from './state';

type Ask = (
  context: string,
  kind: Pick<FluxKind, 'group' | 'plural'>,
  namespace: string,
) => Promise<Permission>;

export class Permissions implements PermissionLookup {
  private readonly known = new Map<string, Permission>();
  private readonly asked = new Set<string>();
  private readonly queue: (() => Promise<void>)[] = [];
  private running = 0;

  constructor(
    private readonly ask: Ask,
    /** Called when an answer arrives (kind is the kind name, e.g. "Kustomization"). */
    private readonly answered: (context: string, kind: string, namespace: string) => void,
    private readonly concurrency = 4,
  ) {}

  patch(
    context: string,
    kind: Pick<FluxKind, 'group' | 'plural'>,
    namespace: string,
  ): Permission | undefined {
    return this.known.get(key(context, kind, namespace));
  }

  /** Asks the API server (once) whether the user may patch this kind in this namespace. */
  request(context: string, kind: Pick<FluxKind, 'group' | 'plural' | 'kind'>, namespace: string): void {
    const k = key(context, kind, namespace);
    if (this.asked.has(k)) return;
    this.asked.add(k);
    this.queue.push(async () => {
      let p: Permission;
      try {
        p = await this.ask(context, kind, namespace);
      } catch (err) {
        // Unknown is not "forbidden": leave the actions enabled; the API server decides on use.
        this.asked.delete(k);
        void err;
        return;
      }
      this.known.set(k, p);
      this.answered(context, kind.kind, namespace);
    });
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      this.running++;
      void job().finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** Forget the answers of a context (or all): asked again as objects are seen. */
  forget(context?: string): void {
    for (const k of [...this.known.keys(), ...this.asked])
      if (context === undefined || k.startsWith(`${context}\u0000`)) {
        this.known.delete(k);
        this.asked.delete(k);
      }
  }
}

function key(context: string, kind: Pick<FluxKind, 'group' | 'plural'>, namespace: string): string {
  return `${context}\u0000${kind.plural}.${kind.group}\u0000${namespace}`;
}
