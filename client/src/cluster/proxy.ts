// Which proxy a cluster's requests go through: the cluster's `proxy-url` first, else HTTPS_PROXY
// (HTTP_PROXY for an http:// server) unless NO_PROXY excludes the host, with the rules of Go's
// httpproxy package that kubectl uses (loopback hosts are never proxied; NO_PROXY entries match a
// host and its subdomains, ".x" only subdomains, "*" everything, CIDRs and host:port).

import * as net from 'node:net';

/** The proxy URL for a server, or undefined for a direct connection. */
export function proxyFor(
  server: string,
  proxyUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (proxyUrl) return proxyUrl;
  const url = new URL(server);
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const proxy =
    url.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy') : pick('HTTP_PROXY', 'http_proxy');
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (!useProxy(host, port, pick('NO_PROXY', 'no_proxy') ?? '')) return undefined;
  return proxy.includes('://') ? proxy : `http://${proxy}`;
}

/** False when the host must be reached directly. */
export function useProxy(host: string, port: string, noProxy: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return false;
  const ip = net.isIP(h) ? h : undefined;
  if (ip && isLoopback(ip)) return false;
  for (let entry of noProxy.split(',').map((e) => e.trim().toLowerCase())) {
    if (entry === '') continue;
    if (entry === '*') return false;
    if (entry.includes('/') && ip) {
      if (inCidr(ip, entry)) return false;
      continue;
    }
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !net.isIPv6(entry)) {
      entry = m[1]!;
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entryPort && entryPort !== port) continue;
    if (net.isIP(entry)) {
      if (ip && entry === ip) return false;
      continue;
    }
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (h.endsWith(entry)) return false;
    } else if (h === entry || h.endsWith(`.${entry}`)) return false;
  }
  return true;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!base || !Number.isInteger(bits)) return false;
  const list = new net.BlockList();
  try {
    list.addSubnet(base, bits, net.isIPv6(base) ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
  return list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
}
