/** Cheap checks made before any parsing, so hostile input is refused in linear time. */
export interface TextLimits {
  maxFileBytes: number;
  maxNesting: number;
}

export const DEFAULT_LIMITS: TextLimits = { maxFileBytes: 2 * 1024 * 1024, maxNesting: 200 };

export type GuardVerdict =
  | { ok: true }
  | { ok: false; reason: string; code: 'file-too-large' | 'binary-file' | 'nesting-too-deep' };

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

/** An upper bound of structural depth: flow brackets plus indentation steps. */
function maxNesting(text: string): number {
  let flow = 0;
  let maxFlow = 0;
  let maxIndent = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32) {
        indent++;
        continue;
      }
      lineStart = false;
      if (indent > maxIndent) maxIndent = indent;
    }
    if (c === 91 || c === 123) {
      if (++flow > maxFlow) maxFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
  }
  // Two spaces per level is the common indentation; a rough bound is all that is needed.
  return Math.max(maxFlow, Math.floor(maxIndent / 2));
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
