// Wait until Flux objects are Ready=True, polling the API server directly (cheaper than kubectl,
// which rediscovers the API of every new cluster). Used by up.sh.
//   node wait-ready.mjs <state-dir> <timeout-seconds> <Kind/namespace/name=controller>...
// Prints "[cluster HH:MM:SS] <Kind/ns/name> Ready" as each becomes Ready. On failure prints
// "FAILED <controller> <Kind/ns/name>: <reason>" as its last line and exits 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kube, condition } from './k8s.mjs';

const [state, timeoutArg, ...specs] = process.argv.slice(2);
const env = Object.fromEntries(
  readFileSync(join(state, 'cluster.env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const kube = new Kube({ server: env.KAS_URL, caFile: env.CA_FILE, token: env.ADMIN_TOKEN });
const api = {
  GitRepository: 'source.toolkit.fluxcd.io/v1/gitrepositories',
  HelmRepository: 'source.toolkit.fluxcd.io/v1/helmrepositories',
  HelmChart: 'source.toolkit.fluxcd.io/v1/helmcharts',
  Kustomization: 'kustomize.toolkit.fluxcd.io/v1/kustomizations',
  HelmRelease: 'helm.toolkit.fluxcd.io/v2/helmreleases',
};
const pending = new Map();
for (const spec of specs) {
  const [obj, controller] = spec.split('=');
  const [kind, ns, name] = obj.split('/');
  if (!api[kind]) throw new Error(`unknown kind ${kind}`);
  const [group, version, plural] = api[kind].split('/');
  pending.set(obj, {
    controller,
    path: `/apis/${group}/${version}/namespaces/${ns}/${plural}/${name}`,
    last: 'not created yet',
  });
}
const started = Date.now();
const deadline = started + Number(timeoutArg) * 1000;

function controllerAlive(controller) {
  try {
    process.kill(Number(readFileSync(join(state, 'pids', `${controller}.pid`), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

while (pending.size) {
  for (const [obj, p] of pending) {
    let r;
    try {
      r = await kube.request('GET', p.path);
    } catch (e) {
      p.last = e.message;
      continue;
    }
    if (r.status === 404) {
      p.last = 'not created yet';
      continue;
    }
    if (r.status !== 200) {
      p.last = `HTTP ${r.status}`;
      continue;
    }
    const ready = condition(r.body, 'Ready');
    if (ready?.status === 'True' && r.body.status?.observedGeneration === r.body.metadata.generation) {
      console.log(
        `[cluster ${new Date().toISOString().slice(11, 19)}] ${obj} Ready (waited ${((Date.now() - started) / 1000).toFixed(1)}s)`,
      );
      pending.delete(obj);
    } else {
      p.last = ready ? `Ready=${ready.status} ${ready.reason}: ${ready.message}` : 'no Ready condition yet';
    }
  }
  for (const [obj, p] of pending) {
    if (!controllerAlive(p.controller)) {
      console.log(`FAILED ${p.controller} ${obj}: ${p.controller} exited`);
      process.exit(1);
    }
  }
  if (!pending.size) break;
  if (Date.now() > deadline) {
    const [obj, p] = pending.entries().next().value;
    for (const [o, q] of pending) console.log(`not Ready: ${o}: ${q.last}`);
    console.log(`FAILED ${p.controller} ${obj}: not Ready after ${timeoutArg}s: ${p.last}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}
