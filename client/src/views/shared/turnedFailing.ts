// Which objects just turned failing (Failed or Stalled), for the optional notifications (setting
// fluxWorkbench.explorer.notifyOnFailure). Pure: no vscode import.
//
// A failing object's controller retries: kustomize-controller marks every retry Ready=Unknown
// (Progressing) and then Ready=False again (seen on the harness, every retryInterval), so batch by
// batch it goes Failed -> Reconciling -> Failed. "Turned failing" is judged against the object's
// last state outside a run (its settled state), remembered across batches: a retry of a failing
// object is not a new failure, a failed run of a Ready one is. An object already failing when first
// listed (no state before) is not announced, nor at its later retries; nor is one that goes from
// one failing state to the other.

import type { Change, FluxStateName } from '../../cluster';

const FAILING = new Set<FluxStateName>(['Failed', 'Stalled']);

export interface TurnedFailing {
  context: string;
  /** The change's kind key, e.g. "kustomizations.kustomize.toolkit.fluxcd.io". */
  kind: string;
  namespace: string;
  name: string;
}

/** Feed it every batch of changes, in order (also while notifications are off). */
export class TurnedFailingTracker {
  /** The last settled state of each object seen: context, kind and key. */
  private readonly settled = new Map<string, FluxStateName>();

  update(batch: readonly Change[]): TurnedFailing[] {
    const out: TurnedFailing[] = [];
    for (const c of batch) {
      if (c.what !== 'object' || !c.kind || !c.key) continue;
      const id = `${c.context}\u0000${c.kind}\u0000${c.key}`;
      if (!c.to) {
        this.settled.delete(id);
        continue;
      }
      // No state before: new to its session (first listed, or created), whatever was remembered.
      // Without a memory, the state before the batch, unless that was a run in progress (what
      // preceded the run is unknown).
      const before =
        c.from === undefined
          ? undefined
          : (this.settled.get(id) ?? (c.from !== 'Reconciling' ? c.from : undefined));
      if (FAILING.has(c.to) && before !== undefined && !FAILING.has(before)) {
        const slash = c.key.indexOf('/');
        out.push({
          context: c.context,
          kind: c.kind,
          namespace: c.key.slice(0, slash),
          name: c.key.slice(slash + 1),
        });
      }
      if (c.to !== 'Reconciling') this.settled.set(id, c.to);
      else if (before !== undefined) this.settled.set(id, before);
      else this.settled.delete(id);
    }
    return out;
  }
}
