/**
 * Flux's post-build variable substitution language (fluxcd/pkg/envsubst, a fork of drone/envsubst),
 * reimplemented from its documented and observed behaviour so previews fail exactly where Flux fails:
 *
 * - `${VAR}`; `$${VAR}` is a literal `${VAR}` and every `$$` becomes `$`; `$VAR` is plain text.
 * - Defaults: `${VAR:=d}`, `${VAR:-d}`, `${VAR=d}` (and `:?`, `:+`, which Flux evaluates the same
 *   way): the default is used when the value is unset *or empty*. `${VAR-d}` is a parse error
 *   ("missing closing brace") in Flux, so it is one here.
 * - `${#VAR}`, `${VAR^}`, `${VAR^^}`, `${VAR,}`, `${VAR,,}`, `${VAR:o}`, `${VAR:o:l}`, `${VAR#p}`,
 *   `${VAR##p}`, `${VAR%p}`, `${VAR%%p}`, `${VAR/p/r}`, `${VAR//p/r}`, `${VAR/#p/r}`, `${VAR/%p/r}`.
 * - Strict mode: a variable that is not set and has no default operator is an error naming it.
 *   Arguments (defaults) are evaluated before the variable, as Flux does, so a nested unset
 *   variable in a default fails even when the outer variable is set.
 *
 * Lengths and offsets count UTF-8 bytes, like Go's `len` and slicing.
 */

export class EnvsubstError extends Error {
  constructor(
    message: string,
    /** The unset variable, for strict-mode errors. */
    readonly variable?: string,
  ) {
    super(message);
  }
}

const ERR_BAD = 'bad substitution';
const ERR_BRACE = 'missing closing brace';
const ERR_NAME = 'unable to parse variable name';
const ERR_FUNC = 'unable to parse substitution within function';
const ERR_DEFAULT = 'unable to parse default function';

type Node = { t: 'text'; v: string } | { t: 'func'; name: string; param: string; args: Node[] };

type Accept = (r: string, i: number) => boolean;
const M_IDENT = 1;
const M_LBRACK = 2;
const M_RBRACK = 4;
const M_ESCAPE = 8;
const E_DOLLAR = 1;
const E_BACKSLASH = 2;

const enum Tok {
  Illegal,
  EOF,
  Ident,
  Lbrack,
  Rbrack,
}

const isIdentRune = (r: string): boolean => /^[\p{L}\p{Nd}_]$/u.test(r);

/** A scanner over code points that mirrors the Go scanner, including its in-place `skip`. */
class Scanner {
  buf: string[];
  pos = 0;
  start = 0;
  mode = 0;
  escapeChars = 0;
  accept: Accept = () => true;
  constructor(text: string) {
    this.buf = Array.from(text);
  }
  read(): string {
    if (this.pos >= this.buf.length) return '';
    return this.buf[this.pos++]!;
  }
  unread(r: string): void {
    if (r !== '') this.pos--;
  }
  peek(): string {
    return this.pos < this.buf.length ? this.buf[this.pos]! : '';
  }
  skip(): void {
    this.buf.splice(this.pos - 1, 1);
    this.pos--;
  }
  string(): string {
    return this.buf.slice(this.start, this.pos).join('');
  }
  scan(): Tok {
    this.start = this.pos;
    const r = this.read();
    if (r === '') return Tok.EOF;
    if (this.scanLbrack(r)) return Tok.Lbrack;
    if (this.mode & M_RBRACK && r === '}') return Tok.Rbrack;
    if (this.scanIdent(r)) return Tok.Ident;
    return Tok.Illegal;
  }
  private scanLbrack(r: string): boolean {
    if (!(this.mode & M_LBRACK) || r !== '$') return false;
    if (this.peek() === '{') {
      this.pos++;
      return true;
    }
    return false;
  }
  private escaped(r: string): boolean {
    if (!(this.mode & M_ESCAPE)) return false;
    if (r === '$' && this.escapeChars & E_DOLLAR && this.peek() === '$') return true;
    if (r === '\\' && this.escapeChars & E_BACKSLASH && (this.peek() === '/' || this.peek() === '\\'))
      return true;
    return false;
  }
  private scanIdent(r: string): boolean {
    if (!(this.mode & M_IDENT)) return false;
    // Go's scanner skips after reading one rune, so "$$" at the start becomes one "$" of text.
    if (this.escaped(r)) {
      this.skip();
      // The surviving character is consumed as the token's first rune.
      this.pos++;
    } else if (!this.accept(r, this.pos - this.start)) {
      return false;
    }
    for (;;) {
      const c = this.read();
      if (c === '') break;
      if (c === '$' && this.mode & M_LBRACK && this.peek() === '{') {
        this.pos--;
        break;
      }
      if (this.escaped(c)) {
        this.skip();
        this.pos++;
        continue;
      }
      if (!this.accept(c, this.pos - this.start)) {
        this.unread(c);
        break;
      }
    }
    return true;
  }
}

