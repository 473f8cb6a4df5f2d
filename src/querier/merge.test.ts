import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import { float64Bits } from "../tsdb/chunkenc/xor";
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
  it("returns the one non-empty source as it is", () => {
    const only = [s({ a: "0" }, [1], [1]), s({ a: "1" }, [2], [2])];
    const out = mergeSeriesSets([[], only, []]);
    expect(out).toEqual(only);
    expect(out[1]).toBe(only[1]);
    expect(mergeSeriesSets([[], []])).toEqual([]);
  });
  it("keeps staleness-marker bits when merging samples", () => {
    const stale = s({ a: "1" }, [1, 2], [0, 0]);
    const bits = float64Bits(stale.values);
    bits[0] = 0x00000002;
    bits[1] = 0x7ff00000;
    const [out] = mergeSeriesSets([[stale], [s({ a: "1" }, [3], [3])]]);
    expect([...float64Bits(out!.values).subarray(0, 2)]).toEqual([0x00000002, 0x7ff00000]);
    expect([...out!.timestamps]).toEqual([1, 2, 3]);
  });
  it("merges interleaved and overlapping sources like a sample-by-sample merge", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    for (let round = 0; round < 50; round++) {
      const sources = [0, 1, 2].map((k) => {
        const ts: number[] = [];
        for (let t = rand(5); t < 200; t += 1 + rand(k === 0 ? 3 : 20)) ts.push(t);
        return s({ a: "1" }, ts, ts.map((t) => t * 10 + k));
      });
      // Reference: every timestamp once, from the first source that has it.
      const want = new Map<number, number>();
      for (const src of sources) src.timestamps.forEach((t, i) => want.has(t) || want.set(t, src.values[i]!));
      const order = [...want.keys()].sort((x, y) => x - y);
      const [out] = mergeSeriesSets(sources.map((x) => [x]));
      expect([...out!.timestamps]).toEqual(order);
      expect([...out!.values]).toEqual(order.map((t) => want.get(t)));
    }
  });
});
