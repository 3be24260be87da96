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
  /** The Flux release API versions are judged against ("2.6"), whether a pin names it, and why. */
  fluxTarget?: { minor: string; pinned: boolean; reason: string };
}

/** Client -> server: the CRDs of the connected cluster (or an empty list when disconnected). */
export const ClusterCrdsNotification = 'flux/clusterCrds';
export interface ClusterCrdsParams {
  context: string;
  crds: unknown[];
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
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  validation: { maxFileSize: 2, debounce: 150 },
  schemas: { remote: true, remoteTimeout: 5000 },
};

export interface InitializationOptions {
  /** Folder for caches the server keeps across sessions (remote schemas). */
  cacheDir?: string;
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
