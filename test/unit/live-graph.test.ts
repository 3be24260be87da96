// The dependsOn graph model (client/src/live/graph.ts) and its drawing (graphLayout.ts): nodes and
// edges from the read side of a context's cache (objects as the API server returns them, states
// from the engine's status rules), from the language server's workspace answer, and "why blocked".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKind } from '../../client/src/cluster/kinds';
import type { KubeObject } from '../../client/src/cluster/object';
import type { CachedObject } from '../../client/src/cluster/session';
import { fluxStatus } from '../../client/src/cluster/status';
import { clusterGraph, whyBlocked, workspaceGraph } from '../../client/src/live/graph';
import {
  NODE_WIDTH,
  drawGraph,
  fitText,
  stateClass,
  stateCounts,
  textWidth,
} from '../../client/src/live/graphLayout';
import { lineage, namespaceGraph, namespacesOf, searchNodes } from '../../client/src/live/graphQuery';
// @ts-expect-error: a plain ES module of the test fixtures, without types
import { fleet } from '../fixtures/fleet.mjs';

type Cond = { type: string; status: string; reason: string; message?: string };

function obj(
  kind: string,
  ns: string,
  name: string,
  spec: Record<string, unknown>,
  conds: Cond[] = [],
): KubeObject {
  return {
    apiVersion: kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io/v2' : 'kustomize.toolkit.fluxcd.io/v1',
    kind,
    metadata: { namespace: ns, name, generation: 1 },
    spec,
    status: {
      observedGeneration: 1,
      conditions: conds.map((c) => ({ lastTransitionTime: '2026-12-01T00:00:00Z', ...c })),
    },
  } as KubeObject;
}

/** The read side of a session over fixed objects (what ContextSession.list/get return for them). */
function readSide(objs: KubeObject[]) {
  const cached: CachedObject[] = objs.map((o) => {
    const k = findKind(o.kind!)!;
    return {
      context: 'kind-test',
      kind: { ...k, version: k.versions[0]!, servedVersions: [k.versions[0]!], namespaced: true },
      obj: o,
      status: fluxStatus(o),
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
    };
  });
  return {
    name: 'kind-test',
    list: (f: { kind?: { kind: string; group: string } } = {}) =>
      cached.filter((c) => !f.kind || (c.kind.kind === f.kind.kind && c.kind.group === f.kind.group)),
    get: (k: { kind: string; group: string }, ns: string, name: string) =>
      cached.find(
        (c) => c.kind.kind === k.kind && c.kind.group === k.group && c.namespace === ns && c.name === name,
      ),
  };
}

