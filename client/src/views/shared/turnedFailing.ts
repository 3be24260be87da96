// Which objects of a batch of changes just turned failing (Failed or Stalled), for the optional
// notifications (setting fluxWorkbench.explorer.notifyOnFailure). Pure: no vscode import.
// An object already failing when first listed has no state before the batch and is not one of
// them; nor is one that goes from one failing state to the other.

import type { Change } from '../../cluster';

const FAILING = new Set(['Failed', 'Stalled']);

export interface TurnedFailing {
  context: string;
  /** The change's kind key, e.g. "kustomizations.kustomize.toolkit.fluxcd.io". */
  kind: string;
  namespace: string;
  name: string;
}

export function turnedFailing(batch: readonly Change[]): TurnedFailing[] {
  const out: TurnedFailing[] = [];
  for (const c of batch) {
    if (c.what !== 'object' || !c.kind || !c.key || !c.from || !c.to) continue;
    if (!FAILING.has(c.to) || FAILING.has(c.from)) continue;
    const slash = c.key.indexOf('/');
    out.push({
      context: c.context,
      kind: c.kind,
      namespace: c.key.slice(0, slash),
      name: c.key.slice(slash + 1),
    });
  }
  return out;
}
