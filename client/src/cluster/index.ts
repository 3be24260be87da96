/**
 * The live cluster engine (no `vscode` import; plain node tests). Everything the tree views, the
 * status bar, the CLI and, later, the language-server bridge (issue 12) need from clusters comes
 * through this module. This comment is the API contract; keep it stable.
 *
 * Runtime: @kubernetes/client-node 2.0.1 and its undici 8 need Node >= 22.19 (VS Code's extension
 * host and the project's Node 24 have it; see auth.ts for why this version). Modules that load
 * them: auth.ts, transport.ts and everything that starts sessions. Pure modules (status.ts,
 * kinds.ts, kubeconfig.ts, proxy.ts, backoff.ts, exec.ts, liveness.ts, relations.ts' parsers) load
 * on any Node.
 *
 * ## Lifetime
 *
 * ```ts
 * const explorer = new FluxExplorer({ allowExec: workspace.isTrusted, requestTimeoutMs: 10_000 });
 * await explorer.loadKubeconfig();          // KUBECONFIG (merged) or ~/.kube/config; never written
 * explorer.kubeconfig.problems              // malformed files: { file, line, message } (formatProblem)
 * explorer.kubeconfig.files                 // watch these (e.g. a FileSystemWatcher) and call loadKubeconfig()
 *                                          // again: sessions whose context changed restart, others go on
 * explorer.contexts()                       // every context: { name, file, key, server, namespace, problems }
 * void explorer.show(['ctx-a', 'ctx-b']);   // start these sessions, stop the others (remember per workspace);
 *                                          // resolves after each first discovery (up to the request
 *                                          // timeout for an unreachable cluster): never await it in rendering
 * const sub = explorer.onDidChange((batch) => ...);  // batched (50 ms) changes, see below
 * await explorer.dispose();
 * ```
 *
 * ## Reading (synchronous, no network: safe in getChildren/getTreeItem)
 *
 * `explorer.session(name)` / `explorer.sessionList()` give a `ContextSession`:
 * - `phase`: connecting | ready | error {message, retryAt} | stopped (an error node for the context)
 * - `discovery`: served kinds with versions, missing kinds, `fluxVersion` (or `fluxVersionWhy`),
 *   `fluxNamespace`
 * - `kindStates()`: per Flux kind (FLUX_KINDS order): `served` (undefined = not installed) and its
 *   scopes (cluster-wide, or namespaces when the cluster scope is forbidden), each with a reflector
 *   `phase`: listing | watching | backoff {error} | forbidden {message "forbidden: list <res> in
 *   namespace <ns>"} | notInstalled | unauthorized {message with the fix} — show non-watching
 *   scopes as message nodes; `session.retryNow()` is the "retry" action.
 * - `list({ kind?, namespace? })`, `get(kind, namespace, name)`: `CachedObject` = { context, kind,
 *   obj (managedFields dropped; do not mutate), status: FluxState, namespace, name }. The status is
 *   computed once per watch event by `fluxStatus` (status.ts): state (Ready, Failed, Stalled,
 *   Reconciling, WaitingForDependency, Suspended, Pending, Updating, Terminating, Unknown), reason,
 *   message, revision, attemptedRevision, blockedBy, drifted, resetSuggested, suspendedBy, static.
 * - `counts()`: { total, ready, failing, inProgress, suspended } (the status bar).
 * - `controllers()`: liveness per controller from its leader-election Lease or Deployment, else
 *   "unknown" with the reason.
 * - Children of a node, from the object itself: `inventoryOf(obj)`, `historyOf(obj)`,
 *   `dependsOnOf(session, obj)` (with live states), `blockingChain(session, obj)`, `sourceOf(obj)`.
 * - Description and tooltip times: `lastReconciled(obj)`, `nextReconcile(obj, status)` (an estimate:
 *   say "about"), `shortDuration(ms)`, `parseGoDuration(spec.interval)`.
 *
 * ## Change notifications
 *
 * `onDidChange` delivers `Change[]`, deduplicated, at most one batch per 50 ms:
 * `{ context, what: 'object', kind: kindKey, key: 'ns/name', type, from, to }` — refresh that one
 * node (and its parent's counts); `from`/`to` are the states before and after the batch (a
 * notification "turned failing" is `to` Failed/Stalled with `from` not); `what: 'kind'` — a kind's scope phase changed; `'session'` — phase,
 * discovery or the context list changed; `'controllers'` — liveness changed. `context: ''` means
 * the kubeconfig was re-read. A batch after a (re)list can hold thousands of object changes:
 * refresh the parent node once when many of its children changed.
 *
 * ## Actions (network; cancellable; never throw for expected failures)
 *
 * - `runAction(session, 'reconcile' | 'suspend' | 'resume', ref, { withSource, force, reset,
 *   signal, timeoutMs, onStep, onProgress })` → `Verdict { ok, message, steps[] }`. The verdict is
 *   the controller's: our token handled (lastHandledReconcileAt / lastHandledForceAt /
 *   lastHandledResetAt), then "applied revision X", "blocked by Kustomization ns/name" or the
 *   failure message. Suspended objects are refused with the reason.
 * - `actionPermissions(session, cachedObject)` → per action `{ allowed, reason }` (RBAC via
 *   SelfSubjectAccessReview, plus state: "suspended: resume it first").
 * - `watchEvents(session, ref, listener)` → events of the object and its source, newest first, live.
 * - `liveYaml(session, apiVersion, kind, namespace, name)` → read-only YAML, managedFields hidden,
 *   Secret data masked.
 * - `trace(session, { apiVersion, kind, namespace, name })` → object → owner (ownership labels) →
 *   source and revision → ... → root.
 *
 * ## For the language-server bridge (issue 12)
 *
 * CodeLens of live state: look objects up with `session.get(findKind(kind), ns, name)` and
 * subscribe with `session.observe(kind, ns, name, listener)` (unbatched, per object).
 * Served CRD versions: `session.discovery.kinds[].servedVersions`.
 *
 * ## Hooks for tests and benchmarks
 *
 * `session.reflectors(kind)[i].stats` (lists, pages, watches, events, bookmarks, gone, delays),
 * `session.transport.requestCount` and `.sent` (the last 200 requests), `session.settled` (every kind listed once).
 */