const ready: Cond[] = [
  {
    type: 'Ready',
    status: 'True',
    reason: 'ReconciliationSucceeded',
    message: 'Applied revision: main@sha1:0123456789abcdef',
  },
];
const failed: Cond[] = [
  { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed: missing file' },
];
const waiting = (on: string): Cond[] => [
  {
    type: 'Ready',
    status: 'False',
    reason: 'DependencyNotReady',
    message: `dependency '${on}' is not ready`,
  },
];
const src = { kind: 'GitRepository', name: 'flux-system' };

describe('dependsOn graph from the cluster cache', () => {
  const objs = [
    obj('Kustomization', 'flux-system', 'infra', { sourceRef: src }, failed),
    obj(
      'Kustomization',
      'flux-system',
      'config',
      { sourceRef: src, dependsOn: [{ name: 'infra' }] },
      waiting('flux-system/infra'),
    ),
    obj(
      'Kustomization',
      'flux-system',
      'apps',
      { sourceRef: src, dependsOn: [{ name: 'config' }, { name: 'base' }] },
      waiting('flux-system/config'),
    ),
    obj('Kustomization', 'flux-system', 'base', { sourceRef: src }, ready),
    obj(
      'HelmRelease',
      'apps',
      'podinfo',
      {
        chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } },
        dependsOn: [{ name: 'ghost', namespace: 'x' }],
      },
      ready,
    ),
  ];
  const model = clusterGraph(readSide(objs));

  it('has a node per workload and per source named, missing ones said so', () => {
    const ids = model.nodes.map((n) => n.id).sort();
    assert.deepEqual(ids, [
      'GitRepository/flux-system/flux-system',
      'HelmRelease/apps/podinfo',
      'HelmRelease/x/ghost',
      'HelmRepository/apps/podinfo',
      'Kustomization/flux-system/apps',
      'Kustomization/flux-system/base',
      'Kustomization/flux-system/config',
      'Kustomization/flux-system/infra',
    ]);
    const ghost = model.nodes.find((n) => n.id === 'HelmRelease/x/ghost')!;
    assert.equal(ghost.missing, true);
    assert.equal(ghost.message, 'not found in kind-test');
    const git = model.nodes.find((n) => n.id === 'GitRepository/flux-system/flux-system')!;
    assert.equal(git.role, 'source');
    assert.equal(git.missing, true, 'a source not in the cache is missing, never drawn as Ready');
  });

  it('draws dependsOn edges from the dependency to the waiting object, and source edges', () => {
    const dep = model.edges
      .filter((e) => e.type === 'dependsOn')
      .map((e) => `${e.from} -> ${e.to}`)
      .sort();
    assert.deepEqual(dep, [
      'HelmRelease/x/ghost -> HelmRelease/apps/podinfo',
      'Kustomization/flux-system/base -> Kustomization/flux-system/apps',
      'Kustomization/flux-system/config -> Kustomization/flux-system/apps',
      'Kustomization/flux-system/infra -> Kustomization/flux-system/config',
    ]);
    assert.equal(model.edges.filter((e) => e.type === 'source').length, 5);
  });

  it('says why a waiting object is blocked: the chain to the first one not Ready, with its message', () => {
    const why = model.blocked['Kustomization/flux-system/apps'];
    assert.ok(why);
    assert.deepEqual(why.chain, ['Kustomization/flux-system/config', 'Kustomization/flux-system/infra']);
    assert.equal(why.root, 'Kustomization/flux-system/infra');
    assert.match(why.message, /infra is Failed: kustomize build failed: missing file/);
    assert.equal(model.blocked['Kustomization/flux-system/base'], undefined, 'a Ready object is not blocked');
  });

  it('stops at a cycle and says so', () => {
    const cyc = clusterGraph(
      readSide([
        obj('Kustomization', 'ns', 'a', { sourceRef: src, dependsOn: [{ name: 'b' }] }, waiting('ns/b')),
        obj('Kustomization', 'ns', 'b', { sourceRef: src, dependsOn: [{ name: 'a' }] }, waiting('ns/a')),
      ]),
    );
    const why = whyBlocked(cyc, 'Kustomization/ns/a');
    assert.ok(why);
    assert.match(why.message, /cycle/);
  });

  it('colours nodes by state', () => {
    const cls = (id: string) => stateClass(model.nodes.find((n) => n.id === id)!);
    assert.equal(cls('Kustomization/flux-system/infra'), 'failed');
    assert.equal(cls('Kustomization/flux-system/config'), 'waiting');
    assert.equal(cls('Kustomization/flux-system/base'), 'ready');
    assert.equal(cls('HelmRelease/x/ghost'), 'missing');
  });
});

