import * as path from 'node:path';
import { isMap } from 'yaml';
import { drain, drainSliced, type SliceClock } from '../io/slices';
import { fluxPinsOf, mayPinFlux, type FluxPin } from '../flux/fluxVersion';
import { isObject } from '../flux/jsonSchema';
import type { DocInfo } from './documents';
import { isKustomizationFileName, kustomizeFactsOf, type KustomizeFacts } from './kustomizeFacts';
import { objectFacts, type IndexedObject } from './objectFacts';
import { varUsesOf, type VarUse } from './variableUses';
import { toData, type At, type Span } from './yamlNodes';

/** A marker image-automation-controller rewrites: `# {"$imagepolicy": "<namespace>:<name>[:tag|:name|:digest]"}`. */
export interface SetterMarker {
  namespace: string;
  name: string;
  /** tag, name or digest; undefined for the whole image reference. */
  part?: string;
  /** Span of the "<namespace>:<name>..." string (without quotes). */
  span: Span;
  docIndex: number;
}

/** Everything the workspace model knows about one file, extracted without I/O from its text. */
export interface FileIndex {
  file: string;
  /** A hash of the text indexed (tells a stale index from the current text). */
  textHash: number;
  /** Offsets at which lines start (for positions). */
  lineStarts: number[];
  objects: IndexedObject[];
  /** Set when the file is a kustomization file (kustomization.yaml, kustomization.yml, Kustomization). */
  kustomize?: KustomizeFacts;
  varUses: VarUse[];
  markers: SetterMarker[];
  /** Lines of git merge conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`). */
  conflicts: Span[];
  /** Documents that are neither empty nor a Kubernetes object (kustomize refuses such files). */
  nonObjectDocuments: number;
  /** CustomResourceDefinition documents as plain data (for the schema registry). */
  crds: unknown[];
  isChartManifest: boolean;
  /** Places that pin the Flux release (FluxInstance, install manifests at a tag, ...). */
  fluxPins: FluxPin[];
  /** Set when the file could not be read as YAML at all. */
  problem?: string;
}

const MARKER = /#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]*)"\s*\}/g;
const CONFLICT = /^(<{7}|={7}|>{7})(?: |$)/gm;

/** FNV-1a over the UTF-16 code units: cheap, to tell whether an index is of this very text. */
export function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Offsets at which each line of `text` starts. */
export function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** Builds a file's index from its text and its parsed documents (see parsedText.ts). Never throws. */
export function indexFile(file: string, text: string, docs: readonly DocInfo[]): FileIndex {
  return drain(indexSteps(file, text, docs));
}

/**
 * {@link indexFile} in slices that yield the thread between two documents (a file of tens of
 * thousands of documents takes a few hundred milliseconds to index).
 */
export async function indexFileSliced(
  file: string,
  text: string,
  docs: readonly DocInfo[],
  clock: SliceClock,
): Promise<FileIndex> {
  return (await drainSliced(indexSteps(file, text, docs), clock))!;
}

/** The work of {@link indexFile}, one step per document. */
function* indexSteps(file: string, text: string, docs: readonly DocInfo[]): Generator<void, FileIndex> {
  const base = path.basename(file);
  const out: FileIndex = {
    file,
    textHash: textHash(text),
    lineStarts: lineStartsOf(text),
    objects: [],
    varUses: [],
    markers: [],
    conflicts: [],
    nonObjectDocuments: 0,
    crds: [],
    isChartManifest: base === 'Chart.yaml',
    fluxPins: [],
  };
  const mayPin = mayPinFlux(text);
  const pinObjects: Array<Record<string, unknown>> = [];
  const isKustomizeFile = isKustomizationFileName(base);
  // Where `${` occurs, found once: a search from each document's start would read the rest of the
  // file for every document (quadratic in a file of tens of thousands of documents).
  const dollars: number[] = [];
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', i + 2)) dollars.push(i);
  let nextDollar = 0;
  for (const d of docs) {
    yield;
    const root: At | undefined = d.contents ? { node: d.contents, base: d.base } : undefined;
    if (!root) continue;
    if (
      isKustomizeFile &&
      (!d.apiVersion || d.apiVersion.startsWith('kustomize.config.k8s.io/')) &&
      isMap(d.contents)
    ) {
      if (!out.kustomize) {
        out.kustomize = kustomizeFactsOf(root);
        out.objects.push(...generatedObjects(file, out.kustomize));
      }
    } else if (d.apiVersion && d.kind) {
      const o = objectFacts(file, d, root);
      if (o) out.objects.push(o, ...(o.synthetic ?? []));
      if (d.kind === 'CustomResourceDefinition' && d.apiVersion.startsWith('apiextensions.k8s.io/')) {
        const data = crdData(root);
        if (data) out.crds.push(data);
      }
    } else if (isMap(d.contents) && d.contents.items.length > 0) {
      out.nonObjectDocuments++;
    } else if (d.contents && !isMap(d.contents)) {
      out.nonObjectDocuments++;
    }
    if (mayPin) {
      const data = toData(root, 20_000, 100);
      if (isObject(data)) pinObjects.push(data);
    }
    while (nextDollar < dollars.length && dollars[nextDollar]! < d.start) nextDollar++;
    if (nextDollar < dollars.length && dollars[nextDollar]! < d.end) {
      out.varUses.push(...varUsesOf(root, d.index, text));
    }
  }
  if (pinObjects.length) out.fluxPins.push(...fluxPinsOf(file, pinObjects));
  if (text.includes('$imagepolicy')) {
    for (const m of text.matchAll(MARKER)) {
      const ref = m[1]!;
      const at = m.index! + m[0].indexOf(`"${ref}"`) + 1;
      const parts = ref.split(':');
      const doc = docs.find((d) => at >= d.start && at <= d.end);
      out.markers.push({
        namespace: parts[0] ?? '',
        name: parts[1] ?? '',
        ...(parts[2] !== undefined ? { part: parts[2] } : {}),
        span: [at, at + ref.length],
        docIndex: doc?.index ?? 0,
      });
    }
  }
  if (text.includes('<<<<<<<') || text.includes('>>>>>>>')) {
    for (const m of text.matchAll(CONFLICT)) out.conflicts.push([m.index!, m.index! + m[0].length]);
  }
  return out;
}

/** The ConfigMaps and Secrets a kustomization file generates, as objects of that file. */
function generatedObjects(file: string, k: KustomizeFacts): IndexedObject[] {
  return k.generated.map((g) => {
    const namespace = g.namespace ?? k.namespace;
    return {
      file,
      docIndex: -1,
      span: g.span,
      apiVersion: 'v1',
      group: '',
      kind: g.kind,
      name: g.name,
      nameSpan: g.span,
      ...(namespace ? { namespace } : {}),
      labels: {},
      substitution: true,
      refs: [],
      keys: g.keys.map((name) => ({ name, span: g.span })),
      generated: true,
      ...(g.keysComplete ? {} : { generatorKeysIncomplete: true }),
    };
  });
}

/** A CRD as plain data: thousands of nodes, converted once per change of the file. */
function crdData(root: At): unknown {
  return toData(root, 2_000_000, 100);
}
