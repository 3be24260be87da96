// HTTP to one API server, for one context: a kept-alive undici Agent (HTTP/2 when the server
// offers it, so every watch of the context shares one connection), the context's credentials,
// proxy-url or HTTPS_PROXY/NO_PROXY, a request timeout, and one re-authentication on 401.
// Expected failures (unreachable, HTTP errors) are values, never exceptions.

import { Agent, ProxyAgent, Socks5ProxyAgent, request, type Dispatcher } from 'undici';
import type { ContextAuth } from './auth';
import { proxyFor } from './proxy';

/** The result of one request: an HTTP status (0 when no response came) and the parsed body. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** Retry-After in ms (header, or a Status's details.retryAfterSeconds). */
  retryAfterMs?: number;
  /** A one-line description of what went wrong (network error, Status message). */
  error?: string;
}

/** An open watch (or any streaming GET): lines of the body, or a failed response. */
export interface ApiStream {
  status: number;
  lines?: AsyncIterable<string>;
  response?: ApiResponse;
}

export interface TransportOptions {
  /** Milliseconds to wait for response headers (and for a whole non-streaming body). */
  requestTimeoutMs: number;
  userAgent?: string;
  env?: NodeJS.ProcessEnv;
}

export class Transport {
  private dispatcher: Dispatcher | undefined;
  private dispatcherCert: string | undefined;
  /** How many requests were sent (tests and benchmarks read it). */
  requestCount = 0;
  /** The last 200 requests: verb, path without query, time. */
  readonly sent: { method: string; path: string; at: number }[] = [];

  constructor(
    readonly server: string,
    readonly auth: ContextAuth,
    private readonly opts: TransportOptions,
  ) {}

  private async getDispatcher(): Promise<Dispatcher> {
    const execTls = await this.auth.execTls();
    if (this.dispatcher && this.dispatcherCert === execTls?.cert) return this.dispatcher;
    void this.dispatcher?.close().catch(() => undefined);
    const tls = { ...this.auth.tls, ...(execTls ?? {}) };
    const proxy = proxyFor(this.server, this.auth.proxyUrl, this.opts.env);
    const common = {
      keepAliveTimeout: 30_000,
      // Watches are long-lived; their silence is policed by the reflector's own timer.
      bodyTimeout: 0,
      headersTimeout: this.opts.requestTimeoutMs,
      connections: 8,
      allowH2: true,
    };
    if (proxy?.startsWith('socks'))
      this.dispatcher = new Socks5ProxyAgent(proxy, { ...common, requestTls: tls });
    else if (proxy) this.dispatcher = new ProxyAgent({ ...common, uri: proxy, requestTls: tls });
    else
      this.dispatcher = new Agent({
        ...common,
        connect: {
          ...tls,
          timeout: this.opts.requestTimeoutMs,
          keepAlive: true,
          keepAliveInitialDelay: 30_000,
        },
      });
    this.dispatcherCert = execTls?.cert;
    return this.dispatcher;
  }

