import { describe, expect, it } from "vitest";
import { Annotations } from "./annotations";
import { deriv, linearRegression, predictLinear, regression } from "./regression";

const ctx = (rangeEnd: number, params: number[] = [], evalTime?: number) => ({
  rangeStart: 0,
  rangeEnd,
  params,
  annotations: new Annotations(),
  metricName: "",
  ...(evalTime === undefined ? {} : { evalTime }),
});

describe("deriv", () => {
  it("gives the slope of a perfect line", () => {
    // v = 3 + 0.5·t(s) at t = 10, 20, 40, 70s.
    const ts = Float64Array.from([10_000, 20_000, 40_000, 70_000]);
    const vs = ts.map((t) => 3 + 0.5 * (t / 1000));
    expect(deriv(ts, vs, 0, 4, ctx(70_000))).toBeCloseTo(0.5, 14);
  });

  it("fits a least-squares slope", () => {
    // Points (0,0), (1,1), (2,1): slope = cov/var = 0.5.
    const ts = Float64Array.from([0, 1000, 2000]);
    const vs = Float64Array.from([0, 1, 1]);
    expect(deriv(ts, vs, 0, 3, ctx(2000))).toBeCloseTo(0.5, 14);
  });

  it("is exactly 0 for flat series and NaN for flat infinite ones", () => {
    const ts = Float64Array.from([0, 1000, 2000]);
    expect(deriv(ts, Float64Array.from([7, 7, 7]), 0, 3, ctx(2000))).toBe(0);
    expect(deriv(ts, Float64Array.from([Infinity, Infinity, Infinity]), 0, 3, ctx(2000))).toBeNaN();
  });

  it("stays accurate for timestamps far from the epoch", () => {
    // Slope 1/s at t ≈ 1.7e9 s with values ≈ 1e12. x is relative to the
    // first sample so the epoch offset costs nothing; the value offset
    // still cancels in cov(x, y), like in Prometheus, leaving ~1e-7.
    const ts = new Float64Array(100);
    const vs = new Float64Array(100);
    for (let i = 0; i < 100; i++) {
      ts[i] = 1.7e12 + i * 15_000;
      vs[i] = 1e12 + i * 15;
    }
    expect(deriv(ts, vs, 0, 100, ctx(ts[99]!))).toBeCloseTo(1, 6);
  });

  it("needs two samples", () => {
    expect(deriv(Float64Array.of(0), Float64Array.of(1), 0, 1, ctx(0))).toBeUndefined();
  });
});

describe("predict_linear", () => {
  const ts = Float64Array.from([0, 60_000, 120_000]);
  const vs = Float64Array.from([10, 16, 22]); // 10 + 0.1·t(s)

  it("extends the line from the evaluation time", () => {
    // At 120s the line is 22; 600s later 22 + 60 = 82.
    expect(predictLinear(ts, vs, 0, 3, ctx(120_000, [600]))).toBeCloseTo(82, 10);
  });

  it("anchors at evalTime rather than the offset window end", () => {
    // Window ends at 120s (offset 1h), evaluated at 3720s: 10 + 0.1·3720.
    expect(predictLinear(ts, vs, 0, 3, ctx(120_000, [0], 3_720_000))).toBeCloseTo(382, 9);
  });

  it("exposes the intercept at the anchor", () => {
    linearRegression(ts, vs, 0, 3, 0);
    expect(regression.slope).toBeCloseTo(0.1, 14);
    expect(regression.intercept).toBeCloseTo(10, 12);
  });
});
