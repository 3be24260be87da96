// Which fields of which Flux kinds name other objects, and which kinds they may name: read from the
// Flux 2.9 CRDs (the `kind` enums of each reference type) and the controllers' documentation.
// Pure data plus small helpers; the workspace model finds these fields, the checks resolve them.

/** API group of every kind a Flux reference can name. */
export const KIND_GROUPS: Readonly<Record<string, string>> = {
  GitRepository: 'source.toolkit.fluxcd.io',
  OCIRepository: 'source.toolkit.fluxcd.io',
  HelmRepository: 'source.toolkit.fluxcd.io',
  HelmChart: 'source.toolkit.fluxcd.io',
  Bucket: 'source.toolkit.fluxcd.io',
  ExternalArtifact: 'source.toolkit.fluxcd.io',
  ArtifactGenerator: 'source.extensions.fluxcd.io',
  Kustomization: 'kustomize.toolkit.fluxcd.io',
  HelmRelease: 'helm.toolkit.fluxcd.io',
  Alert: 'notification.toolkit.fluxcd.io',
  Provider: 'notification.toolkit.fluxcd.io',
  Receiver: 'notification.toolkit.fluxcd.io',
  ImageRepository: 'image.toolkit.fluxcd.io',
  ImagePolicy: 'image.toolkit.fluxcd.io',
  ImageUpdateAutomation: 'image.toolkit.fluxcd.io',
  FluxInstance: 'fluxcd.controlplane.io',
  ResourceSet: 'fluxcd.controlplane.io',
  ResourceSetInputProvider: 'fluxcd.controlplane.io',
  ConfigMap: '',
  Secret: '',
};

/** The kinds notification-controller watches (Alert eventSources, Receiver resources). */
const EVENT_KINDS = [
  'Bucket',
  'GitRepository',
  'Kustomization',
  'HelmRelease',
  'HelmChart',
  'HelmRepository',
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
  'OCIRepository',
  'ArtifactGenerator',
  'ExternalArtifact',
  // Flux Operator adds these to the notification CRDs' enums (see fluxApis.ts).
  'FluxInstance',
  'ResourceSet',
  'ResourceSetInputProvider',
];

/** One reference field of a Flux kind. */
export interface ReferenceField {
  /** The referencing object's API group and kind. */
  group: string;
  kind: string;
  /** Key path from the document root; '[]' steps into every item of a sequence. */
  path: readonly string[];
  /** How messages name the field, e.g. "spec.sourceRef". */
  label: string;
  /** Kinds the field may name. */
  kinds: readonly string[];
  /** The kind meant when the field names none (dependsOn, providerRef, imageRepositoryRef). */
  defaultKind?: string;
  /** A `namespace` may be given; without one, the referring object's namespace is meant. */
  namespaced: boolean;
  /** `name: '*'` (with matchLabels) selects every object of the kind. */
  wildcard?: boolean;
  /** dependsOn: completion and checks treat it as an edge of the dependency graph. */
  dependency?: boolean;
  /** substituteFrom / valuesFrom: a missing object is fine when `optional: true`. */
  mayBeOptional?: boolean;
}

const SOURCES = ['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact'];
const CHART_SOURCES = ['HelmRepository', 'GitRepository', 'Bucket'];

export const REFERENCE_FIELDS: readonly ReferenceField[] = [
  {
    group: 'kustomize.toolkit.fluxcd.io',
    kind: 'Kustomization',
    path: ['spec', 'sourceRef'],
    label: 'spec.sourceRef',
    kinds: SOURCES,
    namespaced: true,
  },
  {
    group: 'kustomize.toolkit.fluxcd.io',
    kind: 'Kustomization',
    path: ['spec', 'dependsOn', '[]'],
    label: 'spec.dependsOn',
    kinds: ['Kustomization'],
    defaultKind: 'Kustomization',
    namespaced: true,
    dependency: true,
  },
  {
    group: 'kustomize.toolkit.fluxcd.io',
    kind: 'Kustomization',
    path: ['spec', 'postBuild', 'substituteFrom', '[]'],
    label: 'spec.postBuild.substituteFrom',
    kinds: ['ConfigMap', 'Secret'],
    namespaced: false,
    mayBeOptional: true,
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    kind: 'HelmRelease',
    path: ['spec', 'chart', 'spec', 'sourceRef'],
    label: 'spec.chart.spec.sourceRef',
    kinds: CHART_SOURCES,
    namespaced: true,
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    kind: 'HelmRelease',
    path: ['spec', 'chartRef'],
    label: 'spec.chartRef',
    kinds: ['OCIRepository', 'HelmChart', 'ExternalArtifact'],
    namespaced: true,
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    kind: 'HelmRelease',
    path: ['spec', 'dependsOn', '[]'],
    label: 'spec.dependsOn',
    kinds: ['HelmRelease'],
    defaultKind: 'HelmRelease',
    namespaced: true,
    dependency: true,
  },
  {
    group: 'source.toolkit.fluxcd.io',
    kind: 'HelmChart',
    path: ['spec', 'sourceRef'],
    label: 'spec.sourceRef',
    kinds: CHART_SOURCES,
    namespaced: false,
  },
  {
    group: 'image.toolkit.fluxcd.io',
    kind: 'ImagePolicy',
    path: ['spec', 'imageRepositoryRef'],
    label: 'spec.imageRepositoryRef',
    kinds: ['ImageRepository'],
    defaultKind: 'ImageRepository',
    namespaced: true,
  },
  {
    group: 'image.toolkit.fluxcd.io',
    kind: 'ImageUpdateAutomation',
    path: ['spec', 'sourceRef'],
    label: 'spec.sourceRef',
    kinds: ['GitRepository'],
    defaultKind: 'GitRepository',
    namespaced: true,
  },
  {
    group: 'notification.toolkit.fluxcd.io',
    kind: 'Alert',
    path: ['spec', 'providerRef'],
    label: 'spec.providerRef',
    kinds: ['Provider'],
    defaultKind: 'Provider',
    namespaced: false,
  },
  {
    group: 'notification.toolkit.fluxcd.io',
    kind: 'Alert',
    path: ['spec', 'eventSources', '[]'],
    label: 'spec.eventSources',
    kinds: EVENT_KINDS,
    namespaced: true,
    wildcard: true,
  },
  {
    group: 'notification.toolkit.fluxcd.io',
    kind: 'Receiver',
    path: ['spec', 'resources', '[]'],
    label: 'spec.resources',
    kinds: EVENT_KINDS,
    namespaced: true,
    wildcard: true,
  },
  {
    group: 'source.extensions.fluxcd.io',
    kind: 'ArtifactGenerator',
    path: ['spec', 'sources', '[]'],
    label: 'spec.sources',
    kinds: ['Bucket', 'GitRepository', 'OCIRepository', 'HelmChart', 'ExternalArtifact'],
    namespaced: true,
  },
];

const byKind = new Map<string, ReferenceField[]>();
for (const f of REFERENCE_FIELDS) {
  const key = `${f.group}/${f.kind}`;
  byKind.set(key, [...(byKind.get(key) ?? []), f]);
}

/** The reference fields of objects of `group`/`kind` (any version). */
export function referenceFieldsOf(group: string, kind: string): readonly ReferenceField[] {
  return byKind.get(`${group}/${kind}`) ?? [];
}

/** `group/version` -> group; core `v1` -> ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The name notification-controller and `flux bootstrap` give the objects that sync the cluster. */
export const BOOTSTRAP_NAME = 'flux-system';
