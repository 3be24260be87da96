// The Flux release a repository targets, and how each API version fares against it. Pure: callers
// pass the objects of each file; the workspace model aggregates, the language service judges.

import { isObject } from './jsonSchema';
import { removedInFlux } from './fluxApis';

/** The newest Flux minor release this build knows (its bundled CRDs). */
export const LATEST_FLUX_MINOR = '2.9';

/** A place in the repository that says which Flux release runs: a pin. */
export interface FluxPin {
  /** "major.minor", e.g. "2.6". */
  minor: string;
  /** As written, e.g. "2.6.x" or "v2.6.3". */
  written: string;
  /** What pins it, for messages: "FluxInstance flux-system/flux spec.distribution.version". */
  what: string;
  file: string;
}

/** The Flux release the repository is judged against, and why. */
export interface FluxTarget {
  minor: string;
  pinned: boolean;
  /** e.g. "pinned by FluxInstance flux-system/flux spec.distribution.version 2.6.x (clusters/prod/flux.yaml)". */
  reason: string;
  pins: FluxPin[];
}

/** "v2.6.3" / "2.6.x" / "~2.6" / ">=2.6.0" -> "2.6"; "2.x" / "*" -> undefined (the newest 2.x). */
export function minorOf(version: string): string | undefined {
  const m = /(\d+)\.(\d+)/.exec(version);
  return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

/** Compares "2.6" and "2.10" as versions. */
export function compareMinor(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}

const INSTALL_REF =
  /github\.com\/fluxcd\/flux2\/{1,2}manifests\/[^\s"'?]*\?(?:[^\s"']*&)?ref=(v?\d+\.\d+(?:\.\d+)?)/;
const RELEASE_ASSET = /github\.com\/fluxcd\/flux2\/releases\/download\/(v\d+\.\d+\.\d+)\/install\.yaml/;

/** Cheap test: can this text pin the Flux release at all? */
export function mayPinFlux(text: string): boolean {
  return (
    text.includes('FluxInstance') ||
    text.includes('fluxcd/flux2') ||
    text.includes('flux-manifests') ||
    text.includes('flux-instance')
  );
}

function metaName(obj: Record<string, unknown>): string {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '?';
  return typeof meta.namespace === 'string' ? `${meta.namespace}/${name}` : name;
}

function path(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

/**
 * The pins among one file's objects:
 * - a FluxInstance's `spec.distribution.version` (Flux Operator), and the same in the values of a
 *   HelmRelease of the `flux-instance` chart;
 * - a kustomization.yaml resource of flux2's install manifests at a tag
 *   (`github.com/fluxcd/flux2/manifests/install?ref=v2.6.0`, or the release's `install.yaml`);
 * - an OCIRepository of `oci://ghcr.io/fluxcd/flux-manifests` at a tag.
 * A version range without a minor ("2.x") installs the newest release: not a pin.
 */
export function fluxPinsOf(file: string, objects: Array<Record<string, unknown>>): FluxPin[] {
  const out: FluxPin[] = [];
  const add = (written: unknown, what: string): void => {
    if (typeof written !== 'string') return;
    const minor = minorOf(written);
    if (minor) out.push({ minor, written, what, file });
  };
  for (const obj of objects) {
    const kind = obj.kind;
    if (kind === 'FluxInstance') {
      add(
        path(obj, 'spec', 'distribution', 'version'),
        `FluxInstance ${metaName(obj)} spec.distribution.version`,
      );
    } else if (kind === 'HelmRelease') {
      const chart = String(
        path(obj, 'spec', 'chart', 'spec', 'chart') ?? path(obj, 'spec', 'chartRef', 'name') ?? '',
      );
      if (chart.includes('flux-instance'))
        add(
          path(obj, 'spec', 'values', 'instance', 'distribution', 'version'),
          `HelmRelease ${metaName(obj)} values.instance.distribution.version`,
        );
    } else if (kind === 'OCIRepository') {
      const url = path(obj, 'spec', 'url');
      if (typeof url === 'string' && /\/fluxcd\/flux-manifests\/?$/.test(url))
        add(path(obj, 'spec', 'ref', 'tag'), `OCIRepository ${metaName(obj)} of ${url} at tag`);
    } else if (kind === undefined || kind === 'Kustomization' || kind === 'Component') {
      const resources = obj.resources;
      if (!Array.isArray(resources)) continue;
      for (const r of resources) {
        if (typeof r !== 'string') continue;
        const m = INSTALL_REF.exec(r) ?? RELEASE_ASSET.exec(r);
        if (m) add(m[1], `kustomization resource ${r}`);
      }
    }
  }
  return out;
}

/**
 * The release to judge against: the Flux version of workspace CRDs when the schemas come from them,
 * else the oldest pin (several clusters on different releases: the oldest is the one that breaks
 * first), else the newest release this build knows.
 */
export function fluxTarget(
  pins: FluxPin[],
  workspaceCrds?: { fluxVersion?: string; file: string },
  label: (file: string) => string = (f) => f,
): FluxTarget {
  const crdMinor = workspaceCrds?.fluxVersion ? minorOf(workspaceCrds.fluxVersion) : undefined;
  if (crdMinor)
    return {
      minor: crdMinor,
      pinned: true,
      reason: `the Flux ${workspaceCrds!.fluxVersion} CRDs in the workspace (${workspaceCrds!.file})`,
      pins,
    };
  if (pins.length === 0)
    return {
      minor: LATEST_FLUX_MINOR,
      pinned: false,
      reason: `no Flux version pinned in the workspace (FluxInstance, install manifests or CRDs): Flux ${LATEST_FLUX_MINOR} assumed`,
      pins,
    };
  const sorted = [...pins].sort((a, b) => compareMinor(a.minor, b.minor));
  const first = sorted[0]!;
  const others = [...new Set(sorted.filter((p) => p.minor !== first.minor).map((p) => p.minor))];
  return {
    minor: first.minor,
    pinned: true,
    reason:
      `pinned by ${first.what} ${first.written} (${label(first.file)})` +
      (others.length ? `; other pins name Flux ${others.join(', ')} (the oldest is used)` : ''),
    pins,
  };
}

/**
 * How an API version fares against the target: removed in a release the repository already runs
 * ("removed", an error), removed in a later release ("removed-later", a warning: it works today and
 * breaks on upgrade), or neither.
 */
export function judgeApiVersion(
  apiVersion: string,
  target: FluxTarget,
): { status: 'removed' | 'removed-later'; removedIn: string } | undefined {
  const removedIn = removedInFlux(apiVersion);
  if (!removedIn) return undefined;
  return { status: compareMinor(target.minor, removedIn) >= 0 ? 'removed' : 'removed-later', removedIn };
}
