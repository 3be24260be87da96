// The explorer: the kubeconfig, one live session per shown context, and batched change
// notifications for every consumer (tree views, status bar, CLI, language-server bridge).

import { loadKubeconfig, type ContextInfo, type Kubeconfig } from './kubeconfig';
import { ContextSession, type Change, type SessionOptions } from './session';

export interface ExplorerOptions {
  /** Kubeconfig files to read instead of KUBECONFIG / ~/.kube/config. */
  kubeconfigFiles?: string[];
  /** Environment for KUBECONFIG, HOME, HTTPS_PROXY, NO_PROXY (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Exec credential plugins may run (false in an untrusted workspace). Default true. */
  allowExec?: boolean;
  /** Milliseconds for one request (unreachable clusters fail within this). Default 10 s. */
  requestTimeoutMs?: number;
  /** Milliseconds to gather changes before one notification. Default 50 ms. */
  batchMs?: number;
  /** Seconds an exec plugin may run. Default 60. */
  execTimeoutSeconds?: number;
  /** Namespaces to watch, per context name, when the cluster scope is forbidden. */
  namespaces?: Record<string, string[]>;
  /** Watch only these kinds (kindKey), e.g. for a one-kind CLI command. Default: all. */
  kinds?: readonly string[];
  /** Watch Leases/Deployments (controller liveness) and CRDs (kinds installed later). Default true. */
  watchControllers?: boolean;
  watchCrds?: boolean;
}

/** A batch of changes: at most one entry per (context, what, kind, key). */
export type ChangeBatch = readonly Change[];

export class FluxExplorer {
  kubeconfig: Kubeconfig = { files: [], origin: 'default', contexts: [], problems: [] };
  private readonly sessions = new Map<string, ContextSession>();
  private readonly listeners = new Set<(b: ChangeBatch) => void>();
  private pending = new Map<string, Change>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ExplorerOptions = {}) {}

  /** Reads (or re-reads) the kubeconfig. Sessions of contexts that vanished or changed are stopped. */
  async loadKubeconfig(): Promise<Kubeconfig> {
    this.kubeconfig = await loadKubeconfig({
      ...(this.opts.kubeconfigFiles ? { files: this.opts.kubeconfigFiles } : {}),
      ...(this.opts.env ? { env: this.opts.env, home: this.opts.env['HOME'] } : {}),
    });
    for (const [key, s] of this.sessions) {
      const now = this.kubeconfig.contexts.find((c) => c.key === key);
      if (!now || JSON.stringify(now) !== JSON.stringify(s.context)) {
        this.sessions.delete(key);
        void s.stop();
      }
    }
    this.queue({ context: '', what: 'session' });
    return this.kubeconfig;
  }

  /** Every context of the merged kubeconfig. */
  contexts(): readonly ContextInfo[] {
    return this.kubeconfig.contexts;
  }

  /** The context by name (names are unique after merging). */
  context(name: string): ContextInfo | undefined {
    return this.kubeconfig.contexts.find((c) => c.name === name);
  }

  /**
   * Shows exactly these contexts: starts a session for each new one, stops the others. Resolves
   * when every started session has its first discovery result (or error).
   */
  async show(names: readonly string[]): Promise<void> {
    const wanted = new Set(names);
    for (const [key, s] of this.sessions)
      if (!wanted.has(s.name)) {
        this.sessions.delete(key);
        void s.stop();
      }
    const starts: Promise<void>[] = [];
    for (const name of wanted) {
      const ctx = this.context(name);
      if (!ctx || this.sessions.has(ctx.key)) continue;
      const s = new ContextSession(ctx, this.sessionOptions(ctx), (c) => this.queue(c));
      this.sessions.set(ctx.key, s);
      starts.push(s.start());
    }
    this.queue({ context: '', what: 'session' });
    await Promise.all(starts);
  }

  private sessionOptions(ctx: ContextInfo): SessionOptions {
    const ns = this.opts.namespaces?.[ctx.name];
    return {
      allowExec: this.opts.allowExec ?? true,
      execTimeoutMs: (this.opts.execTimeoutSeconds ?? 60) * 1000,
      requestTimeoutMs: this.opts.requestTimeoutMs ?? 10_000,
      ...(ns ? { namespaces: ns } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      ...(this.opts.kinds ? { kinds: this.opts.kinds } : {}),
      ...(this.opts.watchControllers === false ? { watchControllers: false } : {}),
      ...(this.opts.watchCrds === false ? { watchCrds: false } : {}),
    };
  }

  /** The live sessions, in the order shown. */
  sessionList(): ContextSession[] {
    return [...this.sessions.values()];
  }

  /** The session of a context name, when shown. */
  session(name: string): ContextSession | undefined {
    return [...this.sessions.values()].find((s) => s.name === name);
  }

  /** Called with batches of changes, at most once per batch interval. */
  onDidChange(listener: (b: ChangeBatch) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private queue(c: Change): void {
    const key = `${c.context}\u0000${c.what}\u0000${c.kind ?? ''}\u0000${c.key ?? ''}`;
    this.pending.set(key, mergeChange(this.pending.get(key), c));
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.opts.batchMs ?? 50);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch {
        // A listener's bug must not stop the others; listeners log their own errors.
      }
    }
  }

  async dispose(): Promise<void> {
    clearTimeout(this.timer);
    this.listeners.clear();
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.stop()));
  }
}

/** One entry per object per batch: new in this batch stays ADDED; `from` is the state before the batch. */
function mergeChange(earlier: Change | undefined, c: Change): Change {
  if (!earlier || c.what !== 'object') return c;
  const added = earlier.type === 'ADDED';
  return {
    context: c.context,
    what: c.what,
    ...(c.kind ? { kind: c.kind } : {}),
    ...(c.key ? { key: c.key } : {}),
    ...(c.type ? { type: added && c.type !== 'DELETED' ? 'ADDED' : c.type } : {}),
    ...(!added && earlier.from ? { from: earlier.from } : {}),
    ...(c.to ? { to: c.to } : {}),
  };
}
