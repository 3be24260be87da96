import { formatBytes } from '../flux/complexity';
import { maxNesting } from '../flux/pieces';

/** Cheap checks made before any parsing, so hostile input is refused in linear time. */
export interface TextLimits {
  maxFileBytes: number;
  maxNesting: number;
}

export const DEFAULT_LIMITS: TextLimits = { maxFileBytes: 2 * 1024 * 1024, maxNesting: 200 };

export type GuardVerdict =
  | { ok: true }
  | { ok: false; reason: string; code: 'file-too-large' | 'binary-file' | 'nesting-too-deep' };

/** Why {@link checkText} refuses a text, or undefined (the scan's `refuse` rule). */
export function refusal(text: string, limits: TextLimits): string | undefined {
  const verdict = checkText(text, limits);
  return verdict.ok ? undefined : verdict.reason;
}

export function checkText(text: string, limits: TextLimits): GuardVerdict {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxFileBytes) {
    return {
      ok: false,
      reason: `File is ${formatBytes(bytes)}, larger than the limit of ${formatBytes(limits.maxFileBytes)} (setting fluxWorkbench.validation.maxFileSize): not validated.`,
      code: 'file-too-large',
    };
  }
  if (text.includes('\u0000'))
    return { ok: false, reason: 'Binary content (NUL bytes): not validated as YAML.', code: 'binary-file' };
  const depth = maxNesting(text);
  if (depth > limits.maxNesting) {
    return {
      ok: false,
      reason: `Nesting is ${depth} levels deep, more than the limit of ${limits.maxNesting}: not validated (deep nesting exhausts the parser's stack).`,
      code: 'nesting-too-deep',
    };
  }
  return { ok: true };
}

export { maxNesting };

export { formatBytes };
