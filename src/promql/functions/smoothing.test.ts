import { describe, expect, it } from "vitest";
import { Annotations } from "./annotations";
import { doubleExponentialSmoothing, validateSmoothingFactors } from "./smoothing";

const run = (values: number[], sf: number, tf: number) => {
  const vs = Float64Array.from(values);
  const ts = vs.map((_, i) => i * 1000);
  return doubleExponentialSmoothing(ts, vs, 0, vs.length, {
    rangeStart: -1,
    rangeEnd: vs.length * 1000,
    params: [sf, tf],
    annotations: new Annotations(),
    metricName: "",
  });
};

describe("double_exponential_smoothing", () => {
  it("follows Holt's recurrences", () => {
    // level0 = 1, trend0 = 2-1 = 1.
    // i=1: level = 0.5·2 + 0.5·(1+1) = 2 (initial trend unchanged).
    // i=2: trend = 0.5·(2-1) + 0.5·1 = 1; level = 0.5·4 + 0.5·(2+1) = 3.5.
    expect(run([1, 2, 4], 0.5, 0.5)).toBeCloseTo(3.5, 14);
  });

  it("tracks a straight line exactly", () => {
    expect(run([0, 10, 20, 30, 40], 0.3, 0.6)).toBeCloseTo(40, 10);
  });

  it("needs two samples", () => {
    expect(run([5], 0.5, 0.5)).toBeUndefined();
  });

  it("rejects factors outside (0, 1) with Prometheus's messages", () => {
    expect(validateSmoothingFactors(0.5, 0.5)).toBeUndefined();
    expect(validateSmoothingFactors(0, 0.5)).toBe("invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000");
    expect(validateSmoothingFactors(0.5, 1.5)).toBe("invalid trend factor. Expected: 0 < tf < 1, got: 1.500000");
    expect(validateSmoothingFactors(1, 1)).toMatch(/^invalid smoothing factor/);
    expect(validateSmoothingFactors(NaN, 0.5)).toBeUndefined();
  });
});
