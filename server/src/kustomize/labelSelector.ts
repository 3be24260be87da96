/**
 * The Kubernetes label selector syntax (apimachinery `labels.Parse`), as kustomize's
 * `labelSelector` and `annotationSelector` use it: comma-separated requirements `key`, `!key`,
 * `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key>1`, `key<1`.
 * A hand-written scanner: linear in the selector's length, whatever it holds.
 */
export type LabelRequirement =
  | { key: string; op: 'exists' | 'notExists' }
  | { key: string; op: 'in' | 'notIn'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type ParsedLabelSelector =
  | { ok: true; requirements: LabelRequirement[] }
  | { ok: false; error: string };

const MAX_SELECTOR_LENGTH = 4096;

type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

function tokenize(text: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === ',' || c === '(' || c === ')') {
      out.push({ kind: 'op', text: c });
      i++;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ kind: 'op', text: two });
        i += 2;
      } else {
        out.push({ kind: 'op', text: c });
        i++;
      }
    } else {
      let j = i;
      while (j < text.length && !' \t\n\r,()=!<>'.includes(text[j]!)) j++;
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const KEY =
  /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,251}[A-Za-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Parses a label selector; an empty selector selects everything. */
export function parseLabelSelector(text: string): ParsedLabelSelector {
  if (text.length > MAX_SELECTOR_LENGTH)
    return { ok: false, error: `selector is longer than ${MAX_SELECTOR_LENGTH} characters` };
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const fail = (why: string): ParsedLabelSelector => ({ ok: false, error: `${why} in "${text}"` });
  while (i < tokens.length) {
    let negated = false;
    if (peek()?.text === '!' && peek()?.kind === 'op') {
      negated = true;
      i++;
    }
    const keyTok = tokens[i++];
    if (!keyTok || keyTok.kind !== 'word') return fail('a label key was expected');
    const key = keyTok.text;
    if (!KEY.test(key)) return fail(`invalid label key "${key}"`);
    const next = peek();
    if (negated || !next || next.text === ',') {
      requirements.push({ key, op: negated ? 'notExists' : 'exists' });
    } else if (next.kind === 'op' && ['=', '==', '!='].includes(next.text)) {
      i++;
      const v = peek();
      let value = '';
      if (v?.kind === 'word') {
        value = v.text;
        i++;
      }
      if (!VALUE.test(value)) return fail(`invalid label value "${value}"`);
      requirements.push({ key, op: next.text === '!=' ? 'notIn' : 'in', values: [value] });
    } else if (next.kind === 'op' && (next.text === '<' || next.text === '>')) {
      i++;
      const v = tokens[i++];
      const n = v?.kind === 'word' && /^-?\d+$/.test(v.text) ? Number(v.text) : NaN;
      if (!Number.isFinite(n)) return fail('an integer was expected after ' + next.text);
      requirements.push({ key, op: next.text === '>' ? 'gt' : 'lt', value: n });
    } else if (next.kind === 'word' && (next.text === 'in' || next.text === 'notin')) {
      i++;
      if (tokens[i++]?.text !== '(') return fail(`"(" was expected after ${next.text}`);
      const values: string[] = [];
      for (;;) {
        const v = tokens[i++];
        if (!v) return fail('")" was expected');
        if (v.kind === 'op' && v.text === ')') break;
        if (v.kind === 'op' && v.text === ',') continue;
        if (v.kind !== 'word' || !VALUE.test(v.text)) return fail(`invalid label value "${v.text}"`);
        values.push(v.text);
      }
      requirements.push({ key, op: next.text === 'in' ? 'in' : 'notIn', values });
    } else {
      return fail(`unexpected "${next.text}"`);
    }
    const sep = tokens[i];
    if (sep && sep.text !== ',') return fail(`"," was expected before "${sep.text}"`);
    i++;
  }
  return { ok: true, requirements };
}

/** Do these labels (or annotations) satisfy every requirement? */
export function matchesRequirements(
  requirements: LabelRequirement[],
  labels: Record<string, string>,
): boolean {
  for (const r of requirements) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? labels[r.key]! : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notExists':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(value!)) return false;
        break;
      case 'notIn':
        if (has && r.values.includes(value!)) return false;
        break;
      case 'gt':
      case 'lt': {
        const n = has && /^-?\d+$/.test(value!) ? Number(value) : NaN;
        if (!Number.isFinite(n) || (r.op === 'gt' ? !(n > r.value) : !(n < r.value))) return false;
        break;
      }
    }
  }
  return true;
}

/** Does a label selector match these labels? An invalid selector matches nothing (kustomize fails). */
export function matchesLabelSelector(selector: string, labels: Record<string, string>): boolean {
  const parsed = parseLabelSelector(selector);
  return parsed.ok && matchesRequirements(parsed.requirements, labels);
}
