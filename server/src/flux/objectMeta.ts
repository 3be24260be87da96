import type { JsonSchema } from './jsonSchema';

/**
 * ObjectMeta as a user writes it in a manifest. CRDs leave `metadata` as a bare object, so without
 * this there is no completion or checking for names, labels and annotations. Server-set fields
 * (uid, resourceVersion, ...) are allowed because exported manifests carry them.
 */
export const objectMetaSchema: JsonSchema = {
  type: 'object',
  description: 'Standard object metadata: name, namespace, labels and annotations.',
  properties: {
    name: { type: 'string', description: 'Name of the object, unique within its namespace and kind.' },
    namespace: {
      type: 'string',
      description: 'Namespace of the object. Defaults to the namespace the object is applied to.',
    },
    generateName: {
      type: 'string',
      description: 'Prefix for a server-generated name, used when name is not set.',
    },
    labels: {
      type: ['object', 'null'],
      additionalProperties: { type: ['string', 'null'] },
      description: 'Key/value labels used to select and organise objects.',
    },
    annotations: {
      type: ['object', 'null'],
      additionalProperties: { type: ['string', 'null'] },
      description: 'Key/value annotations: non-identifying metadata, such as Flux reconcile requests.',
    },
    finalizers: {
      type: ['array', 'null'],
      items: { type: 'string' },
      description: 'Finalizers that must be removed before the object is deleted.',
    },
    ownerReferences: {
      type: ['array', 'null'],
      items: { type: 'object' },
      description: 'Objects this object depends on for garbage collection.',
    },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: ['string', 'null'] },
    deletionTimestamp: { type: ['string', 'null'] },
    deletionGracePeriodSeconds: { type: ['integer', 'null'] },
    managedFields: { type: ['array', 'null'], items: { type: 'object' } },
    selfLink: { type: 'string' },
  },
  additionalProperties: false,
};
