// What one Flux object looks like in a tree (pure): description, times named for what they are,
// Markdown-escaped tooltips, durations; and that package.json's menus match the fixed contextValues.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fluxStatus } from '../../client/src/cluster/status';
import { FLUX_KINDS } from '../../client/src/cluster/kinds';
import { menuContextKeys, objectContextValues, OBJECT_ACTIONS } from '../../client/src/views/shared/nodes';
import {
  describe as describeObject,
  lastRun,
  md,
  nextRun,
  shortRevision,
  tooltip,
} from '../../client/src/views/shared/present';
const repoRoot = path.resolve(__dirname, '..', '..', '..');
import { failed, gitRepo, ks, NOW } from './views-fixtures';

const view = (obj: ReturnType<typeof ks>) => {
  const k = FLUX_KINDS.find((f) => f.kind === obj.kind)!;
  return {
    kind: { kind: k.kind, group: k.group, version: 'v1' },
    obj,
    status: fluxStatus(obj),
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
};

describe('revisions', () => {
  it('cuts hashes to 8 characters as flux get does', () => {
    assert.equal(shortRevision('main@sha1:0123456789abcdef0123456789abcdef01234567'), 'main@sha1:01234567');
    assert.equal(shortRevision('latest@sha256:' + 'a'.repeat(64)), 'latest@sha256:aaaaaaaa');
    assert.equal(shortRevision('6.5.0'), '6.5.0');
  });
});

describe('times are named for what they are', () => {
  it('a Kustomization: the last reconcile from status.history, and the next run after its interval', () => {
    const o = view(ks('apps'));
    assert.deepEqual(lastRun(o), {
      time: Date.parse('2026-12-01T11:57:00Z'),
      what: 'reconciled',
      field: 'status.history[0].lastReconciled',
    });
    assert.equal(nextRun(o, lastRun(o)), Date.parse('2026-12-01T12:07:00Z'));
    assert.equal(describeObject(o, NOW), 'main@sha1:01234567 · 3m ago · next in ~7m');
  });

  it('a failing Kustomization: when its last attempt failed (its history is of the last success), no next-run guess', () => {
    const o = view(failed(ks('apps')));
    assert.deepEqual(lastRun(o), {
      time: Date.parse('2026-12-01T11:59:00Z'),
      what: 'attempt',
      field: 'the Ready condition’s lastTransitionTime',
    });
    assert.equal(nextRun(o, lastRun(o)), undefined);
    assert.equal(describeObject(o, NOW), 'failed: BuildFailed · main@sha1:01234567 · 60s ago');
  });

  it('a source: the time its artifact was stored, no guess at the next run', () => {
    const o = view(gitRepo('flux-repo'));
    assert.equal(lastRun(o)?.what, 'stored');
    assert.equal(nextRun(o, lastRun(o)), undefined);
    assert.equal(describeObject(o, NOW), 'main@sha1:01234567 · stored 20m ago');
  });

  it('a suspended object has no next run', () => {
    const o = view(ks('apps', 'flux-system', { spec: { interval: '10m', suspend: true } }));
    assert.equal(nextRun(o, lastRun(o)), undefined);
    assert.match(describeObject(o, NOW), /^suspended · /);
  });
});

describe('tooltips', () => {
  it('escape what the cluster wrote (a message is not Markdown)', () => {
    assert.equal(md('a *b* [c](d) <e> `f`'), 'a \\*b\\* \\[c\\]\\(d\\) \\<e\\> \\`f\\`');
    const t = tooltip(view(failed(ks('apps'), 'bad [link](command:x) **bold**')), NOW);
    assert.ok(!t.includes('[link](command:x)'));
    assert.match(t, /bad \\\[link\\\]\\\(command:x\\\) \\\*\\\*bold\\\*\\\*/);
  });

  it('name conditions, revisions, interval, the last run and the last handled request', () => {
    const o = ks('apps');
    o.status!['lastHandledReconcileAt'] = '2026-12-01T11:56:00.123456789Z';
    const t = tooltip(view(o), NOW);
    for (const want of [
      '**Ready** True',
      'Last applied revision: `main@sha1:',
      'Interval: `10m`, retry interval `1m`',
      'Last reconciled: 3m ago',
      'Next scheduled run: in about 7m',
      'Last handled reconcile request: `2026-12-01T11:56:00.123456789Z`',
    ])
      assert.ok(t.includes(want), `${want} in:\n${t}`);
  });
});

describe('menus (package.json) and contextValues', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const keys = menuContextKeys();

  it('every object action has a context key listing the contextValues that offer it', () => {
    for (const a of OBJECT_ACTIONS) assert.ok(keys[`fluxWorkbench.menu.${a}`]?.length, a);
    const values = new Set(objectContextValues().map((c) => c.value));
    for (const [k, list] of Object.entries(keys))
      for (const v of list) assert.ok(values.has(v) || v.startsWith('flux'), `${k}: ${v}`);
    assert.ok(
      !keys['fluxWorkbench.menu.reconcile']!.includes('flux.kustomization.suspended'),
      'no Reconcile on suspended objects',
    );
    assert.ok(
      keys['fluxWorkbench.menu.resume']!.includes('flux.helmRelease.suspended.readonly'),
      'greyed, not hidden, when forbidden',
    );
  });

  it('every view/item/context entry tests a context key the code sets, for a contributed command', () => {
    for (const e of pkg.contributes.menus['view/item/context'] as { command: string; when: string }[]) {
      assert.ok(contributed.has(e.command), e.command);
      const m = /viewItem in (\S+)/.exec(e.when);
      if (m) assert.ok(keys[m[1]!], `${e.command}: ${m[1]} is never set`);
    }
  });

  it('write actions are disabled on readonly objects (enablement), and every command is under the Flux category', () => {
    for (const c of pkg.contributes.commands as {
      command: string;
      category: string;
      enablement?: string;
    }[]) {
      assert.equal(c.category, 'Flux', c.command);
      const action = c.command.replace('fluxWorkbench.', '');
      if (
        [
          'reconcile',
          'reconcileWithSource',
          'suspend',
          'resume',
          'forceHelmRelease',
          'resetHelmRelease',
        ].includes(action)
      )
        assert.equal(c.enablement, 'viewItem not in fluxWorkbench.menu.readonly', c.command);
    }
  });

  it('every contributed command is registered in the command table', () => {
    const table = [
      'client/src/commands/index.ts',
      'client/src/preview/buildPreview.ts',
      'client/src/editor/register.ts',
    ]
      .map((f) => fs.readFileSync(path.join(repoRoot, f), 'utf8'))
      .join('\n');
    for (const c of contributed) {
      const name = c.replace('fluxWorkbench.', '');
      assert.match(table, new RegExp(`^\\s+${name}:`, 'm'), `${c} is contributed but not registered`);
    }
  });

  it('settings that name an executable or a kubeconfig are restricted in untrusted workspaces', () => {
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.sort(), [
      'fluxWorkbench.explorer.kubeconfig',
      'fluxWorkbench.kustomize.path',
    ]);
  });
});
