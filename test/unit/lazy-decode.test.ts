/**
 * The engine over lazily decoded series: the same answers as over plain
 * in-memory series, and no series left holding decoded samples, so a
 * query's memory stays at its chunk bytes.
 */
import { describe, expect, it } from "vitest";
import { labelsFromRecord, type Labels } from "../../src/model/labels";
import type { Matcher } from "../../src/model/matchers";
import { Engine } from "../../src/promql/engine";
import { decodeChunkSeries, LazySeries, mergeChunkSeries, sortedByLabels } from "../../src/querier/chunks";
import { MemoryStorage } from "../../src/storage/memory";
import type { ChunkSeries, Querier, SelectHints, Series } from "../../src/storage/storage";
import { encodeXOR } from "../../src/tsdb/chunkenc/xor";

const STEP = 15_000;
const SAMPLES = 400;

function data(): { labels: Labels; ts: number[]; vs: number[] }[] {
  return Array.from({ length: 20 }, (_, i) => {
    const ts = Array.from({ length: SAMPLES }, (_, k) => k * STEP + (i % 3) * 1000);
    let v = 0;
    // Counters with a reset in the middle, so rate's correction runs too.
    const vs = ts.map((_, k) => (k === 200 ? (v = 1) : (v += 1 + ((i * 7 + k) % 5))));
    return { labels: labelsFromRecord({ __name__: "m_total", job: `j${i % 2}`, instance: `i${i}` }), ts, vs };
  });
}

/** Chunks of 120 samples, the way heads and blocks hand them over; split across two "sources". */
function chunked(): ChunkSeries[][] {
  const older: ChunkSeries[] = [];
  const newer: ChunkSeries[] = [];
  for (const d of data()) {
    const chunks = [];
    for (let k = 0; k < SAMPLES; k += 120) {
      const to = Math.min(SAMPLES, k + 120);
      const bytes = encodeXOR(d.ts, d.vs, k, to);
      chunks.push({ minTime: d.ts[k]!, maxTime: d.ts[to - 1]!, data: bytes, from: 0, to: bytes.length });
    }
    older.push({ labels: d.labels, chunks: chunks.slice(0, 2) });
    newer.push({ labels: d.labels, chunks: chunks.slice(2) });
  }
  // Sources answer in label order.
  return [sortedByLabels(newer), sortedByLabels(older)];
}

class LazyQuerier implements Querier {
  readonly handedOut: Series[] = [];
  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    const lists = chunked().map((l) => l.filter((s) => matchers.every((m) => m.matches(s.labels.find((x) => x.name === m.name)?.value ?? ""))));
    const out = decodeChunkSeries(mergeChunkSeries(lists), hints.start, hints.end);
    this.handedOut.push(...out);
    return out;
  }
  async labelNames(): Promise<string[]> {
    return [];
  }
  async labelValues(): Promise<string[]> {
    return [];
  }
}

const QUERIES = [
  "m_total",
  "sum by (job) (rate(m_total[5m]))",
  "max_over_time(m_total[10m])",
  "timestamp(m_total)",
  "absent_over_time(m_total[1m])",
  "max_over_time(rate(m_total[5m])[10m:1m])",
  "quantile_over_time(0.9, m_total[5m])",
];

describe("engine over lazily decoded series", () => {
  const memory = new MemoryStorage();
  for (const d of data()) memory.append(d.labels, d.ts, d.vs);
  const engine = new Engine();

  for (const q of QUERIES) {
    it(`answers ${q} as over plain series and keeps no decoded samples`, async () => {
      const lazy = new LazyQuerier();
      const got = await engine.rangeQuery(lazy, q, 600_000, (SAMPLES - 1) * STEP, 60_000);
      const want = await engine.rangeQuery(memory, q, 600_000, (SAMPLES - 1) * STEP, 60_000);
      expect(got.value).toEqual(want.value);
      expect(lazy.handedOut.length).toBeGreaterThan(0);
      expect(lazy.handedOut.every((s) => s instanceof LazySeries && !s.retainsSamples)).toBe(true);
    });
  }

  it("answers an instant range-vector selector the same", async () => {
    const lazy = new LazyQuerier();
    const got = await engine.instantQuery(lazy, "m_total[2m]", 3_000_000);
    expect(got.value).toEqual((await engine.instantQuery(memory, "m_total[2m]", 3_000_000)).value);
    expect(lazy.handedOut.some((s) => (s as LazySeries).retainsSamples)).toBe(false);
  });
});