  private async send(
    method: string,
    path: string,
    init: { body?: string; contentType?: string; accept?: string; signal?: AbortSignal; stream?: boolean },
  ): Promise<Dispatcher.ResponseData | { error: string }> {
    let authHeaders: Record<string, string>;
    try {
      authHeaders = await this.auth.headers();
    } catch (err) {
      return { error: (err as Error).message };
    }
    const signals = [
      init.signal,
      init.stream ? undefined : AbortSignal.timeout(this.opts.requestTimeoutMs),
    ].filter((s): s is AbortSignal => s !== undefined);
    this.requestCount++;
    this.sent.push({ method, path: path.split('?')[0]!, at: Date.now() });
    if (this.sent.length > 200) this.sent.splice(0, this.sent.length - 200);
    try {
      return await request(new URL(path, this.server), {
        method: method as Dispatcher.HttpMethod,
        dispatcher: await this.getDispatcher(),
        headers: {
          ...authHeaders,
          Accept: init.accept ?? 'application/json',
          'User-Agent': this.opts.userAgent ?? 'flux-workbench',
          ...(init.body !== undefined ? { 'Content-Type': init.contentType ?? 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(signals.length ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
      });
    } catch (err) {
      return { error: describeNetworkError(err, this.server, this.opts.requestTimeoutMs) };
    }
  }

  /**
   * A request with a JSON (or no) body; 401 re-authenticates once when the credential can be refreshed.
   * `text`: a successful response's body is the text as received, not parsed (for a caller that
   * passes large documents on without reading them).
   */
  async request<T = unknown>(
    method: string,
    path: string,
    init: {
      body?: unknown;
      contentType?: string;
      accept?: string;
      signal?: AbortSignal;
      text?: boolean;
    } = {},
  ): Promise<ApiResponse<T>> {
    const body =
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body);
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, path, { ...init, body });
      if ('error' in res) return { status: 0, body: undefined as T, error: res.error };
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        return {
          status: 0,
          body: undefined as T,
          error: describeNetworkError(err, this.server, this.opts.requestTimeoutMs),
        };
      }
      if (res.statusCode === 401 && attempt === 0 && this.auth.refreshable) {
        this.auth.invalidate();
        continue;
      }
      if (init.text && res.statusCode < 400) return { status: res.statusCode, body: text as T };
      return toResponse<T>(res.statusCode, res.headers, text, this);
    }
  }

  /** A streaming GET (watch): the body's lines as they arrive. Abort `signal` to close it. */
  async stream(path: string, signal: AbortSignal, accept?: string): Promise<ApiStream> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.send('GET', path, { signal, stream: true, ...(accept ? { accept } : {}) });
      if ('error' in res) return { status: 0, response: { status: 0, body: undefined, error: res.error } };
      if (res.statusCode !== 200) {
        const text = await res.body.text().catch(() => '');
        if (res.statusCode === 401 && attempt === 0 && this.auth.refreshable) {
          this.auth.invalidate();
          continue;
        }
        return { status: res.statusCode, response: toResponse(res.statusCode, res.headers, text, this) };
      }
      return { status: 200, lines: splitLines(res.body) };
    }
  }

  async close(): Promise<void> {
    const d = this.dispatcher;
    this.dispatcher = undefined;
    await d?.destroy().catch(() => undefined);
  }
}

async function* splitLines(body: AsyncIterable<Buffer | string>): AsyncIterable<string> {
  let buf = '';
  for await (const chunk of body) {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim() !== '') yield line;
    }
  }
  if (buf.trim() !== '') yield buf;
}

function toResponse<T>(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  t: Transport,
): ApiResponse<T> {
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text.
  }
  const out: ApiResponse<T> = { status, body: body as T };
  const ra = headers['retry-after'];
  const raText = Array.isArray(ra) ? ra[0] : ra;
  const details = (body as { details?: { retryAfterSeconds?: number } } | undefined)?.details;
  if (raText && /^\d+$/.test(raText)) out.retryAfterMs = Number(raText) * 1000;
  else if (raText && !Number.isNaN(Date.parse(raText)))
    out.retryAfterMs = Math.max(0, Date.parse(raText) - Date.now());
  else if (typeof details?.retryAfterSeconds === 'number')
    out.retryAfterMs = details.retryAfterSeconds * 1000;
  if (status >= 400) {
    const msg = (body as { message?: unknown } | undefined)?.message;
    out.error = typeof msg === 'string' ? msg : `HTTP ${status}`;
    if (status === 401) out.error = `credentials rejected (401 Unauthorized): ${t.auth.fixHint()}`;
  }
  return out;
}

function describeNetworkError(err: unknown, server: string, timeoutMs: number): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return `unreachable: ${server} did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
  if (e.name === 'AbortError') return 'cancelled';
  const code = e.code ?? e.cause?.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  return `unreachable: ${server}: ${code && !msg.includes(code) ? `${code} ` : ''}${msg}`;
}
