import { envsubst, EnvsubstError, VARIABLE_NAME } from '../build/envsubst';
import { eachScalar, type At, type Span } from './yamlNodes';

/** A `${...}` in a file: post-build substitution replaces it when a Kustomization renders the file. */
export interface VarUse {
  name: string;
  /** The `${NAME` part of the expression. */
  span: Span;
  /** The whole `${...}` expression. */
  exprSpan: Span;
  /** A default operator (`:=`, `:-`, `=`, ...) covers it when unset. */
  hasDefault: boolean;
  docIndex: number;
  /** The expression does not parse: Flux fails the substitution with this message. */
  problem?: string;
}

/** Longest expression looked at; a longer one is skipped (it is not a variable a person wrote). */
const MAX_EXPRESSION = 4096;

/**
 * Every `${...}` in the scalars (keys and values) of a document; comments are not looked at, as
 * kustomize drops them before Flux substitutes. `$$` escapes a `$`, so `$${VAR}` is no use.
 */
export function varUsesOf(root: At, docIndex: number, text: string): VarUse[] {
  const out: VarUse[] = [];
  eachScalar(root, (s) => {
    const r = s.node.range;
    if (!r) return;
    const start = r[0] + s.base;
    const end = r[1] + s.base;
    const source = text.slice(start, end);
    if (!source.includes('${')) return;
    for (let i = 0; i < source.length; i++) {
      if (source[i] !== '$') continue;
      if (source[i + 1] === '$') {
        i++;
        continue;
      }
      if (source[i + 1] !== '{') continue;
      const close = matchingBrace(source, i + 2);
      const exprEnd = close < 0 ? Math.min(source.length, i + MAX_EXPRESSION) : close + 1;
      if (exprEnd - i > MAX_EXPRESSION) continue;
      const expr = source.slice(i, exprEnd);
      out.push(...usesIn(expr, start + i, docIndex));
      i = exprEnd - 1;
    }
  });
  return out;
}

function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length && i < from + MAX_EXPRESSION; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The variables one expression uses, found by Flux's own rules (the build engine's envsubst). */
function usesIn(expr: string, offset: number, docIndex: number): VarUse[] {
  const found: Array<{ name: string; hasDefault: boolean }> = [];
  let problem: string | undefined;
  try {
    envsubst(
      expr,
      () => undefined,
      false,
      (name, _set, hasDefault) => found.push({ name, hasDefault }),
    );
  } catch (err) {
    problem = err instanceof EnvsubstError ? err.message : String(err);
  }
  const exprSpan: Span = [offset, offset + expr.length];
  if (problem !== undefined) {
    const name = /^\$\{([^}:=+?#%/^,!\s-]*)/.exec(expr)?.[1] ?? '';
    return [{ name, span: exprSpan, exprSpan, hasDefault: false, docIndex, problem }];
  }
  const out: VarUse[] = [];
  let at = 0;
  for (const f of found) {
    const i = expr.indexOf('${' + f.name, at);
    const s = i < 0 ? 0 : i;
    at = s + 2;
    out.push({
      name: f.name,
      span: [offset + s, offset + s + 2 + f.name.length],
      exprSpan,
      hasDefault: f.hasDefault,
      docIndex,
    });
  }
  return out;
}

/** Flux refuses variables whose names do not match this (kustomize-controller's varsubRegex). */
export function isValidVariableName(name: string): boolean {
  return VARIABLE_NAME.test(name);
}
