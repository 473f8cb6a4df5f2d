/**
 * PromQL engine throughput over in-memory data: 1,000 counter series of 2h
 * at a 15s scrape interval, queried like a dashboard would.
 *
 *   npm run bench:query
 */
import { labelsFromRecord } from "../src/model/labels";
import { Engine } from "../src/promql/engine";
import { MemoryStorage } from "../src/storage/memory";

const SERIES = 1000;
const SCRAPE = 15_000;
const SPAN = 2 * 3600_000;

const storage = new MemoryStorage();
const n = SPAN / SCRAPE + 1;
const ts = Array.from({ length: n }, (_, i) => i * SCRAPE);
let samples = 0;
for (let s = 0; s < SERIES; s++) {
  const vs = new Float64Array(n);
  for (let i = 1; i < n; i++) vs[i] = vs[i - 1]! + ((s * 7 + i) % 13);
  storage.append(labelsFromRecord({ __name__: "http_requests_total", job: `job${s % 10}`, instance: `i${s}` }), ts, vs);
  samples += n;
}

const engine = new Engine();
const queries = [
  "sum by (job) (rate(http_requests_total[5m]))",
  "topk(5, rate(http_requests_total[5m]))",
  "http_requests_total / ignoring(instance) group_left sum by (job) (http_requests_total)",
  "max_over_time(rate(http_requests_total[5m])[30m:1m])",
];
console.log(`${SERIES} series, ${samples} samples loaded`);
for (const q of queries) {
  const runs = 3;
  let best = Infinity;
  let points = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const res = await engine.rangeQuery(storage, q, 3600_000, SPAN, 60_000);
    best = Math.min(best, performance.now() - t0);
    points = res.value.type === "matrix" ? res.value.series.reduce((a, s) => a + s.timestamps.length, 0) : 0;
  }
  console.log(`${q}\n  range 1h step 1m: ${best.toFixed(1)} ms (best of ${runs}), ${points} output points`);
}
