import { describe, expect, it } from "vitest";
import { parseDurationParam, parseTime } from "./params";
import { formatValue } from "./response";

describe("API parameters", () => {
  it("parses float seconds and RFC 3339", () => {
    expect(parseTime("1700000000")).toBe(1_700_000_000_000);
    expect(parseTime("1700000000.123")).toBe(1_700_000_000_123);
    expect(parseTime("2023-11-14T22:13:20Z")).toBe(1_700_000_000_000);
    expect(parseTime("2023-11-14T23:13:20.5+01:00")).toBe(1_700_000_000_500);
    expect(parseTime("yesterday")).toBeNull();
    expect(parseTime("2023-11-14")).toBeNull();
  });
  it("parses durations and float seconds", () => {
    expect(parseDurationParam("15")).toBe(15_000);
    expect(parseDurationParam("0.5")).toBe(500);
    expect(parseDurationParam("1h30m")).toBe(5_400_000);
    expect(parseDurationParam("250ms")).toBe(250);
    expect(parseDurationParam("5x")).toBeNull();
    expect(parseDurationParam("")).toBeNull();
  });
  it("formats values like Prometheus", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    // strconv.FormatFloat keeps the sign of zero.
    expect(formatValue(-0)).toBe("-0");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(1.5)).toBe("1.5");
    expect(formatValue(1e21)).toBe("1000000000000000000000");
    expect(formatValue(1.5e-7)).toBe("0.00000015");
    expect(formatValue(-2.5e22)).toBe("-25000000000000000000000");
  });
});
