import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import { Matcher } from "../../model/matchers";
import type { ChunkData, PushRequest } from "../../ingester/protocol";
import { XORIterator, floatHi, floatLo } from "../chunkenc/xor";
import { Head } from "./head";
import { ingestPush } from "./ingest";
import { intersect, subtract, union } from "./postings";
import { Append } from "./series";

function samples(chunks: readonly ChunkData[]): [number, number][] {
  const it = new XORIterator();
  const out: [number, number][] = [];
  for (const c of chunks) {
    it.reset(c.data);
    while (it.next()) out.push([it.t, it.v]);
  }
  return out;
}

function push(series: { labels: Record<string, string>; t: number[]; v: number[] }[], window = 0): PushRequest {
  return {
    outOfOrderWindowMs: window,
    series: series.map((s) => ({ labels: [...labelsFromRecord(s.labels)], timestamps: Float64Array.from(s.t), values: Float64Array.from(s.v) })),
  };
}

const up = labelsFromRecord({ __name__: "up", job: "a" });

describe("postings set operations", () => {
  it("intersects, subtracts and unions sorted lists", () => {
    expect(intersect([1, 3, 5, 7], [2, 3, 7, 9])).toEqual([3, 7]);
    expect(subtract([1, 3, 5, 7], [3, 4, 7])).toEqual([1, 5]);
    expect(union([[1, 4], [2, 4, 9], [3]])).toEqual([1, 2, 3, 4, 9]);
  });
});

