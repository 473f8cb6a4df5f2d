/**
 * The PromQL lexer. It is pulled one token at a time by the parser so that
 * errors surface in the same order as in Prometheus (a bad character late in
 * the query does not hide an earlier syntax error). Like Prometheus's lexer it
 * tracks braces and brackets itself: inside `{…}` only label matchers are
 * lexed, and right after `[` a duration expression.
 */
import { ParseError } from "./errors";
import { goQuoteRune, goUnicodeRune } from "./literals";

export type TokenType =
  | "EOF"
  | "IDENTIFIER"
  | "METRIC_IDENTIFIER"
  | "STRING"
  | "NUMBER"
  | "DURATION"
  | "LEFT_PAREN"
  | "RIGHT_PAREN"
  | "LEFT_BRACE"
  | "RIGHT_BRACE"
  | "LEFT_BRACKET"
  | "RIGHT_BRACKET"
  | "COMMA"
  | "EQL"
  | "COLON"
  // Operators.
  | "ADD"
  | "SUB"
  | "MUL"
  | "DIV"
  | "MOD"
  | "POW"
  | "EQLC"
  | "NEQ"
  | "LSS"
  | "LTE"
  | "GTR"
  | "GTE"
  | "TRIM_UPPER"
  | "TRIM_LOWER"
  | "EQL_REGEX"
  | "NEQ_REGEX"
  | "AT"
  | "LAND"
  | "LOR"
  | "LUNLESS"
  | "ATAN2"
  // Aggregators.
  | "SUM"
  | "AVG"
  | "COUNT"
  | "MIN"
  | "MAX"
  | "GROUP"
  | "STDDEV"
  | "STDVAR"
  | "TOPK"
  | "BOTTOMK"
  | "COUNT_VALUES"
  | "QUANTILE"
  | "LIMITK"
  | "LIMIT_RATIO"
  // Keywords.
  | "BOOL"
  | "BY"
  | "GROUP_LEFT"
  | "GROUP_RIGHT"
  | "FILL"
  | "FILL_LEFT"
  | "FILL_RIGHT"
  | "IGNORING"
  | "OFFSET"
  | "SMOOTHED"
  | "ANCHORED"
  | "ON"
  | "WITHOUT"
  // Preprocessors (`@ start()`, duration expressions).
  | "START"
  | "END"
  | "STEP"
  | "RANGE"
  | "MAX_OF"
  | "MIN_OF";

export interface Token {
  readonly type: TokenType;
  /** UTF-16 index of the token's start in the query (see Lexer.bytePos). */
  readonly pos: number;
  /** The token's source text. */
  readonly val: string;
}

type Category = "operator" | "aggregator" | "keyword" | "other";

const OPERATORS: ReadonlyMap<TokenType, string> = new Map<TokenType, string>([
  ["ADD", "+"],
  ["SUB", "-"],
  ["MUL", "*"],
  ["DIV", "/"],
  ["MOD", "%"],
  ["POW", "^"],
  ["EQLC", "=="],
  ["NEQ", "!="],
  ["LSS", "<"],
  ["LTE", "<="],
  ["GTR", ">"],
  ["GTE", ">="],
  ["TRIM_UPPER", "</"],
  ["TRIM_LOWER", ">/"],
  ["EQL_REGEX", "=~"],
  ["NEQ_REGEX", "!~"],
  ["AT", "@"],
  ["LAND", "and"],
  ["LOR", "or"],
  ["LUNLESS", "unless"],
  ["ATAN2", "atan2"],
]);

