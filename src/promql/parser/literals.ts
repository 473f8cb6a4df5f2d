/**
 * Literal syntax shared by the lexer, parser and printer: Prometheus
 * durations, Go-style number parsing and formatting, and Go-style string
 * quoting (PromQL strings follow Go's escape rules).
 */

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const MS_PER_WEEK = 7 * MS_PER_DAY;
const MS_PER_YEAR = 365 * MS_PER_DAY;

/** Unit → [order (biggest first), ms]. Units must appear in that order, each once. */
const DURATION_UNITS: ReadonlyMap<string, readonly [number, number]> = new Map([
  ["y", [1, MS_PER_YEAR]],
  ["w", [2, MS_PER_WEEK]],
  ["d", [3, MS_PER_DAY]],
  ["h", [4, MS_PER_HOUR]],
  ["m", [5, MS_PER_MINUTE]],
  ["s", [6, MS_PER_SECOND]],
  ["ms", [7, 1]],
]);

/** The largest duration Go's time.Duration holds (2^63 ns), in ms. */
const MAX_DURATION_MS = 2 ** 63 / 1e6;

export class DurationError extends Error {}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Parses a Prometheus duration (`1h30m`, `5m`, `1y`, `250ms`, or a bare `0`)
 * into milliseconds, the way `model.ParseDuration` does: units from years
 * down to milliseconds, each at most once and in that order; y = 365d, w = 7d.
 */
export function parseDuration(s: string): number {
  if (s === "0") return 0;
  if (s === "") throw new DurationError("empty duration string");
  const invalid = () => new DurationError(`not a valid duration string: ${goQuote(s)}`);
  let ms = 0;
  let lastOrder = 0;
  let i = 0;
  while (i < s.length) {
    const numStart = i;
    while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
    if (i === numStart) throw invalid();
    const n = Number(s.slice(numStart, i));
    const unitStart = i;
    while (i < s.length && !isDigitCode(s.charCodeAt(i))) i++;
    if (i === unitStart) throw invalid();
    const unitName = s.slice(unitStart, i);
    const unit = DURATION_UNITS.get(unitName);
    if (unit === undefined) throw new DurationError(`unknown unit ${goQuote(unitName)} in duration ${goQuote(s)}`);
    if (unit[0] <= lastOrder) throw invalid();
    lastOrder = unit[0];
    ms += n * unit[1];
    if (ms >= MAX_DURATION_MS) throw new DurationError("duration out of range");
  }
  return ms;
}

/**
 * Prometheus's canonical duration text (`model.Duration.String`): `0s` for
 * zero; years and weeks only when they divide the duration exactly (so 8d
 * stays `8d`), then d, h, m, s, ms. Sub-millisecond parts are dropped.
 */
export function formatDuration(ms: number): string {
  let rest = Math.trunc(ms);
  if (rest === 0) return "0s";
  let out = "";
  if (rest < 0) {
    out = "-";
    rest = -rest;
  }
  const take = (unit: string, size: number, exact: boolean) => {
    if (exact && rest % size !== 0) return;
    const v = Math.floor(rest / size);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * size;
    }
  };
  take("y", MS_PER_YEAR, true);
  take("w", MS_PER_WEEK, true);
  take("d", MS_PER_DAY, false);
  take("h", MS_PER_HOUR, false);
  take("m", MS_PER_MINUTE, false);
  take("s", MS_PER_SECOND, false);
  take("ms", 1, false);
  return out;
}

/**
 * A number or a duration, as the HTTP API accepts for `step`, `timeout` and
 * the like: `15`, `1.5` (seconds) or `1m30s`. Returns milliseconds.
 */
export function parseNumberOrDuration(s: string): number {
  const trimmed = s.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed);
    if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
  }
  return parseDuration(trimmed);
}

export class NumberSyntaxError extends Error {}

/**
 * Converts a lexed number token the way Prometheus does: first as a Go
 * integer literal with base prefix (`0x1F`, `0755` octal, `_` separators),
 * then as a Go float (`1e3`, `.5`, `Inf`, `NaN`).
 */
