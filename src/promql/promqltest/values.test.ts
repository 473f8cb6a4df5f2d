import { describe, expect, it } from "vitest";
import { isStaleNaN } from "../engine/stale";
import { parseSequence, parseTestDuration, splitSeriesLine } from "./values";

const floats = (s: string) => parseSequence(s).map((v) => (v.kind === "float" ? v.value : v.kind));

describe("series notation", () => {
  it("expands increments to n+1 values", () => {
    expect(floats("1+2x3")).toEqual([1, 3, 5, 7]);
    expect(floats("10-1x2 5x2")).toEqual([10, 9, 8, 5, 5, 5]);
    expect(floats("-1+-1x2")).toEqual([-1, -2, -3]);
    // `0x10` is zero repeated, not hex.
    expect(floats("2+0x2")).toEqual([2, 2, 2]);
  });

  it("knows omitted values, NaN, Inf and stale markers", () => {
    expect(floats("_ _x2 NaN Inf -Inf")).toEqual(["omitted", "omitted", "omitted", NaN, Infinity, -Infinity]);
    const [s] = parseSequence("stale");
    expect(s?.kind === "float" && isStaleNaN(s.value)).toBe(true);
  });

  it("keeps native histogram literals whole", () => {
    expect(parseSequence("{{schema:0 sum:1 count:1}}x1 1").map((v) => v.kind)).toEqual(["histogram", "histogram", "float"]);
  });

  it("splits metric and values, honouring braces and quotes", () => {
    expect(splitSeriesLine('m{a="x} y"} 1 2')).toEqual(['m{a="x} y"}', "1 2"]);
    expect(splitSeriesLine("up 1")).toEqual(["up", "1"]);
  });

  it("parses Prometheus durations", () => {
    expect(parseTestDuration("1h30m")).toBe(5_400_000);
    expect(parseTestDuration("0")).toBe(0);
    expect(() => parseTestDuration("5")).toThrow();
  });
});
