// Benchmarks for the workspace model and the Flux semantics (issue 11), on the largest corpus
// repository (joryirving/home-ops, 1,142 files), with baselines measured in the same run:
//   - re-diagnose after a one-file edit, including every file whose findings depend on it (the
//     whole workspace's cross-file findings, and the edited file's full validation): p95 <= 100 ms;
//     baseline: parsing the edited file with `yaml`;
//   - go to definition and name completion: p95 <= 20 ms; baseline: parsing the file with `yaml`;
//   - the model's memory: <= 100 MB; baseline: the bytes of YAML it holds.
// Cold `validate` with every check is measured by language.bench.ts (it runs the same CLI).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseAllDocuments } from 'yaml';
import { SemanticAnalysis } from '../../server/src/semantics/analysis';
import { Navigation } from '../../server/src/semantics/navigation';
import { FluxLanguageService } from '../../server/src/service/languageService';
import { RemoteSchemaLoader } from '../../server/src/service/schemaLoader';
import { Workspace } from '../../server/src/workspace/workspace';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const repo = path.resolve(repoRoot, '..', 'shared', 'corpus', 'joryirving__home-ops');
const bundled = path.join(repoRoot, 'server', 'out', 'crds', 'flux-schemas.json');
const builtins = path.join(repoRoot, 'server', 'out', 'kubernetes');
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (n: number): string => `${n.toFixed(1)} ms`;
const verdict = (value: number, target: number): string => (value <= target ? 'met' : 'MISSED');

async function time(f: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main(): Promise<void> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const workspace = new Workspace();
  const scanStarted = performance.now();
  const scan = await workspace.scan(repo, { maxFileBytes: 2 * 1024 * 1024 });
  const scanMs = performance.now() - scanStarted;
  const analysis = new SemanticAnalysis(workspace.model);
  const first = await time(() => analysis.findings());
  gc();
  const modelMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const yamlBytes = scan.files.reduce((n, f) => n + readFileSync(f).length, 0);

  await workspace.loadBundled(bundled);
  await workspace.loadBuiltins(builtins);
  if (workspace.bundledProblem || workspace.builtinsProblem)
    throw new Error(`schemas not loaded: ${workspace.bundledProblem ?? workspace.builtinsProblem}`);
  const service = new FluxLanguageService(
    workspace.registry,
    workspace.model,
    new RemoteSchemaLoader({ enabled: false, timeoutMs: 100 }),
  );
  service.semantics = analysis;
  const nav = new Navigation(analysis);

  // The edit: a Kustomization that others depend on, its interval changed back and forth (its
  // dependents' findings, the whole workspace's cross-file findings, and its own validation).
  const file = path.join(repo, 'kubernetes/apps/main/downloads/sonarr.yaml');
  const original = readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).toString();
  const edits: number[] = [];
  const parses: number[] = [];
  for (let i = 0; i < 60; i++) {
    const text = original.replace('interval: 1h', `interval: ${(i % 5) + 1}h`);
    const doc = TextDocument.create(uri, 'yaml', i + 2, text);
    edits.push(
      await time(async () => {
        workspace.updateFile(file, text);
        analysis.findings();
        await service.validate(doc);
      }),
    );
    parses.push(await time(() => parseAllDocuments(text)));
  }

  // Definition from a sourceRef name, and completion of a dependsOn name (the file as typed).
  const recyclarr = path.join(repo, 'kubernetes/apps/main/downloads/recyclarr.yaml');
  const rText = readFileSync(recyclarr, 'utf8');
  workspace.updateFile(recyclarr, rText);
  const at = rText.indexOf('name: flux-system') + 8;
  const defs: number[] = [];
  const completions: number[] = [];
  const baseline: number[] = [];
  const typed = rText.replace('    - name: sonarr\n', '    - name: \n');
  const typedDoc = TextDocument.create(pathToFileURL(recyclarr).toString(), 'yaml', 1, typed);
  const cursor = typedDoc.positionAt(typed.indexOf('    - name: \n') + 12);
  let items = 0;
  let found = 0;
  for (let i = 0; i < 60; i++) {
    defs.push(await time(() => (found = nav.definition(recyclarr, at).length)));
    const d = TextDocument.create(typedDoc.uri, 'yaml', i + 2, typed);
    completions.push(
      await time(async () => (items = (await service.complete(d, cursor))?.items.length ?? 0)),
    );
    baseline.push(await time(() => parseAllDocuments(typed)));
  }
  workspace.updateFile(file, original);

  const rows: Array<[string, string, string, string]> = [
    [
      "re-diagnose after a one-file edit (model update, every file's cross-file findings, the file's validation), p95",
      ms(pct(edits, 95)),
      `parse the file with yaml: ${ms(pct(parses, 95))}`,
      `≤ 100 ms: ${verdict(pct(edits, 95), 100)}`,
    ],
    [
      `go to definition (sourceRef -> GitRepository, ${found} location), p95`,
      ms(pct(defs, 95)),
      `parse the file with yaml: ${ms(pct(baseline, 95))}`,
      `≤ 20 ms: ${verdict(pct(defs, 95), 20)}`,
    ],
    [
      `name completion (dependsOn, ${items} names), p95`,
      ms(pct(completions, 95)),
      `parse the file with yaml: ${ms(pct(baseline, 95))}`,
      `≤ 20 ms: ${verdict(pct(completions, 95), 20)}`,
    ],
    [
      `model memory (${scan.files.length} files indexed)`,
      `${modelMb.toFixed(1)} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: includes garbage)'}`,
      `YAML held: ${(yamlBytes / 1024 / 1024).toFixed(1)} MB`,
      `≤ 100 MB: ${verdict(modelMb, 100)}`,
    ],
  ];
  console.log(
    `# Flux semantics on joryirving__home-ops: scan ${ms(scanMs)}, first full analysis ${ms(first)}`,
  );
  console.log('| measure | Flux Workbench | baseline in the same run | target |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
