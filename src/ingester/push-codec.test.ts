import { describe, expect, it } from "vitest";
import { hashLabels, type Label } from "../model/labels";
import { SymbolTable } from "../model/symbol-table";
import type { Exemplar } from "../write/request";
import { forEachPackedSeries, LabelStrings, PushDecodeError } from "./push-codec";
import { packLabeled } from "../../test/support/packed-push";

interface TestSeries {
  labels: Label[];
  timestamps: Float64Array;
  values: Float64Array;
  exemplars: Exemplar[];
}

/** Lays the series out in shared columns behind one unrelated sample, as a decoded request would. */
function pack(series: readonly TestSeries[]): Uint8Array {
  return packInto(series, 1)[0]!;
}

function packInto(series: readonly TestSeries[], shards: number): (Uint8Array | null)[] {
  const n = series.reduce((k, s) => k + s.timestamps.length, 1);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  ts[0] = 123;
  vs[0] = 456;
  let at = 1;
  const packable = series.map((s) => {
    ts.set(s.timestamps, at);
    vs.set(s.values, at);
    at += s.timestamps.length;
    return { labels: s.labels, sampleStart: at - s.timestamps.length, sampleEnd: at, exemplars: s.exemplars };
  });
  return packLabeled(packable, ts, vs, shards);
}

interface Seen {
  labels: Label[];
  hash: number;
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
  forEachPackedSeries(packed, strings, (ps, ts, vs, start, end, exemplars) => {
    out.push({ labels: ps.labels(), hash: ps.hash, ts: Array.from(ts.subarray(start, end)), bits: bitsOf(vs.slice(start, end)), exemplars });
  });
  return out;
}

