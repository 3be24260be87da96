/**
 * Custom LSP messages and shared settings, declared once and imported by both the client and the
 * server. Only types and method names: no runtime dependencies on either side.
 */

/** Server -> client: which schemas answer for Flux kinds. */
export const SchemaStatusNotification = 'flux/schemaStatus';
export interface SchemaStatusParams {
  available: boolean;
  /** e.g. "bundled, Flux 2.9.4"; "none" when no schema source exists. */
  label: string;
  /** Set when something needs the user's attention, with the way to fix it. */
  problem?: string;
  /** Where the Kubernetes built-in kinds' schemas come from, e.g. "bundled, Kubernetes v1.36.3". */
  kubernetes?: string;
  /** Set when the built-in kinds have no schemas, with the reason. */
  kubernetesProblem?: string;
  /**
   * Set when a shown cluster's own built-in schemas could not be used (forbidden, unreachable, bad
   * documents) and the bundled ones answer instead, with the reason.
   */
  kubernetesNote?: string;
  /** The Flux release API versions are judged against ("2.6"), whether a pin names it, and why. */
  fluxTarget?: { minor: string; pinned: boolean; reason: string };
}

/** Client -> server: the CRDs of the connected cluster (or an empty list when disconnected). */
export const ClusterCrdsNotification = 'flux/clusterCrds';
export interface ClusterCrdsParams {
  context: string;
  crds: unknown[];
}

/**
 * Client -> server: the OpenAPI v3 documents of a shown cluster's built-in API groups (what
 * `/openapi/v3/<path>` served, as text: the server parses and converts them on a thread of its own,
 * with the converter the bundled schemas are built with), so built-in kinds are checked against the
 * cluster's Kubernetes instead of the bundled version. `documents` empty and no `problem`: forget
 * the context (the bundled schemas answer again). `problem`: why the cluster's documents could not
 * be read; the bundled schemas stay in use and the status says why.
 */
export const ClusterOpenApiNotification = 'flux/clusterOpenApi';
export interface ClusterOpenApiParams {
  context: string;
  /** e.g. "v1.36.3" (from `/version`), or "v1.36" when the server reports no release version. */
  kubernetesVersion?: string;
  /** `path`: the index's key ("api/v1", "apis/apps/v1"); `text`: the document as served. */
  documents: Array<{ path: string; text: string }>;
  /**
   * One of `count` notifications that together carry the set (sent in order, `index` from 0), so
   * no single message is large enough to hold up the server while it is read; the set is used
   * once the last arrives. Absent: this notification is the whole set.
   */
  part?: { index: number; count: number };
  problem?: string;
}

/** The image an ImagePolicy last chose (`status.latestRef`, or the older `status.latestImage`). */
export interface LatestImage {
  /** The image's name without tag or digest, e.g. "ghcr.io/stefanprodan/podinfo". */
  name: string;
  tag?: string;
  digest?: string;
}

/** Settings under `fluxWorkbench` that the server reads (workspace/configuration). */
export interface ServerSettings {
  validation: {
    /** Files larger than this many megabytes are not validated. */
    maxFileSize: number;
    /** Delay after the last edit before diagnostics are computed, in milliseconds. */
    debounce: number;
  };
  schemas: {
    /** Load schemas named by `# yaml-language-server: $schema=` modelines from the network. */
    remote: boolean;
    remoteTimeout: number;
  };
  workspace: {
    /** gitignore-style patterns (relative to each workspace folder) the workspace model leaves out. */
    exclude: string[];
  };
  semantics: {
    /** Publish cross-file findings (references, dependsOn, paths, variables) for files that are not open. */
    workspaceDiagnostics: boolean;
    /** CodeLens lines: what a Kustomization renders and depends on, which Kustomizations render a file. */
    codeLens: boolean;
  };
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  validation: { maxFileSize: 2, debounce: 150 },
  schemas: { remote: true, remoteTimeout: 5000 },
  workspace: { exclude: [] },
  semantics: { workspaceDiagnostics: true, codeLens: true },
};

export interface InitializationOptions {
  /** Folder for caches the server keeps across sessions (remote schemas). */
  cacheDir?: string;
  /**
   * Whether the workspace is trusted (VS Code's workspace trust). Only then do `$schema` keys and
   * modelines make the server read local schema files (inside the workspace folders). Absent:
   * untrusted.
   */
  trusted?: boolean;
}

/** Client -> server: the workspace was trusted after start (vscode.workspace.onDidGrantWorkspaceTrust). */
export const WorkspaceTrustNotification = 'flux/workspaceTrust';
export interface WorkspaceTrustParams {
  trusted: boolean;
}

// ---------------------------------------------------------------------------------------------
// Build preview (issue 3): render a Flux Kustomization or a kustomize folder as Flux would.

