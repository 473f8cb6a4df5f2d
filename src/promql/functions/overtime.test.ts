import { describe, expect, it } from "vitest";
import { Annotations, invalidQuantileWarning } from "./annotations";
import type { RangeContext, RangeKernel } from "./context";
import { RANGE_FUNCTIONS } from "./range";

function run(name: string, values: number[], params: number[] = [], annotations = new Annotations()): number | undefined {
  const kernel: RangeKernel = RANGE_FUNCTIONS.get(name)!;
  const vs = Float64Array.from(values);
  const ts = vs.map((_, i) => (i + 1) * 1000);
  const ctx: RangeContext = { rangeStart: 0, rangeEnd: values.length * 1000, params, annotations, metricName: "m", positionRange: { start: 19, end: 20 } };
  return kernel(ts, vs, 0, vs.length, ctx);
}

describe("sum/avg/count/present/first/last over time", () => {
  it("computes the plain reductions", () => {
    expect(run("sum_over_time", [1, 2, 3, 4])).toBe(10);
    expect(run("avg_over_time", [1, 2, 3, 4])).toBe(2.5);
    expect(run("count_over_time", [1, 2, 3, 4])).toBe(4);
    expect(run("present_over_time", [7])).toBe(1);
    expect(run("first_over_time", [5, 6, 7])).toBe(5);
    expect(run("last_over_time", [5, 6, 7])).toBe(7);
    // Timestamps are 1s, 2s, 3s.
    expect(run("ts_of_first_over_time", [5, 6, 7])).toBe(1);
    expect(run("ts_of_last_over_time", [5, 6, 7])).toBe(3);
  });

  it("compensates summation error", () => {
    // Naively 1e100 + 1 - 1e100 = 0; the compensated sum keeps the 1.
    expect(run("sum_over_time", [1e100, 1, -1e100])).toBe(1);
    expect(run("avg_over_time", [1e100, 1, -1e100, 1])).toBe(0.5);
  });

  it("averages values whose sum would overflow", () => {
    expect(run("avg_over_time", [Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
    const avg = run("avg_over_time", [Number.MAX_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE])!;
    expect(avg / (Number.MAX_VALUE / 3)).toBeCloseTo(1, 12);
    expect(run("sum_over_time", [Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Infinity);
  });

  it("follows IEEE rules for Inf and NaN", () => {
    expect(run("avg_over_time", [Infinity, 1])).toBe(Infinity);
    expect(run("avg_over_time", [Infinity, -Infinity])).toBeNaN();
    expect(run("sum_over_time", [1, NaN])).toBeNaN();
  });

  it("produces nothing for an empty window", () => {
    for (const name of RANGE_FUNCTIONS.keys()) expect(run(name, [], [0.5, 0.5]), name).toBeUndefined();
  });
});

describe("min/max over time", () => {
  it("skip NaN unless everything is NaN", () => {
    expect(run("min_over_time", [NaN, 3, 1])).toBe(1);
    expect(run("max_over_time", [NaN, 3, 1])).toBe(3);
    expect(run("max_over_time", [1, NaN, 0])).toBe(1);
    expect(run("min_over_time", [NaN, NaN])).toBeNaN();
  });

  it("ts_of_ variants return the latest of equal extremes, in seconds", () => {
    expect(run("ts_of_max_over_time", [5, 7, 7, 2])).toBe(3);
    expect(run("ts_of_min_over_time", [2, 1, 1, 3])).toBe(3);
    expect(run("ts_of_min_over_time", [NaN, 4])).toBe(2);
  });
});

describe("stddev/stdvar over time", () => {
  it("are the population statistics", () => {
    // Mean 5, squared deviations sum to 32 over 8 values.
    expect(run("stdvar_over_time", [2, 4, 4, 4, 5, 5, 7, 9])).toBe(4);
    expect(run("stddev_over_time", [2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(run("stdvar_over_time", [42])).toBe(0);
  });

  it("are not hurt by a large common offset", () => {
    // Variance of {1, 2, 3} is 2/3 whatever the offset.
    expect(run("stdvar_over_time", [1e9 + 1, 1e9 + 2, 1e9 + 3])).toBeCloseTo(2 / 3, 12);
  });
});

describe("quantile_over_time / mad_over_time", () => {
  it("interpolates between ranks", () => {
    // rank = 0.25·3 = 0.75 between 1 and 2.
    expect(run("quantile_over_time", [4, 1, 3, 2], [0.25])).toBe(1.75);
    expect(run("quantile_over_time", [4, 1, 3, 2], [1])).toBe(4);
  });

  it("warns for φ outside [0, 1] and returns ±Inf/NaN", () => {
    const a = new Annotations();
    expect(run("quantile_over_time", [1, 2], [2], a)).toBe(Infinity);
    expect(run("quantile_over_time", [1, 2], [-1], a)).toBe(-Infinity);
    expect(run("quantile_over_time", [1, 2], [NaN], a)).toBeNaN();
    expect(run("quantile_over_time", [1, 2], [2], a)).toBe(Infinity);
    expect(a.warnings).toEqual([
      invalidQuantileWarning(2),
      invalidQuantileWarning(-1),
      invalidQuantileWarning(NaN),
    ]);
    expect(a.asStrings("quantile_over_time(2, m[1m])").warnings[0]).toBe(
      "PromQL warning: quantile value should be between 0 and 1, got 2 (1:20)",
    );
  });

  it("mad is the median of absolute deviations from the median", () => {
    // Median 2; deviations 1,1,0,0,2,4,7 → median 1.
    expect(run("mad_over_time", [1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(run("mad_over_time", [1, NaN, 3])).toBeNaN();
  });

  it("does not reorder the caller's samples", () => {
    const vs = Float64Array.from([3, 1, 2]);
    const ts = Float64Array.from([1, 2, 3]);
    RANGE_FUNCTIONS.get("quantile_over_time")!(ts, vs, 0, 3, {
      rangeStart: 0,
      rangeEnd: 3,
      params: [0.5],
      annotations: new Annotations(),
      metricName: "",
    });
    expect(Array.from(vs)).toEqual([3, 1, 2]);
  });
});

describe("resets / changes", () => {
  it("count drops and changes", () => {
    expect(run("resets", [3, 1, 2, 0, 0])).toBe(2);
    expect(run("resets", [1])).toBe(0);
    // 1→NaN and NaN→2 change; NaN→NaN does not.
    expect(run("changes", [1, 1, NaN, NaN, 2])).toBe(2);
  });
});
