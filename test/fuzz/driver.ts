// Drives the real language server (over stdio, test/lsp/client.ts) and the real CLI with generated
// cases, and judges them. What counts, and how it is measured so that it means the same on a busy
// 2-core machine as on an idle one:
//   - a request "over budget": over 200 ms of main-thread CPU, measured as below (issue 10: no
//     request blocks others for more than 200 ms).
//   - a request "over 2 s": the server's main-thread CPU time (from /proc/<pid>/task/<pid>/stat)
//     between sending a request and its answer. Other processes on the machine do not inflate it,
//     and any work that blocks the main thread meanwhile (this request's or another's) counts.
//     A request with no answer after 60 s of wall time is a hang, whatever the CPU says.
//   - diagnostics of an opened or edited file must arrive (60 s of wall time); the long work behind
//     them runs in slices, so what is judged is responsiveness: a hover on a small document sent
//     right after the open or edit, measured like any request.
//   - a crash: the server process exits; for the CLI, a signal or an exit status other than 0/1.
//   - a stack trace: anything on the server's stderr, any error-level log message, any log message
//     with a stack frame; for the CLI, a stack frame on stderr.
//   - memory: the server's resident set (all threads) sampled every 50 ms; over 1 GB fails.
//   - the CLI: user+system CPU (/usr/bin/time, kustomize included) over that of the same command on
//     a trivial workspace, measured in the same run, by more than 2 s plus 5 ms per KB of the case's
//     files. A command line validates every document, so its work grows with the input: 5 ms/KB is
//     about its rate on an ordinary repository (4.6 ms/KB for joryirving__home-ops, 1.1 MB, on the
//     2-core machine), so linear work at that rate passes and anything worse than linear is caught
//     at small sizes, where the generator makes most cases.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, repoRoot } from '../lsp/client';
import type { FuzzCase } from './generator';

export const LIMITS = {
  budgetCpuMs: 200,
  requestCpuMs: 2000,
  hangMs: 60_000,
  rssBytes: 1024 * 1024 * 1024,
  cliExtraCpuMs: 2000,
  cliCpuMsPerKb: 5,
};
const CLK_TCK = 100; // USER_HZ on Linux

export interface Finding {
  seed: number;
  case: string;
  kind: 'over-budget' | 'slow' | 'hang' | 'crash' | 'stack' | 'memory';
  detail: string;
}

/** One measured request, kept when it is among the run's slowest. */
export interface Offender {
  cpuMs: number;
  wallMs: number;
  seed: number;
  case: string;
  request: string;
  /** Size of the opened file, in bytes. */
  bytes: number;
}

/** How many of the slowest requests a run keeps for its summary. */
export const TOP_OFFENDERS = 12;

export interface RunStats {
  cases: number;
  requests: number;
  maxRequestCpuMs: number;
  maxRequestWallMs: number;
  peakRssBytes: number;
  cliRuns: number;
  maxCliExtraCpuMs: number;
  findings: Finding[];
  /** The slowest requests of the run (main-thread CPU), slowest first. */
  slowest: Offender[];
  /** The slowest request of each input class and kind of request (see offenderKey). */
  slowestByClass: Map<string, Offender>;
}

/**
 * An input class and a kind of request: the case's name without its corpus file and sizes (the
 * mutators applied, or the hostile construction), and the request without its position.
 */
export function offenderKey(o: Offender): string {
  const input = o.case
    .replace(/ of .*$/, '')
    .replace(/^(hostile \w+ \w+|\$schema).*$/, '$1')
    .replace(/\d+/g, 'N');
  return `${input} | ${o.request.replace(/ \d+:\d+$/, '')}`;
}

export function emptyStats(): RunStats {
  return {
    cases: 0,
    requests: 0,
    maxRequestCpuMs: 0,
    maxRequestWallMs: 0,
    peakRssBytes: 0,
    cliRuns: 0,
    maxCliExtraCpuMs: 0,
    findings: [],
    slowest: [],
    slowestByClass: new Map(),
  };
}

