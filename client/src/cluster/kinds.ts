// The Flux kinds the explorer knows, independent of any cluster. Which of them a cluster serves,
// and in which version, is decided by discovery (discovery.ts); this table only says what each
// kind is for (its view group, its controller) so that an older or newer Flux still works with
// whatever versions it serves.

/** Where a kind is shown. */
export type KindCategory = 'source' | 'workload' | 'notification' | 'image' | 'operator';

/** One Flux kind, as the explorer knows it before discovery. */
export interface FluxKind {
  readonly group: string;
  readonly kind: string;
  /** The resource name in URLs (lower-case plural). */
  readonly plural: string;
  readonly category: KindCategory;
  /** The controller that reconciles it (its leader-election Lease and Deployment are named after it). */
  readonly controller: string;
  /** Versions the explorer understands, newest first (discovery picks the newest served). */
  readonly versions: readonly string[];
}

const SRC = 'source.toolkit.fluxcd.io';
const SRC_V = ['v1', 'v1beta2', 'v1beta1'];

/** Every Flux kind, in the order views show them. */
export const FLUX_KINDS: readonly FluxKind[] = [
  {
    group: SRC,
    kind: 'GitRepository',
    plural: 'gitrepositories',
    category: 'source',
    controller: 'source-controller',
    versions: SRC_V,
  },
  {
    group: SRC,
    kind: 'OCIRepository',
    plural: 'ocirepositories',
    category: 'source',
    controller: 'source-controller',
    versions: SRC_V,
  },
  {
    group: SRC,
    kind: 'HelmRepository',
    plural: 'helmrepositories',
    category: 'source',
    controller: 'source-controller',
    versions: SRC_V,
  },
  {
    group: SRC,
    kind: 'HelmChart',
    plural: 'helmcharts',
    category: 'source',
    controller: 'source-controller',
    versions: SRC_V,
  },
  {
    group: SRC,
    kind: 'Bucket',
    plural: 'buckets',
    category: 'source',
    controller: 'source-controller',
    versions: SRC_V,
  },
  {
    group: SRC,
    kind: 'ExternalArtifact',
    plural: 'externalartifacts',
    category: 'source',
    controller: 'source-controller',
    versions: ['v1'],
  },
  {
    group: 'source.extensions.fluxcd.io',
    kind: 'ArtifactGenerator',
    plural: 'artifactgenerators',
    category: 'source',
    controller: 'source-watcher',
    versions: ['v1beta1'],
  },
  {
    group: 'kustomize.toolkit.fluxcd.io',
    kind: 'Kustomization',
    plural: 'kustomizations',
    category: 'workload',
    controller: 'kustomize-controller',
    versions: ['v1', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    kind: 'HelmRelease',
    plural: 'helmreleases',
    category: 'workload',
    controller: 'helm-controller',
    versions: ['v2', 'v2beta2', 'v2beta1'],
  },
  {
    group: 'notification.toolkit.fluxcd.io',
    kind: 'Provider',
    plural: 'providers',
    category: 'notification',
    controller: 'notification-controller',
    versions: ['v1beta3', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'notification.toolkit.fluxcd.io',
    kind: 'Alert',
    plural: 'alerts',
    category: 'notification',
    controller: 'notification-controller',
    versions: ['v1beta3', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'notification.toolkit.fluxcd.io',
    kind: 'Receiver',
    plural: 'receivers',
    category: 'notification',
    controller: 'notification-controller',
    versions: ['v1', 'v1beta3', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'image.toolkit.fluxcd.io',
    kind: 'ImageRepository',
    plural: 'imagerepositories',
    category: 'image',
    controller: 'image-reflector-controller',
    versions: ['v1', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'image.toolkit.fluxcd.io',
    kind: 'ImagePolicy',
    plural: 'imagepolicies',
    category: 'image',
    controller: 'image-reflector-controller',
    versions: ['v1', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'image.toolkit.fluxcd.io',
    kind: 'ImageUpdateAutomation',
    plural: 'imageupdateautomations',
    category: 'image',
    controller: 'image-automation-controller',
    versions: ['v1', 'v1beta2', 'v1beta1'],
  },
  {
    group: 'fluxcd.controlplane.io',
    kind: 'FluxInstance',
    plural: 'fluxinstances',
    category: 'operator',
    controller: 'flux-operator',
    versions: ['v1'],
  },
  {
    group: 'fluxcd.controlplane.io',
    kind: 'ResourceSet',
    plural: 'resourcesets',
    category: 'operator',
    controller: 'flux-operator',
    versions: ['v1'],
  },
  {
    group: 'fluxcd.controlplane.io',
    kind: 'ResourceSetInputProvider',
    plural: 'resourcesetinputproviders',
    category: 'operator',
    controller: 'flux-operator',
    versions: ['v1'],
  },
];

/** The kind named `kind` (case-insensitive; plural and short forms accepted, as kubectl does). */
export function findKind(name: string): FluxKind | undefined {
  const n = name.toLowerCase();
  return FLUX_KINDS.find(
    (k) =>
      k.kind.toLowerCase() === n ||
      k.plural === n ||
      k.plural === `${n}s` ||
      `${k.kind.toLowerCase()}.${k.group}` === n ||
      SHORT_NAMES[n] === k.kind,
  );
}

/** The short names the Flux CRDs declare (kubectl get ks, hr, ...). */
const SHORT_NAMES: Record<string, string> = {
  ks: 'Kustomization',
  hr: 'HelmRelease',
  gitrepo: 'GitRepository',
  ocirepo: 'OCIRepository',
  helmrepo: 'HelmRepository',
  hc: 'HelmChart',
  ea: 'ExternalArtifact',
  ag: 'ArtifactGenerator',
  imgrepo: 'ImageRepository',
  imgpol: 'ImagePolicy',
  iua: 'ImageUpdateAutomation',
  rset: 'ResourceSet',
  rsip: 'ResourceSetInputProvider',
};

/** A stable key for a kind: "Kustomization.kustomize.toolkit.fluxcd.io". */
export function kindKey(k: Pick<FluxKind, 'kind' | 'group'>): string {
  return `${k.kind}.${k.group}`;
}

/** The kinds that take `reconcile.fluxcd.io/requestedAt` (all but the Flux Operator's own status kinds). */
export function isReconcilable(k: FluxKind): boolean {
  return k.group !== 'fluxcd.controlplane.io' || k.kind !== 'FluxReport';
}
