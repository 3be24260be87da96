import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { DIAGNOSTIC_SOURCE } from '../diagnosticCodes';
import { describeBuiltinOrigin } from '../kubernetes/builtinSchemas';
import { SemanticAnalysis } from '../semantics/analysis';
import { toDiagnostic } from '../semantics/findings';
import { DEFAULT_LIMITS, refusal } from '../service/textGuards';
import { textHash, type FileIndex } from '../workspace/fileIndex';
import { listYamlFiles, Workspace } from '../workspace/workspace';
import { codeCacheFolder } from './codeCacheFolder';
import { ValidateThreads } from './validateThreads';

import { USAGE } from './usage';

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

/**
 * How many validation threads: FLUX_WORKBENCH_VALIDATE_THREADS, else one per core but the one this
 * thread works on (reading, the model, the cross-file findings), one to four. One more is not free:
 * each thread warms V8's compiled code of the parser and the engine anew (on home-ops the first
 * 600 KB take a thread twice as long to parse as the next 600 KB), and on two cores two threads
 * took longer than one (10 paired runs of home-ops: median 4.25 s against 3.95 s, CPU 8.0 s
 * against 6.3 s).
 */
function validateThreadCount(): number {
  const named = process.env.FLUX_WORKBENCH_VALIDATE_THREADS;
  if (named) {
    const n = Number(named);
    if (Number.isInteger(n) && n >= 1 && n <= 64) return n;
    process.stderr.write(
      `warning: FLUX_WORKBENCH_VALIDATE_THREADS=${named} is not a number of threads from 1 to 64; using the default\n`,
    );
  }
  return Math.max(1, Math.min(os.availableParallelism() - 1, 4));
}

async function validate(targets: string[], remoteSchemas: boolean): Promise<number> {
  const workspace = new Workspace();
  await Promise.all([workspace.loadBundled(), workspace.loadBuiltins()]);
  if (workspace.bundledProblem) process.stderr.write(`warning: ${workspace.bundledProblem}\n`);
  if (workspace.builtinsProblem)
    process.stderr.write(`warning: ${workspace.builtinsProblem}; built-in kinds are not validated\n`);
  // The workspace model (objects, kustomize structure, CRDs) comes from each target's repository.
  const roots = [...new Set(targets.map(repositoryRoot))];
  // Each file is parsed, indexed and validated on one of these threads (this one reads, makes the
  // model of their indexes, the cross-file findings, and prints).
  const threads = new ValidateThreads(
    path.join(__dirname, 'validate-worker.js'),
    validateThreadCount(),
    {
      roots,
      remoteSchemas,
      cacheDir: path.join(os.homedir(), '.cache', 'flux-workbench', 'schemas'),
    },
    codeCacheFolder(),
  );
  try {
    return await validateOn(threads, workspace, targets, roots);
  } finally {
    await threads.dispose();
  }
}

async function validateOn(
  threads: ValidateThreads,
  workspace: Workspace,
  targets: string[],
  roots: string[],
): Promise<number> {
  const skipped: Array<{ path: string; reason: string }> = [];
  // The text of each file the scan read (validated as read), and its index, made on a thread.
  const read = new Map<string, string>();
  const indexing: Array<{ file: string; text: string; index: Promise<FileIndex> }> = [];
  for (const root of roots) {
    const scan = await workspace.scan(root, {
      maxFileBytes: DEFAULT_LIMITS.maxFileBytes,
      refuse: (text) => refusal(text, DEFAULT_LIMITS),
      indexElsewhere: (file, text) => {
        read.set(file, text);
        indexing.push({ file, text, index: threads.index(file, text) });
      },
    });
    skipped.push(...scan.skipped);
  }
  threads.flush();
  // The model, in the order the scan read the files.
  for (const { file, text, index } of indexing) workspace.updateFile(file, text, await index);
  const target = await threads.copyModel(workspace);
  const status = workspace.registry.fluxStatus();
  const source = workspace.registry.builtins;
  const builtins = source ? describeBuiltinOrigin(source.origin) : 'none';
  if (target.pinned)
    process.stdout.write(`note: API versions are judged against Flux ${target.minor}: ${target.reason}\n`);

  const files: string[] = [];
  for (const t of targets) files.push(...(statSync(t).isDirectory() ? await listYamlFiles(t) : [t]));
  const queue = [...new Set(files)];
  // Every file is sent at once: each thread validates its own in order, and they are printed in order.
  const results = await Promise.all(
    queue.map(async (file) => {
      let text = read.get(file);
      try {
        text ??= await readFile(file, 'utf8');
      } catch (err) {
        return err as Error;
      }
      return { text, outcome: threads.validate(file, text) };
    }),
  );
  // Sent now: the findings below hold this thread, and the last requests would wait for them.
  threads.flush();
  // The cross-file findings, made here (this thread holds the model) while the threads validate.
  const model = workspace.model;
  const findings = new SemanticAnalysis(model).findings();
  const counts = { error: 0, warning: 0, info: 0 };
  const unloaded = new Map<string, { reason: string; files: number }>();
  const cwd = process.cwd();
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    const r = results[i]!;
    if (r instanceof Error) {
      process.stdout.write(
        `${path.relative(cwd, file)}:1:1: error: cannot read: ${r.message} [file-unreadable]\n`,
      );
      counts.error++;
      continue;
    }
    const outcome = await r.outcome;
    if (outcome instanceof Error) {
      process.stdout.write(
        `${path.relative(cwd, file)}:1:1: error: not validated: ${outcome.message} [validation-failed]\n`,
      );
      counts.error++;
      continue;
    }
    const { notes } = outcome;
    const diagnostics = [...outcome.diagnostics];
    if (outcome.semanticsDue && model.get(file)?.textHash === textHash(r.text))
      for (const f of findings.get(file) ?? []) diagnostics.push(toDiagnostic(model, f, DIAGNOSTIC_SOURCE));
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
