import { describe, expect, it } from "vitest";
import { decodeStringToken, formatDuration, formatFloat, goQuote, goQuoteBytes, parseDuration, parseNumberOrDuration, unquoteString } from "./literals";

describe("durations", () => {
  it.each([
    ["0", 0],
    ["5ms", 5],
    ["1s", 1000],
    ["1h30m", 5_400_000],
    ["1y", 365 * 86_400_000],
    ["2w", 14 * 86_400_000],
    ["1d2h3m4s5ms", 86_400_000 + 7_200_000 + 180_000 + 4_000 + 5],
  ])("parses %s", (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each([
    ["", "empty duration string"],
    ["5", 'not a valid duration string: "5"'],
    ["1m1h", 'not a valid duration string: "1m1h"'],
    ["1m1m", 'not a valid duration string: "1m1m"'],
    ["1x", 'unknown unit "x" in duration "1x"'],
    ["-1m", 'not a valid duration string: "-1m"'],
    ["300y", "duration out of range"],
  ])("rejects %j", (s, msg) => expect(() => parseDuration(s)).toThrow(msg));

  it.each([
    [0, "0s"],
    [90_000, "1m30s"],
    [8 * 86_400_000, "8d"],
    [14 * 86_400_000, "2w"],
    [366 * 86_400_000, "366d"],
    [1_500, "1s500ms"],
    [-60_000, "-1m"],
  ])("formats %i ms as %s", (ms, s) => expect(formatDuration(ms)).toBe(s));

  it("accepts numbers of seconds or durations for API parameters", () => {
    expect(parseNumberOrDuration("15")).toBe(15_000);
    expect(parseNumberOrDuration("0.5")).toBe(500);
    expect(parseNumberOrDuration("1m30s")).toBe(90_000);
    expect(() => parseNumberOrDuration("abc")).toThrow();
  });
});

describe("Go-compatible number and string forms", () => {
  it.each([
    [1, "1"],
    [0.1, "0.1"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [-0, "-0"],
    [Infinity, "+Inf"],
    [NaN, "NaN"],
  ])("formats %d like FormatFloat('f', -1)", (v, s) => expect(formatFloat(v)).toBe(s));

  it("quotes like strconv.Quote", () => {
    expect(goQuote('a"b\\c\n\t\x01é😀')).toBe('"a\\"b\\\\c\\n\\t\\x01é😀"');
    expect(goQuote("\u00ad")).toBe('"\\u00ad"');
  });

  it("unquotes all escape forms", () => {
    expect(unquoteString('"\\a\\b\\f\\n\\r\\t\\v\\\\\\""')).toBe('\x07\b\f\n\r\t\v\\"');
    expect(unquoteString('"\\x41\\101\\u00e9\\U0001F600"')).toBe("AAé😀");
    expect(unquoteString('"\\xc3\\xa9"')).toBe("é");
    expect(unquoteString("'\\''")).toBe("'");
    expect(unquoteString("`a\\nb`")).toBe("a\\nb");
  });
});

describe("string literals with byte escapes", () => {
  it("keeps the bytes when they are not valid UTF-8", () => {
    const d = decodeStringToken('"a\\xc5z"');
    expect(d.value).toBe("a\ufffdz");
    expect(d.invalidUtf8).toEqual(Uint8Array.of(0x61, 0xc5, 0x7a));
    expect(goQuoteBytes(d.invalidUtf8!)).toBe('"a\\xc5z"');
    // Octal escapes are bytes too; an overlong encoding is not valid UTF-8.
    expect(decodeStringToken('"\\300\\200"').invalidUtf8).toEqual(Uint8Array.of(0xc0, 0x80));
    expect(decodeStringToken('"\\xe0\\x80\\x80"').value).toBe("\ufffd\ufffd\ufffd");
  });

  it("decodes valid byte runs as UTF-8 and reports nothing", () => {
    expect(decodeStringToken('"\\xc3\\xa9t\\u00e9"')).toEqual({ value: "été", invalidUtf8: null });
    expect(decodeStringToken('"𝄞\\n"')).toEqual({ value: "𝄞\n", invalidUtf8: null });
    expect(decodeStringToken("`\\xff`")).toEqual({ value: "\\xff", invalidUtf8: null });
  });

  it("quotes valid runes of a byte string like strconv.Quote", () => {
    expect(goQuoteBytes(Uint8Array.of(0xff, 0x0a, 0x22, 0xc3, 0xa9))).toBe('"\\xff\\n\\"é"');
  });
});
