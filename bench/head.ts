/**
 * Head memory and ingest speed. Run: npm run bench:head
 * (node --expose-gc --import tsx bench/head.ts [series] [samplesPerSeries])
 *
 * Builds a head of realistic series (8 labels, two of them unique per
 * series like pod and instance; 80% counters growing by small integers,
 * 20% gauges), fills half a chunk each, then fills more so chunks get cut,
 * and reports bytes per active series and per stored sample from
 * process.memoryUsage() (heap + array buffers) after a forced GC.
 */
import { Head } from "../src/tsdb/head/head";
import { ingestPush } from "../src/tsdb/head/ingest";
import { WalRecordBuilder } from "../src/tsdb/wal/record";
import type { PushSeries } from "../src/ingester/protocol";
import type { Label } from "../src/model/labels";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

const nSeries = Number(process.argv[2] ?? 50_000);
const more = Number(process.argv[3] ?? 360);

function used(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function labelsFor(i: number): Label[] {
  return [
    { name: "__name__", value: `metric_${i % 200}` },
    { name: "container", value: `c${i % 7}` },
    { name: "instance", value: `10.0.${(i >> 8) & 255}.${i & 255}:9100` },
    { name: "job", value: `job${i % 20}` },
    { name: "namespace", value: `ns${i % 30}` },
    { name: "pod", value: `pod-${(i * 2654435761) % 1e9}` },
    { name: "service", value: `svc${i % 50}` },
    { name: "zone", value: `zone-${i % 3}` },
  ];
}

const allLabels = Array.from({ length: nSeries }, (_, i) => labelsFor(i));
const step = 15_000;
const t0 = 1_700_000_000_000;

function pushBatch(head: Head, from: number, to: number, sample: number, wal: boolean): number {
  const series: PushSeries[] = [];
  for (let i = from; i < to; i++) {
    const ts = new Float64Array(1);
    const vs = new Float64Array(1);
    ts[0] = t0 + sample * step + (i % 1000);
    // Counters grow by a per-series integer rate with jitter; gauges move now and then.
    vs[0] = i % 5 === 0 ? 100 + ((i + Math.floor(sample / 10)) % 7) * 0.5 : sample * (i % 10) + ((sample * 7 + i) % 3);
    series.push({ labels: allLabels[i]!, timestamps: ts, values: vs });
  }
  const b = wal ? new WalRecordBuilder() : null;
  const r = ingestPush(head, { series, outOfOrderWindowMs: 0 }, b).result;
  b?.finish();
  return r.samplesWritten;
}

const base = used();
const head = new Head();
const perPush = 2000;
let samples = 0;
const fillTo = 60;
let start = performance.now();
for (let s = 0; s < fillTo; s++) for (let i = 0; i < nSeries; i += perPush) samples += pushBatch(head, i, Math.min(nSeries, i + perPush), s, true);
const fillMs = performance.now() - start;
const afterFill = used();
const perSeries = (afterFill - base) / nSeries;

start = performance.now();
for (let s = fillTo; s < fillTo + more; s++) for (let i = 0; i < nSeries; i += perPush) samples += pushBatch(head, i, Math.min(nSeries, i + perPush), s, false);
const moreMs = performance.now() - start;
const afterMore = used();
const stats = head.stats();
let chunkBytes = 0;
let chunkSamples = 0;
head.forEachSeries((s) => s.chunks?.forEach((c) => {
  chunkBytes += c.data.length;
  chunkSamples += (c.data[0]! << 8) | c.data[1]!;
}));

console.log(`series: ${nSeries}, labels per series: 8, samples: ${samples}, completed chunks: ${stats.completedChunks}`);
console.log(`bytes per active series (labels, index, open chunk of ${fillTo} samples): ${perSeries.toFixed(0)}`);
console.log(`bytes per further sample in memory (completed chunks + open chunk growth): ${((afterMore - afterFill) / (nSeries * more)).toFixed(2)}`);
console.log(`XOR chunk data alone: ${(chunkBytes / chunkSamples).toFixed(2)} bytes per sample (${(chunkBytes / stats.completedChunks).toFixed(0)} bytes per 120-sample chunk)`);
console.log(`ingest with WAL record encoding: ${((nSeries * fillTo) / (fillMs / 1000) / 1e6).toFixed(2)} M samples/s; without: ${((nSeries * more) / (moreMs / 1000) / 1e6).toFixed(2)} M samples/s`);
