import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import type { ChunkRef, ChunkSeries, Series } from "../storage/storage";
import { encodeXOR, float64Bits } from "../tsdb/chunkenc/xor";
import { SampleBuffers, samplesOf } from "../storage/samples";
import { decodeChunkSeries, mergeChunkSeries } from "./chunks";

/** A chunk of samples (t, t·mul), inside a larger buffer so offsets matter. */
function chunk(ts: number[], mul = 2, values?: Float64Array): ChunkRef {
  const bytes = encodeXOR(ts, values ?? ts.map((t) => t * mul));
  const data = new Uint8Array(bytes.length + 7);
  data.set(bytes, 3);
  return { minTime: ts[0]!, maxTime: ts[ts.length - 1]!, data, from: 3, to: 3 + bytes.length };
}

const series = (a: string, chunks: ChunkRef[]): ChunkSeries => ({ labels: labelsFromRecord({ a }), chunks });
const plain = (out: readonly Series[]) =>
  out.map((s) => [s.labels[0]!.value, [...s.timestamps], [...s.values]]);

describe("decodeChunkSeries", () => {
  it("keeps only samples in range, across touching chunks, without repeats", () => {
    const out = decodeChunkSeries([series("1", [chunk([10, 20, 30]), chunk([30, 40, 50]), chunk([60, 70])])], 20, 60);
    expect(plain(out)).toEqual([["1", [20, 30, 40, 50, 60], [40, 60, 80, 100, 120]]]);
  });

  it("orders chunks listed newest first (the head before the blocks)", () => {
    const out = decodeChunkSeries([series("1", [chunk([70, 80]), chunk([10, 20]), chunk([40, 50])])], 0, 100);
    expect(plain(out)[0]![1]).toEqual([10, 20, 40, 50, 70, 80]);
  });

  it("merges overlapping chunks sample by sample, the chunk that starts first winning a shared timestamp", () => {
    const out = decodeChunkSeries([series("1", [chunk([20, 40, 60], 3), chunk([10, 20, 30, 40, 50], 2)])], 0, 100);
    expect(plain(out)).toEqual([["1", [10, 20, 30, 40, 50, 60], [20, 40, 60, 80, 100, 180]]]);
  });

  it("reads a head chunk that a block cut split in two once, and interleaves out-of-order chunks", () => {
    const split = decodeChunkSeries([series("1", [chunk([20, 30, 40, 50]), chunk([10, 20, 30])])], 0, 100);
    expect(plain(split)).toEqual([["1", [10, 20, 30, 40, 50], [20, 40, 60, 80, 100]]]);
    const ooo = decodeChunkSeries([series("1", [chunk([10, 30, 50, 70]), chunk([20, 40]), chunk([35, 80])])], 15, 75);
    expect(plain(ooo)[0]![1]).toEqual([20, 30, 35, 40, 50, 70]);
  });

  it("drops series without samples in range unless asked to keep them", () => {
    const input = [series("1", [chunk([1, 2])]), series("2", [chunk([100, 200])]), series("3", [])];
    expect(plain(decodeChunkSeries(input, 50, 150))).toEqual([["2", [100], [200]]]);
    expect(decodeChunkSeries(input, 50, 150, true).map((s) => s.labels[0]!.value)).toEqual(["1", "2", "3"]);
  });

  it("copies out when most of the room is unused, and keeps value bits", () => {
    const stale = new Float64Array(3);
    const bits = float64Bits(stale);
    bits[2] = 0x00000002;
    bits[3] = 0x7ff00000;
    const long = Array.from({ length: 100 }, (_, i) => 100 + i);
    const got = decodeChunkSeries([series("x", [chunk([1, 2, 3], 0, stale)]), series("y", [chunk(long)])], 2, 101);
    expect(got.map((s) => [...s.timestamps])).toEqual([[2, 3], [100, 101]]);
    expect([...float64Bits(got[0]!.values).subarray(0, 2)]).toEqual([0x00000002, 0x7ff00000]);
    expect(got[1]!.values.buffer.byteLength).toBe(2 * 8);
  });

  it("decodes lazily: into a reader's reused buffers, or once into the series' own arrays", () => {
    const [a, b] = decodeChunkSeries([series("a", [chunk([1, 2, 3])]), series("b", [chunk([4, 5])])], 0, 10);
    const buf = new SampleBuffers(1);
    const first = samplesOf(a!, buf);
    expect([...first.timestamps]).toEqual([1, 2, 3]);
    const second = samplesOf(b!, buf);
    expect([...second.values]).toEqual([8, 10]);
    // The buffers grew to fit and were reused: both views share them.
    expect(second.timestamps.buffer).toBe(first.timestamps.buffer);
    expect(a!.timestamps).toBe(a!.timestamps);
    expect([...a!.values]).toEqual([2, 4, 6]);
    expect(a!.values.buffer).not.toBe(buf.values.buffer);
  });
});

describe("mergeChunkSeries", () => {
  it("unions sorted lists and joins a series' chunks in list order", () => {
    const head = [series("1", [chunk([50, 60])]), series("3", [chunk([55])])];
    const blockA = [series("1", [chunk([10, 20])]), series("2", [chunk([15])])];
    const blockB = [series("2", [chunk([25])]), series("4", [chunk([5])])];
    const merged = mergeChunkSeries([head, [], blockA, blockB]);
    expect(merged.map((s) => [s.labels[0]!.value, s.chunks.map((c) => c.minTime)])).toEqual([
      ["1", [50, 10]],
      ["2", [15, 25]],
      ["3", [55]],
      ["4", [5]],
    ]);
    expect(plain(decodeChunkSeries(merged, 0, 100)).map((s) => s[1])).toEqual([[10, 20, 50, 60], [15, 25], [55], [5]]);
  });
});
