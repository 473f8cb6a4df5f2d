import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import { mergeSeriesSets, mergeSortedStrings } from "./merge";

const s = (rec: Record<string, string>, ts: number[], vs: number[]) => ({
  labels: labelsFromRecord(rec),
  timestamps: Float64Array.from(ts),
  values: Float64Array.from(vs),
});

describe("merge", () => {
  it("unions sorted strings with a limit", () => {
    expect(mergeSortedStrings([["a", "c"], ["b", "c"]])).toEqual(["a", "b", "c"]);
    expect(mergeSortedStrings([["a", "c"], ["b"]], 2)).toEqual(["a", "b"]);
  });
  it("merges equal series once per timestamp, first source winning", () => {
    const out = mergeSeriesSets([
      [s({ a: "1" }, [1, 2, 3], [10, 20, 30])],
      [s({ a: "1" }, [3, 4], [99, 40]), s({ a: "0" }, [1], [1])],
    ]);
    expect(out.map((x) => x.labels[0]!.value)).toEqual(["0", "1"]);
    expect([...out[1]!.timestamps]).toEqual([1, 2, 3, 4]);
    expect([...out[1]!.values]).toEqual([10, 20, 30, 40]);
  });
});
