// Exec credential plugins (client.authentication.k8s.io ExecCredential), run by us rather than by
// client-node, whose runner has no single-flight (N concurrent cold requests start N plugins), no
// timeout and a cache keyed by user name (client-node #592). Here: one run at a time per
// (kubeconfig file, context), the credential reused until shortly before its expiry, a timeout,
// and the plugin's stderr in the error. Never logs the credential.

import { spawn } from 'node:child_process';
import { isRecord } from './object';

/** The `exec:` section of a kubeconfig user. */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

/** What a plugin returned. */
export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Epoch ms, when the plugin said. */
  expiresAt?: number;
}

/** Refresh this long before the credential's expiry (client-go refreshes on expiry; a margin avoids 401s). */
export const REFRESH_MARGIN_MS = 60_000;

export function parseExecConfig(v: unknown): ExecConfig | undefined {
  if (!isRecord(v) || typeof v['command'] !== 'string' || v['command'] === '') return undefined;
  return v as unknown as ExecConfig;
}

/** Runs one plugin; resolves its credential or rejects with a message that includes its stderr. */
export function runExecPlugin(
  exec: ExecConfig,
  clusterInfo: Record<string, unknown> | undefined,
  timeoutMs: number,
): Promise<ExecCredential> {
  if (exec.interactiveMode === 'Always')
    return Promise.reject(
      new Error(
        `exec plugin "${exec.command}" needs a terminal (interactiveMode: Always): run it once in a terminal to log in, or use a plugin mode that caches its credential`,
      ),
    );
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of exec.env ?? []) if (e && typeof e.name === 'string') env[e.name] = String(e.value ?? '');
    const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1';
    // We cannot give the plugin a terminal, so say so (client-go sets this for every plugin).
    env['KUBERNETES_EXEC_INFO'] = JSON.stringify({
      apiVersion,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        ...(exec.provideClusterInfo && clusterInfo ? { cluster: clusterInfo } : {}),
      },
    });
    // Its own process group, so a timeout also kills what a wrapper script started.
    const child = spawn(exec.command, exec.args ?? [], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(
        new Error(
          `exec plugin "${exec.command}" did not answer within ${Math.round(timeoutMs / 1000)} s${tail(err)}`,
        ),
      );
    }, timeoutMs);
    timer.unref();
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' && exec.installHint ? `\n${exec.installHint.trim()}` : '';
      reject(new Error(`exec plugin "${exec.command}" could not be started: ${e.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(
            `exec plugin "${exec.command}" failed (${signal ? `signal ${signal}` : `exit ${code}`})${tail(err)}`,
          ),
        );
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(out);
      } catch {
        reject(new Error(`exec plugin "${exec.command}" printed no ExecCredential JSON${tail(err)}`));
        return;
      }
      const status = isRecord(parsed) ? parsed['status'] : undefined;
      if (!isRecord(status)) {
        reject(new Error(`exec plugin "${exec.command}" returned an ExecCredential without status`));
        return;
      }
      const cred: ExecCredential = {};
      if (typeof status['token'] === 'string') cred.token = status['token'];
      if (typeof status['clientCertificateData'] === 'string')
        cred.clientCertificateData = status['clientCertificateData'];
      if (typeof status['clientKeyData'] === 'string') cred.clientKeyData = status['clientKeyData'];
      if (typeof status['expirationTimestamp'] === 'string') {
        const t = Date.parse(status['expirationTimestamp']);
        if (!Number.isNaN(t)) cred.expiresAt = t;
      }
      if (!cred.token && !cred.clientCertificateData) {
        reject(new Error(`exec plugin "${exec.command}" returned neither a token nor a client certificate`));
        return;
      }
      resolve(cred);
    });
  });
}

function tail(stderr: string): string {
  const s = stderr.trim();
  return s ? `: ${s.split('\n').slice(-10).join('\n')}` : '';
}

/**
 * One credential per key, shared: concurrent callers wait on the same plugin run, and the result
 * is reused until REFRESH_MARGIN_MS before it expires. `invalidate` (after a 401) forces a new run.
 */
export class ExecCredentialCache {
  private readonly entries = new Map<string, { cred?: ExecCredential; pending?: Promise<ExecCredential> }>();
  /** How many times a plugin was started, per key (tests read it). */
  readonly runs = new Map<string, number>();

  constructor(
    private readonly run: (
      exec: ExecConfig,
      clusterInfo: Record<string, unknown> | undefined,
    ) => Promise<ExecCredential>,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, exec: ExecConfig, clusterInfo?: Record<string, unknown>): Promise<ExecCredential> {
    const e = this.entries.get(key) ?? {};
    this.entries.set(key, e);
    if (e.cred && (e.cred.expiresAt === undefined || e.cred.expiresAt - REFRESH_MARGIN_MS > this.now()))
      return Promise.resolve(e.cred);
    if (e.pending) return e.pending;
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
    const p = this.run(exec, clusterInfo).then(
      (cred) => {
        e.cred = cred;
        e.pending = undefined;
        return cred;
      },
      (err: unknown) => {
        e.pending = undefined;
        throw err;
      },
    );
    e.pending = p;
    return p;
  }

  invalidate(key: string): void {
    const e = this.entries.get(key);
    if (e) e.cred = undefined;
  }
}
