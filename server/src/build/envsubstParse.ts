/**
 * The parser of Flux's substitution language (fluxcd/pkg/envsubst), rebuilt from its observed
 * behaviour so that every input is accepted or rejected exactly as Flux does, with Flux's messages.
 *
 * Flux's parser is a recursive descent over a rune scanner with a few quirks that decide what parses:
 * - the scanner works on UTF-8 bytes and decodes runes; a NUL byte reads as end of input;
 * - an escape (`$$` at top level, `$$`, `\/`, `\\` inside `/` arguments) deletes the escape byte from
 *   the buffer and takes the next byte as text, unchecked;
 * - operators are recognised by byte offset within the token (`##` but not `###`);
 * - after `${name:` it peeks one rune and steps back by that rune's width, not the colon's, so a
 *   multi-byte character right after the colon lands the scanner inside the name ("bad substitution").
 *
 * Here the descent is iterative (an explicit stack of open `${`), so nesting depth is bounded by
 * memory, not by the call stack, and the result is a postfix program: evaluating it needs no
 * recursion either.
 */
import { decodeRune, isGoDigit, isGoLetter, runeOf, widthOf, type ByteString } from './goText';

export const ERR_BAD_SUBSTITUTION = 'bad substitution';
export const ERR_MISSING_CLOSING_BRACE = 'missing closing brace';
export const ERR_PARSE_VARIABLE_NAME = 'unable to parse variable name';
export const ERR_PARSE_FUNC_SUBSTITUTION = 'unable to parse substitution within function';
export const ERR_PARSE_DEFAULT_FUNCTION = 'unable to parse default function';

/** A parse error, with Flux's message. */
export class EnvsubstParseError extends Error {}

/**
 * One step of the postfix program. `text` pushes its bytes; `func` pops `argc` values, applies
 * operator `name` ('' for a plain `${VAR}`) to variable `param`, and pushes the result. Steps with
 * `top` write to the output instead of pushing.
 */
export type Step =
  | { t: 'text'; bytes: ByteString; top: boolean }
  | { t: 'func'; name: string; param: ByteString; argc: number; top: boolean };

const EOF = 0; // Go's scanner returns rune 0 at the end, and for a NUL byte.

// Scanner modes and escape sets, as bit flags.
const IDENT = 1;
const LBRACK = 2;
const RBRACK = 4;
const ESCAPE = 8;
const DOLLAR = 1;
const BACKSLASH = 2;

const enum Tok {
  Illegal,
  Eof,
  Ident,
  Lbrack,
  Rbrack,
}

/** Accepts rune r as the token's next, `i` being the token's byte length including r. */
type Accept = (r: number, i: number) => boolean;

const ch = (c: string): number => c.charCodeAt(0);
const C_DOLLAR = ch('$');
const C_LBRACE = ch('{');
const C_RBRACE = ch('}');
const C_BACKSLASH = ch('\\');
const C_SLASH = ch('/');
const C_COLON = ch(':');
const C_HASH = ch('#');
const C_PERCENT = ch('%');
const C_EQUAL = ch('=');
const C_COMMA = ch(',');
const C_CARET = ch('^');
const C_MINUS = ch('-');
const C_QUESTION = ch('?');
const C_PLUS = ch('+');

const acceptAny: Accept = () => true;
const acceptIdent: Accept = (r) => r === 0x5f || isGoLetter(r) || isGoDigit(r);
const acceptColon: Accept = (r) => r === C_COLON;
const acceptOneHash: Accept = (r, i) => r === C_HASH && i === 1;
const acceptNotClosing: Accept = (r) => r !== C_RBRACE;
const acceptHashOp: Accept = (r, i) => r === C_HASH && i < 3;
const acceptPercentOp: Accept = (r, i) => r === C_PERCENT && i < 3;
const acceptCasingOp: Accept = (r, i) => (r === C_COMMA || r === C_CARET) && i < 3;
const acceptOneEqual: Accept = (r, i) => i === 1 && r === C_EQUAL;
const acceptOneColon: Accept = (r, i) => i === 1 && r === C_COLON;
const rejectColonClose: Accept = (r) => r !== C_COLON && r !== C_RBRACE;
const acceptSlash: Accept = (r) => r === C_SLASH;
const acceptNotSlash: Accept = (r) => r !== C_SLASH;
const isDefaultOpChar = (r: number): boolean =>
  r === C_EQUAL || r === C_MINUS || r === C_QUESTION || r === C_PLUS;