/** Client -> server: build what Flux would apply. Cancellable ($/cancelRequest). */
export const BuildRequest = 'flux/build';

export interface BuildParams {
  /** A YAML file with a Flux Kustomization, a kustomization.yaml, or a folder (file: URIs). */
  uri: string;
  /** Picks the Flux Kustomization document at this position (zero-based, LSP style). */
  position?: { line: number; character: number };
  /** Picks the Flux Kustomization by name (and namespace) instead. */
  name?: string;
  namespace?: string;
  /** vscode.workspace.isTrusted: without trust no program is run and the result says why. */
  trusted: boolean;
  /** Build the files as committed at this git revision (e.g. "HEAD") instead of the working tree. */
  revision?: string;
  /** Extra variables, overriding substitute and substituteFrom. */
  variables?: Record<string, string>;
  /**
   * Take `substituteFrom` ConfigMaps and Secrets from this cluster context first (asked with
   * {@link ClusterObjectRequest}); `reveal` substitutes real Secret values (the caller masks them).
   */
  cluster?: { context: string; reveal?: boolean };
}

/**
 * Client -> server: the commit `revision` names in the Git repository holding `uri`, or why there
 * is none (the "Diff Build with HEAD" lens and command say so instead of diffing an error).
 */
export const GitRevisionRequest = 'flux/gitRevision';

export interface GitRevisionParams {
  uri: string;
  revision: string;
  /** vscode.workspace.isTrusted: git is not run without trust. */
  trusted: boolean;
}

export type GitRevisionResult =
  | { ok: true; commit: string; root: string }
  /** `reason` is short (for a CodeLens title); `message` says what to do. */
  | { ok: false; reason: string; message: string };

export interface BuildVariable {
  name: string;
  /** "**SOPS**" for values that are SOPS-encrypted (never decrypted). */
  value: string;
  /** e.g. "spec.postBuild.substitute (clusters/dev/apps.yaml)" or "ConfigMap flux-system/vars (vars.yaml)". */
  source: string;
  masked?: boolean;
}

export interface BuildProblem {
  message: string;
  /** file: URI named by the error, with a zero-based line, when known. */
  uri?: string;
  line?: number;
}

export interface BuildResult {
  ok: boolean;
  /** The rendered multi-document YAML (empty when the build failed). */
  yaml: string;
  objectCount: number;
  /** What was built: "Kustomization flux-system/apps" or "kustomize folder apps/base". */
  title: string;
  /** The folder built (file: URI) and whether Flux generates its kustomization.yaml. */
  dirUri?: string;
  generated?: boolean;
  /** kustomization.yaml as given to kustomize after Flux's overlay of the spec. */
  kustomization?: string;
  /** The kustomize used, e.g. "kubectl kustomize (kustomize v5.5.0)". */
  engine?: string;
  /** Input files (file: URIs) and spec fields overlaid. */
  files: string[];
  overlays: string[];
  /** Parent Kustomizations whose rendering of this one was used (what they change). */
  parents?: string[];
  variables: BuildVariable[];
  /** Variables used without a value (fatal in strict mode, listed with the error). */
  unresolved: string[];
  warnings: string[];
  errors: BuildProblem[];
  revision?: string;
  durationMs: number;
  /** Set when values came from a cluster: its context, the variables of Secrets (hidden), and why some did not. */
  cluster?: { context: string; secretKeys: string[]; notes: string[] };
  /** Milliseconds per phase: generate, engine, stage, kustomize, variables, post-build. */
  phases?: Record<string, number>;
}

/** Settings under `fluxWorkbench` that the build preview reads. */
export interface BuildSettings {
  kustomize: {
    /** kustomize or kubectl binary; empty to auto-detect (kustomize, else kubectl, on PATH). */
    path: string;
    /** Pass --enable-alpha-plugins --enable-exec (only in trusted workspaces; Flux never does). */
    enablePlugins: boolean;
    /** Pass --enable-helm (only in trusted workspaces; Flux never does). */
    enableHelm: boolean;
  };
  build: {
    /** Seconds before a build is stopped. */
    timeout: number;
    /** Refresh open previews while typing (debounced), not only on save. */
    previewOnType: boolean;
    /** Milliseconds after the last edit before a preview refreshes while typing. */
    debounce: number;
    /** Unset variables without a default fail the build (kustomize-controller's default since Flux 2.9). */
    strictSubstitution: boolean;
    /** Build a Kustomization as its parent Kustomization renders it (parent patches and substitution). */
    applyParents: boolean;
    /** The folder an OCIRepository/Bucket source is pushed from, by "Kind/namespace/name" or "Kind/name". */
    artifactRoots: Record<string, string>;
  };
}

