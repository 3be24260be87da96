/**
 * Flux's post-build variable substitution (fluxcd/pkg/envsubst, a fork of drone/envsubst, as
 * kustomize-controller 1.9 and flux 2.9 run it), reimplemented from its observed behaviour so that
 * previews give Flux's result, and fail where Flux fails, for every operator:
 *
 * - `${VAR}`; `$${VAR}` is a literal `${VAR}` and every `$$` becomes `$`; `$VAR` is plain text.
 * - Defaults `${VAR:=d}`, `${VAR:-d}`, `${VAR=d}`, `${VAR:?d}`, `${VAR:+d}` all mean "the value, or
 *   d when the value is empty or unset" (Flux evaluates them alike). `${VAR-d}` is a parse error
 *   ("missing closing brace"), as in Flux.
 * - `${#VAR}` (length in bytes), `${VAR^}`, `${VAR^^}`, `${VAR,}`, `${VAR,,}` (Go's one-rune-to-one
 *   case mapping: "ß" stays "ß"), `${VAR:o}`, `${VAR:o:l}` (byte offsets: cutting a character in
 *   half makes the YAML invalid and the build fail, as in Flux; a negative length makes Flux panic),
 *   `${VAR#p}`, `${VAR##p}`, `${VAR%p}`, `${VAR%%p}` (glob patterns in which `*` and `?` match `/`
 *   too; see envsubstMatch.ts), `${VAR/p/r}`, `${VAR//p/r}`, `${VAR/#p/r}`, `${VAR/%p/r}` (plain
 *   text, not patterns).
 * - Strict mode: a variable that is not set, used with any operator other than the defaults, is an
 *   error naming it. Arguments are evaluated before the variable, as Flux does.
 *
 * Unlike Flux's engine this one is bounded: parsing and evaluation are iterative (nesting depth is
 * limited by memory only), pattern trimming does linear work per chunk instead of quadratic (with a
 * work budget for pathological patterns), and every produced value is size-checked.
 */
import {
  fromByteString,
  goToLower,
  goToUpper,
  insertAroundRunes,
  lowerRune,
  mapFirstRune,
  reverseRunes,
  runeCount,
  toByteString,
  upperRune,
  yamlUtf8Error,
  type ByteString,
} from './goText';
import { EnvsubstParseError, parseEnvsubst } from './envsubstParse';
import { MatchBudgetError, trimPrefix, type Budget } from './envsubstMatch';

export class EnvsubstError extends Error {
  constructor(
    message: string,
    /** The unset variable, for strict-mode errors. */
    readonly variable?: string,
    /**
     * Where Flux fails: 'substitution' (parse or evaluation: "variable substitution failed: ..."),
     * 'yaml' (the substituted text is not valid UTF-8, which Flux's YAMLToJSON rejects), 'panic'
     * (Flux's engine crashes), or 'limit' (the preview stops; Flux would go on).
     */
    readonly stage: 'substitution' | 'yaml' | 'panic' | 'limit' = 'substitution',
  ) {
    super(message);
  }
}

/** Looks a variable up: its text, or its bytes when they are not UTF-8; `undefined` means "not set". */
export type VariableLookup = (name: string) => string | Uint8Array | undefined;

/** Told about every variable reference: its name, whether it had a value, whether a default operator covers it. */
export type UseListener = (name: string, set: boolean, hasDefault: boolean) => void;

/** Bounds on one substitution (one object's YAML). */
export interface EnvsubstLimits {
  /** Largest value or result, in bytes. Kubernetes objects are limited to about 1.5 MiB. */
  maxBytes: number;
  /** Steps of pattern matching (`#`, `%` operators) for the whole text. */
  maxMatchSteps: number;
  /** When given, receives the matching steps used (for tests and benchmarks). */
  stats?: { matchSteps: number };
}

export const DEFAULT_ENVSUBST_LIMITS: EnvsubstLimits = { maxBytes: 16 << 20, maxMatchSteps: 50_000_000 };

const DEFAULT_OPS = new Set(['-', '+', '=', '?', ':-', ':+', ':=', ':?']);

/**
 * Substitutes variables in `text` as Flux does. In strict mode an unset variable without a default
 * operator throws an {@link EnvsubstError} naming it; otherwise it becomes the empty string.
 * Parse errors throw with Flux's messages ("bad substitution", "missing closing brace", ...).
 */