const acceptDefaultOp: Accept = (r, i) => (i === 1 && r === C_COLON) || (i === 2 && isDefaultOpChar(r));
const acceptReplaceOp: Accept = (r, i) =>
  (i === 1 && r === C_SLASH) || (i === 2 && (r === C_SLASH || r === C_HASH || r === C_PERCENT));

/**
 * Go's scanner over a byte string. Positions are offsets in the original text; Go's in-place
 * deletion of escape bytes is recorded in `cuts` (offsets deleted from the current token).
 */
class Scanner {
  pos = 0;
  private start = 0;
  private width = 0;
  private cuts: number[] = [];
  mode = 0;
  escapes = 0;
  accept: Accept = acceptAny;
  constructor(private readonly buf: ByteString) {}

  read(): number {
    if (this.pos >= this.buf.length) {
      this.width = 0;
      return EOF;
    }
    const d = decodeRune(this.buf, this.pos);
    this.width = widthOf(d);
    this.pos += this.width;
    return runeOf(d);
  }
  unread(): void {
    this.pos -= this.width;
  }
  peek(): number {
    const r = this.read();
    this.unread();
    return r;
  }
  /** Go deletes the escape byte just read; the byte after it becomes part of the token. */
  private skip(): void {
    this.cuts.push(this.pos - 1);
    this.pos++;
  }
  /** The current token's text. */
  text(): ByteString {
    if (this.cuts.length === 0) return this.buf.slice(this.start, this.pos);
    let out = '';
    let from = this.start;
    for (const c of this.cuts) {
      out += this.buf.slice(from, c);
      from = c + 1;
    }
    return out + this.buf.slice(from, this.pos);
  }
  private offset(): number {
    return this.pos - this.start - this.cuts.length;
  }

  scan(): Tok {
    this.start = this.pos;
    this.cuts = [];
    const r = this.read();
    if (r === EOF) return Tok.Eof;
    if (this.lbrack(r)) return Tok.Lbrack;
    if (this.mode & RBRACK && r === C_RBRACE) return Tok.Rbrack;
    if (this.ident(r)) return Tok.Ident;
    return Tok.Illegal;
  }
  private lbrack(r: number): boolean {
    if (!(this.mode & LBRACK) || r !== C_DOLLAR) return false;
    if (this.read() === C_LBRACE) return true;
    this.unread();
    return false;
  }
  private escaped(r: number): boolean {
    if (!(this.mode & ESCAPE)) return false;
    if (r === C_DOLLAR && this.escapes & DOLLAR && this.peek() === C_DOLLAR) return true;
    if (r === C_BACKSLASH && this.escapes & BACKSLASH) {
      const next = this.peek();
      return next === C_SLASH || next === C_BACKSLASH;
    }
    return false;
  }
  private ident(first: number): boolean {
    if (!(this.mode & IDENT)) return false;
    if (this.escaped(first)) this.skip();
    else if (!this.accept(first, this.offset())) return false;
    for (;;) {
      const r = this.read();
      if (r === EOF) {
        this.unread();
        break;
      }
      if (this.lbrack(r)) {
        this.unread();
        this.unread();
        break;
      }
      if (this.escaped(r)) {
        this.skip();
        continue;
      }
      if (!this.accept(r, this.offset())) {
        this.unread();
        break;
      }
    }
    return true;
  }
}

/** What an open `${` does next, once its current argument is parsed. */
const enum Next {
  Start,
  SubstrAfterOffset,
  Close,
  ReplaceAfterPattern,
  DefaultArgs,
}

interface Frame {
  next: Next;
  name: string;
  param: ByteString;
  argc: number;
}

/**
 * Parses `text` (a byte string) into a postfix program. Throws {@link EnvsubstParseError} with
 * Flux's message where Flux's parser fails.
 */
