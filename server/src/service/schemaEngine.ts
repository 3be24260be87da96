import { getLanguageService, SchemaPriority, type LanguageService } from 'yaml-language-server';
import { SettingsState } from 'yaml-language-server/out/src/yamlSettings.js';

// yaml-language-server switches to per-document apiVersion/kind detection only for this exact URL
// shape (its Kubernetes mode); the URL is answered locally and never fetched.
export const K8S_ALL =
  'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.34.1-standalone-strict/all.json';
// For the core and apiextensions groups it asks for `<folder of K8S_ALL>/<OpenAPI type name>` instead
// of a CRD store URL (see the root stub of FluxLanguageService); answered locally from the built-in
// kinds' schemas.
export const K8S_TYPE_BASE = K8S_ALL.slice(0, K8S_ALL.lastIndexOf('/') + 1);
export const CRD_STORE = 'fluxcrd://store';
export const KUSTOMIZE_FILE_SCHEMA = 'fluxcrd://kustomize/kustomization.json';

/**
 * The schema engine (yaml-language-server) as this server uses it: every schema it wants is asked
 * of `requestSchema` by URL, so the same engine runs on the main thread and on the schema worker
 * (server/src/schemaWorker.ts), which asks the main thread.
 */
export function createSchemaEngine(requestSchema: (uri: string) => Promise<string>): LanguageService {
  const yamlSettings = new SettingsState();
  yamlSettings.kubernetesCRDStoreEnabled = true;
  yamlSettings.kubernetesCRDStoreUrl = CRD_STORE;
  const engine = getLanguageService({
    schemaRequestService: requestSchema,
    workspaceContext: { resolveRelativePath: (rel, base) => new URL(rel, base).toString() },
    yamlSettings,
  });
  configureSchemaEngine(engine);
  return engine;
}

/** (Re)configures the engine, which also forgets every schema it loaded. */
export function configureSchemaEngine(engine: LanguageService): void {
  engine.configure({
    validate: true,
    hover: true,
    completion: true,
    format: false,
    hoverSchemaSource: false,
    indentation: '  ',
    yamlVersion: '1.2',
    schemas: [
      {
        uri: K8S_ALL,
        fileMatch: ['**/*.yaml', '**/*.yml', '!**/kustomization.yaml', '!**/kustomization.yml'],
        priority: SchemaPriority.Settings,
      },
      {
        uri: KUSTOMIZE_FILE_SCHEMA,
        fileMatch: ['**/kustomization.yaml', '**/kustomization.yml'],
        priority: SchemaPriority.Settings,
      },
    ],
  });
}
