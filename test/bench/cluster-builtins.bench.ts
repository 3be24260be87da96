// Benchmark: a shown cluster's built-in schemas (flux/clusterOpenApi) in the real language server over
// stdio. The documents are Kubernetes v1.36.3's (../shared/kubernetes-openapi), the group versions a
// cluster's /openapi/v3 index would list as built-in (client/src/live/clusterReads.ts decides, as the
// extension does). Measures: the conversion on the server's worker thread (its own log line), hover
// latency while it runs (requests must not wait for it), and the server's resident memory before,
// after, and after five more conversions (nothing may pile up). Run alone:
//   node esbuild.mjs --tests && node test/out/bench/cluster-builtins.bench.js
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isBuiltinGroupVersion, openApiNotifications } from '../../client/src/live/clusterReads';
import {
  ClusterOpenApiNotification,
  SchemaStatusNotification,
  type ClusterOpenApiParams,
  type SchemaStatusParams,
} from '../../server/src/protocol';
import { LspClient, repoRoot } from '../lsp/client';

const DIR = path.resolve(repoRoot, '../shared/kubernetes-openapi/v1.36.3');
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

const rssMiB = (pid: number): number =>
  Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main(): Promise<void> {
  const documents: ClusterOpenApiParams['documents'] = readdirSync(DIR)
    .filter((f) => f.endsWith('_openapi.json'))
    .map((f) => ({ path: f.replace(/_openapi\.json$/, '').replaceAll('__', '/'), file: f }))
    // A cluster serves the GA versions by default; alpha and beta ones only when enabled.
    .filter((d) => isBuiltinGroupVersion(d.path, new Set()) && !/\/v\d+(alpha|beta)\d+$/.test(d.path))
    .map((d) => ({ path: d.path, text: readFileSync(path.join(DIR, d.file), 'utf8') }));
  const bytes = documents.reduce((n, d) => n + d.text.length, 0);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-bench-cluster-builtins-'));
  writeFileSync(path.join(dir, 'deploy.yaml'), DEPLOYMENT);
  const client = new LspClient();
  const status = () =>
    client.notifications
      .filter((n) => n.method === SchemaStatusNotification)
      .map((n) => n.params as SchemaStatusParams)
      .at(-1);
  const logLines = () =>
    client.notifications
      .map((n) => (n.params as { message?: string }).message ?? '')
      .filter((m) => m.includes('converted off the request thread'));
  try {
    await client.initialize(dir);
    const uri = client.open(path.join(dir, 'deploy.yaml'), DEPLOYMENT);
    await client.diagnosticsFor(uri, 30_000);
    await client.hover(uri, 5, 4);
    await sleep(2000);
    const before = rssMiB(client.proc.pid!);

    // In parts, each written once the one before it is, as the extension sends them; hovers go
    // between them, as an editor's requests would.
    const send = async (context: string) => {
      for (const part of openApiNotifications(context, 'v1.36.3', documents))
        await client.conn.sendNotification(ClusterOpenApiNotification, part);
    };
    const t0 = performance.now();
    void send('bench');
    // Hovers while the conversion runs: each answer's latency.
    const latencies: number[] = [];
    while (status()?.kubernetes !== 'Kubernetes v1.36.3 from cluster bench') {
      const t = performance.now();
      await client.hover(uri, 5, 4);
      latencies.push(performance.now() - t);
      if (performance.now() - t0 > 60_000) throw new Error('no cluster status within 60 s');
    }
    const switched = performance.now() - t0;
    console.log(
      `slow hovers (index of ${latencies.length}: ms): ${latencies
        .map((l, i) => [i, Math.round(l)])
        .filter(([, l]) => l! > 10)
        .map(([i, l]) => `${i}: ${l}`)
        .join(', ')}`,
    );
    await client.hover(uri, 5, 4);
    const after = rssMiB(client.proc.pid!);
    await sleep(5000);
    const settled = rssMiB(client.proc.pid!);
    for (let i = 0; i < 5; i++) {
      const n = logLines().length;
      void send(`bench-${i}`);
      await client.waitFor(() => (logLines().length > n ? true : undefined), 60_000, `conversion ${i}`);
    }
    await sleep(5000);
    const repeated = rssMiB(client.proc.pid!);
    console.log(
      `documents: ${documents.length} GA built-in group versions of Kubernetes v1.36.3, ${Math.round(bytes / 1024)} KiB`,
    );
    console.log(`server log: ${logLines()[0]}`);
    console.log(
      `notification sent -> status names the cluster: ${Math.round(switched)} ms; conversions of the same set: ${logLines()
        .map((l) => /in (\d+) ms/.exec(l)?.[1])
        .join(', ')} ms`,
    );
    console.log(
      `hover while converting: ${latencies.length} answers, p50 ${pct(latencies, 0.5).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (target max <= 50 ms: ${Math.max(...latencies) <= 50 ? 'met' : 'MISSED'})`,
    );
    console.log(
      `server RSS: ${before} MiB before, ${after} MiB just after, ${settled} MiB 5 s later, ${repeated} MiB after 5 more conversions (6 contexts' schemas kept)`,
    );
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
