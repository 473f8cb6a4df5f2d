/**
 * Query-time dedup throughput: N series scraped by R replicas every 15s with
 * jittered offsets and occasional gaps, merged by `dedupSeries`.
 *
 *   npm run bench:dedup [-- series=10000 replicas=2 samples=240]
 */
import { labelsFromRecord } from "../src/model/labels";
import { dedupSeries } from "../src/querier/dedup";
import type { Series } from "../src/storage/storage";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const SERIES = Number(args["series"] ?? 10_000);
const REPLICAS = Number(args["replicas"] ?? 2);
const SAMPLES = Number(args["samples"] ?? 240);
const STEP = 15_000;
const T0 = 1_700_000_000_000;

function build(): Series[] {
  const out: Series[] = [];
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let s = 0; s < SERIES; s++) {
    for (let r = 0; r < REPLICAS; r++) {
      const offset = Math.floor(rnd() * STEP);
      // Each replica is down for one random 2-minute stretch in about a third of series.
      const gapAt = rnd() < 0.33 ? Math.floor(rnd() * SAMPLES) : -1;
      const ts: number[] = [];
      const vs: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        if (gapAt >= 0 && i >= gapAt && i < gapAt + 8) continue;
        ts.push(T0 + i * STEP + offset);
        vs.push(i * 10 + r);
      }
      out.push({
        labels: labelsFromRecord({ __name__: "http_requests_total", instance: `host-${s % 500}`, path: `/p${s}`, replica: `r${r}` }),
        timestamps: Float64Array.from(ts),
        values: Float64Array.from(vs),
      });
    }
  }
  return out;
}

const input = build();
let inSamples = 0;
for (const s of input) inSamples += s.timestamps.length;

function run(func?: string): { ms: number; outSamples: number } {
  const start = performance.now();
  const out = dedupSeries(input, ["replica"], func === undefined ? {} : { func });
  const ms = performance.now() - start;
  let outSamples = 0;
  for (const s of out) outSamples += s.timestamps.length;
  if (out.length !== SERIES) throw new Error(`expected ${SERIES} series, got ${out.length}`);
  return { ms, outSamples };
}

for (let i = 0; i < 3; i++) run(); // warm up
for (const func of [undefined, "rate"]) {
  const runs = Array.from({ length: 5 }, () => run(func));
  const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b));
  console.log(
    `dedup ${SERIES} series × ${REPLICAS} replicas × ${SAMPLES} samples${func ? ` (func=${func})` : ""}: ` +
      `${best.ms.toFixed(1)} ms best of 5, ${((inSamples / best.ms) * 1000 / 1e6).toFixed(1)} M input samples/s, ` +
      `${inSamples} → ${best.outSamples} samples`,
  );
}
