import { describe, expect, it } from "vitest";
import type { Label } from "../model/labels";
import type { Exemplar } from "../write/request";
import { forEachPackedSeries, LabelStrings, packSeries, PushDecodeError, type PackableSeries } from "./push-codec";

interface Seen {
  labels: Label[];
  ts: number[];
  bits: string[];
  exemplars: readonly Exemplar[];
}

function bitsOf(v: Float64Array): string[] {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) out.push(u[2 * i + 1]!.toString(16) + ":" + u[2 * i]!.toString(16));
  return out;
}

function unpack(packed: Uint8Array, strings = new LabelStrings()): Seen[] {
  const out: Seen[] = [];
  forEachPackedSeries(packed, strings, (labels, ts, vs, start, end, exemplars) => {
    out.push({ labels, ts: Array.from(ts.subarray(start, end)), bits: bitsOf(vs.slice(start, end)), exemplars });
  });
  return out;
}

describe("packed push", () => {
  it("round-trips labels (ASCII and not), samples bit-exact and exemplars", () => {
    const stale = new Float64Array(1);
    new Uint32Array(stale.buffer).set([2, 0x7ff00000]); // Prometheus's staleness marker
    const series: PackableSeries[] = [
      {
        labels: [
          { name: "__name__", value: "up" },
          { name: "job", value: "nöde-😀" },
        ],
        timestamps: Float64Array.of(1000, 2000),
        values: Float64Array.of(1, stale[0]!),
        exemplars: [],
      },
      { labels: [{ name: "__name__", value: "x".repeat(300) }], timestamps: Float64Array.of(-5), values: Float64Array.of(-0), exemplars: [] },
      {
        labels: [{ name: "__name__", value: "h" }],
        timestamps: new Float64Array(0),
        values: new Float64Array(0),
        exemplars: [{ labels: [{ name: "trace_id", value: "abc" }], value: 2.5, timestamp: 1500 }],
      },
    ];
    const seen = unpack(packSeries(series));
    expect(seen.map((s) => s.labels)).toEqual(series.map((s) => s.labels));
    expect(seen.map((s) => s.ts)).toEqual([[1000, 2000], [-5], []]);
    expect(seen[0]!.bits).toEqual(["3ff00000:0", "7ff00000:2"]);
    expect(seen[1]!.bits).toEqual(["80000000:0"]);
    expect(seen[2]!.exemplars).toEqual(series[2]!.exemplars);
  });

  it("gives the same string objects for repeated label bytes and never mixes up colliding lengths", () => {
    const strings = new LabelStrings();
    const mk = (v: string): PackableSeries => ({ labels: [{ name: "a", value: v }], timestamps: Float64Array.of(1), values: Float64Array.of(1), exemplars: [] });
    const first = unpack(packSeries([mk("node-1"), mk("node-2")]), strings);
    const second = unpack(packSeries([mk("node-2"), mk("node-1"), mk("é")]), strings);
    expect(second.map((s) => s.labels[0]!.value)).toEqual(["node-2", "node-1", "é"]);
    expect(second[1]!.labels[0]!.value).toBe(first[0]!.labels[0]!.value);
  });

  it("refuses truncated or foreign input", () => {
    const packed = packSeries([{ labels: [{ name: "a", value: "b" }], timestamps: Float64Array.of(1), values: Float64Array.of(1), exemplars: [] }]);
    expect(() => unpack(packed.slice(0, packed.length - 1))).toThrow(PushDecodeError);
    expect(() => unpack(new Uint8Array(8))).toThrow(PushDecodeError);
    const wrong = packed.slice();
    wrong[0] = 9;
    expect(() => unpack(wrong)).toThrow(/version 9/);
  });

  it("reads a view at an unaligned offset", () => {
    const packed = packSeries([{ labels: [{ name: "a", value: "b" }], timestamps: Float64Array.of(7), values: Float64Array.of(3), exemplars: [] }]);
    const shifted = new Uint8Array(packed.length + 3);
    shifted.set(packed, 3);
    expect(unpack(shifted.subarray(3))[0]!.ts).toEqual([7]);
  });
});
