import { describe, expect, it } from "vitest";
import { encodeXOR } from "../tsdb/chunkenc/xor";
import { decodeChunksInRange } from "./chunks";

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
