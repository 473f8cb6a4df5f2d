import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import type { Label } from "../../model/labels";
import { float64Bits, XORIterator } from "../chunkenc/xor";
import { Head } from "../head/head";
import { ingestPush } from "../head/ingest";
import { ChunkBatchWriter, encodeSnapshot, loadChunkBatch, loadSnapshot } from "./checkpoint";
import { ByteWriter } from "./bytes";
import { WalRecordBuilder, WalRecordReader } from "./record";

function dump(h: Head): string {
  const it = new XORIterator();
  return JSON.stringify(
    h.select([], -Infinity, Infinity).map((s) => ({
      labels: s.labels,
      samples: s.chunks.flatMap((c) => {
        const out: [number, number][] = [];
        it.reset(c.data);
        while (it.next()) out.push([it.t, it.v]);
        return out;
      }),
    })),
  );
}

describe("WAL records", () => {
  it("round-trip labels once, samples bit-exact, exemplars, and split large pushes", () => {
    const b = new WalRecordBuilder(200);
    const ts = Float64Array.from({ length: 40 }, (_, i) => 1_700_000_000_000 - 20 + i);
    const vs = new Float64Array(40);
    vs.fill(0.5);
    const dv = new DataView(vs.buffer);
    dv.setUint32(4, 0x7ff00000, true);
    dv.setUint32(0, 2, true);
    const idx = Uint32Array.from({ length: 40 }, (_, i) => i);
    const labels = labelsFromRecord({ __name__: "m", job: "ä" });
    b.add(7, labels, ts, float64Bits(vs), idx, 40, [{ labels: [{ name: "trace_id", value: "x" }], value: 2, timestamp: 5 }]);
    b.add(7, null, ts, float64Bits(vs), Uint32Array.of(39), 1, []);
    const parts = b.finish();
    expect(parts.length).toBeGreaterThan(1);
    const seen: { ref: number; labels: Label[] | null; t: number[]; bits: number[]; ex: number }[] = [];
    const r = new WalRecordReader();
    for (const p of parts) {
      r.read(p, {
        entry(ref, l, t, v, n, ex) {
          const bits = new DataView(v.buffer);
          seen.push({ ref, labels: l, t: Array.from(t.subarray(0, n)), bits: [bits.getUint32(4, true), bits.getUint32(0, true)], ex: ex.length });
        },
      });
    }
    expect(seen.every((e) => e.ref === 7)).toBe(true);
    expect(seen.filter((e) => e.labels !== null).map((e) => e.labels)).toEqual([labels]);
    expect(seen.flatMap((e) => e.t)).toEqual([...Array.from(ts), ts[39]]);
    expect(seen[0]!.bits).toEqual([0x7ff00000, 2]);
    expect(seen.reduce((a, e) => a + e.ex, 0)).toBe(1);
  });

  it("writes timestamps relative to the record's first one, and still reads absolute (version 1) records", () => {
    const b = new WalRecordBuilder();
    const t0 = 1_700_000_000_000;
    const ts = Float64Array.from({ length: 100 }, (_, i) => t0 + (i % 3) * 15_000 - 7);
    const bits = float64Bits(Float64Array.from(ts, (_, i) => i));
    // One sample per series, the common shape of a push.
    for (let i = 0; i < 100; i++) b.add(i, null, ts, bits, Uint32Array.of(i), 1, []);
    const [rec] = b.finish();
    // Version and base, then per entry: ref, count with flags, a short delta and the 8-byte value.
    expect(rec!.length).toBeLessThanOrEqual(1 + 6 + 100 * (1 + 1 + 3 + 8));
    const got: number[] = [];
    new WalRecordReader().read(rec!, { entry: (_ref, _l, t, _v, n) => got.push(...t.subarray(0, n)) });
    expect(got).toEqual(Array.from(ts));

    // A record from before: version 1, each entry's first timestamp absolute.
    const w = new ByteWriter();
    w.byte(1);
    for (const [ref, first, second] of [[5, t0, t0 + 15_000], [6, t0 - 30_000, t0]] as const) {
      w.uvarint(ref);
      w.byte(0);
      w.uvarint(2);
      w.varint(first);
      w.varint(second - first);
      w.float64Bits(0x3ff00000, 0);
      w.float64Bits(0x40000000, 0);
    }
    const old: [number, number[], number[]][] = [];
    new WalRecordReader().read(w.finish(), {
      entry: (ref, _l, t, v, n) => old.push([ref, Array.from(t.subarray(0, n)), Array.from(v.subarray(0, n))]),
    });
    expect(old).toEqual([
      [5, [t0, t0 + 15_000], [1, 2]],
      [6, [t0 - 30_000, t0], [1, 2]],
    ]);
  });

  it("starts over after finish, leaving the records it returned intact", () => {
    const b = new WalRecordBuilder();
    const ts = Float64Array.of(1000, 2000);
    const bits = float64Bits(Float64Array.of(1.5, 2.5));
    const refsIn = (parts: Uint8Array[]): number[] => {
      const refs: number[] = [];
      for (const p of parts) new WalRecordReader().read(p, { entry: (ref) => refs.push(ref) });
      return refs;
    };
    b.add(1, null, ts, bits, Uint32Array.of(0), 1, []);
    const first = b.finish();
    const firstBytes = first.map((p) => p.slice());
    expect(b.empty).toBe(true);
    expect(b.finish()).toEqual([]);
    b.add(2, null, ts, bits, Uint32Array.of(1), 1, []);
    b.add(3, null, ts, bits, Uint32Array.of(0), 1, []);
    const second = b.finish();
    expect(refsIn(second)).toEqual([2, 3]);
    expect(first).toEqual(firstBytes);
    expect(refsIn(first)).toEqual([1]);
  });
});

describe("checkpoints", () => {
  it("snapshot plus chunk batches rebuild an identical head", () => {
    const h = new Head();
    const series = Array.from({ length: 20 }, (_, i) => ({ labels: [...labelsFromRecord({ __name__: "m", i: String(i) })], timestamps: Float64Array.from({ length: 300 }, (_, k) => k * 1000), values: Float64Array.from({ length: 300 }, (_, k) => k * i) }));
    ingestPush(h, { series, outOfOrderWindowMs: 0 }, null);
    ingestPush(h, { series: [{ ...series[3]!, timestamps: Float64Array.of(500), values: Float64Array.of(-1) }], outOfOrderWindowMs: 10_000_000 }, null);
    const batch = new ChunkBatchWriter(4096);
    h.forEachSeries((s) => s.chunks?.forEach((c) => batch.add(s.ref, c)));
    const rows = batch.finish();
    expect(rows.length).toBeGreaterThan(1);
    const h2 = new Head();
    expect(loadSnapshot(h2, encodeSnapshot(h))).toBe(20);
    for (const row of rows) loadChunkBatch(h2, row.data);
    expect(dump(h2)).toBe(dump(h));
    // Open chunks come back in slots of the new head's pages.
    expect(h2.openChunks.stats().slotsInUse).toBe(20);
    // The rebuilt head keeps appending where the old one stopped.
    const s = h2.getOrCreate(series[0]!.labels);
    expect(s.maxTime).toBe(299_000);
  });
});