export function envsubst(
  text: string,
  lookup: VariableLookup,
  strict: boolean,
  onUse?: UseListener,
  limits: Partial<EnvsubstLimits> = {},
): string {
  if (!text.includes('$')) return text;
  const { maxBytes, maxMatchSteps, stats } = { ...DEFAULT_ENVSUBST_LIMITS, ...limits };
  let steps;
  try {
    steps = parseEnvsubst(toByteString(text));
  } catch (err) {
    if (err instanceof EnvsubstParseError) throw new EnvsubstError(err.message);
    throw err;
  }
  const budget: Budget = { used: 0, limit: maxMatchSteps };
  const values = new Map<ByteString, ByteString | undefined>();
  const valueOf = (param: ByteString): ByteString | undefined => {
    if (values.has(param)) return values.get(param);
    const v = lookup(fromByteString(param) ?? param);
    const bytes =
      v === undefined
        ? undefined
        : typeof v === 'string'
          ? toByteString(v)
          : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
    values.set(param, bytes);
    return bytes;
  };
  const sized = (v: ByteString): ByteString => (v.length > maxBytes ? tooLarge(maxBytes) : v);

  const stack: ByteString[] = [];
  let out = '';
  try {
    for (const step of steps) {
      let result: ByteString;
      if (step.t === 'text') result = step.bytes;
      else {
        const args = step.argc > 0 ? stack.splice(stack.length - step.argc) : [];
        const raw = valueOf(step.param);
        const name = fromByteString(step.param) ?? step.param;
        const hasDefault = DEFAULT_OPS.has(step.name);
        onUse?.(name, raw !== undefined, hasDefault);
        if (raw === undefined && strict && !hasDefault)
          throw new EnvsubstError(`variable not set (strict mode): "${name}"`, name);
        result = sized(apply(step.name, raw ?? '', args, budget, maxBytes));
      }
      if (step.top) out = sized(out + result);
      else stack.push(result);
    }
  } catch (err) {
    if (err instanceof MatchBudgetError)
      throw new EnvsubstError(
        `not rendered: pattern matching (#, ##, %, %%) ${err.message} (the preview's limit; Flux's engine would need far longer)`,
        undefined,
        'limit',
      );
    throw err;
  } finally {
    if (stats) stats.matchSteps = budget.used;
  }
  const result = fromByteString(out);
  if (result === undefined) {
    throw new EnvsubstError(
      `yaml: ${yamlUtf8Error(out) ?? 'invalid UTF-8'} (an offset, length or pattern cut a multi-byte character: Flux counts bytes, not characters)`,
      undefined,
      'yaml',
    );
  }
  return result;
}

function tooLarge(maxBytes: number): never {
  throw new EnvsubstError(
    `not rendered: a substituted value would exceed ${maxBytes} bytes (the preview's limit; Kubernetes objects are limited to about 1.5 MiB)`,
    undefined,
    'limit',
  );
}

/** Flux's operator `name` applied to value v. */
function apply(
  name: string,
  v: ByteString,
  args: ByteString[],
  budget: Budget,
  maxBytes: number,
): ByteString {
  switch (name) {
    case ',':
      return mapFirstRune(v, lowerRune);
    case ',,':
      return goToLower(v);
    case '^':
      return mapFirstRune(v, upperRune);
    case '^^':
      return goToUpper(v);
    case '#':
      return args.length === 0 ? String(v.length) : trimPrefix(v, args[0]!, false, budget);
    case '##':
      return args.length === 0 ? v : trimPrefix(v, args[0]!, true, budget);
    case '%':
    case '%%':
      // Flux trims the rune-reversed value with the rune-reversed pattern, then reverses back.
      return args.length === 0
        ? v
        : reverseRunes(trimPrefix(reverseRunes(v), reverseRunes(args[0]!), name === '%%', budget));
    case ':':
      return substring(v, args, name);
    case '/#':
      return args.length === 2 && v.startsWith(args[0]!) ? args[1]! + v.slice(args[0]!.length) : v;
    case '/%':
      return args.length === 2 && v.endsWith(args[0]!)
        ? v.slice(0, v.length - args[0]!.length) + args[1]!
        : v;
    case '/':
    case '//':
      return args.length === 0 ? v : replace(v, args[0]!, args[1] ?? '', name === '//', maxBytes);
    default:
      // The default operators, and any other (such as `${V,^}`): the value, else the joined args.
      return v.length === 0 && args.length > 0 ? args.join('') : v;
  }
}

/** Go's strings.Replace(s, old, with, 1 or -1), refusing results over maxBytes before building them. */
function replace(
  s: ByteString,
  old: ByteString,
  with_: ByteString,
  all: boolean,
  maxBytes: number,
): ByteString {
  if (old === '') {
    const size = s.length + (all ? runeCount(s) + 1 : 1) * with_.length;
    if (size > maxBytes) tooLarge(maxBytes);
    return insertAroundRunes(s, with_, all);
  }
  const at = s.indexOf(old);
  if (at < 0) return s;
  if (!all) return s.slice(0, at) + with_ + s.slice(at + old.length);
  let count = 0;
  for (let i = at; i >= 0; i = s.indexOf(old, i + old.length)) count++;
  if (s.length + count * (with_.length - old.length) > maxBytes) tooLarge(maxBytes);
  return s.split(old).join(with_);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Go's strconv.Atoi (decimal, optional sign, 64-bit range), or undefined where it fails. */
function atoi(s: ByteString): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

/** Flux's `${V:offset}` and `${V:offset:length}`, on bytes, with Go's int64 arithmetic. */
function substring(s: ByteString, args: ByteString[], name: string): ByteString {
  if (args.length === 0) return s;
  const len = BigInt(s.length);
  let pos = atoi(args[0]!);
  if (pos === undefined) return s;
  if (pos < 0n) {
    pos = len + pos;
    if (pos < 0n) pos = 0n;
  }
  if (args.length === 1) return pos < len ? s.slice(Number(pos)) : '';
  const length = atoi(args[1]!);
  if (length === undefined) return s;
  const end = BigInt.asIntN(64, pos + length); // Go's addition wraps around
  if (end >= len) return pos < len ? s.slice(Number(pos)) : '';
  if (end < pos) {
    // s[pos:end] with end < pos (a negative length, or an overflow): a Go runtime panic.
    const bounds = end < 0n ? `[:${end}]` : `[${pos}:${end}]`;
    throw new EnvsubstError(
      `Flux's substitution engine crashes on \${…${name}${args.join(':')}} (runtime error: slice bounds out of range ${bounds}): a negative length is not supported`,
      undefined,
      'panic',
    );
  }
  return s.slice(Number(pos), Number(end));
}

/** Flux's rule for variable names (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`, ASCII classes). */
export const VARIABLE_NAME = /^[_A-Za-z][_A-Za-z0-9]*$/;