export function parseEnvsubst(text: ByteString): Step[] {
  const s = new Scanner(text);
  const steps: Step[] = [];
  const open: Frame[] = [];
  const fail = (message: string): never => {
    throw new EnvsubstParseError(message);
  };
  const scanAs = (accept: Accept, mode: number): Tok => {
    s.accept = accept;
    s.mode = mode;
    return s.scan();
  };
  const close = (): void => {
    s.mode = RBRACK;
    if (s.scan() !== Tok.Rbrack) fail(ERR_BAD_SUBSTITUTION);
  };
  const finish = (): void => {
    const f = open.pop()!;
    steps.push({ t: 'func', name: f.name, param: f.param, argc: f.argc, top: open.length === 0 });
    if (open.length > 0) open[open.length - 1]!.argc++;
  };
  /** A function argument: text, or a nested `${`; `next` is where the function resumes. */
  const param = (f: Frame, accept: Accept, mode: number, next: Next): void => {
    f.next = next;
    const tok = scanAs(accept, mode | LBRACK);
    if (tok === Tok.Lbrack) open.push({ next: Next.Start, name: '', param: '', argc: 0 });
    else if (tok === Tok.Ident || tok === Tok.Rbrack) {
      steps.push({ t: 'text', bytes: s.text(), top: false });
      f.argc++;
    } else fail(ERR_PARSE_FUNC_SUBSTITUTION);
  };
  const operator = (accept: Accept, error: string): string => {
    if (scanAs(accept, IDENT) !== Tok.Ident) fail(error);
    return s.text();
  };

  for (;;) {
    const f = open[open.length - 1];
    if (!f) {
      s.escapes = DOLLAR;
      const tok = scanAs(acceptAny, IDENT | LBRACK | ESCAPE);
      if (tok === Tok.Eof) return steps;
      if (tok === Tok.Ident) steps.push({ t: 'text', bytes: s.text(), top: true });
      else if (tok === Tok.Lbrack) open.push({ next: Next.Start, name: '', param: '', argc: 0 });
      else fail(ERR_BAD_SUBSTITUTION);
      continue;
    }
    switch (f.next) {
      case Next.Start: {
        s.escapes = DOLLAR | BACKSLASH;
        if (s.peek() === C_HASH) {
          f.name = operator(acceptOneHash, ERR_BAD_SUBSTITUTION);
          f.param = operator(acceptIdent, ERR_BAD_SUBSTITUTION);
          close();
          finish();
          break;
        }
        f.param = operator(acceptIdent, ERR_PARSE_VARIABLE_NAME);
        const c = s.peek();
        if (c === C_COLON) {
          // Flux reads the colon, peeks, and steps back by the width of the peeked rune.
          s.read();
          const after = s.peek();
          s.unread();
          if (isDefaultOpChar(after)) startDefault(f);
          else {
            f.name = operator(acceptOneColon, ERR_BAD_SUBSTITUTION);
            param(f, rejectColonClose, IDENT, Next.SubstrAfterOffset);
          }
        } else if (c === C_EQUAL) startDefault(f);
        else if (c === C_COMMA || c === C_CARET) {
          f.name = operator(acceptCasingOp, ERR_BAD_SUBSTITUTION);
          close();
          finish();
        } else if (c === C_SLASH) {
          f.name = operator(acceptReplaceOp, ERR_BAD_SUBSTITUTION);
          param(f, acceptNotSlash, IDENT | ESCAPE, Next.ReplaceAfterPattern);
        } else if (c === C_HASH || c === C_PERCENT) {
          f.name = operator(c === C_HASH ? acceptHashOp : acceptPercentOp, ERR_BAD_SUBSTITUTION);
          param(f, acceptNotClosing, IDENT, Next.Close);
        } else {
          if (scanAs(acceptIdent, RBRACK) !== Tok.Rbrack) fail(ERR_MISSING_CLOSING_BRACE);
          finish();
        }
        break;
      }
      case Next.SubstrAfterOffset: {
        const tok = scanAs(acceptColon, IDENT | RBRACK);
        if (tok === Tok.Rbrack) finish();
        else if (tok === Tok.Ident) param(f, acceptNotClosing, IDENT, Next.Close);
        else fail(ERR_BAD_SUBSTITUTION);
        break;
      }
      case Next.ReplaceAfterPattern:
        if (scanAs(acceptSlash, IDENT) !== Tok.Ident) fail(ERR_BAD_SUBSTITUTION);
        if (s.peek() === C_RBRACE) {
          close();
          finish();
        } else param(f, acceptNotClosing, IDENT | ESCAPE, Next.Close);
        break;
      case Next.DefaultArgs:
        if (s.peek() === C_RBRACE) {
          close();
          finish();
        } else param(f, acceptNotClosing, IDENT, Next.DefaultArgs);
        break;
      case Next.Close:
        close();
        finish();
        break;
    }
  }

  function startDefault(f: Frame): void {
    f.name = operator(s.peek() === C_EQUAL ? acceptOneEqual : acceptDefaultOp, ERR_PARSE_DEFAULT_FUNCTION);
    f.next = Next.DefaultArgs;
  }
}
