import { describe, expect, it } from "vitest";
import { SelectionWriter } from "../ingester/select-codec";
import { labelsFromRecord } from "../model/labels";
import { encodeXOR, float64Bits } from "../tsdb/chunkenc/xor";
import { decodeChunksInRange, decodeSelections } from "./chunks";

function chunk(ts: number[]) {
  return { minTime: ts[0]!, maxTime: ts[ts.length - 1]!, data: encodeXOR(ts, ts.map((t) => t * 2)) };
}

describe("decodeChunksInRange", () => {
  it("keeps only samples in range, across chunks, without repeats", () => {
    const out = decodeChunksInRange([chunk([10, 20, 30]), chunk([30, 40, 50]), chunk([60, 70])], 20, 60);
    expect([...out.timestamps]).toEqual([20, 30, 40, 50, 60]);
    expect([...out.values]).toEqual([40, 60, 80, 100, 120]);
  });
  it("skips chunks outside the range", () => {
    const out = decodeChunksInRange([chunk([1, 2]), chunk([100, 200])], 50, 150);
    expect([...out.timestamps]).toEqual([100]);
  });
});

describe("decodeSelections", () => {
  function answer(series: { labels: Record<string, string>; chunks: number[][] }[]) {
    const w = new SelectionWriter();
    for (const s of series) {
      const ls = labelsFromRecord(s.labels);
      w.startSeries(ls.length);
      for (const l of ls) w.label(l.name, l.value);
      for (const ts of s.chunks) w.chunk(ts[0]!, ts[ts.length - 1]!, encodeXOR(ts, ts.map((t) => t * 2)));
    }
    return w.finish();
  }
  const shards = () => [
    answer([
      { labels: { a: "1" }, chunks: [[10, 20, 30], [30, 40, 50]] },
      { labels: { a: "3" }, chunks: [[1, 2]] },
    ]),
    answer([{ labels: { a: "2" }, chunks: [[5, 15, 25, 35], [45, 55]] }]),
  ];

  it("decodes every series of every answer into its own view", () => {
    const got = decodeSelections(shards(), 15, 50);
    expect(got.map((s) => [s.labels[0]!.value, [...s.timestamps], [...s.values]])).toEqual([
      ["1", [20, 30, 40, 50], [40, 60, 80, 100]],
      ["3", [], []],
      ["2", [15, 25, 35, 45], [30, 50, 70, 90]],
    ]);
  });

  it("copies out when most of the room is unused, and keeps value bits", () => {
    const stale = new Float64Array(3);
    const bits = float64Bits(stale);
    bits[2] = 0x00000002;
    bits[3] = 0x7ff00000;
    const w = new SelectionWriter();
    w.startSeries(1);
    w.label("a", "x");
    w.chunk(1, 3, encodeXOR([1, 2, 3], stale));
    const long = Array.from({ length: 100 }, (_, i) => 100 + i);
    w.startSeries(1);
    w.label("a", "y");
    w.chunk(100, 199, encodeXOR(long, long));
    const got = decodeSelections([w.finish()], 2, 101);
    expect(got.map((s) => [...s.timestamps])).toEqual([[2, 3], [100, 101]]);
    expect([...float64Bits(got[0]!.values).subarray(0, 2)]).toEqual([0x00000002, 0x7ff00000]);
    expect(got[1]!.values.buffer.byteLength).toBe(4 * 8);
  });
});
