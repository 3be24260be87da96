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
