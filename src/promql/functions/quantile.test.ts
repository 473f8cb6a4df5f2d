import { describe, expect, it } from "vitest";
import { quantile } from "./quantile";

describe("quantile", () => {
  it("interpolates linearly between ranks φ·(n−1)", () => {
    expect(quantile(0.5, [4, 1, 3, 2])).toBe(2.5);
    expect(quantile(0, [4, 1, 3, 2])).toBe(1);
    expect(quantile(1, [4, 1, 3, 2])).toBe(4);
    expect(quantile(0.9, Float64Array.from([10, 20]))).toBe(19);
    expect(quantile(0.3, [7])).toBe(7);
  });

  it("handles the edge cases like Prometheus", () => {
    expect(quantile(0.5, [])).toBeNaN();
    expect(quantile(NaN, [1])).toBeNaN();
    expect(quantile(-0.1, [1])).toBe(-Infinity);
    expect(quantile(1.1, [1])).toBe(Infinity);
  });

  it("sorts NaN below every number", () => {
    expect(quantile(0, [2, NaN, 1])).toBeNaN();
    expect(quantile(1, [2, NaN, 1])).toBe(2);
    expect(quantile(0.5, [2, NaN, 1])).toBe(1);
  });

  it("leaves the input untouched", () => {
    const input = Float64Array.from([3, 1, 2]);
    quantile(0.5, input);
    expect(Array.from(input)).toEqual([3, 1, 2]);
  });
});
