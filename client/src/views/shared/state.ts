// What every view model reads: the explorer's sessions (synchronous cache reads only), the shared
// filter, and the permission answers known so far. Pure; the extension fills it from the engine.

import type { Discovery } from '../../cluster/discovery';
import type { FluxKind } from '../../cluster/kinds';
import type { ContextInfo, KubeconfigProblem } from '../../cluster/kubeconfig';
import type { ControllerLiveness } from '../../cluster/liveness';
import type { CachedObject, Counts, KindState, SessionPhase } from '../../cluster/session';
import type { Permission } from '../../cluster/rbac';
import type { Filter } from './filter';

/** The read side of a ContextSession (what rendering may touch: no network). */
export interface SessionView {
  readonly name: string;
  readonly context: ContextInfo;
  readonly phase: SessionPhase;
  readonly discovery: Discovery | undefined;
  kindStates(): KindState[];
  list(filter?: { kind?: FluxKind; namespace?: string }): CachedObject[];
  get(kind: Pick<FluxKind, 'kind' | 'group'>, namespace: string, name: string): CachedObject | undefined;
  counts(): Counts;
  controllers(now?: number): ControllerLiveness[];
}

/** The read side of the FluxExplorer. */
export interface ExplorerView {
  readonly kubeconfig: {
    readonly files: readonly string[];
    readonly contexts: readonly ContextInfo[];
    readonly problems: readonly KubeconfigProblem[];
  };
  sessionList(): SessionView[];
  session(name: string): SessionView | undefined;
}

/** Permission to patch one kind in one namespace, as far as known (undefined: not asked yet). */
export interface PermissionLookup {
  patch(context: string, kind: Pick<FluxKind, 'group' | 'plural'>, namespace: string): Permission | undefined;
}

/** Everything the models share. */
export interface ViewState {
  readonly explorer: ExplorerView;
  readonly filter: Filter;
  readonly permissions: PermissionLookup;
  /** Epoch ms (injected so that tests and benchmarks control it). */
  now(): number;
  /** The workspace is trusted (exec plugins may run). */
  readonly trusted: boolean;
}
