import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import { Matcher } from "../model/matchers";
import { Head } from "../tsdb/head/head";
import { SelectionReader, SelectionWriter, unpackSelection } from "./select-codec";

describe("SelectionWriter / SelectionReader", () => {
  it("round-trips labels and chunks, with shared symbols sent once", () => {
    const w = new SelectionWriter();
    w.startSeries(2);
    w.label("__name__", "up");
    w.label("job", "a");
    w.chunk(1, 5, Uint8Array.of(0, 2, 9, 9));
    w.chunk(6, 9, Uint8Array.of(0, 1, 7));
    w.startSeries(2);
    w.label("__name__", "up");
    w.label("job", "b");
    w.startSeries(1);
    w.label("job", "a");
    w.chunk(-3, 2 ** 50, new Uint8Array(0));
    const res = w.finish();
    expect(res.symbols).toEqual(["__name__", "up", "job", "a", "b"]);
    expect(res.data.byteLength).toBe(res.data.buffer.byteLength);
    const got = unpackSelection(res).map((s) => ({ labels: s.labels, chunks: s.chunks.map((c) => [c.minTime, c.maxTime, [...c.data]]) }));
    expect(got).toEqual([
      { labels: [...labelsFromRecord({ __name__: "up", job: "a" })], chunks: [[1, 5, [0, 2, 9, 9]], [6, 9, [0, 1, 7]]] },
      { labels: [...labelsFromRecord({ __name__: "up", job: "b" })], chunks: [] },
      { labels: [{ name: "job", value: "a" }], chunks: [[-3, 2 ** 50, []]] },
    ]);
  });

  it("grows past its first buffer and reads many chunks per series", () => {
    const w = new SelectionWriter();
    const big = new Uint8Array(50_000).map((_, i) => i & 0xff);
    for (let s = 0; s < 5; s++) {
      w.startSeries(1);
      w.label("i", String(s));
      for (let c = 0; c < 20; c++) w.chunk(c, c, c % 2 === 0 ? big : Uint8Array.of(s, c));
    }
    const r = new SelectionReader(w.finish());
    let series = 0;
    while (r.next()) {
      expect(r.labels).toEqual([{ name: "i", value: String(series) }]);
      expect(r.chunks).toBe(20);
      expect(r.lengths[0]).toBe(50_000);
      expect(r.data[r.offsets[0]! + 300]).toBe(300 & 0xff);
      expect([...r.data.subarray(r.offsets[1]!, r.offsets[1]! + r.lengths[1]!)]).toEqual([series, 1]);
      series++;
    }
    expect(series).toBe(5);
  });

  it("refuses a truncated answer", () => {
    const w = new SelectionWriter();
    w.startSeries(1);
    w.label("a", "b");
    w.chunk(0, 1, new Uint8Array(10));
    const res = w.finish();
    const r = new SelectionReader({ symbols: res.symbols, data: res.data.subarray(0, res.data.length - 3) });
    expect(() => r.next()).toThrow(/ended early/);
  });
});

describe("Head.selectPacked", () => {
  it("answers what Head.select answers", () => {
    const h = new Head({ samplesPerChunk: 10 });
    for (let i = 0; i < 30; i++) {
      const s = h.getOrCreate(labelsFromRecord({ __name__: i % 3 === 0 ? "a" : "b", i: String(i % 7), z: String(i) }));
      for (let t = 0; t < 35; t++) h.appendValue(s, 1000 * t + i, t * i, 0);
    }
    const cases: [Matcher[], number, number, { seriesOnly?: boolean; limit?: number }][] = [
      [[new Matcher("=~", "__name__", ".+")], -Infinity, Infinity, {}],
      [[new Matcher("=", "__name__", "b"), new Matcher("!=", "i", "3")], 12_000, 21_000, {}],
      [[new Matcher("=", "__name__", "a")], 0, 1e6, { limit: 4 }],
      [[new Matcher("=", "__name__", "a")], 0, 1e6, { seriesOnly: true }],
      [[new Matcher("=", "__name__", "a")], 40_000, 50_000, {}],
    ];
    for (const [ms, start, end, opts] of cases) {
      const packed = unpackSelection(h.selectPacked(ms, start, end, opts)).map((s) => ({ labels: s.labels, chunks: s.chunks.map((c) => ({ ...c, data: [...c.data] })) }));
      const plain = h.select(ms, start, end, opts).map((s) => ({ labels: s.labels, chunks: s.chunks.map((c) => ({ ...c, data: [...c.data] })) }));
      expect(packed).toEqual(plain);
    }
    expect(unpackSelection(h.selectPacked([new Matcher("=~", "__name__", ".+")], 0, 1e6))).toHaveLength(30);
  });
});