const acceptAll: Accept = () => true;
const acceptIdent: Accept = (r) => isIdentRune(r);
const acceptNotClosing: Accept = (r) => r !== '}';
const acceptNotSlash: Accept = (r) => r !== '/';
const rejectColonClose: Accept = (r) => r !== ':' && r !== '}';

class Parser {
  private readonly s: Scanner;
  constructor(text: string) {
    this.s = new Scanner(text);
  }

  parse(): Node[] {
    const out: Node[] = [];
    for (;;) {
      const s = this.s;
      s.accept = acceptAll;
      s.mode = M_IDENT | M_LBRACK | M_ESCAPE;
      s.escapeChars = E_DOLLAR;
      const tok = s.scan();
      if (tok === Tok.EOF) return out;
      if (tok === Tok.Ident) out.push({ t: 'text', v: s.string() });
      else if (tok === Tok.Lbrack) out.push(this.parseFunc());
      else throw new EnvsubstError(ERR_BAD);
    }
  }

  private parseFunc(): Node {
    const s = this.s;
    s.escapeChars = E_DOLLAR | E_BACKSLASH;
    if (s.peek() === '#') return this.parseLen();
    s.accept = acceptIdent;
    s.mode = M_IDENT;
    if (s.scan() !== Tok.Ident) throw new EnvsubstError(ERR_NAME);
    const name = s.string();
    switch (s.peek()) {
      case ':':
        return this.parseDefaultOrSubstr(name);
      case '=':
        return this.parseDefault(name);
      case ',':
      case '^':
        return this.parseOp(name, (r, i) => (r === ',' || r === '^') && i < 3, false);
      case '/':
        return this.parseReplace(name);
      case '#':
        return this.parseOp(name, (r, i) => r === '#' && i < 3, true);
      case '%':
        return this.parseOp(name, (r, i) => r === '%' && i < 3, true);
    }
    s.accept = acceptIdent;
    s.mode = M_RBRACK;
    if (s.scan() !== Tok.Rbrack) throw new EnvsubstError(ERR_BRACE);
    return { t: 'func', name: '', param: name, args: [] };
  }

  private parseParam(accept: Accept, mode: number): Node {
    const s = this.s;
    s.accept = accept;
    s.mode = mode | M_LBRACK;
    const tok = s.scan();
    if (tok === Tok.Lbrack) return this.parseFunc();
    if (tok === Tok.Ident) return { t: 'text', v: s.string() };
    throw new EnvsubstError(ERR_FUNC);
  }

  private scanOperator(accept: Accept, err: string): string {
    const s = this.s;
    s.accept = accept;
    s.mode = M_IDENT;
    if (s.scan() !== Tok.Ident) throw new EnvsubstError(err);
    return s.string();
  }

  private consumeRbrack(): void {
    this.s.mode = M_RBRACK;
    if (this.s.scan() !== Tok.Rbrack) throw new EnvsubstError(ERR_BAD);
  }