export const DEFAULT_BUILD_SETTINGS: BuildSettings = {
  kustomize: { path: '', enablePlugins: false, enableHelm: false },
  build: {
    timeout: 60,
    previewOnType: true,
    debounce: 500,
    strictSubstitution: true,
    applyParents: true,
    artifactRoots: {},
  },
};

// ---------------------------------------------------------------------------------------------
// The cluster inside the editor (issue 12): what the workspace model knows about the objects of a
// file and where an object is defined, and what the client's live explorer tells the server.

/** Zero-based, LSP style. */
export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** Client -> server: the Kubernetes objects of one file, as Flux applies them. */
export const FileObjectsRequest = 'flux/fileObjects';

export interface FileObjectsParams {
  /** file: URI of a YAML file (open buffers are what the model holds for them). */
  uri: string;
}

/** A Flux Kustomization that renders a file, named as Flux applies it. */
export interface RenderingKustomization {
  name: string;
  /** The namespaces it is applied in (its own parents decide); null: not known. */
  namespaces: Array<string | null>;
  uri: string;
  line: number;
}

export interface FileObject {
  apiVersion: string;
  /** The API group ('' for the core group). */
  group: string;
  kind: string;
  name: string;
  /** metadata.namespace as written. */
  namespace?: string;
  /**
   * The namespaces Flux applies the object in: the targetNamespace (or kustomization `namespace:`)
   * of each Kustomization rendering the file, else metadata.namespace. null: nothing says.
   */
  appliedNamespaces: Array<string | null>;
  /** Where the document starts and where its name is written. */
  range: LspRange;
  nameRange?: LspRange;
  /** The Kustomizations of the workspace that render the file (a patch or an input does not count). */
  renderedBy: RenderingKustomization[];
  /** A namePrefix/nameSuffix on the way renames it: the name as written is not the live name. */
  renamed?: boolean;
  /** Index (in `objects`) of an earlier document of this file with the same kind, namespace and name. */
  duplicateOf?: number;
}

export interface FileObjectsResult {
  objects: FileObject[];
  /** Why the file has no objects the model can tell (not indexed, too large, ...). */
  problem?: string;
}

/** Client -> server: where an object (of a tree item) is defined in the workspace. */
export const LocateObjectRequest = 'flux/locateObject';

export interface LocateObjectParams {
  kind: string;
  /** The API group; undefined: any group. */
  group?: string;
  /** '' or undefined for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** For an inventory entry: the Kustomization that applied it, whose rendering is searched first. */
  owner?: { namespace: string; name: string };
}

export interface ObjectLocation {
  uri: string;
  range: LspRange;
  /** How it was found, e.g. "rendered by Kustomization flux-system/apps (apps/configmap.yaml)". */
  why: string;
}

export interface LocateObjectResult {
  locations: ObjectLocation[];
  /** Set when there is none (or the match is not certain), in words. */
  message?: string;
}

/**
 * Client -> server: the Flux objects of a connected cluster (a full list; an empty one forgets the
 * context), so references and dependsOn also resolve against what the cluster has.
 */
export const ClusterObjectsNotification = 'flux/clusterObjects';

export interface ClusterObjectsParams {
  context: string;
  /** `latestImage`: an ImagePolicy's latest image, when its status has one. */
  objects: Array<{ kind: string; namespace: string; name: string; latestImage?: LatestImage }>;
}

/**
 * Server -> client: one ConfigMap or Secret of a cluster, for `substituteFrom` in a build that asked
 * for cluster values ({@link BuildParams.cluster}). Secret values are sent only when `reveal` is set
 * (Diff Build with Cluster, which masks them before showing anything); otherwise each is replaced by
 * {@link secretPlaceholder}.
 */
export const ClusterObjectRequest = 'flux/clusterObject';

export interface ClusterObjectParams {
  context: string;
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  reveal: boolean;
}

export type ClusterObjectResult =
  /** `data`: decoded values (a Secret's base64 decoded, stringData wins); `secretKeys`: keys of a Secret. */
  | { status: 'found'; data: Record<string, string>; secretKeys: string[] }
  | { status: 'not-found' }
  /** Forbidden, unreachable, not connected: `message` says which, with the verb and resource. */
  | { status: 'error'; message: string };

/** What a Secret's value is replaced with where it must not be shown. */
export function secretPlaceholder(key: string): string {
  return `<secret:${key}>`;
}

/** Client -> server: the workspace's Kustomizations, HelmReleases and sources with their edges (the dependsOn graph without a cluster). */
export const WorkspaceGraphRequest = 'flux/workspaceGraph';

export interface GraphRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface WorkspaceGraphObject extends GraphRef {
  uri: string;
  line: number;
  dependsOn: GraphRef[];
  sources: GraphRef[];
  /** Other documents of the workspace with the same kind, namespace and name (one folder per cluster). */
  alsoIn?: string[];
}

export interface WorkspaceGraphResult {
  objects: WorkspaceGraphObject[];
}