export function parseNumberToken(text: string): number {
  const clean = text.includes("_") ? text.replace(/_/g, "") : text;
  const int = parseGoInt(clean);
  if (int !== null) return int;
  const lower = clean.toLowerCase();
  const unsigned = lower[0] === "+" || lower[0] === "-" ? lower.slice(1) : lower;
  const negative = lower[0] === "-";
  if (unsigned === "inf" || unsigned === "infinity") return negative ? -Infinity : Infinity;
  if (unsigned === "nan") return NaN;
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(unsigned)) {
    throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
  }
  const v = Number(unsigned);
  if (!Number.isFinite(v)) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${goQuote(text)}: value out of range`);
  return negative ? -v : v;
}

/** Go's `strconv.ParseInt(s, 0, 64)` as a float, or null if it would fail. */
function parseGoInt(s: string): number | null {
  let body = s;
  let sign = 1;
  if (body[0] === "+" || body[0] === "-") {
    if (body[0] === "-") sign = -1;
    body = body.slice(1);
  }
  let base = 10;
  let digits = body;
  if (/^0[xX]/.test(body)) {
    base = 16;
    digits = body.slice(2);
  } else if (/^0[oO]/.test(body)) {
    base = 8;
    digits = body.slice(2);
  } else if (/^0[bB]/.test(body)) {
    base = 2;
    digits = body.slice(2);
  } else if (body.length > 1 && body[0] === "0") {
    base = 8;
    digits = body.slice(1);
  }
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  const big = BigInt(base === 10 ? digits : `0${base === 16 ? "x" : base === 8 ? "o" : "b"}${digits}`) * BigInt(sign);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return null;
  return Number(big);
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const s = String(v);
  if (!s.includes("e")) return s;
  const negative = v < 0;
  const [mantissa, expText] = Math.abs(v).toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace(".", "");
  let out: string;
  if (exp >= 0) {
    out = digits.length - 1 <= exp ? digits + "0".repeat(exp - (digits.length - 1)) : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return negative ? `-${out}` : out;
}

/** Go's `%f` (six decimals), used in a few error messages. */
export function formatGoFixed6(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return v.toFixed(6);
}

/** Whether Go's `unicode.IsPrint` holds (letters, marks, numbers, punctuation, symbols, ASCII space). */
function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp < 0x7f) return true;
  return !NON_PRINT.test(String.fromCodePoint(cp));
}
const NON_PRINT = /^[\p{C}\p{Z}]$/u;

/** Go's `strconv.Quote`: a double-quoted string with Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += "\\\\";
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else if (isPrint(cp)) out += ch;
    else out += escapeNonPrint(cp);
  }
  return out + '"';
}

/** Go's `%q` of a single rune: `'a'`, `'\''`, `'\n'`. */
export function goQuoteRune(cp: number): string {
  if (cp === 0x27) return "'\\''";
  if (cp === 0x5c) return "'\\\\'";
  if (cp >= 0xd800 && cp <= 0xdfff) return "'\\ufffd'";
  return isPrint(cp) ? `'${String.fromCodePoint(cp)}'` : `'${escapeNonPrint(cp)}'`;
}

/** Go's `%#U`: `U+0063 'c'`, or just `U+000A` for non-printable runes. */
export function goUnicodeRune(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return isPrint(cp) ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}

function escapeNonPrint(cp: number): string {
  switch (cp) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/**
 * The value of a string token (quotes included). The lexer has already
 * rejected bad escapes, so this only decodes. `\x` and octal escapes are
 * bytes: runs of them are decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function unquoteString(token: string): string {
  return decodeStringToken(token).value;
}

export interface DecodedString {
  readonly value: string;
  /**
   * The literal's exact bytes when its `\x`/octal escapes do not form valid
   * UTF-8 (Prometheus keeps such bytes; `value` has U+FFFD in their place),
   * else null.
   */
  readonly invalidUtf8: Uint8Array | null;
}

/** Decodes a string token, also reporting bytes that are not valid UTF-8. */
export function decodeStringToken(token: string): DecodedString {
  const quote = token[0];
  const body = token.slice(1, -1);
  if (quote === "`" || !body.includes("\\")) return { value: body, invalidUtf8: null };
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      const cp = body.codePointAt(i)!;
      pushUtf8(bytes, cp);
      if (cp > 0xffff) i++;
      continue;
    }
    const e = body[++i]!;
    if (e === "x") {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e >= "0" && e <= "7") {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      pushUtf8(bytes, parseInt(body.slice(i + 1, i + 1 + n), 16));
      i += n;
    } else {
      pushUtf8(bytes, (SIMPLE_ESCAPES[e] ?? e).codePointAt(0)!);
    }
  }
  const { value, valid } = decodeUtf8(bytes);
  return { value, invalidUtf8: valid ? null : Uint8Array.from(bytes) };
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/**
 * The rune starting at `bytes[i]` and its length in bytes, or null when the
 * bytes there are not valid UTF-8 (then Go reads one byte as U+FFFD).
 */
function runeAt(bytes: ArrayLike<number>, i: number): { cp: number; size: number } | null {
  const b = bytes[i]!;
  if (b < 0x80) return { cp: b, size: 1 };
  const need = b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
  if (need < 0 || i + need >= bytes.length) return null;
  let cp = b & (0x3f >> need);
  for (let k = 1; k <= need; k++) {
    const cont = bytes[i + k]!;
    if ((cont & 0xc0) !== 0x80) return null;
    cp = (cp << 6) | (cont & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return null;
  return { cp, size: need + 1 };
}

/** Lenient UTF-8 decoding (no TextDecoder: it differs between runtimes' typings). */
function decodeUtf8(bytes: readonly number[]): { value: string; valid: boolean } {
  let value = "";
  let valid = true;
  let i = 0;
  while (i < bytes.length) {
    const r = runeAt(bytes, i);
    if (r === null) {
      value += "\ufffd";
      valid = false;
      i++;
      continue;
    }
    value += String.fromCodePoint(r.cp);
    i += r.size;
  }
  return { value, valid };
}

/** Go's `strconv.Quote` of a byte string: like {@link goQuote}, with bytes outside valid UTF-8 as `\xNN`. */
export function goQuoteBytes(bytes: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const r = runeAt(bytes, i);
    if (r === null) {
      out += `\\x${bytes[i]!.toString(16).padStart(2, "0")}`;
      i++;
      continue;
    }
    out += goQuote(String.fromCodePoint(r.cp)).slice(1, -1);
    i += r.size;
  }
  return out + '"';
}
