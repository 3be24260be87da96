import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LspClient } from './client';

// The schema engine's parts that esbuild.mjs rewrites to load on first use (Ajv and its messages,
// only for a schema declaring a `$schema` dialect) and its JSON.parse-first schema parse (comments
// still go to jsonc-parser): a workspace's own schemas named by modelines reach each of them.
describe('language server over stdio: schemas with a $schema dialect, and with comments', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fw-lsp-dialects-'));
    writeFileSync(
      path.join(dir, 'broken.json'),
      JSON.stringify({
        $schema: 'http://json-schema.org/draft-07/schema#',
        properties: { bad: { type: 5 } },
      }),
    );
    writeFileSync(
      path.join(dir, 'commented.json'),
      `// a comment: not JSON, but a schema all the same
{ "$schema": "http://json-schema.org/draft-07/schema#", "properties": { "replicas": { "type": "integer" } } }`,
    );
    client = new LspClient({ initializationOptions: { trusted: true } });
    await client.initialize(dir);
  });
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function diagnosticsOf(name: string, text: string): Promise<string[]> {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const uri = client.open(file, text);
    return (await client.diagnosticsFor(uri, 30_000)).map((d) =>
      typeof d.message === 'string' ? d.message : String(d.message),
    );
  }

  it("a draft-07 schema that breaks its dialect's meta-schema is said to be invalid, with Ajv's reasons", async () => {
    const messages = await diagnosticsOf('a.yaml', '# yaml-language-server: $schema=./broken.json\nbad: 1\n');
    assert.ok(
      messages.some((m) => /is not valid/.test(m) && /must be equal to one of the allowed values/.test(m)),
      messages.join(' | '),
    );
  });

  it('a schema with comments is read and checks the document', async () => {
    const messages = await diagnosticsOf(
      'b.yaml',
      '# yaml-language-server: $schema=./commented.json\nreplicas: many\n',
    );
    assert.ok(
      messages.some((m) => /Incorrect type\. Expected "integer"/.test(m)),
      messages.join(' | '),
    );
  });
});
