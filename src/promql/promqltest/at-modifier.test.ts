import { describe, expect, it } from "vitest";
import { atModifierCases } from "./at-modifier";

describe("atModifierCases", () => {
  it("pins selectors and subqueries (not what is inside a subquery) and picks Prometheus's times", () => {
    const cases = atModifierCases("rate(foo[5m] offset 1m) + max_over_time(bar[10m:1m]) + baz @ start() + qux @ 10", 3_600_000);
    expect(cases.map((c) => c.evalTime)).toEqual([-36_000_000, 0, 720_000, 3_600_000, 36_000_000]);
    expect(new Set(cases.map((c) => c.expr))).toEqual(
      new Set(["rate(foo[5m] @ 3600.000 offset 1m) + max_over_time(bar[10m:1m] @ 3600.000) + baz @ 3600.000 + qux @ 10.000"]),
    );
  });

  it("uses ±1s around time zero", () => {
    expect(atModifierCases("foo", 0)).toEqual([
      { expr: "foo @ 0.000", evalTime: -1000 },
      { expr: "foo @ 0.000", evalTime: 0 },
      { expr: "foo @ 0.000", evalTime: 1000 },
    ]);
  });

  it("skips queries whose functions read the evaluation time", () => {
    expect(atModifierCases("time() - foo", 60_000)).toEqual([]);
    expect(atModifierCases("timestamp(foo)", 60_000)).toEqual([]);
  });
});
