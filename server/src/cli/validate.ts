import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type {
  FluxLanguageService as FluxLanguageServiceType,
  ValidationResult,
} from '../service/languageService';
import { describeBuiltinOrigin } from '../kubernetes/builtinSchemas';
import { RemoteSchemaLoader } from '../service/schemaLoader';
import { listYamlFiles, Workspace } from '../workspace/workspace';
import { DEFAULT_LIMITS, refusal } from '../service/textGuards';
import { SemanticAnalysis } from '../semantics/analysis';
import * as os from 'node:os';

import { USAGE } from './usage';

/** Files validated at once (their schema work queued on the workers while this thread goes on). */
const FILES_IN_FLIGHT = 8;

/** `flux-workbench validate ...`: returns the exit code. */
export async function runValidateCommand(rest: string[]): Promise<number> {
  let remoteSchemas = true;
  const targets: string[] = [];
  for (const arg of rest) {
    if (arg === '--no-remote-schemas') remoteSchemas = false;
    else if (arg.startsWith('-')) {
      process.stderr.write(`unknown option: ${arg}\n${USAGE}\n`);
      return 2;
    } else targets.push(arg);
  }
  if (targets.length === 0) {
    process.stderr.write(`no files or directories given\n${USAGE}\n`);
    return 2;
  }
  for (const t of targets) {
    if (!existsSync(t)) {
      process.stderr.write(`no such file or directory: ${t}\n`);
      return 2;
    }
  }
  return validate(
    targets.map((t) => path.resolve(t)),
    remoteSchemas,
  );
}

/** The repository a path belongs to: the nearest parent with .git, else the path itself. */
function repositoryRoot(p: string): string {
  const dir = statSync(p).isDirectory() ? p : path.dirname(p);
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) break;
  }
  return dir;
}