/** Words lexed as keywords, case-insensitively, outside braces. */
const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ["and", "LAND"],
  ["or", "LOR"],
  ["unless", "LUNLESS"],
  ["atan2", "ATAN2"],
  ["sum", "SUM"],
  ["avg", "AVG"],
  ["count", "COUNT"],
  ["min", "MIN"],
  ["max", "MAX"],
  ["group", "GROUP"],
  ["stddev", "STDDEV"],
  ["stdvar", "STDVAR"],
  ["topk", "TOPK"],
  ["bottomk", "BOTTOMK"],
  ["count_values", "COUNT_VALUES"],
  ["quantile", "QUANTILE"],
  ["limitk", "LIMITK"],
  ["limit_ratio", "LIMIT_RATIO"],
  ["offset", "OFFSET"],
  ["smoothed", "SMOOTHED"],
  ["anchored", "ANCHORED"],
  ["by", "BY"],
  ["without", "WITHOUT"],
  ["on", "ON"],
  ["ignoring", "IGNORING"],
  ["group_left", "GROUP_LEFT"],
  ["group_right", "GROUP_RIGHT"],
  ["fill", "FILL"],
  ["fill_left", "FILL_LEFT"],
  ["fill_right", "FILL_RIGHT"],
  ["bool", "BOOL"],
  ["start", "START"],
  ["end", "END"],
  ["step", "STEP"],
  ["range", "RANGE"],
  ["max_of", "MAX_OF"],
  ["min_of", "MIN_OF"],
  ["inf", "NUMBER"],
  ["nan", "NUMBER"],
]);

/** Aggregation operators; the parser also takes them as label names. */
export const AGGREGATOR_TOKENS: ReadonlySet<TokenType> = new Set<TokenType>([
  "SUM",
  "AVG",
  "COUNT",
  "MIN",
  "MAX",
  "GROUP",
  "STDDEV",
  "STDVAR",
  "TOPK",
  "BOTTOMK",
  "COUNT_VALUES",
  "QUANTILE",
  "LIMITK",
  "LIMIT_RATIO",
]);

const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set<TokenType>([
  "BOOL",
  "BY",
  "GROUP_LEFT",
  "GROUP_RIGHT",
  "FILL",
  "FILL_LEFT",
  "FILL_RIGHT",
  "IGNORING",
  "OFFSET",
  "SMOOTHED",
  "ANCHORED",
  "ON",
  "WITHOUT",
]);

/** Token types that print as their fixed text (punctuation and preprocessors). */
const FIXED_TEXT: ReadonlySet<TokenType> = new Set<TokenType>([
  "LEFT_PAREN",
  "RIGHT_PAREN",
  "LEFT_BRACE",
  "RIGHT_BRACE",
  "LEFT_BRACKET",
  "RIGHT_BRACKET",
  "COMMA",
  "EQL",
  "COLON",
  "START",
  "END",
  "STEP",
  "RANGE",
  "MAX_OF",
  "MIN_OF",
]);

const DURATION_KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ["step", "STEP"],
  ["range", "RANGE"],
  ["max_of", "MAX_OF"],
  ["min_of", "MIN_OF"],
]);

export function category(t: TokenType): Category {
  if (OPERATORS.has(t)) return "operator";
  if (AGGREGATOR_TOKENS.has(t)) return "aggregator";
  if (KEYWORD_TYPES.has(t)) return "keyword";
  return "other";
}

export const isAggregatorToken = (t: TokenType): boolean => AGGREGATOR_TOKENS.has(t);

/** The operator's text as PromQL writes it (`+`, `and`, `atan2`), or undefined. */
export const operatorText = (t: TokenType): string | undefined => OPERATORS.get(t);

/** How Prometheus names a token in "unexpected …" messages. */
export function describeToken(tok: Token): string {
  switch (tok.type) {
    case "EOF":
      return "end of input";
    case "IDENTIFIER":
      return `identifier ${JSON.stringify(tok.val)}`;
    case "METRIC_IDENTIFIER":
      return `metric identifier ${JSON.stringify(tok.val)}`;
    case "STRING":
      return `string ${shortQuote(tok.val)}`;
    case "NUMBER":
      return `number ${shortQuote(tok.val)}`;
    case "DURATION":
      return `duration ${shortQuote(tok.val)}`;
  }
  switch (category(tok.type)) {
    case "operator":
      return `<op:${tok.val}>`;
    case "aggregator":
      return `<aggr:${tok.val}>`;
    case "keyword":
      return `<${tok.val}>`;
    case "other":
      return FIXED_TEXT.has(tok.type) ? shortQuote(tok.val) : tok.val;
  }
}

