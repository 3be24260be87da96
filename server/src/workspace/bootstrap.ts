import * as path from 'node:path';
import { BOOTSTRAP_NAME, referenceFieldsOf } from '../flux/references';
import type { FileIndex } from './fileIndex';
import type { IndexedObject } from './objectFacts';

const BOOTSTRAP_FILES = new Set(['gotk-sync.yaml', 'gotk-components.yaml']);

/**
 * `flux bootstrap --path=<p>` commits `<p>/flux-system/` (gotk-components.yaml, gotk-sync.yaml,
 * kustomization.yaml) and creates the Kustomization flux-system whose spec.path is `<p>`: the
 * cluster's entry point. When the repository's gotk-sync.yaml does not hold that Kustomization
 * (a placeholder, as example repositories keep), it is modelled here, so the files below `<p>` are
 * known to belong to that cluster.
 */
export function bootstrapEntryPoints(
  files: Iterable<FileIndex>,
  rootOf: (file: string) => string | undefined,
): IndexedObject[] {
  const dirs = new Map<string, FileIndex[]>();
  for (const f of files) {
    const dir = path.dirname(f.file);
    if (path.basename(dir) !== BOOTSTRAP_NAME) continue;
    const list = dirs.get(dir) ?? [];
    list.push(f);
    dirs.set(dir, list);
  }
  const out: IndexedObject[] = [];
  const sourceRef = referenceFieldsOf('kustomize.toolkit.fluxcd.io', 'Kustomization').find(
    (f) => f.label === 'spec.sourceRef',
  )!;
  for (const [dir, list] of dirs) {
    const marker =
      list.find((f) => path.basename(f.file) === 'gotk-sync.yaml') ??
      list.find((f) => BOOTSTRAP_FILES.has(path.basename(f.file)));
    const root = rootOf(dir);
    if (!marker || !root) continue;
    const hasOwn = list.some((f) =>
      f.objects.some(
        (o) =>
          o.kind === 'Kustomization' &&
          o.group === 'kustomize.toolkit.fluxcd.io' &&
          o.name === BOOTSTRAP_NAME,
      ),
    );
    if (hasOwn) continue;
    const specPath = `./${path.relative(root, path.dirname(dir)).split(path.sep).join('/')}`;
    out.push({
      file: marker.file,
      docIndex: 0,
      span: [0, 0],
      nameSpan: [0, 0],
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      group: 'kustomize.toolkit.fluxcd.io',
      kind: 'Kustomization',
      name: BOOTSTRAP_NAME,
      namespace: BOOTSTRAP_NAME,
      labels: {},
      substitution: true,
      refs: [
        {
          field: sourceRef,
          kind: 'GitRepository',
          name: BOOTSTRAP_NAME,
          nameSpan: [0, 0],
          optional: false,
          wildcard: false,
        },
      ],
      ks: { path: specPath, changesNames: false, childPatches: [], hasPatches: false, components: [] },
      createdBy: `flux bootstrap --path=${specPath.slice(2)} (the cluster's flux-system Kustomization, not in the files)`,
    });
  }
  return out;
}