async function validate(targets: string[], remoteSchemas: boolean): Promise<number> {
  const workspace = new Workspace();
  await Promise.all([workspace.loadBundled(), workspace.loadBuiltins()]);
  if (workspace.bundledProblem) process.stderr.write(`warning: ${workspace.bundledProblem}\n`);
  if (workspace.builtinsProblem)
    process.stderr.write(`warning: ${workspace.builtinsProblem}; built-in kinds are not validated\n`);
  // Loaded on demand (yaml-language-server costs ~0.5 s of start-up that `build` does not need),
  // and made before the scan, which feeds it the files as it reads them.
  const loading = import('../service/languageService');
  // The workspace model (objects, kustomize structure, CRDs) comes from each target's repository;
  // its parses are kept for the validation below, so each file is parsed once.
  workspace.model.keepParses = true;
  const roots = [...new Set(targets.map(repositoryRoot))];
  const remote = new RemoteSchemaLoader({
    enabled: remoteSchemas,
    timeoutMs: 5000,
    cacheDir: path.join(os.homedir(), '.cache', 'flux-workbench', 'schemas'),
  });
  const { FluxLanguageService } = await loading;
  const service: FluxLanguageServiceType = new FluxLanguageService(
    workspace.registry,
    workspace.model,
    remote,
    (f) => workspace.problemsOf(f),
  );
  service.remoteWaitMs = Infinity; // a CI run waits for each modeline's schema once
  service.semantics = new SemanticAnalysis(workspace.model);
  service.parseFor = (f) => workspace.model.takeParse(f);
  service.label = (f) => path.relative(process.cwd(), f);
  // The user chose to check these repositories: local schema files inside them are read (only
  // regular files, only inside), as in a trusted workspace.
  const { LocalSchemaPolicy } = await import('../service/localSchemas');
  service.localSchemas = new LocalSchemaPolicy(
    () => roots,
    () => true,
  );
  // The schema engine runs on worker threads, one per core beside this one: this thread meanwhile
  // reads, parses and makes the Flux checks; a few files in flight, findings printed in order.
  const { SchemaWorkers } = await import('../service/schemaWorkers');
  const workers = new SchemaWorkers({
    script: path.join(__dirname, 'schema-worker.js'),
    threads: Math.max(1, Math.min(os.availableParallelism() - 1, 4)),
    timeLimitMs: 120_000,
    heapMb: 1024,
    requestSchema: (uri) => service.requestSchema(uri),
  });
  service.schemaWorkers = workers;
  service.limits = { ...service.limits, workerMinBytes: 0 };
  const skipped: Array<{ path: string; reason: string }> = [];
  // The text the scan read of each file to check (the service takes the model's parse of it).
  const scanned = new Map<string, string>();
  for (const root of roots) {
    const scan = await workspace.scan(root, {
      maxFileBytes: DEFAULT_LIMITS.maxFileBytes,
      refuse: (text) => refusal(text, DEFAULT_LIMITS),
      // A file to check goes to the schema workers as soon as it is read: they validate while
      // this thread reads and parses the rest (their findings are kept only if no CRD read later
      // changes the schemas its documents resolve to).
      indexed: (file, text) => {
        if (!targets.some((t) => file === t || file.startsWith(t + path.sep))) return;
        scanned.set(file, text);
        void service.validateAhead(file, text).catch(() => undefined); // validated again below
      },
    });
    skipped.push(...scan.skipped);
  }
  const status = workspace.registry.fluxStatus();
  const source = workspace.registry.builtins;
  const builtins = source ? describeBuiltinOrigin(source.origin) : 'none';
  const target = service.fluxTarget();
  if (target.pinned)
    process.stdout.write(`note: API versions are judged against Flux ${target.minor}: ${target.reason}\n`);

  const files: string[] = [];
  for (const t of targets) files.push(...(statSync(t).isDirectory() ? await listYamlFiles(t) : [t]));
  const counts = { error: 0, warning: 0, info: 0 };
  const unloaded = new Map<string, { reason: string; files: number }>();
  const cwd = process.cwd();
  const check = async (file: string): Promise<ValidationResult | Error> => {
    // The scan's text when it read the file, else read now.
    let text = scanned.get(file);
    scanned.delete(file);
    try {
      text ??= await readFile(file, 'utf8');
    } catch (err) {
      return err as Error;
    }
    const doc = TextDocument.create(pathToFileURL(file).toString(), 'yaml', 1, text);
    const result = await service.validate(doc);
    service.forget(doc.uri);
    return result;
  };
  const queue = [...new Set(files)];
  const inFlight: Array<{ file: string; result: Promise<ValidationResult | Error> }> = [];
  for (let next = 0; next < queue.length || inFlight.length; ) {
    while (next < queue.length && inFlight.length < FILES_IN_FLIGHT) {
      const file = queue[next++]!;
      inFlight.push({ file, result: check(file) });
    }
    const { file, result } = inFlight.shift()!;
    const outcome = await result;
    if (outcome instanceof Error) {
      process.stdout.write(
        `${path.relative(cwd, file)}:1:1: error: cannot read: ${outcome.message} [file-unreadable]\n`,
      );
      counts.error++;
      continue;
    }
    const { diagnostics, notes } = outcome;
    for (const n of notes) {
      const u = unloaded.get(n.url) ?? { reason: n.reason, files: 0 };
      u.files++;
      unloaded.set(n.url, u);
    }
    diagnostics.sort(
      (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
    );
    for (const d of diagnostics) {
      const sev =
        d.severity === DiagnosticSeverity.Error
          ? 'error'
          : d.severity === DiagnosticSeverity.Warning
            ? 'warning'
            : 'info';
      counts[sev]++;
      const message = typeof d.message === 'string' ? d.message : d.message.value;
      const code = typeof d.code === 'string' ? ` [${d.code}]` : '';
      process.stdout.write(
        `${path.relative(cwd, file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}: ${message}${code}\n`,
      );
    }
  }
  workers.dispose('the run is over');
  if (unloaded.size) {
    // Said once per schema, not once per document: modelines are deliberate and usually fine online.
    const n = [...unloaded.values()].reduce((a, u) => a + u.files, 0);
    process.stdout.write(
      `note: ${unloaded.size} schemas named by modelines in ${n} files could not be loaded; Flux kinds there were checked with the Flux schemas (${status.label}).\n`,
    );
    for (const [url, u] of [...unloaded.entries()].slice(0, 5))
      process.stdout.write(`note:   ${url}: ${u.reason}\n`);
    if (unloaded.size > 5) process.stdout.write(`note:   … and ${unloaded.size - 5} more\n`);
  }
  if (skipped.length) {
    // The workspace model left these out (cross-file checks do not see them).
    process.stdout.write(`note: ${skipped.length} paths were not indexed for the cross-file checks:\n`);
    for (const s of skipped.slice(0, 10))
      process.stdout.write(`note:   ${path.relative(cwd, s.path) || '.'}: ${s.reason}\n`);
    if (skipped.length > 10) process.stdout.write(`note:   … and ${skipped.length - 10} more\n`);
  }
  process.stdout.write(
    `${files.length} files checked with Flux schemas: ${status.label}; built-in kinds: ${builtins}; ${counts.error} errors, ${counts.warning} warnings, ${counts.info} infos\n`,
  );
  return counts.error > 0 ? 1 : 0;
}
