// The pure view models of the Flux tree views (client/src/views/*/): what each node shows, and
// which nodes a batch of engine changes refreshes (single nodes, not whole trees).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClustersModel } from '../../client/src/views/clusters/clustersModel';
import type { Node, ObjectNode } from '../../client/src/views/shared/nodes';
import { sourcesModel } from '../../client/src/views/sources/kindsModel';
import { statusBarText } from '../../client/src/views/shared/summary';
import { WorkloadsModel } from '../../client/src/views/workloads/workloadsModel';
import { failed, FakeSession, gitRepo, ks, viewState } from './views-fixtures';

/** Renders the whole tree as VS Code would (children, then each item), as indented lines. */
function render(
  model: {
    children(n?: Node): Node[];
    item(n: Node): { label: string; description?: string; icon?: { id: string }; collapsible: string };
  },
  node?: Node,
  depth = 0,
  out: string[] = [],
): string[] {
  for (const c of model.children(node)) {
    const it = model.item(c);
    out.push(
      `${'  '.repeat(depth)}${it.label}${it.description ? ` | ${it.description}` : ''}${it.icon ? ` [${it.icon.id}]` : ''}`,
    );
    if (it.collapsible === 'expanded') render(model, c, depth + 1, out);
  }
  return out;
}

const session = () =>
  new FakeSession('admin', [
    gitRepo('flux-repo'),
    ks('apps'),
    ks('infrastructure'),
    ks('team-a-apps', 'team-a'),
  ]);

describe('Workloads view model', () => {
  it('groups Kustomizations by the namespaces of the cached objects, each with state, revision, age and next run', () => {
    const m = new WorkloadsModel(viewState([session()]));
    assert.deepEqual(render(m), [
      'flux-system | 2 [folder]',
      '  apps | ks · main@sha1:01234567 · 3m ago · next in ~7m [pass]',
      '  infrastructure | ks · main@sha1:01234567 · 3m ago · next in ~7m [pass]',
      'team-a | 1 [folder]',
      '  team-a-apps | ks · main@sha1:01234567 · 3m ago · next in ~7m [pass]',
    ]);
  });

  it('a failed object says so, counts in its group, and shows the message, source and sections as children', () => {
    const s = session();
    s.put(failed(ks('apps')));
    const m = new WorkloadsModel(viewState([s]));
    const lines = render(m);
    assert.equal(lines[0], 'flux-system | 2 · 1 failing [folder-opened]');
    assert.match(
      lines[1]!,
      /^ {2}apps \| ks · failed: BuildFailed · main@sha1:01234567 · 60s ago \[error\]$/,
    );
    const apps = m.children(m.children()[0]!)[0]!;
    assert.deepEqual(
      m.children(apps).map((c) => m.item(c).label),
      [
        'kustomize build failed: accumulating resources',
        'GitRepository flux-system/flux-repo',
        'Inventory',
        'History',
      ],
    );
    assert.equal(m.item(m.children(apps)[1]!).icon?.id, 'pass', 'the source shows its own live state');
  });

  it('a status change refreshes that one node only; a change of counts also its group', () => {
    const s = session();
    const m = new WorkloadsModel(viewState([s]));
    render(m);
    const change = s.put(
      ks('apps', 'flux-system', {
        metadata: { name: 'apps', namespace: 'flux-system', generation: 1, annotations: { a: 'b' } },
      }),
    );
    assert.deepEqual(
      m.changed([change])!.map((n) => n.id),
      ['fluxWorkbench.workloads|admin|Kustomization|flux-system/apps'],
    );
    const failing = s.put(failed(ks('apps')));
    assert.deepEqual(
      m
        .changed([failing])!
        .map((n) => n.id)
        .sort(),
      [
        'fluxWorkbench.workloads|admin|Kustomization|flux-system/apps',
        'fluxWorkbench.workloads|admin|ns:flux-system',
      ],
    );
  });

  it('an object added to a rendered namespace refreshes that group; a new namespace refreshes the root', () => {
    const s = session();
    const m = new WorkloadsModel(viewState([s]));
    render(m);
    assert.deepEqual(
      m.changed([s.put(ks('more'))])!.map((n) => n.id),
      ['fluxWorkbench.workloads|admin|ns:flux-system'],
    );
    render(m); // as VS Code does after a refresh
    assert.equal(
      m.changed([s.put(ks('x', 'new-ns'))]),
      undefined,
      'root refresh (the single context is the root)',
    );
    render(m);
    assert.deepEqual(
      m.changed([s.remove('Kustomization', 'flux-system', 'more')])!.map((n) => n.id),
      ['fluxWorkbench.workloads|admin|ns:flux-system'],
    );
  });

  it('the same node object comes back on every call (VS Code refreshes elements by identity)', () => {
    const m = new WorkloadsModel(viewState([session()]));
    const a = m.children(m.children()[0]!)[0];
    const b = m.children(m.children()[0]!)[0];
    assert.equal(a, b);
  });

  it('the failing-only filter hides healthy objects and empty groups; a state change moves an object in or out', () => {
    const s = session();
    const state = viewState([s], { filter: { failingOnly: true } });
    const m = new WorkloadsModel(state);
    assert.deepEqual(render(m), ['nothing matches the filter [info]']);
    assert.equal(m.changed([s.put(failed(ks('apps')))]), undefined, 'the group appears: root refresh');
    assert.deepEqual(render(m), [
      'flux-system | 1 of 2 · 1 failing [folder-opened]',
      '  apps | ks · failed: BuildFailed · main@sha1:01234567 · 60s ago [error]',
    ]);
    assert.deepEqual(
      m
        .changed([s.put(ks('apps'))])!
        .map((n) => n.id)
        .sort(),
      [
        'fluxWorkbench.workloads|admin|Kustomization|flux-system/apps',
        'fluxWorkbench.workloads|admin|ns:flux-system',
      ],
    );
  });

  it('objects the user may not patch get the readonly contextValue and say why in the tooltip', () => {
    const m = new WorkloadsModel(viewState([session()], { denied: ['admin kustomizations flux-system'] }));
    render(m);
    const [fs, ta] = m.children();
    const apps = m.children(fs)[0] as ObjectNode;
    assert.equal(m.item(apps).contextValue, 'flux.kustomization.readonly');
    assert.equal(m.item(m.children(ta)[0]!).contextValue, 'flux.kustomization');
    assert.match(
      m.tooltip(apps)!,
      /\*\*Actions unavailable:\*\* you may not patch kustomizations\\\.kustomize\\\.toolkit\\\.fluxcd\\\.io in namespace flux\\-system \\\(RBAC\\\)/,
    );
  });

  it('a context that cannot be reached is a message node with retry; several contexts are the roots', () => {
    const down = new FakeSession('down');
    down.phase = { phase: 'error', message: 'unreachable: https://10.0.0.1:6443 did not answer within 10 s' };
    const m = new WorkloadsModel(viewState([session(), down]));
    const roots = m.children();
    assert.deepEqual(
      roots.map((r) => m.item(r).label),
      ['admin', 'down'],
    );
    const msg = m.children(roots[1])[0]!;
    assert.equal(m.item(msg).label, 'unreachable: https://10.0.0.1:6443 did not answer within 10 s');
    assert.equal(m.item(msg).contextValue, 'fluxRetry');
    assert.equal(m.item(msg).command?.command, 'fluxWorkbench.retry');
  });
});