describe("packed push", () => {
  it("round-trips labels (ASCII and not), samples bit-exact and exemplars", () => {
    const stale = new Float64Array(1);
    new Uint32Array(stale.buffer).set([2, 0x7ff00000]); // Prometheus's staleness marker
    const series: TestSeries[] = [
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
    const seen = unpack(pack(series));
    expect(seen.map((s) => s.labels)).toEqual(series.map((s) => s.labels));
    expect(seen.map((s) => s.ts)).toEqual([[1000, 2000], [-5], []]);
    expect(seen[0]!.bits).toEqual(["3ff00000:0", "7ff00000:2"]);
    expect(seen[1]!.bits).toEqual(["80000000:0"]);
    expect(seen[2]!.exemplars).toEqual(series[2]!.exemplars);
    expect(seen.map((s) => s.hash)).toEqual(series.map((s) => hashLabels(s.labels)));
  });

  it("compares labels with stored symbol ids of a receiver's table, finding strings added mid-push", () => {
    const table = new SymbolTable();
    for (const x of ["job", "nöde", "__name__", "up"]) table.intern(x);
    const known: Label[] = [
      { name: "__name__", value: "up" },
      { name: "job", value: "nöde" },
    ];
    const unknown: Label[] = [{ name: "job", value: "node" }];
    // Label sets as a head stores them: [__name__ up job nöde] at 0, [job node] at 4 once "node" exists.
    const stored = Uint32Array.of(2, 3, 0, 1, 0, 4);
    const got: boolean[][] = [];
    const one = (labels: Label[]) => ({ labels, timestamps: Float64Array.of(1), values: Float64Array.of(1), exemplars: [] });
    forEachPackedSeries(pack([one(known), one(unknown), one(unknown)]), new LabelStrings(), (ps) => {
      got.push([ps.hasSymbolIds(stored, 0, 2, table), ps.hasSymbolIds(stored, 4, 1, table), ps.hasSymbolIds(stored, 2, 1, table)]);
      // The first series with "node" is created here, mid-push: the next one finds it.
      if (ps.count === 1 && table.lookup("node") < 0) table.intern("node");
    });
    expect(got).toEqual([
      [true, false, false],
      [false, false, false],
      [false, true, false],
    ]);
  });

  it("sends each label string once per shard, in the order series use them", () => {
    const many: TestSeries[] = Array.from({ length: 200 }, (_, i) => ({
      labels: [
        { name: "__name__", value: "node_cpu_seconds_total" },
        { name: "instance", value: `host-${i % 10}` },
      ],
      timestamps: Float64Array.of(i),
      values: Float64Array.of(i),
      exemplars: [],
    }));
    const packed = pack(many);
    const text = new TextDecoder().decode(packed);
    expect(text.split("node_cpu_seconds_total")).toHaveLength(2);
    expect(text.split("host-3")).toHaveLength(2);
    // 200 entries of 1 sample count + 4 hash + 1 pair count + 4 two-byte refs + 1 exemplar count
    const symbolsAt = new Uint32Array(packed.buffer, 0, 4)[3]!;
    expect(symbolsAt - (16 + 200 * 16)).toBe(200 * 15);
  });

  it("widens references to 4 bytes for pushes of more than 65,536 strings", () => {
    const many: TestSeries[] = Array.from({ length: 33_000 }, (_, i) => ({
      labels: [
        { name: "__name__", value: `m${i}` },
        { name: "id", value: `v${i}` },
      ],
      timestamps: Float64Array.of(i),
      values: Float64Array.of(i),
      exemplars: [],
    }));
    const table = new SymbolTable();
    for (const x of ["__name__", "id", "m32999", "v32999"]) table.intern(x);
    const seen: Label[][] = [];
    const matches: number[] = [];
    const stored = Uint32Array.of(0, 2, 1, 3);
    forEachPackedSeries(pack(many), new LabelStrings(), (ps) => {
      seen.push(ps.labels());
      if (ps.hasSymbolIds(stored, 0, 2, table)) matches.push(seen.length - 1);
    });
    expect(seen).toEqual(many.map((s) => s.labels));
    expect(matches).toEqual([32_999]);
  });

  it("refuses a label reference past the symbol table", () => {
    const packed = pack([{ labels: [{ name: "a", value: "b" }], timestamps: Float64Array.of(1), values: Float64Array.of(1), exemplars: [] }]);
    const bad = packed.slice();
    // header, one sample, sample count, hash, pair count: then the name's reference
    bad[16 + 16 + 1 + 4 + 1] = 9;
    expect(() => unpack(bad)).toThrow(/reference out of range/);
  });

  it("gives the same string objects for repeated label bytes and never mixes up colliding lengths", () => {
    const strings = new LabelStrings();
    const mk = (v: string): TestSeries => ({ labels: [{ name: "a", value: v }], timestamps: Float64Array.of(1), values: Float64Array.of(1), exemplars: [] });
    const first = unpack(pack([mk("node-1"), mk("node-2")]), strings);
    const second = unpack(pack([mk("node-2"), mk("node-1"), mk("é")]), strings);
    expect(second.map((s) => s.labels[0]!.value)).toEqual(["node-2", "node-1", "é"]);
    expect(second[1]!.labels[0]!.value).toBe(first[0]!.labels[0]!.value);
  });

  it("splits series by hashLabels % shards, keeping their order, and leaves empty shards out", () => {
    const many: TestSeries[] = Array.from({ length: 40 }, (_, i) => ({
      labels: [
        { name: "__name__", value: "m" },
        { name: "i", value: i % 7 === 0 ? `ü${i}` : String(i) },
      ],
      timestamps: Float64Array.of(i, i + 0.5),
      values: Float64Array.of(-i, i),
      exemplars: [],
    }));
    const shards = packInto(many, 5);
    expect(shards).toHaveLength(5);
    for (let sh = 0; sh < 5; sh++) {
      const mine = many.filter((s) => hashLabels(s.labels) % 5 === sh);
      const got = shards[sh] === null ? [] : unpack(shards[sh]!);
      expect(got.map((s) => s.labels)).toEqual(mine.map((s) => s.labels));
      expect(got.map((s) => s.ts)).toEqual(mine.map((s) => Array.from(s.timestamps)));
      expect(got.map((s) => s.hash)).toEqual(mine.map((s) => hashLabels(s.labels)));
    }
    const one = packInto(many.slice(0, 1), 64);
    expect(one.filter((p) => p !== null)).toHaveLength(1);
  });

  it("packs more label bytes than its scratch buffer starts with, and back to back", () => {
    const many: TestSeries[] = Array.from({ length: 3000 }, (_, i) => ({
      labels: [{ name: "instance", value: `host-${i}-`.padEnd(60, "x") }],
      timestamps: Float64Array.of(i),
      values: Float64Array.of(i / 2),
      exemplars: [],
    }));
    const big = unpack(pack(many));
    const small = unpack(pack(many.slice(5, 6)));
    expect(big.map((s) => s.labels[0]!.value)).toEqual(many.map((s) => s.labels[0]!.value));
    expect(big[2999]!.ts).toEqual([2999]);
    expect(small.map((s) => s.labels)).toEqual([many[5]!.labels]);
  });

  it("refuses truncated or foreign input", () => {
    const packed = pack([{ labels: [{ name: "a", value: "b" }], timestamps: Float64Array.of(1), values: Float64Array.of(1), exemplars: [] }]);
    expect(() => unpack(packed.slice(0, packed.length - 1))).toThrow(PushDecodeError);
    expect(() => unpack(new Uint8Array(8))).toThrow(PushDecodeError);
    const wrong = packed.slice();
    wrong[0] = 9;
    expect(() => unpack(wrong)).toThrow(/version 9/);
  });

  it("reads a view at an unaligned offset", () => {
    const packed = pack([{ labels: [{ name: "a", value: "b" }], timestamps: Float64Array.of(7), values: Float64Array.of(3), exemplars: [] }]);
    const shifted = new Uint8Array(packed.length + 3);
    shifted.set(packed, 3);
    expect(unpack(shifted.subarray(3))[0]!.ts).toEqual([7]);
  });
});