export {
  runAction,
  sourceOf,
  newToken,
  type ActionName,
  type ActionOptions,
  type ObjectRef,
  type StepResult,
  type Verdict,
} from './actions';
export { discover, type Discovery, type ServedKind } from './discovery';
export { watchEvents, type EventsView, type FluxEvent } from './events';
export { FluxExplorer, type ChangeBatch, type ExplorerOptions } from './explorer';
export { FLUX_KINDS, findKind, kindKey, type FluxKind, type KindCategory } from './kinds';
export {
  formatProblem,
  loadKubeconfig,
  type ContextInfo,
  type Kubeconfig,
  type KubeconfigProblem,
} from './kubeconfig';
export { type ControllerLiveness } from './liveness';
export { liveYaml, ownerOf, sanitize, trace, type TraceStep } from './live';
export { type KubeObject, type Condition } from './object';
export { actionPermissions, canI, type ActionKey, type Permission } from './rbac';
export {
  blockingChain,
  dependsOnOf,
  historyOf,
  inventoryOf,
  parseInventoryId,
  type Dependency,
  type HistoryEntry,
  type InventoryEntry,
} from './relations';
export { type ReflectorPhase, type ReflectorStats } from './reflector';
export {
  type CachedObject,
  type Change,
  type ContextSession,
  type Counts,
  type KindScope,
  type KindState,
  type SessionPhase,
} from './session';
export { fluxStatus, isFailing, isStatic, isSuspended, type FluxState, type FluxStateName } from './status';
export { lastReconciled, nextReconcile, parseGoDuration, shortDuration } from './timing';