describe("head append", () => {
  it("cuts a chunk every 120 samples and keeps all samples", () => {
    const h = new Head();
    const s = h.getOrCreate(up);
    for (let i = 0; i < 300; i++) expect(h.appendValue(s, 1000 + i * 15_000, i, 0)).toBe(Append.Appended);
    expect(s.chunks!.length).toBe(2);
    const [sel] = h.select([new Matcher("=", "__name__", "up")], 0, Infinity);
    expect(sel!.chunks.map((c) => samples([c]).length)).toEqual([120, 120, 60]);
    expect(samples(sel!.chunks).map(([, v]) => v)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it("cuts at chunk range boundaries", () => {
    const h = new Head({ chunkRangeMs: 1000 });
    const s = h.getOrCreate(up);
    for (const t of [100, 900, 1100, 1500, 2100]) h.appendValue(s, t, 1, 0);
    expect(s.chunks!.map((c) => [c.minTime, c.maxTime])).toEqual([[100, 900], [1100, 1500]]);
  });

  it("classifies duplicates and out-of-order samples like Prometheus", () => {
    const h = new Head();
    const s = h.getOrCreate(up);
    h.appendValue(s, 1000, 1, 0);
    h.appendValue(s, 2000, 2, 0);
    expect(h.appendValue(s, 2000, 2, 0)).toBe(Append.Exists);
    expect(h.appendValue(s, 2000, 3, 0)).toBe(Append.Duplicate);
    expect(h.appendValue(s, 1500, 3, 0)).toBe(Append.OutOfOrder);
    // A retried older sample that is stored identically is not an error.
    expect(h.appendValue(s, 1000, 1, 0)).toBe(Append.Exists);
    expect(h.appendValue(s, 1500, 3, 400)).toBe(Append.TooOld);
    expect(h.appendValue(s, 1700, 3, 400)).toBe(Append.Appended);
    expect(h.appendValue(s, 1700, 4, 400)).toBe(Append.Duplicate);
  });

  it("places out-of-order samples so chunks stay sorted and disjoint", () => {
    const h = new Head();
    const s = h.getOrCreate(up);
    for (let i = 0; i < 130; i++) h.appendValue(s, i * 10, i, 0);
    // Into the completed chunk, into the open one, then at the very front.
    expect(h.appendValue(s, 55, -1, 10_000)).toBe(Append.Appended);
    expect(h.appendValue(s, 1205, -2, 10_000)).toBe(Append.Appended);
    expect(h.appendValue(s, -5, -3, 10_000)).toBe(Append.Appended);
    const [sel] = h.select([], -Infinity, Infinity);
    const got = samples(sel!.chunks);
    const ts = got.map(([t]) => t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(got.length).toBe(133);
    expect(got).toContainEqual([55, -1]);
    expect(got).toContainEqual([1205, -2]);
    expect(got[0]).toEqual([-5, -3]);
    for (let i = 1; i < sel!.chunks.length; i++) expect(sel!.chunks[i]!.minTime).toBeGreaterThan(sel!.chunks[i - 1]!.maxTime);
    expect(h.dirty.has(s)).toBe(true);
  });

  it("keeps the stale marker's bits through an out-of-order rewrite", () => {
    const h = new Head();
    const s = h.getOrCreate(up);
    const vals = new Float64Array(3);
    const dv = new DataView(vals.buffer);
    dv.setUint32(4, 0x7ff00000, true);
    dv.setUint32(0, 2, true);
    h.appendValue(s, 10, vals[0]!, 0);
    h.appendValue(s, 30, 1, 0);
    h.appendValue(s, 20, 5, 100);
    const it = new XORIterator(h.select([], 0, 100)[0]!.chunks[0]!.data);
    it.next();
    expect([it.valueHi, it.valueLo]).toEqual([0x7ff00000, 2]);
    expect([floatHi(5), floatLo(5)]).not.toEqual([0x7ff00000, 2]);
  });
});

describe("head queries", () => {
  const h = new Head();
  ingestPush(
    h,
    push([
      { labels: { __name__: "up", job: "api", instance: "a" }, t: [1000, 2000], v: [1, 1] },
      { labels: { __name__: "up", job: "api", instance: "b" }, t: [1000], v: [0] },
      { labels: { __name__: "up", job: "db" }, t: [5000], v: [1] },
      { labels: { __name__: "http_requests_total", job: "api", code: "200" }, t: [1000], v: [7] },
    ]),
    null,
  );

  it("selects by equality, regex and negative matchers, sorted by labels", () => {
    const names = (ms: Matcher[], start = 0, end = 10_000) =>
      h.select(ms, start, end).map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(","));
    expect(names([new Matcher("=", "job", "api"), new Matcher("=", "__name__", "up")])).toEqual([
      "__name__=up,instance=a,job=api",
      "__name__=up,instance=b,job=api",
    ]);
    expect(names([new Matcher("=~", "job", "d.*")])).toEqual(["__name__=up,job=db"]);
    // instance!="a" also matches series without an instance label.
    expect(names([new Matcher("!=", "instance", "a")])).toEqual([
      "__name__=http_requests_total,code=200,job=api",
      "__name__=up,instance=b,job=api",
      "__name__=up,job=db",
    ]);
    expect(names([new Matcher("=", "instance", "")])).toHaveLength(2);
    expect(names([new Matcher("=", "job", "db")], 0, 4000)).toEqual([]);
  });

  it("answers label names and values with matchers and time ranges", () => {
    expect(h.labelNames([], 0, 10_000)).toEqual(["__name__", "code", "instance", "job"]);
    expect(h.labelNames([new Matcher("=", "job", "db")], 0, 10_000)).toEqual(["__name__", "job"]);
    expect(h.labelValues("job", [], 0, 10_000)).toEqual(["api", "db"]);
    expect(h.labelValues("job", [], 0, 3000)).toEqual(["api"]);
    expect(h.labelValues("instance", [new Matcher("=", "__name__", "up")], 0, 10_000)).toEqual(["a", "b"]);
    expect(h.labelValues("job", [], 0, 10_000, 1)).toEqual(["api"]);
  });
});

describe("ingestPush", () => {
  it("counts written and refused samples with one example per reason", () => {
    const h = new Head();
    const first = ingestPush(h, push([{ labels: { __name__: "m" }, t: [10, 20, 30], v: [1, 2, 3] }]), null).result;
    expect(first).toEqual({ samplesWritten: 3, exemplarsWritten: 0, rejections: [] });
    const again = ingestPush(h, push([{ labels: { __name__: "m" }, t: [10, 20, 30], v: [1, 2, 3] }]), null).result;
    expect(again.samplesWritten).toBe(3);
    expect(again.rejections).toEqual([]);
    const bad = ingestPush(h, push([{ labels: { __name__: "m" }, t: [5, 6, 30, 40], v: [1, 1, 9, 4] }]), null).result;
    expect(bad.samplesWritten).toBe(1);
    expect(bad.rejections.map((r) => [r.reason, r.count])).toEqual([
      ["sample-out-of-order", 2],
      ["sample-duplicate-timestamp", 1],
    ]);
    expect(bad.rejections[0]!.example).toContain("err-mimir-sample-out-of-order");
    expect(bad.rejections[0]!.example).toContain('m{}');
  });
});

describe("open chunk slots", () => {
  it("keeps one slot per series across chunk cuts, and frees it when the open chunk is dropped", () => {
    const h = new Head({ chunkRangeMs: 10_000_000 });
    const series = Array.from({ length: 50 }, (_, i) => h.getOrCreate(labelsFromRecord({ __name__: "m", i: String(i) })));
    for (let k = 0; k < 600; k++) series.forEach((s, i) => h.appendValue(s, k * 15_000, k * (i + 1) + Math.sin(i * k), 0));
    expect(series.every((s) => s.chunks!.length === 4)).toBe(true);
    expect(h.openChunks.stats().slotsInUse).toBe(50);
    // Every chunk, completed or open, holds exactly its own samples.
    for (const [i, s] of series.entries()) {
      const [sel] = h.select([new Matcher("=", "i", String(i))], -Infinity, Infinity);
      const got = samples(sel!.chunks);
      expect(got.length).toBe(600);
      expect(got[599]).toEqual([599 * 15_000, 599 * (i + 1) + Math.sin(i * 599)]);
    }
    expect(h.truncateBefore(600 * 15_000)).toBe(50);
    expect(h.openChunks.stats().slotsInUse).toBe(0);
  });

  it("keeps no pages for the small slots new series grew out of", () => {
    const h = new Head();
    const series = Array.from({ length: 3000 }, (_, i) => h.getOrCreate(labelsFromRecord({ __name__: "m", i: String(i) })));
    for (let k = 0; k < 100; k++) series.forEach((s, i) => h.appendValue(s, k * 15_000 + (i % 7), Math.sin(i + k) * 1000, 0));
    const { pageBytes, slotsInUse } = h.openChunks.stats();
    expect(slotsInUse).toBe(3000);
    let chunkBytes = 0;
    for (const s of series) chunkBytes += s.head!.byteLength;
    // Slots a third larger than their chunks at most, plus a partly carved page per class.
    expect(pageBytes).toBeLessThan((chunkBytes * 3) / 2 + 13 * 32 * 1024);
  });

  it("moves an open chunk rewritten by an out-of-order sample into a new slot and frees the old one", () => {
    const h = new Head();
    const s = h.getOrCreate(up);
    for (let k = 1; k <= 10; k++) h.appendValue(s, k * 1000, k, 0);
    expect(h.appendValue(s, 5500, 55, 10_000)).toBe(Append.Appended);
    expect(h.openChunks.stats().slotsInUse).toBe(1);
    const [sel] = h.select([], -Infinity, Infinity);
    expect(samples(sel!.chunks).map(([t]) => t)).toEqual([1000, 2000, 3000, 4000, 5000, 5500, 6000, 7000, 8000, 9000, 10000]);
  });
});

describe("head truncation", () => {
  it("drops chunks before a time, removes empty series, and refuses older samples", () => {
    const h = new Head({ chunkRangeMs: 1000 });
    const old = h.getOrCreate(labelsFromRecord({ __name__: "old" }));
    const live = h.getOrCreate(labelsFromRecord({ __name__: "live" }));
    for (let t = 0; t < 3000; t += 100) h.appendValue(live, t, t, 0);
    h.appendValue(old, 500, 1, 0);
    expect(h.truncateBefore(2000)).toBe(1);
    expect(h.numSeries).toBe(1);
    expect(h.labelValues("__name__", [], -Infinity, Infinity)).toEqual(["live"]);
    expect(samples(h.select([], -Infinity, Infinity)[0]!.chunks)[0]).toEqual([2000, 2000]);
    expect(h.appendValue(live, 1500, 1, 10_000)).toBe(Append.TooOld);
    expect(h.appendValue(h.getOrCreate(labelsFromRecord({ __name__: "new" })), 1999, 1, 0)).toBe(Append.TooOld);
    // The removed series can come back under a new ref.
    const again = h.getOrCreate(labelsFromRecord({ __name__: "old" }));
    expect(again.ref).not.toBe(old.ref);
  });
});

describe("exemplars", () => {
  it("keeps the newest per series, refuses older ones and ignores exact repeats", () => {
    const h = new Head();
    const s = h.getOrCreate(up);
    h.appendValue(s, 1, 1, 0);
    const ex = (timestamp: number, value = 1) => ({ labels: [{ name: "trace_id", value: String(timestamp) }], value, timestamp });
    for (let t = 1; t <= 12; t++) expect(h.appendExemplar(s, ex(t))).toBe("appended");
    expect(h.appendExemplar(s, ex(12))).toBe("exists");
    expect(h.appendExemplar(s, ex(5))).toBe("out-of-order");
    const got = h.exemplars([new Matcher("=", "job", "a")], 0, 100);
    expect(got[0]!.exemplars.map((e) => e.timestamp)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(h.exemplars([], 11, 11)[0]!.exemplars.map((e) => e.timestamp)).toEqual([11]);
  });
});

describe("metadata", () => {
  it("reports changes only and lists families by name", () => {
    const h = new Head();
    const md = (name: string, help: string) => ({ metricFamilyName: name, type: "counter" as const, help, unit: "" });
    expect(h.setMetadata(md("b_total", "B"))).toBe(true);
    expect(h.setMetadata(md("b_total", "B"))).toBe(false);
    expect(h.setMetadata(md("b_total", "B2"))).toBe(true);
    h.setMetadata(md("a_total", "A"));
    expect(h.metadata("", 0).map((m) => m.metricFamilyName)).toEqual(["a_total", "b_total"]);
    expect(h.metadata("", 1).map((m) => m.metricFamilyName)).toEqual(["a_total"]);
    expect(h.metadata("b_total", 0)).toEqual([md("b_total", "B2")]);
    expect(h.metadata("missing", 0)).toEqual([]);
  });
});

describe("head status", () => {
  it("counts series, open and completed chunks, the time range and series per label pair", () => {
    const h = new Head();
    expect(h.status()).toEqual({ numSeries: 0, chunkCount: 0, minTime: null, maxTime: null, labels: [] });
    const t = Array.from({ length: 130 }, (_, i) => 1000 + i * 15_000);
    ingestPush(
      h,
      push([
        { labels: { __name__: "up", job: "a" }, t, v: t.map(() => 1) },
        { labels: { __name__: "up", job: "b" }, t: [500], v: [1] },
      ]),
      null,
    );
    const s = h.status();
    // 130 samples: one completed chunk of 120 and an open one; the other series has an open chunk.
    expect({ ...s, labels: undefined }).toEqual({ numSeries: 2, chunkCount: 3, minTime: 500, maxTime: t.at(-1), labels: undefined });
    const byName = Object.fromEntries(s.labels.map((l) => [l.name, Object.fromEntries(l.values.map((v, i) => [v, l.counts[i]]))]));
    expect(byName).toEqual({ __name__: { up: 2 }, job: { a: 1, b: 1 } });
  });
});
