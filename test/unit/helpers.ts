import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FluxLanguageService } from '../../server/src/service/languageService';
import { RemoteSchemaLoader } from '../../server/src/service/schemaLoader';
import { Workspace } from '../../server/src/workspace/workspace';
import { SemanticAnalysis } from '../../server/src/semantics/analysis';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
/** The Flux CRDs the bundled schemas were converted from (raw CRD objects). */
export const bundledCrds = path.join(repoRoot, 'server', 'out', 'crds', 'flux-crds.json');
/** The bundled Flux schemas, as the server reads them. */
export const bundledSchemas = path.join(repoRoot, 'server', 'out', 'crds', 'flux-schemas.json');
export const bundledBuiltins = path.join(repoRoot, 'server', 'out', 'kubernetes');

/** A workspace with the bundled Flux CRDs and the given files (path -> text), plus its language service. */
export async function makeService(
  files: Record<string, string> = {},
  root = '/ws',
  options: { semantics?: boolean } = {},
) {
  const workspace = new Workspace();
  await workspace.loadBundled(bundledSchemas);
  await workspace.loadBuiltins(bundledBuiltins);
  for (const [p, text] of Object.entries(files)) workspace.updateFile(path.join(root, p), text);
  const remote = new RemoteSchemaLoader({ enabled: false, timeoutMs: 100 });
  const service = new FluxLanguageService(workspace.registry, workspace.model, remote, (f) =>
    workspace.problemsOf(f),
  );
  workspace.model.setRoots([root]);
  // The cross-file checks, when a test asks for them (its files then form a whole workspace).
  if (options.semantics) service.semantics = new SemanticAnalysis(workspace.model);
  const validate = async (p: string, text?: string) => {
    const t = text ?? files[p]!;
    const doc = TextDocument.create(pathToFileURL(path.join(root, p)).toString(), 'yaml', 1, t);
    const result = await service.validate(doc);
    return result.diagnostics.map((d) => ({
      line: d.range.start.line + 1,
      severity: d.severity,
      message: typeof d.message === 'string' ? d.message : d.message.value,
    }));
  };
  return { workspace, service, validate };
}
