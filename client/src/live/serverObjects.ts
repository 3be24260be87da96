// The Flux objects of a shown cluster as the language server is told of them (`flux/clusterObjects`):
// kind, namespace and name for reference checks, and an ImagePolicy's latest image for the hover on
// an image automation setter marker. Pure.

import type { CachedObject } from '../cluster';
import { isRecord, type KubeObject } from '../cluster/object';
import type { ClusterObjectsParams, LatestImage } from '../../../server/src/protocol';

export function objectsForServer(objects: Iterable<CachedObject>): ClusterObjectsParams['objects'] {
  const out: ClusterObjectsParams['objects'] = [];
  for (const o of objects) {
    const image = o.kind.kind === 'ImagePolicy' ? latestImageOf(o.obj) : undefined;
    out.push({
      kind: o.kind.kind,
      namespace: o.namespace,
      name: o.name,
      ...(image ? { latestImage: image } : {}),
    });
  }
  return out;
}

/**
 * The image an ImagePolicy chose last: `status.latestRef` ({name, tag, digest}: image.toolkit.fluxcd.io
 * v1, Flux 2.6 and later), else the older `status.latestImage` ("name:tag", v1beta2).
 */
export function latestImageOf(obj: KubeObject): LatestImage | undefined {
  const ref = obj.status?.['latestRef'];
  if (isRecord(ref) && typeof ref['name'] === 'string' && ref['name']) {
    const tag = ref['tag'];
    const digest = ref['digest'];
    return {
      name: ref['name'],
      ...(typeof tag === 'string' && tag ? { tag } : {}),
      ...(typeof digest === 'string' && digest ? { digest } : {}),
    };
  }
  const image = obj.status?.['latestImage'];
  return typeof image === 'string' && image ? parseImageReference(image) : undefined;
}

/** "ghcr.io/org/app:1.2.3@sha256:..." -> name, tag, digest (a registry port is not a tag). */
export function parseImageReference(ref: string): LatestImage {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  return {
    name: tagged ? rest.slice(0, colon) : rest,
    ...(tagged && rest.slice(colon + 1) ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}
