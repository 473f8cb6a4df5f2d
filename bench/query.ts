/**
 * PromQL engine speed over in-memory data (no storage or network): counter
 * series and a classic histogram scraped every 15s, queried over the last
 * hour at a 15s step and over the whole span at a 1m step, like dashboards.
 *
 *   npm run bench:engine -- [--series 10000] [--hours 6] [--repeat 3] [--only <substring>]
 *
 * Figures are the best of `repeat` runs, in ms, for the evaluation alone
 * (series are selected from memory; selection is included).
 */
import { labelsFromRecord } from "../src/model/labels";
import { Engine } from "../src/promql/engine";
import { MemoryStorage } from "../src/storage/memory";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

const SERIES = Number(arg("series", "10000"));
const HOURS = Number(arg("hours", "6"));
const REPEAT = Number(arg("repeat", "3"));
const ONLY = arg("only", "");
const SCRAPE = 15_000;
const SPAN = HOURS * 3_600_000;
/** Histogram: 10 buckets per instance, one instance per 100 counter series. */
const BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

const storage = new MemoryStorage();
const n = SPAN / SCRAPE + 1;
const ts = Array.from({ length: n }, (_, i) => i * SCRAPE);
let samples = 0;
let series = 0;
for (let s = 0; s < SERIES; s++) {
  const vs = new Float64Array(n);
  for (let i = 1; i < n; i++) vs[i] = vs[i - 1]! + ((s * 7 + i) % 13);
  storage.append(labelsFromRecord({ __name__: "http_requests_total", job: `job${s % 10}`, instance: `i${s}` }), ts, vs);
  samples += n;
  series++;
}
for (let inst = 0; inst < Math.max(1, SERIES / 100); inst++) {
  BUCKETS.forEach((le, b) => {
    const vs = new Float64Array(n);
    for (let i = 1; i < n; i++) vs[i] = vs[i - 1]! + (b + 1) * (1 + ((inst + i) % 5));
    storage.append(labelsFromRecord({ __name__: "http_request_duration_seconds_bucket", job: `job${inst % 10}`, instance: `h${inst}`, le }), ts, vs);
    samples += n;
    series++;
  });
}

const engine = new Engine({ maxSamples: 1e9 });
const queries = [
  "rate(http_requests_total[5m])",
  "sum by (job) (rate(http_requests_total[5m]))",
  "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
  "topk(5, rate(http_requests_total[5m]))",
  "http_requests_total / ignoring(instance) group_left sum by (job) (http_requests_total)",
  "max_over_time(rate(http_requests_total[5m])[30m:1m])",
].filter((q) => q.includes(ONLY));
const ranges = [
  { name: "1h @15s", start: SPAN - 3_600_000, end: SPAN, step: 15_000 },
  { name: `${HOURS}h @1m`, start: 0, end: SPAN, step: 60_000 },
];

console.log(`${series} series, ${samples} samples, best of ${REPEAT}`);
for (const q of queries) {
  const cells: string[] = [];
  for (const r of ranges) {
    let best = Infinity;
    let points = 0;
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now();
      const res = await engine.rangeQuery(storage, q, r.start, r.end, r.step);
      best = Math.min(best, performance.now() - t0);
      points = res.value.type === "matrix" ? res.value.series.reduce((a, s) => a + s.timestamps.length, 0) : 0;
    }
    cells.push(`${r.name}: ${best.toFixed(0)} ms (${points} points)`);
  }
  console.log(`${q}\n  ${cells.join("   ")}`);
}
