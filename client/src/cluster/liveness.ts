// Whether the Flux controllers run: from their leader-election Leases (a controller that holds its
// Lease renews it every few seconds; one that stopped lets it lapse), else from their Deployments
// (ready replicas), else "unknown" with the reason. Pure: the session feeds it the cached objects.

import { isRecord, type KubeObject } from './object';

export interface ControllerLiveness {
  controller: string;
  state: 'running' | 'stopped' | 'unknown';
  /** How it is known: "Lease flux-system/kustomize-controller-leader-election renewed 3 s ago". */
  detail: string;
  /** Epoch ms at which a running controller counts as stopped unless its Lease is renewed. */
  expiresAt?: number;
}

/** Lease names: controller-runtime's LeaderElectionID of each Flux controller. */
export function leaseName(controller: string): string {
  return `${controller}-leader-election`;
}

/** Slack on top of leaseDurationSeconds before a lapsed Lease counts as a stopped controller. */
const GRACE_MS = 5000;

export function controllerLiveness(
  controller: string,
  namespace: string,
  leases: { items: Map<string, KubeObject>; why?: string },
  deployments: { items: Map<string, KubeObject>; why?: string },
  now = Date.now(),
): ControllerLiveness {
  const lease = leases.items.get(`${namespace}/${leaseName(controller)}`);
  const spec = lease && isRecord(lease.spec) ? lease.spec : undefined;
  if (spec && typeof spec['renewTime'] === 'string') {
    const renewed = Date.parse(spec['renewTime']);
    const duration =
      typeof spec['leaseDurationSeconds'] === 'number' ? spec['leaseDurationSeconds'] * 1000 : 15_000;
    const expiresAt = renewed + duration + GRACE_MS;
    const ago = Math.max(0, Math.round((now - renewed) / 1000));
    const where = `Lease ${namespace}/${leaseName(controller)}`;
    if (now < expiresAt)
      return {
        controller,
        state: 'running',
        detail: `${where} renewed ${ago} s ago by ${String(spec['holderIdentity'] ?? '?')}`,
        expiresAt,
      };
    return {
      controller,
      state: 'stopped',
      detail: `${where} last renewed ${ago} s ago (lease ${duration / 1000} s): the controller is not running`,
    };
  }
  const dep = deployments.items.get(`${namespace}/${controller}`);
  if (dep) {
    const st = isRecord(dep.status) ? dep.status : {};
    const ready = typeof st['readyReplicas'] === 'number' ? st['readyReplicas'] : 0;
    const want = typeof dep.spec?.['replicas'] === 'number' ? dep.spec['replicas'] : 1;
    return {
      controller,
      state: ready > 0 ? 'running' : 'stopped',
      detail: `Deployment ${namespace}/${controller}: ${ready}/${want} ready`,
    };
  }
  const why = [leases.why, deployments.why].filter(Boolean).join('; ');
  return {
    controller,
    state: 'unknown',
    detail:
      why || `no Lease ${leaseName(controller)} and no Deployment ${controller} in namespace ${namespace}`,
  };
}
