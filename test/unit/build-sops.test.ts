import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskSopsSecret, SOPS_MASK } from '../../server/src/build/sops';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('SOPS masking (never decrypted)', () => {
  it('masks every value of a SOPS-encrypted Secret and drops the sops metadata', () => {
    const secret: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: 'ENC[AES256_GCM,data:x,type:str]' },
      stringData: { b: 'ENC[AES256_GCM,data:y,type:str]' },
      sops: { mac: 'ENC[AES256_GCM,data:z]' },
    };
    const text = 'kind: Secret\nsops:\n  mac: ENC[AES256_GCM,data:z]\n';
    assert.equal(maskSopsSecret(secret, text), true);
    assert.equal(secret.sops, undefined);
    assert.deepEqual(secret.data, { a: b64(SOPS_MASK) });
    assert.deepEqual(secret.stringData, { b: SOPS_MASK });
    assert.doesNotMatch(JSON.stringify(secret), /ENC\[/);
  });
  it('masks dockerconfigjson Secrets with a JSON mask', () => {
    const secret: Record<string, unknown> = {
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'ENC[...]' },
    };
    maskSopsSecret(secret, 'sops:\n  mac: ENC[x]\n');
    assert.deepEqual(secret.data, { '.dockerconfigjson': b64(JSON.stringify({ mask: SOPS_MASK })) });
  });
  it('masks single encrypted values inside an otherwise plain Secret', () => {
    const secret: Record<string, unknown> = {
      kind: 'Secret',
      data: { plain: b64('hello'), enc: b64('sops ENC[AES256_GCM,data:x]') },
    };
    assert.equal(maskSopsSecret(secret, 'kind: Secret\n'), true);
    assert.deepEqual(secret.data, { plain: b64('hello'), enc: b64(SOPS_MASK) });
  });
  it('leaves other kinds and plain Secrets alone', () => {
    const cm = { kind: 'ConfigMap', data: { a: 'ENC[x] sops' } };
    assert.equal(maskSopsSecret(cm, 'sops:\n mac: ENC['), false);
    const plain: Record<string, unknown> = { kind: 'Secret', data: { a: b64('x') } };
    assert.equal(maskSopsSecret(plain, 'kind: Secret'), false);
    assert.deepEqual(plain.data, { a: b64('x') });
  });
});