  private parseDefaultOrSubstr(name: string): Node {
    const next = this.s.buf[this.s.pos + 1] ?? '';
    if (next === '=' || next === '-' || next === '?' || next === '+') return this.parseDefault(name);
    const node: Node = {
      t: 'func',
      name: this.scanOperator((r, i) => i === 1 && r === ':', ERR_BAD),
      param: name,
      args: [],
    };
    node.args.push(this.parseParam(rejectColonClose, M_IDENT));
    const s = this.s;
    s.accept = (r) => r === ':';
    s.mode = M_IDENT | M_RBRACK;
    const tok = s.scan();
    if (tok === Tok.Rbrack) return node;
    if (tok !== Tok.Ident) throw new EnvsubstError(ERR_BAD);
    node.args.push(this.parseParam(acceptNotClosing, M_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseDefault(name: string): Node {
    const accept: Accept =
      this.s.peek() === '='
        ? (r, i) => i === 1 && r === '='
        : (r, i) => (i === 1 && r === ':') || (i === 2 && (r === '=' || r === '-' || r === '?' || r === '+'));
    const node: Node = { t: 'func', name: this.scanOperator(accept, ERR_DEFAULT), param: name, args: [] };
    for (;;) {
      if (this.s.peek() === '}') {
        this.consumeRbrack();
        return node;
      }
      node.args.push(this.parseParam(acceptNotClosing, M_IDENT));
    }
  }

  /** Casing (`^`, `,`) and removal (`#`, `%`) operators. */
  private parseOp(name: string, accept: Accept, withArg: boolean): Node {
    const node: Node = { t: 'func', name: this.scanOperator(accept, ERR_BAD), param: name, args: [] };
    if (withArg) node.args.push(this.parseParam(acceptNotClosing, M_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseReplace(name: string): Node {
    const accept: Accept = (r, i) =>
      (i === 1 && r === '/') || (i === 2 && (r === '/' || r === '#' || r === '%'));
    const node: Node = { t: 'func', name: this.scanOperator(accept, ERR_BAD), param: name, args: [] };
    node.args.push(this.parseParam(acceptNotSlash, M_IDENT | M_ESCAPE));
    const s = this.s;
    s.accept = (r) => r === '/';
    s.mode = M_IDENT;
    if (s.scan() !== Tok.Ident) throw new EnvsubstError(ERR_BAD);
    if (s.peek() === '}') {
      this.consumeRbrack();
      return node;
    }
    node.args.push(this.parseParam(acceptNotClosing, M_IDENT | M_ESCAPE));
    this.consumeRbrack();
    return node;
  }

  private parseLen(): Node {
    const op = this.scanOperator((r, i) => r === '#' && i === 1, ERR_BAD);
    const s = this.s;
    s.accept = acceptIdent;
    s.mode = M_IDENT;
    if (s.scan() !== Tok.Ident) throw new EnvsubstError(ERR_BAD);
    const param = s.string();
    this.consumeRbrack();
    return { t: 'func', name: op, param, args: [] };
  }
}

/** Looks a variable up; `undefined` means "not set". */
export type VariableLookup = (name: string) => string | undefined;

/** Told about every variable reference: its name, whether it had a value, whether a default operator covers it. */
export type UseListener = (name: string, set: boolean, hasDefault: boolean) => void;

const DEFAULT_OPS = new Set(['-', '+', '=', '?', ':-', ':+', ':=', ':?']);

/**
 * Substitutes variables in `text` as Flux does. In strict mode an unset variable without a default
 * operator throws an {@link EnvsubstError} naming it; otherwise it becomes the empty string.
 * Parse errors throw with Flux's messages ("bad substitution", "missing closing brace", ...).
 */
export function envsubst(text: string, lookup: VariableLookup, strict: boolean, onUse?: UseListener): string {
  if (!text.includes('$')) return text;
  const nodes = new Parser(text).parse();
  let out = '';
  for (const n of nodes) out += evalNode(n, lookup, strict, onUse);
  return out;
}

function evalNode(n: Node, lookup: VariableLookup, strict: boolean, onUse?: UseListener): string {
  if (n.t === 'text') return n.v;
  const args = n.args.map((a) => evalNode(a, lookup, strict, onUse));
  const raw = lookup(n.param);
  onUse?.(n.param, raw !== undefined, DEFAULT_OPS.has(n.name));
  if (raw === undefined && strict && !DEFAULT_OPS.has(n.name)) {
    throw new EnvsubstError(`variable not set (strict mode): "${n.param}"`, n.param);
  }
  return applyOp(n.name, raw ?? '', args);
}

function applyOp(name: string, v: string, args: string[]): string {
  switch (name) {
    case ',':
      return v ? firstRune(v, (c) => c.toLowerCase()) : v;
    case ',,':
      return v.toLowerCase();
    case '^':
      return v ? firstRune(v, (c) => c.toUpperCase()) : v;
    case '^^':
      return v.toUpperCase();
    case '#':
      return args.length === 0 ? String(Buffer.byteLength(v)) : trimPrefix(v, args[0]!, false);
    case '##':
      return trimPrefix(v, args[0] ?? '', true);
    case '%':
      return trimSuffix(v, args[0] ?? '', false);
    case '%%':
      return trimSuffix(v, args[0] ?? '', true);
    case ':':
      return substr(v, args);
    case '/#':
      return args.length === 2 && v.startsWith(args[0]!) ? args[1]! + v.slice(args[0]!.length) : v;
    case '/%':
      return args.length === 2 && v.endsWith(args[0]!)
        ? v.slice(0, v.length - args[0]!.length) + args[1]!
        : v;
    case '/':
      return args.length === 0 ? v : v.replace(args[0]!, () => args[1] ?? '');
    case '//': {
      if (args.length === 0) return v;
      const r = args[1] ?? '';
      // Go's strings.Replace with an empty pattern inserts around every rune.
      return args[0] === '' ? r + Array.from(v).join(r) + r : v.split(args[0]!).join(r);
    }
    default:
      // The default operators, and anything unknown, fall back to "value, else the joined args".
      return v.length === 0 && args.length > 0 ? args.join('') : v;
  }
}

function firstRune(v: string, f: (c: string) => string): string {
  const [first, ...rest] = Array.from(v);
  return f(first!) + rest.join('');
}

function substr(v: string, args: string[]): string {
  const bytes = Buffer.from(v);
  const len = bytes.length;
  let pos = goAtoi(args[0] ?? '');
  if (pos === undefined) return v;
  if (pos < 0) pos = Math.max(0, len + pos);
  if (args.length === 1) return pos < len ? bytes.subarray(pos).toString() : '';
  const length = goAtoi(args[1]!);
  if (length === undefined) return v;
  if (pos + length >= len) return pos < len ? bytes.subarray(pos).toString() : '';
  return bytes.subarray(pos, pos + length).toString();
}

function goAtoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number.parseInt(s, 10) : undefined;
}

/** Go's path.Match as a regular expression ('*' and '?' never match '/'); undefined if malformed. */
function globToRegExp(pattern: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      re += escapeRe(pattern[++i]!);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`^${re}$`, 'u');
  } catch {
    return undefined;
  }
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function trimPrefix(s: string, pattern: string, longest: boolean): string {
  const re = globToRegExp(pattern);
  if (!re) return s;
  const chars = Array.from(s);
  if (longest) {
    for (let i = chars.length; i > 0; i--)
      if (re.test(chars.slice(0, i).join(''))) return chars.slice(i).join('');
    return s;
  }
  for (let i = 1; i <= chars.length; i++)
    if (re.test(chars.slice(0, i).join(''))) return chars.slice(i).join('');
  return s;
}

function trimSuffix(s: string, pattern: string, longest: boolean): string {
  const rev = (x: string): string => Array.from(x).reverse().join('');
  return rev(trimPrefix(rev(s), rev(pattern), longest));
}

/** Flux's rule for variable names (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`, ASCII classes). */
export const VARIABLE_NAME = /^[_A-Za-z][_A-Za-z0-9]*$/;