function threadCpuMs(pid: number, tid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Writes a case into a fresh folder; returns the folder. */
export function materialize(c: FuzzCase): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-fuzz-'));
  for (const [rel, text] of Object.entries(c.files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  for (const fifo of c.fifos ?? []) spawnSync('mkfifo', [path.join(dir, fifo)]);
  for (const [rel, target] of Object.entries(c.symlinks ?? {})) symlinkSync(target, path.join(dir, rel));
  mkdirSync(path.join(dir, '.git'), { recursive: true }); // the CLI's repository root
  return dir;
}

/** One language server for a whole run; each case gets a fresh workspace folder of its own. */
export class ServerUnderTest {
  private client: LspClient | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private stderrSeen = 0;
  private notesSeen = 0;

  constructor(
    private readonly stats: RunStats,
    private readonly seed: () => number,
  ) {}

  private async start(root: string): Promise<LspClient> {
    const client = new LspClient({
      initializationOptions: { trusted: true },
      // Builds stop at 20 s + 10 s: under the hang limit, so a stopped build is an answer.
      configuration: { build: { timeout: 20 } },
    });
    await client.initialize(root);
    this.sampler = setInterval(() => {
      const rss = rssBytes(client.proc.pid!);
      if (rss > this.stats.peakRssBytes) this.stats.peakRssBytes = rss;
    }, 50);
    this.stderrSeen = 0;
    this.notesSeen = 0;
    return client;
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    await this.client?.stop();
    this.client = undefined;
  }

  private finding(c: FuzzCase, kind: Finding['kind'], detail: string): void {
    this.stats.findings.push({ seed: this.seed(), case: c.name, kind, detail });
  }

  /** Sends `what`, measuring main-thread CPU and wall time until it settles. */
  private async measure<T>(c: FuzzCase, label: string, what: () => Promise<T>): Promise<T | undefined> {
    const client = this.client!;
    const pid = client.proc.pid!;
    const cpu0 = threadCpuMs(pid, pid);
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), LIMITS.hangMs)));
    let result: T | 'hang' | undefined;
    try {
      result = await Promise.race([what(), hang]);
    } catch (err) {
      result = undefined;
      if (client.proc.exitCode === null && client.proc.signalCode === null)
        this.finding(c, 'crash', `${label}: request failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    const cpu = threadCpuMs(pid, pid) - cpu0;
    const wall = performance.now() - t0;
    this.stats.requests++;
    this.stats.maxRequestCpuMs = Math.max(this.stats.maxRequestCpuMs, cpu);
    this.stats.maxRequestWallMs = Math.max(this.stats.maxRequestWallMs, wall);
    const offender: Offender = {
      cpuMs: cpu,
      wallMs: wall,
      seed: this.seed(),
      case: c.name,
      request: label,
      bytes: Buffer.byteLength(c.files[c.open] ?? ''),
    };
    this.keepIfSlow(offender);
    const spent = `${label}: ${Math.round(cpu)} ms of main-thread CPU (${Math.round(wall)} ms wall)`;
    if (result === 'hang') this.finding(c, 'hang', `${label}: no answer after ${LIMITS.hangMs} ms`);
    else if (cpu > LIMITS.requestCpuMs) this.finding(c, 'slow', spent);
    else if (cpu > LIMITS.budgetCpuMs) this.finding(c, 'over-budget', spent);
    return result === 'hang' ? undefined : result;
  }

  private keepIfSlow(o: Offender): void {
    const key = offenderKey(o);
    const worst = this.stats.slowestByClass.get(key);
    if (!worst || o.cpuMs > worst.cpuMs) this.stats.slowestByClass.set(key, o);
    const top = this.stats.slowest;
    if (top.length >= TOP_OFFENDERS && o.cpuMs <= top[top.length - 1]!.cpuMs) return;
    top.push(o);
    top.sort((a, b) => b.cpuMs - a.cpuMs);
    top.length = Math.min(top.length, TOP_OFFENDERS);
  }

  /** Opens the case's file, probes it, edits it, builds it; records findings. */
  async run(c: FuzzCase, root: string, dir: string, positions: Array<[number, number]>): Promise<void> {
    if (this.client && !this.alive(c, true)) await this.stop();
    if (!this.client) {
      this.client = await this.start(root);
      this.probeUri = this.client.open(path.join(root, 'probe.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
      // Its diagnostics wait for the first scan of the seed's workspace (every case's files): on a
      // loaded machine that takes longer than the client's default 10 s.
      await this.client
        .diagnosticsFor(this.probeUri, LIMITS.hangMs)
        .catch(() =>
          this.finding(c, 'hang', `no diagnostics of a small document ${LIMITS.hangMs} ms after start`),
        );
    }
    const client = this.client;
    const peakBefore = this.stats.peakRssBytes;
    this.stats.peakRssBytes = 0;
    this.stats.cases++;
    const file = path.join(dir, c.open);
    const text = c.files[c.open]!;
    const uri = pathToFileURL(file).toString();
    client.open(file, text);
    await this.whileValidating(c, 'open', uri);
    for (const [line, ch] of positions) {
      if (!this.alive(c)) return;
      await this.measure(c, `hover ${line}:${ch}`, () => client.hover(uri, line, ch));
      await this.measure(c, `completion ${line}:${ch}`, () => client.complete(uri, line, ch));
    }
    // An edit: one character, somewhere in the middle; only the touched document should be redone.
    const at = Math.floor(text.length / 2);
    const edited = text.slice(0, at) + 'x' + text.slice(at);
    client.change(uri, edited);
    await this.whileValidating(c, 'edit', uri);
    if (positions[0])
      await this.measure(c, 'hover after the edit', () => client.hover(uri, ...positions[0]!));
    if (c.build && this.alive(c))
      await this.measure(c, 'build', () => client.conn.sendRequest('flux/build', { uri, trusted: true }));
    this.alive(c);
    this.checkOutput(c);
    await this.measure(c, 'close', async () => {
      await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
      return client.hover(uri, 0, 0).catch(() => null);
    });
    if (this.stats.peakRssBytes > LIMITS.rssBytes)
      this.finding(c, 'memory', `server peak RSS ${Math.round(this.stats.peakRssBytes / 1048576)} MB`);
    this.stats.peakRssBytes = Math.max(peakBefore, this.stats.peakRssBytes);
  }

  /** Probes responsiveness during the validation of `uri`, then waits for its diagnostics. */
  private async whileValidating(c: FuzzCase, what: string, uri: string): Promise<void> {
    const client = this.client!;
    const waiting = client.diagnosticsFor(uri, LIMITS.hangMs).then(
      () => 'done' as const,
      () => 'hang' as const,
    );
    await this.measure(c, `hover on a small document during validation after the ${what}`, () =>
      client.hover(this.probeUri!, 0, 1),
    );
    if ((await waiting) === 'hang')
      this.finding(c, 'hang', `no diagnostics ${LIMITS.hangMs} ms after the ${what}`);
  }

  private probeUri: string | undefined;

  private alive(c: FuzzCase, quiet = false): boolean {
    const p = this.client!.proc;
    if (p.exitCode !== null || p.signalCode !== null) {
      if (!quiet)
        this.finding(
          c,
          'crash',
          `server exited (${p.exitCode ?? p.signalCode}); stderr: ${this.client!.stderr.slice(-800)}`,
        );
      return false;
    }
    return true;
  }

  private checkOutput(c: FuzzCase): void {
    const client = this.client!;
    const err = client.stderr.slice(this.stderrSeen);
    this.stderrSeen = client.stderr.length;
    if (err.trim()) this.finding(c, 'stack', `stderr: ${err.slice(0, 800)}`);
    for (const n of client.notifications.slice(this.notesSeen)) {
      if (n.method !== 'window/logMessage') continue;
      const { type, message } = n.params as { type: number; message: string };
      if (type === 1 || /\n\s+at .+:\d+:\d+\)?/.test(message))
        this.finding(c, 'stack', `log (type ${type}): ${message.slice(0, 800)}`);
    }
    this.notesSeen = client.notifications.length;
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  cpuMs: number;
  maxRssBytes: number;
  stderr: string;
  wallMs: number;
}

/** Runs the CLI under /usr/bin/time (CPU of the process and its children, peak RSS). */
export function runCli(args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const timing = path.join(
      os.tmpdir(),
      `fw-fuzz-time-${process.pid}-${Math.random().toString(36).slice(2)}`,
    );
    const child = spawn(
      '/usr/bin/time',
      [
        '-o',
        timing,
        '-f',
        '%U %S %M',
        process.execPath,
        path.join(repoRoot, 'server', 'out', 'cli.js'),
        ...args,
      ],
      {
        cwd,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMITS.hangMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let cpuMs = 0;
      let maxRssBytes = 0;
      try {
        const [u, s, m] = readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        cpuMs = ((u ?? 0) + (s ?? 0)) * 1000;
        maxRssBytes = (m ?? 0) * 1024;
        rmSync(timing, { force: true });
      } catch {
        // killed before /usr/bin/time wrote it
      }
      // /usr/bin/time reports a signalled child as "Command terminated by signal N" on its stderr.
      const sig = /Command terminated by signal (\d+)/.exec(stderr);
      resolve({
        code: sig ? null : code,
        signal: sig ? (`SIG${sig[1]}` as NodeJS.Signals) : signal,
        cpuMs,
        maxRssBytes,
        stderr,
        wallMs: performance.now() - t0,
      });
    });
  });
}

/** Judges one CLI run against the baseline CPU of the same command on a trivial workspace. */
export function judgeCli(
  stats: RunStats,
  seed: number,
  c: FuzzCase,
  label: string,
  r: CliResult,
  baselineCpuMs: number,
): void {
  stats.cliRuns++;
  const extra = r.cpuMs - baselineCpuMs;
  const kb = Object.values(c.files).reduce((n, t) => n + Buffer.byteLength(t), 0) / 1024;
  const allowed = LIMITS.cliExtraCpuMs + LIMITS.cliCpuMsPerKb * kb;
  stats.maxCliExtraCpuMs = Math.max(stats.maxCliExtraCpuMs, extra);
  stats.peakRssBytes = Math.max(stats.peakRssBytes, r.maxRssBytes);
  const push = (kind: Finding['kind'], detail: string): void => {
    stats.findings.push({ seed, case: c.name, kind, detail: `${label}: ${detail}` });
  };
  if (r.signal || (r.code !== 0 && r.code !== 1)) {
    if (r.wallMs >= LIMITS.hangMs) push('hang', `no result after ${LIMITS.hangMs} ms`);
    else push('crash', `exit ${r.code ?? r.signal}; stderr: ${r.stderr.slice(-800)}`);
  }
  if (/\n\s+at .+:\d+:\d+\)?/.test(r.stderr)) push('stack', `stderr: ${r.stderr.slice(0, 800)}`);
  if (extra > allowed)
    push(
      'slow',
      `${Math.round(r.cpuMs)} ms of CPU, ${Math.round(extra)} ms over the trivial run (allowed ${Math.round(allowed)} ms for ${Math.round(kb)} KB)`,
    );
  if (r.maxRssBytes > LIMITS.rssBytes) push('memory', `peak RSS ${Math.round(r.maxRssBytes / 1048576)} MB`);
}

/** Positions to probe in a text: the start, some random lines, the end. */
export function probePositions(
  text: string,
  pick: (lo: number, hi: number) => number,
): Array<[number, number]> {
  const lines = text.split('\n');
  const out: Array<[number, number]> = [[0, 1]];
  for (let i = 0; i < 2; i++) {
    const line = pick(0, Math.max(0, lines.length - 1));
    out.push([line, pick(0, Math.min(40, lines[line]?.length ?? 0))]);
  }
  out.push([Math.max(0, lines.length - 1), 0]);
  return out;
}
