import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import { Engine, type QueryResult, type QuerySeries } from "../promql/engine";
import { parseExpr } from "../promql/parser";
import { MemoryStorage } from "../storage/memory";
import { decodeExtents, encodeExtents } from "./extent-codec";
import type { Extent } from "./extents";
import { cacheableExpr, cachedRangeQuery, type ExtentStore } from "./results-cache";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FRESHNESS = 10 * MIN;
/** Midnight UTC plus a bit, so windows cross a day boundary. */
const T0 = 20_000 * DAY - 3 * HOUR;

/** Keeps entries as the Cache API would: encoded bytes. */
class MemoryExtentStore implements ExtentStore {
  readonly entries = new Map<string, Uint8Array>();
  puts = 0;
  async get(key: string): Promise<Extent[] | undefined> {
    const bytes = this.entries.get(key);
    return bytes === undefined ? undefined : decodeExtents(bytes.slice().buffer);
  }
  async put(key: string, extents: readonly Extent[]): Promise<void> {
    this.puts++;
    this.entries.set(key, encodeExtents(extents));
  }
}

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  for (const instance of ["a", "b", "c"]) {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = T0 - 2 * HOUR, i = 0; t <= T0 + 8 * HOUR; t += 15_000, i++) {
      ts.push(t);
      vs.push(i * (instance.charCodeAt(0) - 96) + (i % 7));
    }
    s.append(labelsFromRecord({ __name__: "http_requests_total", instance, job: "api" }), ts, vs);
  }
  return s;
}

const plain = (series: readonly QuerySeries[]) => series.map((s) => ({ labels: s.labels, t: [...s.timestamps], v: [...s.values] }));

describe("results cache", () => {
  const engine = new Engine({ enableExperimental: true });
  const query = "sum by (instance) (rate(http_requests_total[5m]))";

  function run(s: MemoryStorage, store: ExtentStore, start: number, end: number, step: number, steps: number[], q = query, mayStore = true) {
    const evaluate = (from: number, to: number): Promise<QueryResult> => {
      steps.push((to - from) / step + 1);
      return engine.rangeQuery(s, q, from, to, step);
    };
    return cachedRangeQuery({ key: q, start, end, step }, evaluate, store, { ttlMs: DAY, freshnessMs: FRESHNESS, now: end }, () => mayStore);
  }

  it("answers a sliding dashboard window like the engine, evaluating only the steps it has not seen", async () => {
    const s = storage();
    const store = new MemoryExtentStore();
    const step = 30_000;
    for (let refresh = 0; refresh < 12; refresh++) {
      // "Last 6h", refreshed every 5 minutes, aligned to the step as Grafana aligns it.
      const end = T0 + 2 * HOUR + 30 * MIN + refresh * 5 * MIN;
      const start = end - 6 * HOUR;
      const evaluated: number[] = [];
      const got = await run(s, store, start, end, step, evaluated);
      const direct = await engine.rangeQuery(s, query, start, end, step);
      expect(plain(got.series), `refresh ${refresh}`).toEqual(plain(direct.value.type === "matrix" ? direct.value.series : []));
      const total = (end - start) / step + 1;
      if (refresh === 0) expect(evaluated).toEqual([total]);
      // Afterwards: the new 5 minutes and the 10 minutes too fresh to have been kept, in one piece.
      else expect(evaluated).toEqual([(5 * MIN + FRESHNESS) / step]);
      expect(got.cachedSteps + evaluated.reduce((a, b) => a + b, 0)).toBe(total);
    }
    // The windows cross midnight: each day has its own entry.
    expect(store.entries.size).toBe(2);
  });

  it("recomputes the fresh steps, and keeps serving cached ones as Mimir does", async () => {
    const s = storage();
    const store = new MemoryExtentStore();
    const end = T0 + HOUR;
    const start = end - HOUR;
    await run(s, store, start, end, MIN, []);
    // A series that appears later in the cached past stays unseen there until the entry expires...
    s.append(labelsFromRecord({ __name__: "http_requests_total", instance: "late", job: "api" }), [start, start + 30_000, start + MIN, end - MIN, end], [0, 10, 20, 30, 40]);
    const again = await run(s, store, start, end, MIN, []);
    const late = again.series.find((x) => x.labels.some((l) => l.value === "late"));
    // ...but the fresh steps, evaluated again, show it.
    expect(late).toBeDefined();
    expect(Math.min(...late!.timestamps)).toBeGreaterThan(end - FRESHNESS);
  });

  it("keeps grids apart: a query whose start falls between the steps of a cached one", async () => {
    const s = storage();
    const store = new MemoryExtentStore();
    const end = T0 + 2 * HOUR;
    await run(s, store, end - HOUR, end, MIN, []);
    const shifted = await run(s, store, end - HOUR + 15_000, end + 15_000, MIN, []);
    const direct = await engine.rangeQuery(s, query, end - HOUR + 15_000, end + 15_000, MIN);
    expect(plain(shifted.series)).toEqual(plain(direct.value.type === "matrix" ? direct.value.series : []));
  });

  it("stores nothing when asked not to, or when the result carries annotations", async () => {
    const s = storage();
    const store = new MemoryExtentStore();
    await run(s, store, T0, T0 + HOUR, MIN, [], query, false);
    expect(store.puts).toBe(0);
    // rate() of a name that is not a counter's gets an info annotation.
    const ts = Array.from({ length: 241 }, (_, i) => T0 + i * 15_000);
    s.append(labelsFromRecord({ __name__: "temperature" }), ts, ts.map((_, i) => 20 + (i % 5)));
    const annotated = await run(s, store, T0, T0 + HOUR, MIN, [], "rate(temperature[5m])");
    expect(annotated.evaluated[0]!.positioned.infos.length).toBeGreaterThan(0);
    expect(store.puts).toBe(0);
  });

  it("hands the cache writes to the background when it can, answering first", async () => {
    const s = storage();
    const store = new MemoryExtentStore();
    const writes: Promise<void>[] = [];
    const evaluate = (from: number, to: number): Promise<QueryResult> => engine.rangeQuery(s, query, from, to, MIN);
    const settings = { ttlMs: DAY, freshnessMs: FRESHNESS, now: T0 + HOUR, background: (w: Promise<void>) => writes.push(w) };
    const got = await cachedRangeQuery({ key: query, start: T0, end: T0 + HOUR, step: MIN }, evaluate, store, settings, () => true);
    expect(got.series.length).toBe(3);
    expect(writes).toHaveLength(1);
    await Promise.all(writes);
    expect(store.puts).toBe(1);
    const again = await cachedRangeQuery({ key: query, start: T0, end: T0 + HOUR, step: MIN }, evaluate, store, settings, () => true);
    expect(again.cachedSteps).toBe(51);
  });

  it("does not cache expressions whose steps read the whole range", () => {
    expect(cacheableExpr(parseExpr(query))).toBe(true);
    expect(cacheableExpr(parseExpr("http_requests_total @ 1700000000"))).toBe(true);
    expect(cacheableExpr(parseExpr("http_requests_total @ end()"))).toBe(false);
    expect(cacheableExpr(parseExpr("sum(rate(http_requests_total[5m] @ start()))"))).toBe(false);
    expect(cacheableExpr(parseExpr("max_over_time(http_requests_total[range()])"))).toBe(false);
    expect(cacheableExpr(parseExpr("max_over_time(http_requests_total[step()])"))).toBe(true);
  });
});