describe('Sources view model', () => {
  it('one group per served source kind, "not installed" for the others', () => {
    const m = sourcesModel(viewState([session()]));
    assert.deepEqual(render(m), [
      'GitRepository | 1 [symbol-class]',
      '  flux-system/flux-repo | main@sha1:01234567 · stored 20m ago [pass]',
      'HelmRepository | 0 [symbol-class]',
      'HelmChart | 0 [symbol-class]',
      'not installed: OCIRepository, Bucket, ExternalArtifact, ArtifactGenerator [info]',
    ]);
  });

  it('the first object of an empty kind makes the group a new node (a leaf becomes a folder)', () => {
    const s = session();
    const m = sourcesModel(viewState([s]));
    render(m);
    const chart = { ...gitRepo('c'), apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmChart' };
    assert.equal(m.changed([s.put(chart)]), undefined);
    assert.ok(m.children().some((n) => n.id === 'fluxWorkbench.sources|admin|kind:HelmChart'));
  });
});

describe('Clusters view model', () => {
  it('the context with its Flux version and counts, the version, server, controllers and kinds', () => {
    const m = new ClustersModel(viewState([session()]));
    const [ctx] = m.children();
    assert.equal(m.item(ctx!).description, 'Flux v2.9.4 · 4 ready · 0 failing · 0 in progress · 0 suspended');
    assert.deepEqual(
      m.children(ctx).map((n) => `${m.item(n).label} | ${m.item(n).description}`),
      [
        'Flux v2.9.4 | namespace flux-system',
        'Server | https://127.0.0.1:6443',
        'Controllers | 1 running',
        'Kinds | 5 served',
      ],
    );
  });

  it('in Restricted Mode a context that needs an exec plugin says so, as a warning, not a cluster error', () => {
    const exec = new FakeSession('exec-user');
    Object.assign(exec.context, {
      user: { name: 'exec', file: '/kubeconfig', body: { exec: { command: 'x' } } },
    });
    exec.phase = { phase: 'error', message: 'exec credential plugins run only in a trusted workspace' };
    const untrusted = { ...viewState([exec]), trusted: false };
    const m = new ClustersModel(untrusted);
    assert.deepEqual(render(m), [
      'exec-user | Restricted Mode: not connected [workspace-untrusted]',
      '  Restricted Mode: the exec credential plugin of exec-user is not run [warning]',
      '  Server | https://127.0.0.1:6443 [globe]',
    ]);
    // The status bar does not call it a failing cluster either.
    assert.match(statusBarText([exec], false).text, /^\$\(workspace-untrusted\) exec-user /);
    assert.match(statusBarText([exec], true).text, /^\$\(error\) exec-user /);
    // Trusted, the same failure is the cluster's error, with retry.
    const trusted = new ClustersModel(viewState([exec]));
    assert.deepEqual(render(trusted).slice(0, 2), [
      'exec-user | error [error]',
      '  exec credential plugins run only in a trusted workspace [error]',
    ]);
  });

  it('an object change refreshes the context only when its counts change', () => {
    const s = session();
    const m = new ClustersModel(viewState([s]));
    render(m);
    assert.deepEqual(m.changed([s.put(ks('apps'))]), []);
    assert.deepEqual(
      m.changed([s.put(failed(ks('apps')))])!.map((n) => n.id),
      ['ctx:admin'],
    );
  });
});
