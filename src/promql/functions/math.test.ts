import { describe, expect, it } from "vitest";
import { MATH_FUNCTIONS, mathFunctionDropsAll } from "./math";

const f = (name: string, v: number, ...params: number[]) => MATH_FUNCTIONS.get(name)!(v, params);

describe("MATH_FUNCTIONS", () => {
  it("rounds half up to the nearest multiple", () => {
    expect(f("round", 2.5)).toBe(3);
    expect(f("round", -2.5)).toBe(-2); // floor(-2.5 + 0.5)
    expect(f("round", 1.234, 0.1)).toBe(1.2); // floor(12.84) / 10
    expect(f("round", 5, 10)).toBe(10);
    expect(f("round", 14, 10)).toBe(10);
    expect(f("round", NaN)).toBeNaN();
  });

  it("clamps, and flags clamp with max < min as dropping everything", () => {
    expect(f("clamp", -50, -25, 75)).toBe(-25);
    expect(f("clamp", 100, -25, 75)).toBe(75);
    expect(f("clamp", 0, 0, NaN)).toBeNaN();
    expect(f("clamp", 0, NaN, 0)).toBeNaN();
    expect(mathFunctionDropsAll("clamp", [5, -5])).toBe(true);
    expect(mathFunctionDropsAll("clamp", [0, NaN])).toBe(false);
    expect(mathFunctionDropsAll("abs", [])).toBe(false);
    expect(f("clamp_min", -50, -20)).toBe(-20);
    expect(f("clamp_max", 100, 70)).toBe(70);
  });

  it("sgn keeps zero and NaN", () => {
    expect(f("sgn", -3)).toBe(-1);
    expect(f("sgn", 0.1)).toBe(1);
    expect(Object.is(f("sgn", -0), -0)).toBe(true);
    expect(f("sgn", NaN)).toBeNaN();
  });

  it("covers logs, roots and angle conversions", () => {
    expect(f("ln", Math.E)).toBe(1);
    expect(f("ln", -1)).toBeNaN();
    expect(f("log2", 8)).toBe(3);
    expect(f("log10", 1000)).toBeCloseTo(3, 15);
    expect(f("sqrt", 16)).toBe(4);
    expect(f("deg", Math.PI)).toBe(180);
    expect(f("rad", 180)).toBe(Math.PI);
    expect(f("exp", 0)).toBe(1);
    expect(f("abs", -Infinity)).toBe(Infinity);
    expect(f("ceil", 1.2)).toBe(2);
    expect(f("floor", -1.2)).toBe(-2);
    expect(f("atanh", 1)).toBe(Infinity);
    expect(f("acosh", 0.5)).toBeNaN();
  });

  it("has every element-wise function PromQL defines", () => {
    const expected =
      "abs ceil floor exp ln log2 log10 sqrt sgn round clamp clamp_min clamp_max sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh deg rad";
    expect([...MATH_FUNCTIONS.keys()].sort()).toEqual(expected.split(" ").sort());
  });
});
