import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import { decodeExtents, encodeExtents, ExtentCodecError } from "./extent-codec";

const STALE_BITS = [0x00000002, 0x7ff00000];

describe("extent codec", () => {
  it("round-trips extents with exact value bits", () => {
    const odd = new Float64Array(new Uint32Array(STALE_BITS).buffer);
    const extents = [
      { start: 0, end: 60_000, series: [{ labels: labelsFromRecord({ __name__: "m", pod: "é\"x" }), timestamps: Float64Array.of(0, 30_000, 60_000), values: Float64Array.of(-0, Infinity, odd[0]!) }] },
      { start: 120_000, end: 120_000, series: [] },
      { start: 180_000, end: 240_000, series: [{ labels: labelsFromRecord({}), timestamps: Float64Array.of(240_000), values: Float64Array.of(-Infinity) }] },
    ];
    const bytes = encodeExtents(extents);
    const back = decodeExtents(bytes.buffer as ArrayBuffer);
    expect(back.map((e) => [e.start, e.end, e.series.length])).toEqual([[0, 60_000, 1], [120_000, 120_000, 0], [180_000, 240_000, 1]]);
    expect(back[0]!.series[0]!.labels).toEqual(extents[0]!.series[0]!.labels);
    expect([...back[0]!.series[0]!.timestamps]).toEqual([0, 30_000, 60_000]);
    const bits = new Uint32Array(back[0]!.series[0]!.values.slice().buffer);
    expect(Object.is(back[0]!.series[0]!.values[0], -0)).toBe(true);
    expect(back[0]!.series[0]!.values[1]).toBe(Infinity);
    expect([bits[4], bits[5]]).toEqual(STALE_BITS);
    expect(back[2]!.series[0]!.values[0]).toBe(-Infinity);
  });

  it("refuses bytes it did not write", () => {
    const good = encodeExtents([{ start: 0, end: 0, series: [{ labels: [], timestamps: Float64Array.of(0), values: Float64Array.of(1) }] }]);
    expect(() => decodeExtents(new ArrayBuffer(3))).toThrow(ExtentCodecError);
    expect(() => decodeExtents(new Uint8Array(16).buffer)).toThrow(/unknown format/);
    expect(() => decodeExtents(good.slice(0, good.length - 8).buffer)).toThrow(/fewer points/);
  });
});
