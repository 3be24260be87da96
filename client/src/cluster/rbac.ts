// Which actions the user may take, asked of the API server (SelfSubjectAccessReview), so that
// menus can say "disabled because ..." before anything is tried. Answers are cached for a minute.

import type { ServedKind } from './discovery';
import { findKind, kindKey } from './kinds';
import { isRecord } from './object';
import type { CachedObject, ContextSession } from './session';
import { isStatic, isSuspended } from './status';
import { sourceOf } from './actions';

export interface Permission {
  allowed: boolean;
  /** Why not: "you may not patch kustomizations.kustomize.toolkit.fluxcd.io in namespace flux-system". */
  reason?: string;
}

const cache = new WeakMap<ContextSession, Map<string, { at: number; p: Promise<Permission> }>>();

/** May the user `verb` this kind in this namespace? */
export function canI(
  session: ContextSession,
  verb: string,
  kind: Pick<ServedKind, 'group' | 'plural'>,
  namespace: string,
): Promise<Permission> {
  let m = cache.get(session);
  if (!m) cache.set(session, (m = new Map()));
  const key = `${verb} ${kind.plural}.${kind.group} ${namespace}`;
  const hit = m.get(key);
  if (hit && Date.now() - hit.at < 60_000) return hit.p;
  const p = (async (): Promise<Permission> => {
    if (!session.transport) return { allowed: false, reason: `context ${session.name} is not connected` };
    const res = await session.transport.request(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb, group: kind.group, resource: kind.plural, namespace } },
        },
      },
    );
    const what = `${verb} ${kind.plural}.${kind.group} in namespace ${namespace}`;
    if (res.status !== 201 && res.status !== 200)
      return { allowed: false, reason: `cannot check whether you may ${what}: ${res.error ?? res.status}` };
    const status = isRecord(res.body) && isRecord(res.body['status']) ? res.body['status'] : {};
    if (status['allowed'] === true) return { allowed: true };
    return { allowed: false, reason: `you may not ${what} (RBAC)` };
  })();
  m.set(key, { at: Date.now(), p });
  return p;
}

export type ActionKey = 'reconcile' | 'reconcileWithSource' | 'suspend' | 'resume' | 'force' | 'reset';

/** Each action on this object: enabled, or disabled with the reason. */
export async function actionPermissions(
  session: ContextSession,
  co: CachedObject,
): Promise<Record<ActionKey, Permission>> {
  const patch = await canI(session, 'patch', co.kind, co.namespace);
  const no = (reason: string): Permission => ({ allowed: false, reason });
  const suspended = isSuspended(co.obj);
  const isHr = co.kind.kind === 'HelmRelease';
  const base: Permission = patch.allowed ? { allowed: true } : no(patch.reason!);
  const reconcile = !patch.allowed
    ? base
    : suspended
      ? no('suspended: resume it first')
      : isStatic(co.obj)
        ? no('a static object is not reconciled')
        : base;
  let withSource = reconcile;
  const src = sourceOf(co.obj);
  if (reconcile.allowed && !src) withSource = no('it has no source to reconcile');
  else if (reconcile.allowed && src) {
    const sk = findKind(src.kind);
    const served = sk && session.discovery?.kinds.find((k) => kindKey(k) === kindKey(sk));
    if (!served) withSource = no(`its source kind ${src.kind} is not served`);
    else {
      const sp = await canI(session, 'patch', served, src.namespace);
      if (!sp.allowed) withSource = no(sp.reason!);
    }
  }
  return {
    reconcile,
    reconcileWithSource: withSource,
    suspend: !patch.allowed ? base : suspended ? no('already suspended') : base,
    resume: !patch.allowed ? base : !suspended ? no('not suspended') : base,
    force: !isHr ? no('force applies to HelmReleases only') : reconcile,
    reset: !isHr ? no('reset applies to HelmReleases only') : reconcile,
  };
}
