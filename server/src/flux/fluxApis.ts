import type { JsonSchema } from './jsonSchema';

/** API groups that belong to Flux itself (Flux 2.9 serves each kind at exactly one version). */
export const FLUX_GROUPS = new Set([
  'source.toolkit.fluxcd.io',
  'kustomize.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'notification.toolkit.fluxcd.io',
  'image.toolkit.fluxcd.io',
  'source.extensions.fluxcd.io',
]);

export function isFluxGroup(group: string): boolean {
  return FLUX_GROUPS.has(group);
}

/**
 * When each removed Flux API version stopped being served (FACTS.md, research/flux-versions.md).
 * Used only to explain an apiVersion the schemas in use do not serve.
 */
const REMOVED_IN: Record<string, string> = {
  'source.toolkit.fluxcd.io/v1beta1': '2.7',
  'kustomize.toolkit.fluxcd.io/v1beta1': '2.7',
  'helm.toolkit.fluxcd.io/v2beta1': '2.7',
  'notification.toolkit.fluxcd.io/v1beta1': '2.7',
  'image.toolkit.fluxcd.io/v1beta1': '2.7',
  'source.toolkit.fluxcd.io/v1beta2': '2.8',
  'kustomize.toolkit.fluxcd.io/v1beta2': '2.8',
  'helm.toolkit.fluxcd.io/v2beta2': '2.8',
  'notification.toolkit.fluxcd.io/v1beta2': '2.9',
  'image.toolkit.fluxcd.io/v1beta2': '2.9',
};

export function removedInFlux(apiVersion: string): string | undefined {
  return REMOVED_IN[apiVersion];
}

/**
 * Flux Operator installs the notification CRDs with three more kinds in the event-source enums
 * (FluxInstance, ResourceSet, ResourceSetInputProvider). Alerts and Receivers naming them are valid on
 * such clusters, which are common, so the enums are widened rather than raising false alarms.
 */
const FLUX_OPERATOR_KINDS = ['FluxInstance', 'ResourceSet', 'ResourceSetInputProvider'];

export function widenForFluxOperator(group: string, kind: string, schema: JsonSchema): void {
  if (group !== 'notification.toolkit.fluxcd.io' || (kind !== 'Alert' && kind !== 'Receiver')) return;
  const spec = schema.properties?.spec;
  for (const field of ['eventSources', 'resources']) {
    const items = spec?.properties?.[field]?.items;
    const kindSchema = items && !Array.isArray(items) ? items.properties?.kind : undefined;
    if (kindSchema && Array.isArray(kindSchema.enum)) {
      kindSchema.enum = [...new Set([...kindSchema.enum, ...FLUX_OPERATOR_KINDS])];
    }
  }
}