/** Go's `%q`, cut to ten characters (`%.10q...`) for long values as Prometheus does. */
function shortQuote(s: string): string {
  const chars = Array.from(s);
  return chars.length > 10 ? `${JSON.stringify(chars.slice(0, 10).join(""))}...` : JSON.stringify(s);
}

const EOF = -1;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isAlphaNumeric = (c: number): boolean => isAlpha(c) || isDigit(c);

const DIGITS = "0123456789";
const HEX_DIGITS = "0123456789abcdefABCDEF";

type Mode = "statements" | "durationExpr";

export class Lexer {
  readonly input: string;
  private pos = 0;
  private start = 0;
  private width = 0;
  private mode: Mode = "statements";
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  private gotDuration = false;
  private stringOpen = 0;
  /** UTF-16 index → UTF-8 byte offset, built only for non-ASCII queries. */
  private readonly byteOffsets: Int32Array | null;

  constructor(input: string) {
    this.input = input;
    this.byteOffsets = /[^\x00-\x7f]/.test(input) ? buildByteOffsets(input) : null;
  }

  /** The UTF-8 byte offset of a UTF-16 index (positions in the AST and errors are bytes). */
  bytePos(i: number): number {
    return this.byteOffsets === null ? i : this.byteOffsets[Math.min(i, this.input.length)]!;
  }

  /** The next token; comments are skipped. Throws ParseError on a lexical error. */
  nextToken(): Token {
    for (;;) {
      const tok = this.braceOpen ? this.lexInsideBraces() : this.mode === "durationExpr" ? this.lexDurationExpr() : this.lexStatements();
      if (tok !== null) return tok;
    }
  }

  private fail(msg: string, at: number = this.start): never {
    throw new ParseError(msg, { start: this.bytePos(at), end: this.bytePos(this.input.length) }, this.input);
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const c = this.input.codePointAt(this.pos)!;
    this.width = c > 0xffff ? 2 : 1;
    this.pos += this.width;
    return c;
  }

