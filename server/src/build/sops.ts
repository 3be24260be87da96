import { isObject } from '../flux/jsonSchema';

/**
 * SOPS masking as `flux build` does it (flux2 internal/build `maskSopsData`): encrypted values are
 * never decrypted; they are replaced by `**SOPS**` (base64-encoded in `data`, a JSON object for
 * dockerconfigjson Secrets) and the `sops` metadata is dropped.
 */
export const SOPS_MASK = '**SOPS**';
const MASK_B64 = Buffer.from(SOPS_MASK).toString('base64');
const DOCKER_MASK = JSON.stringify({ mask: SOPS_MASK });

/** True if the text looks SOPS-encrypted (a value with `ENC[` and SOPS metadata). */
export function looksSopsEncrypted(text: string): boolean {
  return text.includes('sops') && text.includes('ENC[');
}

/**
 * Masks a Secret in place; other kinds are left alone. Returns true when something was masked.
 * `text` is the object's YAML, used for the "whole object is encrypted" test Flux makes.
 */
export function maskSopsSecret(obj: Record<string, unknown>, text: string): boolean {
  if (obj.kind !== 'Secret') return false;
  const data = isObject(obj.data) ? (obj.data as Record<string, unknown>) : {};
  const stringData = isObject(obj.stringData) ? (obj.stringData as Record<string, unknown>) : undefined;
  let masked = false;
  if (text.includes('sops:') && text.includes('mac: ENC[')) {
    delete obj.sops;
    masked = true;
    const docker = (obj.type ?? 'Opaque') === 'kubernetes.io/dockerconfigjson';
    for (const k of Object.keys(data))
      data[k] = docker ? Buffer.from(DOCKER_MASK).toString('base64') : MASK_B64;
    if (stringData) for (const k of Object.keys(stringData)) stringData[k] = docker ? DOCKER_MASK : SOPS_MASK;
  } else {
    for (const [k, v] of Object.entries(data)) {
      const decoded = Buffer.from(String(v ?? ''), 'base64').toString('latin1');
      if (looksSopsEncrypted(decoded)) {
        data[k] = MASK_B64;
        masked = true;
      }
    }
    if (stringData) {
      for (const [k, v] of Object.entries(stringData)) {
        if (looksSopsEncrypted(String(v ?? ''))) {
          // Flux writes the base64 form here too; kept identical so previews match `flux build`.
          stringData[k] = MASK_B64;
          masked = true;
        }
      }
    }
  }
  // Flux rewrites the data map of every Secret; an empty one disappears.
  if (Object.keys(data).length === 0) delete obj.data;
  else obj.data = data;
  return masked;
}
