import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  BuildRequest,
  GitRevisionRequest,
  type BuildParams,
  type BuildResult,
  type GitRevisionParams,
  type GitRevisionResult,
} from '../../server/src/protocol';
import { LspClient, repoRoot } from './client';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'build-basic');
let ws: string;
let client: LspClient;
const uri = (rel: string) => pathToFileURL(path.join(ws, rel)).toString();
const build = (p: Partial<BuildParams> & { uri: string }) =>
  client.conn.sendRequest<BuildResult>(BuildRequest, { trusted: true, ...p } satisfies BuildParams);
const objects = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, any>);

describe('flux/build over LSP (real server over stdio, real kubectl kustomize)', () => {
  before(async () => {
    // A copy in a git repository of its own: the fixture is never written, and HEAD can be diffed.
    ws = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-build-'));
    cpSync(fixture, ws, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', ws, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        stdio: 'pipe',
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'fixture');
    client = new LspClient();
    await client.initialize(ws);
  });
  after(async () => {
    // Let the server finish what the edits above started (diagnostics) before stopping it.
    await client.diagnosticsFor(uri('apps/dev/service.yaml'), 20_000).catch(() => undefined);
    const exited = new Promise((resolve) => client.proc.once('exit', resolve));
    await client.stop();
    await exited;
    rmSync(ws, { recursive: true, force: true });
  });

  it('builds a Flux Kustomization by name and labels the result', async () => {
    const r = await build({ uri: uri('clusters/dev/apps.yaml'), name: 'apps' });
    assert.deepEqual(r.errors, []);
    assert.equal(r.title, 'Kustomization flux-system/apps');
    assert.match(r.engine!, /kustomize v\d+\.\d+/);
    assert.equal(r.objectCount, 5);
    assert.equal(r.generated, true);
    assert.ok(
      r.variables.some(
        (v) => v.name === 'CLUSTER_NAME' && v.value === 'dev' && /spec.postBuild.substitute/.test(v.source),
      ),
    );
    assert.ok(r.variables.some((v) => v.name === 'DOMAIN' && /cluster-vars/.test(v.source)));
    assert.deepEqual(r.unresolved, []);
    assert.ok(r.overlays.some((o) => /namespace: web/.test(o)));
    const deploy = objects(r.yaml).find((o) => o.kind === 'Deployment')!;
    assert.equal(deploy.metadata.name, 'dev-web');
  });

  it('picks the Kustomization at the cursor and reports strict-mode errors with file and line', async () => {
    const text = readFileSync(path.join(ws, 'clusters/dev/apps.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('name: strict'));
    const r = await build({ uri: uri('clusters/dev/apps.yaml'), position: { line, character: 4 } });
    assert.equal(r.ok, false);
    assert.equal(r.title, 'Kustomization flux-system/strict');
    assert.deepEqual([...r.unresolved].sort(), ['MISSING_VAR', 'OTHER_MISSING']);
    assert.ok(
      r.errors.some((e) => e.uri === uri('apps/strict/cm.yaml') && e.line === 6),
      JSON.stringify(r.errors),
    );
  });

  it('builds unsaved editor buffers', async () => {
    const file = path.join(ws, 'apps/dev/service.yaml');
    const edited = readFileSync(file, 'utf8').replace('port: 80', 'port: 8080');
    const docUri = client.open(file, edited);
    const r = await build({ uri: uri('clusters/dev/apps.yaml'), name: 'apps' });
    const svc = objects(r.yaml).find((o) => o.kind === 'Service')!;
    assert.equal(svc.spec.ports[0].port, 8080);
    assert.equal(readFileSync(file, 'utf8').includes('port: 8080'), false);
    assert.equal(docUri, uri('apps/dev/service.yaml'));
  });

  it('builds the files at git HEAD without touching the working tree', async () => {
    const file = path.join(ws, 'apps/dev/sub/config.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('greeting: hello', 'greeting: changed'));
    try {
      const head = await build({ uri: uri('clusters/dev/apps.yaml'), name: 'apps', revision: 'HEAD' });
      const now = await build({ uri: uri('clusters/dev/apps.yaml'), name: 'apps' });
      const greeting = (r: BuildResult) =>
        objects(r.yaml).find((o) => o.metadata.name === 'dev-settings')!.data.greeting;
      assert.equal(head.revision, 'HEAD');
      assert.equal(greeting(head), 'hello');
      assert.equal(greeting(now), 'changed');
      assert.equal(
        execFileSync('git', ['-C', ws, 'status', '--porcelain'], { encoding: 'utf8' }).trim(),
        'M apps/dev/sub/config.yaml',
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  it('builds a plain kustomize folder', async () => {
    const r = await build({ uri: uri('apps/base') });
    assert.deepEqual(r.errors, []);
    assert.equal(r.title, 'kustomize folder apps/base');
    assert.equal(objects(r.yaml)[0]!.metadata.namespace, 'base');
  });

  it('names the HEAD commit to diff with, and says plainly when there is none', async () => {
    const head = execFileSync('git', ['-C', ws, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const ask = (u: string, trusted = true) =>
      client.conn.sendRequest<GitRevisionResult>(GitRevisionRequest, {
        uri: u,
        revision: 'HEAD',
        trusted,
      } satisfies GitRevisionParams);
    assert.deepEqual(await ask(uri('clusters/dev/apps.yaml')), { ok: true, commit: head, root: ws });
    const untrusted = await ask(uri('clusters/dev/apps.yaml'), false);
    assert.equal(untrusted.ok, false);
    assert.equal(!untrusted.ok && untrusted.reason, 'needs a trusted workspace');

    const plain = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-nogit-'));
    try {
      writeFileSync(path.join(plain, 'kustomization.yaml'), 'resources: []\n');
      const file = pathToFileURL(path.join(plain, 'kustomization.yaml')).toString();
      const none = await ask(file);
      assert.equal(!none.ok && none.reason, 'not a Git repository');
      assert.match(
        !none.ok ? none.message : '',
        /^Not a Git repository, so there is no HEAD to compare the build with/,
      );
      execFileSync('git', ['-C', plain, 'init', '-q']);
      const empty = await ask(file);
      assert.equal(!empty.ok && empty.reason, 'no commits yet');
      assert.match(!empty.ok ? empty.message : '', /^No commits yet, so there is no HEAD/);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('runs nothing in an untrusted workspace and says why', async () => {
    const r = await build({ uri: uri('clusters/dev/apps.yaml'), name: 'apps', trusted: false });
    assert.equal(r.ok, false);
    assert.match(r.errors[0]!.message, /Restricted Mode/);
    assert.equal(r.engine, undefined);
  });
});
