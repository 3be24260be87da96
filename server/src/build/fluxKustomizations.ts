import { LineCounter } from 'yaml';
import { yamlObjects, type RootType } from '../flux/yamlObjects';
import type { FluxBuildSpec } from './overlay';
import { isObject } from '../flux/jsonSchema';

/** A Flux Kustomization document found in a file. */
export interface FluxKustomizationDoc {
  name: string;
  /** metadata.namespace, or '' when the file does not say. */
  namespace: string;
  spec: FluxBuildSpec & { sourceRef?: { kind?: string; name?: string; namespace?: string } };
  /** Zero-based line of the document's first line (for CodeLens) and last line. */
  startLine: number;
  endLine: number;
  startOffset: number;
  endOffset: number;
}

const isFluxKustomization = (r: RootType): boolean =>
  r.kind === 'Kustomization' &&
  typeof r.apiVersion === 'string' &&
  r.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');

/** Every `kustomize.toolkit.fluxcd.io` Kustomization in a YAML text. Never throws. */
export function findFluxKustomizations(text: string): FluxKustomizationDoc[] {
  if (!text.includes('kustomize.toolkit.fluxcd.io')) return [];
  const lineCounter = new LineCounter();
  const out: FluxKustomizationDoc[] = [];
  for (const { doc, value: o } of yamlObjects(text, lineCounter, isFluxKustomization)) {
    if (
      o.kind !== 'Kustomization' ||
      typeof o.apiVersion !== 'string' ||
      !o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')
    )
      continue;
    const meta = isObject(o.metadata) ? o.metadata : {};
    const [start, , end] = doc.range;
    // The document's first content line: skip a leading "---" and comments for the CodeLens.
    const contentStart = doc.contents?.range?.[0] ?? start;
    out.push({
      name: typeof meta.name === 'string' ? meta.name : '',
      namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
      spec: (isObject(o.spec) ? o.spec : {}) as FluxKustomizationDoc['spec'],
      startLine: lineCounter.linePos(contentStart).line - 1,
      endLine: lineCounter.linePos(end).line - 1,
      startOffset: start,
      endOffset: end,
    });
  }
  return out;
}

/**
 * Picks the Kustomization to build: by name (and namespace, where the file sets one, as
 * `flux build --kustomization-file` matches), else the document at `offset`, else the only one.
 */
export function selectFluxKustomization(
  docs: FluxKustomizationDoc[],
  by: { name?: string; namespace?: string; offset?: number },
): FluxKustomizationDoc | undefined {
  if (by.name !== undefined) {
    return docs.find(
      (d) => d.name === by.name && (!by.namespace || !d.namespace || d.namespace === by.namespace),
    );
  }
  if (by.offset !== undefined) {
    const hit = docs.find((d) => by.offset! >= d.startOffset && by.offset! <= d.endOffset);
    if (hit) return hit;
  }
  return docs.length === 1 ? docs[0] : undefined;
}
