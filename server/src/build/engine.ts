import * as path from 'node:path';
import type { BuildFs, SpawnResult, Spawner } from '../io/io';

/** A kustomize that can build: a standalone `kustomize` or `kubectl kustomize`. */
export interface KustomizeEngine {
  flavour: 'kustomize' | 'kubectl';
  /** Absolute path of the binary. */
  binary: string;
  /** kustomize's version, e.g. "v5.5.0" ("unknown" when it could not be read). */
  version: string;
  /** For headers: "kubectl kustomize (kustomize v5.5.0)". */
  label: string;
}

export interface EngineOptions {
  /** The fluxWorkbench.kustomize.path setting; empty means auto-detect. */
  configuredPath?: string;
  /** Ask the binary for its version (one extra process, ~0.1-0.5 s; cached per binary). */
  readVersion?: boolean;
  /** PATH to search (defaults to process.env.PATH). */
  envPath?: string;
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-found' | 'failed' | 'timeout' | 'cancelled' | 'output-limit' | 'untrusted',
    /** Files and lines named by kustomize's error, mapped back to the workspace. */
    readonly locations: Array<{ file: string; line?: number }> = [],
  ) {
    super(message);
  }
}

const versionCache = new Map<string, Promise<string>>();

async function which(fs: BuildFs, name: string, envPath: string): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if ((await fs.kind(p)) === 'file') return p;
  }
  return undefined;
}

/**
 * Finds the kustomize to run: the configured path, else a `kustomize` on PATH (standalone releases
 * are usually closer to the kustomize Flux embeds), else `kubectl`. Throws {@link EngineError}
 * ('not-found') with the fix when there is none.
 */
export async function detectEngine(
  fs: BuildFs,
  spawn: Spawner,
  options: EngineOptions = {},
): Promise<KustomizeEngine> {
  const envPath = options.envPath ?? process.env.PATH ?? '';
  let binary: string | undefined;
  if (options.configuredPath) {
    const p = options.configuredPath;
    binary = path.isAbsolute(p)
      ? (await fs.kind(p)) === 'file'
        ? p
        : undefined
      : await which(fs, p, envPath);
    if (!binary) {
      throw new EngineError(
        `The kustomize binary set in fluxWorkbench.kustomize.path (${p}) does not exist. Fix: set it to the full path of \`kustomize\` or \`kubectl\`, or clear it to auto-detect.`,
        'not-found',
      );
    }
  } else {
    binary = (await which(fs, 'kustomize', envPath)) ?? (await which(fs, 'kubectl', envPath));
  }
  if (!binary) {
    throw new EngineError(
      'No kustomize found: neither `kustomize` nor `kubectl` is on PATH. Fix: install kubectl (it embeds kustomize) or kustomize, or set fluxWorkbench.kustomize.path to its full path.',
      'not-found',
    );
  }
  const flavour = /kubectl[^/\\]*$/.test(path.basename(binary)) ? 'kubectl' : 'kustomize';
  let version =
    options.readVersion === false ? Promise.resolve('version not read') : versionCache.get(binary);
  if (!version) {
    version = readVersion(spawn, binary, flavour);
    versionCache.set(binary, version);
  }
  const v = await version;
  const label = flavour === 'kubectl' ? `kubectl kustomize (kustomize ${v})` : `kustomize ${v}`;
  return { flavour, binary, version: v, label };
}

