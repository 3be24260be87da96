// Authentication for one context. TLS material, tokens, token files, basic auth and the legacy
// auth providers (oidc, azure, gcp) come from @kubernetes/client-node's KubeConfig; exec plugins
// are run by exec.ts (single-flight, timeout, stderr). One KubeConfig per context, built from that
// context's own entries, so nothing is ever written back and no state is shared by user name.
//
// Why @kubernetes/client-node 2.0.1 (README "Live cluster engine"): it is the maintained line
// (Kubernetes 1.35 API, where auth fixes land), and every runtime that runs this engine has the
// Node >= 22.19 its undici 8 needs: VS Code's extension host (Node 22/24) and the Node 24 the
// tests use. We take only its kubeconfig model and auth from it; the HTTP loop is ours
// (transport.ts, reflector.ts), because its informer stops on transient errors, asks for no
// bookmarks and has no jitter. On Node 20 (end of life) it does not load; the CLI says so.

import { KubeConfig } from '@kubernetes/client-node';
import { ExecCredentialCache, parseExecConfig, runExecPlugin, type ExecConfig } from './exec';
import type { ContextInfo } from './kubeconfig';

/** TLS options for the connection to the API server. */
export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

/** Options for every context's auth. */
export interface AuthOptions {
  /** Exec plugins may run (false in an untrusted workspace: the kubeconfig names an executable). */
  allowExec: boolean;
  /** Milliseconds before an exec plugin is killed. */
  execTimeoutMs: number;
  /** Shared across contexts; keyed by (file, context). */
  execCache?: ExecCredentialCache;
}

const sharedExecCache = new ExecCredentialCache((exec, info) => runExecPlugin(exec, info, 60_000));

/** The credentials of one context: TLS options (fixed) and headers (refreshable). */
export class ContextAuth {
  readonly tls: TlsOptions;
  private readonly kc: KubeConfig;
  private readonly exec: ExecConfig | undefined;
  private readonly execCache: ExecCredentialCache;
  private cached: { headers: Record<string, string>; at: number } | undefined;
  private execCert: { cert?: string; key?: string } | undefined;

  private constructor(
    readonly context: ContextInfo,
    opts: AuthOptions,
    kc: KubeConfig,
    tls: TlsOptions,
    exec: ExecConfig | undefined,
  ) {
    this.kc = kc;
    this.tls = tls;
    this.exec = exec;
    this.execCache =
      opts.execCache ??
      (opts.execTimeoutMs === 60_000
        ? sharedExecCache
        : new ExecCredentialCache((e, i) => runExecPlugin(e, i, opts.execTimeoutMs)));
  }

  /** Builds the auth of a context; throws an Error with a user-facing message when it cannot. */
  static async create(context: ContextInfo, opts: AuthOptions): Promise<ContextAuth> {
    if (context.problems.length > 0) throw new Error(context.problems.join('; '));
    const userBody = { ...(context.user?.body ?? {}) };
    const exec = parseExecConfig(userBody['exec']);
    delete userBody['exec'];
    if (exec && !opts.allowExec)
      throw new Error(
        `the kubeconfig user of context "${context.name}" runs an exec plugin ("${exec.command}"), which is not run in an untrusted workspace`,
      );
    const kc = new KubeConfig();
    // client-node converts the kubeconfig's own field names (certificate-authority-data, ...).
    kc.loadFromString(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: context.cluster!.body }],
        users: [{ name: 'u', user: userBody }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const probe: Record<string, unknown> & { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(probe as never);
    const tls: TlsOptions = {};
    for (const f of ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'] as const)
      if (probe[f] !== undefined) (tls as Record<string, unknown>)[f] = probe[f];
    const auth = new ContextAuth(context, opts, kc, tls, exec);
    return auth;
  }

  /** True when a 401 may be cured by asking again (exec plugins, token files, auth providers). */
  get refreshable(): boolean {
    const u = this.context.user?.body ?? {};
    return this.exec !== undefined || typeof u['tokenFile'] === 'string' || u['auth-provider'] !== undefined;
  }

  /** Client certificate an exec plugin returned (it replaces the kubeconfig's). */
  async execTls(): Promise<{ cert?: string; key?: string } | undefined> {
    if (!this.exec) return undefined;
    await this.headers();
    return this.execCert;
  }

  /** Request headers (Authorization, Impersonate-User), cached for 60 s. */
  async headers(): Promise<Record<string, string>> {
    if (this.cached && Date.now() - this.cached.at < 60_000 && !this.exec) return this.cached.headers;
    const opts: { headers?: Record<string, string>; auth?: string } = {};
    await this.kc.applyToHTTPSOptions(opts as never);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth) headers['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (this.exec) {
      const cred = await this.execCache.get(this.context.key, this.exec, this.clusterInfo());
      if (cred.token) headers['Authorization'] = `Bearer ${cred.token}`;
      if (cred.clientCertificateData)
        this.execCert = {
          cert: cred.clientCertificateData,
          ...(cred.clientKeyData ? { key: cred.clientKeyData } : {}),
        };
    }
    this.cached = { headers, at: Date.now() };
    return headers;
  }

  /** Forget cached credentials (after a 401): the next request asks the plugin or file again. */
  invalidate(): void {
    this.cached = undefined;
    this.execCache.invalidate(this.context.key);
  }

  /** The cluster section passed to plugins that set provideClusterInfo (KUBERNETES_EXEC_INFO). */
  private clusterInfo(): Record<string, unknown> {
    const b = this.context.cluster?.body ?? {};
    return {
      server: b['server'],
      ...(b['certificate-authority-data']
        ? { 'certificate-authority-data': b['certificate-authority-data'] }
        : {}),
      ...(b['tls-server-name'] ? { 'tls-server-name': b['tls-server-name'] } : {}),
      ...(b['insecure-skip-tls-verify'] ? { 'insecure-skip-tls-verify': true } : {}),
      ...(b['proxy-url'] ? { 'proxy-url': b['proxy-url'] } : {}),
    };
  }

  /** How to fix rejected credentials, for 401 messages. */
  fixHint(): string {
    const file = this.context.user?.file ?? this.context.file;
    if (this.exec)
      return `the exec plugin "${this.exec.command}" gave a credential the server rejects: log in again with it`;
    if (this.context.user?.body['tokenFile'])
      return `the token file ${String(this.context.user.body['tokenFile'])} holds a rejected token`;
    return `the credentials of user "${this.context.user?.name ?? '?'}" in ${file} are expired or revoked: get new ones (log in again) and update that file`;
  }

  /** The cluster proxy-url, if any. */
  get proxyUrl(): string | undefined {
    const v = this.context.cluster?.body['proxy-url'];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }
}