describe('dependsOn graph from the workspace', () => {
  it('links the objects the server found, marks references it did not', () => {
    const model = workspaceGraph({
      objects: [
        {
          kind: 'Kustomization',
          namespace: 'flux-system',
          name: 'apps',
          uri: 'file:///ws/apps.yaml',
          line: 3,
          dependsOn: [{ kind: 'Kustomization', namespace: 'flux-system', name: 'infra' }],
          sources: [{ kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' }],
        },
      ],
    });
    assert.equal(model.origin, 'workspace');
    const infra = model.nodes.find((n) => n.id === 'Kustomization/flux-system/infra')!;
    assert.equal(infra.missing, true);
    assert.equal(infra.message, 'not defined in the workspace');
    const apps = model.nodes.find((n) => n.id === 'Kustomization/flux-system/apps')!;
    assert.equal(apps.state, undefined, 'no live state without a cluster');
    assert.equal(apps.line, 3);
    assert.equal(stateClass(apps), 'nostate');
  });
});

describe('graph drawing', () => {
  it('places every node and edge, dependencies left of what waits on them, text escaped', () => {
    const model = workspaceGraph({
      objects: [
        {
          kind: 'Kustomization',
          namespace: 'ns',
          name: 'a<b>&"',
          uri: 'file:///x',
          line: 0,
          dependsOn: [],
          sources: [],
        },
        {
          kind: 'Kustomization',
          namespace: 'ns',
          name: 'c',
          uri: 'file:///x',
          line: 9,
          dependsOn: [{ kind: 'Kustomization', namespace: 'ns', name: 'a<b>&"' }],
          sources: [],
        },
      ],
    });
    const d = drawGraph(model);
    assert.equal((d.svg.match(/<g class="node/g) ?? []).length, 2);
    assert.equal((d.svg.match(/<path class="edge/g) ?? []).length, 1);
    assert.ok(!d.svg.includes('a<b>'), 'names are escaped');
    const x = (id: string) =>
      Number(new RegExp(`data-id="${id}"[^>]*translate\\(([\\d.]+),`).exec(d.svg)?.[1]);
    assert.ok(x('Kustomization/ns/a&#60;b&#62;&#38;&#34;') < x('Kustomization/ns/c'));
  });

  it('draws 300 nodes with their edges', () => {
    const objects = Array.from({ length: 300 }, (_, i) => ({
      kind: 'Kustomization',
      namespace: 'ns',
      name: `k${i}`,
      uri: 'file:///x',
      line: i,
      dependsOn: i ? [{ kind: 'Kustomization', namespace: 'ns', name: `k${Math.floor((i - 1) / 3)}` }] : [],
      sources: [{ kind: 'GitRepository', namespace: 'ns', name: `repo${i % 5}` }],
    }));
    const d = drawGraph(workspaceGraph({ objects }));
    assert.equal((d.svg.match(/<g class="node/g) ?? []).length, 305);
    assert.equal(d.sourceEdges, false, '300 source edges are left out by default');
    assert.equal((d.svg.match(/<path class="edge/g) ?? []).length, 299);
    assert.equal(
      (d.svg.match(/<text class="source"[^>]*>from repo\d<\/text>/g) ?? []).length,
      300,
      'each object names its source',
    );
    assert.ok(d.width > 0 && d.height > 0);
    const small = drawGraph(workspaceGraph({ objects: objects.slice(0, 20) }));
    assert.equal(small.sourceEdges, true);
    assert.equal((small.svg.match(/<path class="edge dependsOn/g) ?? []).length, 19);
    assert.equal((small.svg.match(/<path class="edge source/g) ?? []).length, 20);
  });
});

/** The generated fleet (test/fixtures/fleet.mjs) as a cluster's objects: failing ones and their dependents waiting. */
function fleetModel() {
  type FleetObject = {
    kind: string;
    namespace: string;
    name: string;
    spec: Record<string, unknown>;
    fails?: boolean;
    suspend?: boolean;
  };
  const all = fleet() as FleetObject[];
  const failing = new Set(all.filter((o) => o.fails).map((o) => `${o.namespace}/${o.name}`));
  const objs = all.map((o) => {
    const dep = ((o.spec['dependsOn'] as Array<{ name: string; namespace?: string }> | undefined) ?? []).find(
      (d) => failing.has(`${d.namespace ?? o.namespace}/${d.name}`),
    );
    const conds = o.fails ? failed : dep ? waiting(`${dep.namespace ?? o.namespace}/${dep.name}`) : ready;
    const k = obj(o.kind, o.namespace, o.name, { ...o.spec, ...(o.suspend ? { suspend: true } : {}) }, conds);
    if (!['Kustomization', 'HelmRelease'].includes(o.kind)) k.apiVersion = 'source.toolkit.fluxcd.io/v1';
    return k;
  });
  return clusterGraph(readSide(objs));
}

describe('the dependency graph at 300 nodes (a generated fleet in 17 namespaces)', () => {
  const model = fleetModel();
  const drawn = drawGraph(model);

  it('draws all 300 nodes, no two boxes overlapping', () => {
    assert.equal(model.nodes.length, 300);
    assert.equal(drawn.boxes.length, 300);
    assert.equal(model.nodes.filter((n) => n.missing).length, 0, 'the fleet names only objects it has');
    const b = drawn.boxes;
    const overlaps: string[] = [];
    for (let i = 0; i < b.length; i++)
      for (let j = i + 1; j < b.length; j++)
        if (
          b[i]!.x < b[j]!.x + b[j]!.width &&
          b[j]!.x < b[i]!.x + b[i]!.width &&
          b[i]!.y < b[j]!.y + b[j]!.height &&
          b[j]!.y < b[i]!.y + b[i]!.height
        )
          overlaps.push(`${b[i]!.id} x ${b[j]!.id}`);
    assert.deepEqual(overlaps, []);
  });

  it('fits every label in its box, names first, cut with an ellipsis only when too long', () => {
    for (const box of drawn.boxes) {
      assert.equal(box.width, NODE_WIDTH);
      for (const l of box.lines)
        assert.ok(textWidth(l.text, l.px) <= NODE_WIDTH - 20, `${l.text} is wider than its box`);
      const n = model.nodes.find((x) => x.id === box.id)!;
      assert.equal(box.lines[0]!.text, n.name, "the fleet's names are short enough to show whole");
      assert.ok(box.lines[1]!.text.startsWith(n.namespace), 'the second line names the namespace');
    }
    const long = fitText('a-very-long-helmrelease-name-of-a-team-that-likes-long-names', 200, 12);
    assert.ok(long.endsWith('…') && textWidth(long, 12) <= 200);
    assert.equal(fitText('short', 200, 12), 'short');
  });

  it('colours by state: the failing ones and those waiting for them are counted for the legend', () => {
    const counts = stateCounts(model);
    assert.equal(counts['failed'], 3);
    assert.ok((counts['waiting'] ?? 0) >= 10, JSON.stringify(counts));
    assert.equal(counts['suspended'], 1);
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      300,
    );
    assert.match(drawn.svg, /<g class="node workload failed" data-id="HelmRelease\/kafka\/kafka-cluster"/);
  });

  it('finds a node by name, namespace/name and words; the exact name first', () => {
    assert.deepEqual(searchNodes(model, 'checkout/orders-api'), ['HelmRelease/checkout/orders-api']);
    assert.equal(searchNodes(model, 'orders-api').length, 8, 'one per team');
    assert.deepEqual(searchNodes(model, 'POSTGRES  media'), ['HelmRelease/media/postgres']);
    assert.equal(searchNodes(model, 'grafana')[0], 'HelmRelease/monitoring/grafana', 'the exact name first');
    assert.ok(searchNodes(model, 'kustomization team-').length >= 8);
    const search = searchNodes(model, 'search');
    assert.equal(search[0], 'HelmRelease/search/alerts', 'namespace/name starting with the query first');
    assert.equal(search.at(-1), 'Kustomization/flux-system/team-search', 'a match inside a name last');
    assert.deepEqual(searchNodes(model, '   '), []);
    assert.deepEqual(searchNodes(model, 'no-such-thing'), []);
  });

  it("lights a node's chain: everything it waits for and everything that waits for it", () => {
    const l = lineage(model, 'HelmRelease/checkout/orders-api');
    for (const id of [
      'HelmRelease/checkout/postgres',
      'HelmRelease/checkout/gateway',
      'HelmRelease/ingress-nginx/ingress-nginx',
      'HelmRelease/cert-manager/cert-manager',
      'HelmRelease/kube-system/cilium',
      'HelmRepository/flux-system/internal-charts',
    ])
      assert.ok(l.up.includes(id), `${id} upstream`);
    for (const id of [
      'HelmRelease/checkout/orders-worker',
      'HelmRelease/checkout/orders-cron',
      'HelmRelease/checkout/canary',
      'HelmRelease/checkout/e2e-probe',
    ])
      assert.ok(l.down.includes(id), `${id} downstream`);
    assert.ok(
      !l.up.includes('HelmRelease/checkout/ledger-api') &&
        !l.down.includes('HelmRelease/checkout/ledger-api'),
    );
    assert.equal(new Set(l.up).size, l.up.length, 'each once');
    assert.equal(lineage(model, 'Kustomization/flux-system/crds').up.length, 1, 'only its source');
  });

  it('shows one namespace with its neighbours one edge away', () => {
    const ns = namespacesOf(model);
    assert.equal(ns.length, 17);
    assert.equal(ns.find((n) => n.name === 'checkout')?.count, 33);
    const part = namespaceGraph(model, 'checkout');
    assert.equal(part.nodes.filter((n) => n.namespace === 'checkout').length, 33);
    assert.ok(part.nodes.some((n) => n.id === 'Kustomization/flux-system/team-checkout'));
    assert.ok(part.nodes.some((n) => n.id === 'HelmRelease/kafka/kafka-cluster'));
    assert.ok(!part.nodes.some((n) => n.namespace === 'payments'));
    const ids = new Set(part.nodes.map((n) => n.id));
    assert.ok(part.edges.every((e) => ids.has(e.from) && ids.has(e.to)));
    assert.ok(part.nodes.length < 60, `${part.nodes.length} nodes`);
  });
});