async function readVersion(
  spawn: Spawner,
  binary: string,
  flavour: 'kustomize' | 'kubectl',
): Promise<string> {
  const r =
    flavour === 'kubectl'
      ? await spawn(binary, ['version', '--client', '-o', 'json'], {
          timeoutMs: 10_000,
          maxOutputBytes: 1 << 20,
        })
      : await spawn(binary, ['version'], { timeoutMs: 10_000, maxOutputBytes: 1 << 20 });
  if (r.code !== 0) return 'unknown';
  if (flavour === 'kubectl') {
    try {
      return String((JSON.parse(r.stdout) as { kustomizeVersion?: string }).kustomizeVersion ?? 'unknown');
    } catch {
      return 'unknown';
    }
  }
  return r.stdout.match(/v?\d+\.\d+\.\d+[^\s"]*/)?.[0] ?? r.stdout.trim().split('\n')[0] ?? 'unknown';
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  maxOutputBytes: number;
  /** Flux never enables these; the preview does only when a setting asks and the workspace is trusted. */
  enablePlugins?: boolean;
  enableHelm?: boolean;
  /** Temporary paths in kustomize's messages are mapped back to the workspace with this. */
  mapPath?: (text: string) => string;
}

/**
 * Runs `kustomize build DIR` with Flux's settings: load restrictions off (Flux builds inside the
 * whole source), no plugins, no Helm. Returns the YAML, or throws {@link EngineError} with the
 * files and lines kustomize named.
 */
export async function runKustomize(
  engine: KustomizeEngine,
  spawn: Spawner,
  dir: string,
  options: RunOptions,
): Promise<string> {
  const args = engine.flavour === 'kubectl' ? ['kustomize', dir] : ['build', dir];
  args.push('--load-restrictor', 'LoadRestrictionsNone');
  if (options.enablePlugins) args.push('--enable-alpha-plugins', '--enable-exec');
  if (options.enableHelm) args.push('--enable-helm');
  const r: SpawnResult = await spawn(engine.binary, args, {
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (r.spawnError) {
    throw new EngineError(
      `Could not run ${engine.binary}: ${r.spawnError.message}. Fix: check fluxWorkbench.kustomize.path.`,
      'not-found',
    );
  }
  if (r.stopped === 'timeout') {
    throw new EngineError(
      `kustomize did not finish within ${Math.round(options.timeoutMs / 1000)} s (fluxWorkbench.build.timeout); it was stopped.`,
      'timeout',
    );
  }
  if (r.stopped === 'cancelled') throw new EngineError('The build was cancelled.', 'cancelled');
  if (r.stopped === 'output-limit') {
    throw new EngineError(
      `kustomize produced more than ${Math.round(options.maxOutputBytes / 1048576)} MB of YAML; the build was stopped.`,
      'output-limit',
    );
  }
  if (r.code !== 0) {
    const map = options.mapPath ?? ((t: string) => t);
    const message = map(cleanKustomizeError(r.stderr.trim() || `exit code ${r.code}`));
    // A remote base that could not be fetched: kustomize also tried it as a local path, and names
    // that made-up path; the URL and the fetch's own error are what matter.
    const remote = remoteResourceError(message);
    if (remote) throw new EngineError(`kustomize build failed: ${remote}`, 'failed', []);
    // kustomize names some files relative to the kustomization that loaded them ("in File: x.yaml").
    const relative = [...message.matchAll(/in File: ([^\s'":,]+)/g)].map((m) =>
      map(path.resolve(dir, m[1]!)),
    );
    const locations = locationsIn(message);
    for (const file of relative) {
      const line = Number(message.match(/line (\d+)/)?.[1] ?? NaN);
      if (!locations.some((l) => l.file === file))
        locations.push(Number.isFinite(line) ? { file, line } : { file });
    }
    throw new EngineError(`kustomize build failed: ${message}`, 'failed', locations);
  }
  return r.stdout;
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com[:/]|^gitlab\.com[:/]|^bitbucket\.org[:/]/i;

/**
 * For an error about a remote resource kustomize could not fetch: "remote resource <url> could not
 * be fetched: <why>", naming the URL (not the local path kustomize made up from it first).
 */
export function remoteResourceError(message: string): string | undefined {
  const urls = [...message.matchAll(/accumulating resources from '([^']+)'/g)]
    .map((m) => m[1]!)
    .filter((u) => REMOTE.test(u));
  const url = urls[urls.length - 1];
  if (!url) return undefined;
  const why =
    /fatal: ([^\n]+)/.exec(message)?.[1]?.trim() ??
    /(Could not resolve host[^\n']*|no such host|connection refused|timeout[^\n']*)/i.exec(message)?.[1] ??
    message.slice(message.lastIndexOf(': ') + 2).trim();
  return `remote resource ${url} could not be fetched (${why}). kustomize fetches remote bases when it builds, as kustomize-controller does in the cluster; this machine could not reach it.`;
}

/**
 * kustomize's message without the log decoration: kubectl prints it as a klog line
 * (`E1126 13:19:35.909910 11027 run.go:72] "command failed" err="..."`), kustomize as `Error: ...`.
 */
export function cleanKustomizeError(stderr: string): string {
  const klog = stderr.match(/^[EWIF]\d{4} [\d:.]+\s+\d+ [^\]]+\] "command failed" err="((?:[^"\\]|\\.)*)"/);
  if (klog) {
    try {
      return JSON.parse(`"${klog[1]}"`) as string;
    } catch {
      return klog[1]!;
    }
  }
  return stderr.replace(/^Error: /, '');
}

/** Absolute file paths (and ":line" or "line N" next to them) named in a kustomize error. */
export function locationsIn(message: string): Array<{ file: string; line?: number }> {
  const out: Array<{ file: string; line?: number }> = [];
  const seen = new Set<string>();
  for (const m of message.matchAll(/(\/[^\s'":,]+(?:\.ya?ml|\/Kustomization|\/kustomization))(?::(\d+))?/g)) {
    const file = m[1]!;
    const after = message.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 60);
    const line = m[2] ? Number(m[2]) : Number(after.match(/line (\d+)/)?.[1] ?? NaN);
    const key = `${file}:${line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(Number.isFinite(line) ? { file, line } : { file });
  }
  return out;
}