  private peek(): number {
    return this.pos >= this.input.length ? EOF : this.input.codePointAt(this.pos)!;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private accept(valid: string): boolean {
    const c = this.next();
    if (c !== EOF && valid.includes(String.fromCodePoint(c))) return true;
    this.backup();
    return false;
  }

  private is(valid: string): boolean {
    const c = this.peek();
    return c !== EOF && valid.includes(String.fromCodePoint(c));
  }

  private emit(type: TokenType): Token {
    const tok: Token = { type, pos: this.start, val: this.input.slice(this.start, this.pos) };
    this.start = this.pos;
    return tok;
  }

  private skipSpaces(): void {
    while (isSpace(this.peek())) this.next();
    this.start = this.pos;
  }

  private skipComment(): void {
    this.pos++;
    while (this.pos < this.input.length) {
      const c = this.input.charCodeAt(this.pos);
      if (c === 0x0a || c === 0x0d) break;
      this.pos++;
    }
    this.start = this.pos;
  }

  private lexStatements(): Token | null {
    if (this.input.charCodeAt(this.pos) === 0x23 /* # */) {
      this.skipComment();
      return null;
    }
    const r = this.next();
    if (r === EOF) {
      if (this.parenDepth !== 0) this.fail("unclosed left parenthesis");
      if (this.bracketOpen) this.fail("unclosed left bracket");
      return this.emit("EOF");
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return null;
    }
    switch (r) {
      case 0x2c:
        return this.emit("COMMA");
      case 0x2a:
        return this.emit("MUL");
      case 0x2f:
        return this.emit("DIV");
      case 0x25:
        return this.emit("MOD");
      case 0x2b:
        return this.emit("ADD");
      case 0x2d:
        return this.emit("SUB");
      case 0x5e:
        return this.emit("POW");
      case 0x40:
        return this.emit("AT");
      case 0x3d /* = */: {
        const t = this.peek();
        if (t === 0x3d) {
          this.next();
          return this.emit("EQLC");
        }
        if (t === 0x7e) this.fail(`unexpected character after '=': ${goQuoteRune(t)}`);
        return this.emit("EQL");
      }
      case 0x21 /* ! */: {
        const t = this.next();
        if (t !== 0x3d) this.fail(`unexpected character after '!': ${goQuoteRune(t)}`);
        return this.emit("NEQ");
      }
      case 0x3c /* < */:
        return this.emit(this.accept("=") ? "LTE" : this.accept("/") ? "TRIM_UPPER" : "LSS");
      case 0x3e /* > */:
        return this.emit(this.accept("=") ? "GTE" : this.accept("/") ? "TRIM_LOWER" : "GTR");
      case 0x22:
      case 0x27:
      case 0x60:
        return this.lexQuoted(r);
      case 0x28:
        return this.lexLeftParen();
      case 0x29:
        return this.lexRightParen();
      case 0x7b: {
        const tok = this.emit("LEFT_BRACE");
        this.braceOpen = true;
        return tok;
      }
      case 0x5b: {
        if (this.bracketOpen) this.fail("unexpected left bracket '['");
        this.gotColon = false;
        const tok = this.emit("LEFT_BRACKET");
        this.skipSpaces();
        this.bracketOpen = true;
        this.mode = "durationExpr";
        return tok;
      }
      case 0x5d:
        if (!this.bracketOpen) this.fail("unexpected right bracket ']'");
        this.bracketOpen = false;
        return this.emit("RIGHT_BRACKET");
    }
    if (isDigit(r) || (r === 0x2e && isDigit(this.peek()))) {
      this.backup();
      return this.lexNumberOrDuration();
    }
    if (isAlpha(r) || r === 0x3a) {
      if (!this.bracketOpen) {
        this.backup();
        return this.lexKeywordOrIdentifier();
      }
      if (r === 0x3a) {
        if (this.gotColon) this.fail("unexpected colon ':'");
        this.gotColon = true;
        return this.emit("COLON");
      }
      const kw = this.scanDurationKeyword(r);
      if (kw !== null) return kw;
      this.fail(`unexpected character: ${goQuoteRune(r)}, expected ':'`);
    }
    this.fail(`unexpected character: ${goQuoteRune(r)}`);
  }

  private lexInsideBraces(): Token | null {
    if (this.input.charCodeAt(this.pos) === 0x23 /* # */) {
      this.skipComment();
      return null;
    }
    const r = this.next();
    if (r === EOF) this.fail("unexpected end of input inside braces");
    if (isSpace(r)) {
      this.skipSpaces();
      return null;
    }
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.next())) {
        /* consume */
      }
      this.backup();
      return this.emit("IDENTIFIER");
    }
    switch (r) {
      case 0x2c:
        return this.emit("COMMA");
      case 0x22:
      case 0x27:
      case 0x60:
        return this.lexQuoted(r);
      case 0x3d:
        if (this.next() === 0x7e) return this.emit("EQL_REGEX");
        this.backup();
        return this.emit("EQL");
      case 0x21: {
        const nr = this.next();
        if (nr === 0x7e) return this.emit("NEQ_REGEX");
        if (nr === 0x3d) return this.emit("NEQ");
        this.fail(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
      }
      // falls through (unreachable: fail throws)
      case 0x7b:
        this.fail("unexpected left brace '{'");
      // falls through
      case 0x7d: {
        this.braceOpen = false;
        return this.emit("RIGHT_BRACE");
      }
    }
    this.fail(`unexpected character inside braces: ${goQuoteRune(r)}`);
  }

  private lexDurationExpr(): Token | null {
    const r = this.next();
    if (r === EOF) this.fail("unexpected end of input in duration expression");
    if (isSpace(r)) {
      this.skipSpaces();
      return null;
    }
    switch (r) {
      case 0x5d: {
        this.bracketOpen = false;
        this.gotColon = false;
        this.mode = "statements";
        return this.emit("RIGHT_BRACKET");
      }
      case 0x3a: {
        const tok = this.emit("COLON");
        if (!this.gotDuration) this.fail("unexpected colon before duration in duration expression");
        if (this.gotColon) this.fail("unexpected repeated colon in duration expression");
        this.gotColon = true;
        return tok;
      }
      case 0x28:
        return this.lexLeftParen();
      case 0x29:
        return this.lexRightParen();
      case 0x2b:
        return this.emit("ADD");
      case 0x2d:
        return this.emit("SUB");
      case 0x2a:
        return this.emit("MUL");
      case 0x2f:
        return this.emit("DIV");
      case 0x25:
        return this.emit("MOD");
      case 0x5e:
        return this.emit("POW");
      case 0x2c:
        return this.emit("COMMA");
    }
    if (isAlpha(r)) {
      const kw = this.scanDurationKeyword(r);
      if (kw !== null) return kw;
      this.fail(`unexpected character in duration expression: ${goQuoteRune(r)}`);
    }
    if (isDigit(r) || (r === 0x2e && isDigit(this.peek()))) {
      this.backup();
      this.gotDuration = true;
      this.mode = "statements";
      return this.lexNumberOrDuration();
    }
    this.fail(`unexpected character in duration expression: ${goQuoteRune(r)}`);
  }

  /** After the first letter `r` inside brackets: `step`, `range`, `max_of` or `min_of`, else null. */
  private scanDurationKeyword(r: number): Token | null {
    const first = String.fromCodePoint(r).toLowerCase();
    if (first !== "s" && first !== "r" && first !== "m") return null;
    while (isAlpha(this.peek())) this.next();
    const type = DURATION_KEYWORDS.get(this.input.slice(this.start, this.pos).toLowerCase());
    return type === undefined ? null : this.emit(type);
  }

  /** Parentheses nest across lexing states, so both states count them here. */
  private lexLeftParen(): Token {
    this.parenDepth++;
    return this.emit("LEFT_PAREN");
  }

  private lexRightParen(): Token {
    const tok = this.emit("RIGHT_PAREN");
    this.parenDepth--;
    if (this.parenDepth < 0) this.fail("unexpected right parenthesis ')'");
    return tok;
  }

  /** A string literal opened by `open`: backquoted strings take no escapes. */
  private lexQuoted(open: number): Token {
    this.stringOpen = open;
    return open === 0x60 ? this.lexRawString() : this.lexString();
  }

  private lexString(): Token {
    for (;;) {
      const c = this.next();
      if (c === 0x5c) {
        this.lexEscape();
        continue;
      }
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) this.fail("invalid UTF-8 rune");
      if (c === EOF || c === 0x0a) this.fail("unterminated quoted string");
      if (c === this.stringOpen) return this.emit("STRING");
    }
  }

  private lexRawString(): Token {
    for (;;) {
      const c = this.next();
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) this.fail("invalid UTF-8 rune");
      if (c === EOF) this.fail("unterminated raw string");
      if (c === this.stringOpen) return this.emit("STRING");
    }
  }

  private lexEscape(): void {
    let ch = this.next();
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 0x61:
      case 0x62:
      case 0x66:
      case 0x6e:
      case 0x72:
      case 0x74:
      case 0x76:
      case 0x5c:
      case this.stringOpen:
        return;
      case 0x78 /* x */:
        ch = this.next();
        [n, base, max] = [2, 16, 255];
        break;
      case 0x75 /* u */:
        ch = this.next();
        [n, base, max] = [4, 16, 0x10ffff];
        break;
      case 0x55 /* U */:
        ch = this.next();
        [n, base, max] = [8, 16, 0x10ffff];
        break;
      case EOF:
        this.fail("escape sequence not terminated");
      // falls through (unreachable)
      default:
        if (ch >= 0x30 && ch <= 0x37) {
          [n, base, max] = [3, 8, 255];
          break;
        }
        this.fail(`unknown escape sequence ${goUnicodeRune(ch)}`);
    }
    let x = 0;
    for (;;) {
      const d = digitVal(ch);
      if (d >= base) {
        if (ch === EOF) this.fail("escape sequence not terminated");
        this.fail(`illegal character ${goUnicodeRune(ch)} in escape sequence`);
      }
      x = x * base + d;
      if (--n === 0) break;
      ch = this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) this.fail("escape sequence is an invalid Unicode code point");
  }

  private lexNumberOrDuration(): Token {
    if (this.scanNumber()) return this.emit("NUMBER");
    if (this.acceptRemainingDuration()) {
      this.backup();
      return this.emit("DURATION");
    }
    this.fail(`bad number or duration syntax: ${JSON.stringify(this.input.slice(this.start, this.pos))}`);
  }

  private acceptRemainingDuration(): boolean {
    if (!this.accept("smhdwy")) return false;
    this.accept("s");
    while (this.accept(DIGITS)) {
      while (this.accept(DIGITS)) {
        /* consume */
      }
      if (!this.accept("smhdw")) return false;
      this.accept("s");
    }
    return !isAlphaNumeric(this.next());
  }

  /** Scans a number the way Prometheus's lexer does, including its quirks (hex, `_`, exponent checks). */
  private scanNumber(): boolean {
    const initial = this.pos;
    let digits = DIGITS;
    if (this.accept("0") && this.accept("xX")) {
      this.accept("_");
      digits = HEX_DIGITS;
    }
    this.accept(".");
    this.accept(digits);
    let dotConsumed = false;
    let exponentConsumed = false;
    while (this.is(digits + "._eE")) {
      if (this.is(".") && dotConsumed) {
        this.accept(".");
        return false;
      }
      if (this.is("eE") && exponentConsumed) {
        this.accept("eE");
        return false;
      }
      if (this.accept(".")) {
        dotConsumed = true;
        if (this.accept("_.")) return false;
        if (digits.length > 10) return false;
        continue;
      }
      if (this.accept("eE")) {
        exponentConsumed = true;
        this.accept("+-");
        if (this.accept("._eE") || this.peek() === EOF) return false;
        continue;
      }
      if (this.accept("_")) {
        if (this.accept("._eE") || this.peek() === EOF) return false;
        continue;
      }
      while (this.accept(digits)) {
        /* consume */
      }
    }
    if (this.pos === initial) return false;
    return !isAlphaNumeric(this.peek());
  }

  private lexKeywordOrIdentifier(): Token {
    for (;;) {
      const r = this.next();
      if (isAlphaNumeric(r) || r === 0x3a) continue;
      this.backup();
      break;
    }
    const word = this.input.slice(this.start, this.pos);
    const kw = KEYWORDS.get(word.toLowerCase());
    if (kw !== undefined) {
      if ((kw === "FILL" || kw === "FILL_LEFT" || kw === "FILL_RIGHT") && !this.followedByLeftParen()) return this.emit("IDENTIFIER");
      return this.emit(kw);
    }
    return this.emit(word.includes(":") ? "METRIC_IDENTIFIER" : "IDENTIFIER");
  }

  private followedByLeftParen(): boolean {
    for (let i = this.pos; i < this.input.length; i++) {
      const c = this.input.charCodeAt(i);
      if (!isSpace(c)) return c === 0x28;
    }
    return false;
  }
}

function digitVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}

function buildByteOffsets(s: string): Int32Array {
  const out = new Int32Array(s.length + 1);
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    out[i] = b;
    const c = s.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      out[++i] = b;
      b += 4;
    } else b += 3;
  }
  out[s.length] = b;
  return out;
}
