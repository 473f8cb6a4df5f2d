/**
 * The max-samples limit counts what a query holds in memory at once, as
 * Prometheus does. The expected peaks are what Prometheus 3.5 reported
 * (`stats=all`, `samples.peakSamples`) for the same samples and queries; the
 * limit must fail exactly one below the peak.
 */
import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import { MemoryStorage } from "../../storage/memory";
import { Engine } from "./engine";
import { TOO_MANY_SAMPLES } from "./types";

const base = 1_700_100_000_000;

/** 10 counters and 8 histogram buckets, every 15s for 1h, and a series that stops after 5m. */
function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const add = (labels: Record<string, string>, f: (i: number) => number, n = 240): void => {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i <= n; i++) {
      ts.push(base + i * 15_000);
      vs.push(f(i));
    }
    s.append(labelsFromRecord(labels), ts, vs);
  };
  for (const job of ["a", "b"]) {
    for (let inst = 0; inst < 5; inst++) add({ __name__: "http_requests_total", job, instance: String(inst) }, (i) => i * (inst + 1));
    for (const le of ["0.1", "0.5", "1", "+Inf"]) add({ __name__: "lat_bucket", job, le }, (i) => i * (le === "+Inf" ? 10 : Number(le) * 8));
  }
  add({ __name__: "sparse" }, (i) => i, 20);
  return s;
}

const instantAt = base + 3_600_000;
const rangeStart = base + 1_800_000;

const CASES: [kind: "instant" | "range", query: string, peak: number][] = [
  ["instant", "http_requests_total[5m]", 200],
  ["instant", "rate(http_requests_total[5m])", 30],
  ["instant", "rate(http_requests_total[5m])[10m:1m]", 120],
  ["instant", "http_requests_total * 2", 32],
  ["range", "rate(http_requests_total[5m])", 330],
  ["range", "sum by (job) (rate(http_requests_total[5m]))", 330],
  ["range", "http_requests_total / on(job) group_left sum by (job) (http_requests_total)", 694],
  ["range", "topk(3, http_requests_total)", 341],
  ["range", "histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))", 299],
  ["range", "max_over_time(rate(http_requests_total[5m])[10m:1m])", 720],
  ["range", "sum_over_time(http_requests_total[10m:30s])", 1130],
  ["range", 'count_values("v", http_requests_total)', 475],
  ["range", "timestamp(http_requests_total)", 320],
  ["range", "http_requests_total or lat_bucket", 1134],
  ["range", "quantile_over_time(0.9, http_requests_total[5m])", 361],
  ["range", "1 + 2", 31],
  ["range", `rate(http_requests_total[5m] @ ${(base + 600_000) / 1000})`, 310],
];

function run(kind: "instant" | "range", query: string, maxSamples: number) {
  const engine = new Engine({ maxSamples });
  return kind === "instant"
    ? engine.instantQuery(storage(), query, instantAt)
    : engine.rangeQuery(storage(), query, rangeStart, instantAt, 60_000);
}

describe("max samples", () => {
  it.each(CASES)("%s %s holds at most %i samples, as in Prometheus", async (kind, query, peak) => {
    const r = await run(kind, query, peak);
    expect(r.stats.peakSamples).toBe(peak);
    await expect(run(kind, query, peak - 1)).rejects.toThrow(TOO_MANY_SAMPLES);
  });

  it("releases a node's inputs once its result is built", async () => {
    // Each side of the sum holds its selector's 310 samples only while it aggregates.
    const r = await run("range", "sum(http_requests_total) + sum(http_requests_total)", 1e6);
    expect(r.stats.peakSamples).toBeLessThan(2 * 310);
    expect(r.stats.samplesLoaded).toBe(2 * 310);
  });
});
