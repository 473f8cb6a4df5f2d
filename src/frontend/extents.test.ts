import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import type { QuerySeries } from "../promql/engine";
import { concat, gaps, slice, stepAtOrAfter, stepAtOrBefore, withExtent } from "./extents";

const series = (name: string, points: [number, number][]): QuerySeries => ({
  labels: labelsFromRecord({ __name__: name }),
  timestamps: Float64Array.from(points.map((p) => p[0])),
  values: Float64Array.from(points.map((p) => p[1])),
});
const plain = (s: readonly QuerySeries[]) => s.map((x) => ({ name: x.labels[0]!.value, t: [...x.timestamps], v: [...x.values] }));

describe("extents", () => {
  it("snaps times to the step grid through the query's start", () => {
    expect(stepAtOrBefore(125, 5, 10)).toBe(125);
    expect(stepAtOrBefore(124, 5, 10)).toBe(115);
    expect(stepAtOrAfter(116, 5, 10)).toBe(125);
    expect(stepAtOrBefore(-3, 5, 10)).toBe(-5);
  });

  it("finds what covered intervals leave out, on the grid", () => {
    expect(gaps(0, 100, 10, [])).toEqual([{ start: 0, end: 100 }]);
    expect(gaps(0, 100, 10, [{ start: 0, end: 100 }])).toEqual([]);
    expect(gaps(0, 100, 10, [{ start: 20, end: 40 }, { start: 70, end: 80 }])).toEqual([
      { start: 0, end: 10 },
      { start: 50, end: 60 },
      { start: 90, end: 100 },
    ]);
    expect(gaps(30, 100, 10, [{ start: 0, end: 50 }, { start: 120, end: 200 }])).toEqual([{ start: 60, end: 100 }]);
    expect(gaps(0, 50, 10, [{ start: 0, end: 20 }, { start: 30, end: 50 }])).toEqual([]);
  });

  it("slices series by time as views and drops the empty ones", () => {
    const a = series("a", [[0, 1], [10, 2], [20, 3]]);
    const b = series("b", [[30, 4]]);
    const cut = slice([a, b], 10, 20);
    expect(plain(cut)).toEqual([{ name: "a", t: [10, 20], v: [2, 3] }]);
    expect(cut[0]!.values.buffer).toBe(a.values.buffer);
  });

  it("joins consecutive parts per series, sorted by labels", () => {
    const joined = concat([
      [series("b", [[0, 1]]), series("a", [[0, 5]])],
      [],
      [series("a", [[10, 6], [20, NaN]]), series("c", [[20, 9]])],
    ]);
    expect(plain(joined)).toEqual([
      { name: "a", t: [0, 10, 20], v: [5, 6, NaN] },
      { name: "b", t: [0], v: [1] },
      { name: "c", t: [20], v: [9] },
    ]);
  });

  it("lets a new extent replace the older ones it overlaps", () => {
    const e = (start: number, end: number) => ({ start, end, series: [] });
    expect(withExtent([e(0, 10), e(20, 30), e(40, 50)], e(25, 45)).map((x) => [x.start, x.end])).toEqual([[0, 10], [25, 45]]);
    expect(withExtent([e(40, 50)], e(0, 10)).map((x) => [x.start, x.end])).toEqual([[0, 10], [40, 50]]);
  });
});
