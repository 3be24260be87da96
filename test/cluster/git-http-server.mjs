// Loopback-only HTTP server for the test cluster:
//   /git/<repo>.git/...  -> Git smart HTTP (clone, fetch and push) through `git http-backend` (CGI)
//   /charts/...          -> static files (a Helm repository: index.yaml and chart .tgz files)
// Usage: node git-http-server.mjs <port> <git-project-root> <charts-dir>
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';

const [port, gitRoot, chartsDir] = process.argv.slice(2);
if (!port || !gitRoot || !chartsDir) {
  console.error('usage: node git-http-server.mjs <port> <git-project-root> <charts-dir>');
  process.exit(2);
}

function log(...args) {
  console.log(new Date().toISOString(), ...args);
}

function serveGit(req, res, pathInfo, query) {
  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: resolve(gitRoot),
    GIT_HTTP_EXPORT_ALL: '1',
    // Unauthenticated push is allowed on purpose (loopback test server); receive-pack also
    // needs http.receivepack=true in the repository config.
    REMOTE_USER: 'test',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: pathInfo,
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    CONTENT_LENGTH: req.headers['content-length'] ?? '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
    HTTP_GIT_PROTOCOL: req.headers['git-protocol'] ?? '',
  };
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => {});
  let buf = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    buf = Buffer.concat([buf, chunk]);
    let sep = buf.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (sep < 0) {
      sep = buf.indexOf('\n\n');
      sepLen = 2;
    }
    if (sep < 0) return;
    const head = buf.subarray(0, sep).toString('latin1');
    const rest = buf.subarray(sep + sepLen);
    let status = 200;
    for (const line of head.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10) || 200;
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    headersDone = true;
    if (rest.length) res.write(rest);
  });
  let stderr = '';
  cgi.stderr.on('data', (d) => (stderr += d));
  cgi.on('close', (code) => {
    if (!headersDone) {
      res.writeHead(500);
    }
    res.end();
    log(req.method, req.url, 'git http-backend exit', code, stderr.trim());
  });
}

function serveStatic(req, res, rel) {
  const root = resolve(chartsDir);
  const file = normalize(join(root, rel));
  if (!file.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  let st;
  try {
    st = statSync(file);
  } catch {
    res.writeHead(404).end('not found\n');
    log(req.method, req.url, 404);
    return;
  }
  if (!st.isFile()) {
    res.writeHead(404).end('not found\n');
    return;
  }
  const type = file.endsWith('.yaml')
    ? 'text/yaml'
    : file.endsWith('.tgz')
      ? 'application/gzip'
      : 'application/octet-stream';
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': st.size });
  if (req.method === 'HEAD') {
    res.end();
  } else {
    createReadStream(file).pipe(res);
  }
  log(req.method, req.url, 200);
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = decodeURIComponent(url.pathname);
  if (path === '/healthz') {
    res.writeHead(200).end('ok\n');
  } else if (path.startsWith('/git/')) {
    serveGit(req, res, path.slice('/git'.length), url.search.replace(/^\?/, ''));
  } else if (path.startsWith('/charts/')) {
    serveStatic(req, res, path.slice('/charts/'.length));
  } else {
    res.writeHead(404).end('not found\n');
  }
});
server.listen(Number(port), '127.0.0.1', () => log(`listening on http://127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
