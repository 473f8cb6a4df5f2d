/**
 * Block cutting and compaction against an in-memory bucket that counts R2
 * operations: node-exporter-like data (bench/gen.ts) for 2h is ingested
 * into one head per shard, each head's range is cut into a block as an
 * ingester does it, then the shards' blocks are compacted into one.
 *
 *   npm run bench:compact [-- --targets 22 --shards 2]
 */
import { performance } from "node:perf_hooks";
import { compactBlocks } from "../src/compactor/compact";
import { headBlockSeries } from "../src/ingester/cut";
import type { PushSeries } from "../src/ingester/protocol";
import { hashLabels } from "../src/model/labels";
import { writeBlock } from "../src/tsdb/block/block-writer";
import type { BlockMeta } from "../src/tsdb/block/meta";
import { R2BlockSink } from "../src/tsdb/block/r2-sink";
import { concatBytes } from "../src/tsdb/block/sink";
import { newULID } from "../src/tsdb/block/ulid";
import { Head } from "../src/tsdb/head/head";
import { ingestPush } from "../src/tsdb/head/ingest";
import { NodeExporterGenerator } from "./gen";

const H2 = 7_200_000;
const T0 = Math.floor(Date.UTC(2024, 0, 1) / H2) * H2;
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TARGETS = arg("targets", 22);
const SHARDS = arg("shards", 2);

/** Class A: put, multipart create/part/complete, list. Class B: get, head. */
class CountingBucket {
  readonly objects = new Map<string, Uint8Array>();
  classA = 0;
  classB = 0;
  puts = 0;
  parts = 0;

  reset(): void {
    this.classA = this.classB = this.puts = this.parts = 0;
  }

  async put(key: string, value: Uint8Array | string): Promise<R2Object> {
    this.classA++;
    this.puts++;
    this.objects.set(key, typeof value === "string" ? new TextEncoder().encode(value) : value.slice());
    return {} as R2Object;
  }

  async createMultipartUpload(key: string): Promise<R2MultipartUpload> {
    this.classA++;
    const parts: Uint8Array[] = [];
    const self = this;
    return {
      key,
      uploadId: "u",
      async uploadPart(n: number, data: Uint8Array) {
        self.classA++;
        self.parts++;
        parts[n - 1] = data.slice();
        return { partNumber: n, etag: String(n) };
      },
      async complete() {
        self.classA++;
        const out = concatBytes(parts);
        self.objects.set(key, out);
        return {} as R2Object;
      },
      async abort() {},
    } as unknown as R2MultipartUpload;
  }

  async get(key: string, opts?: { range?: { offset: number; length: number } }): Promise<R2ObjectBody | null> {
    this.classB++;
    const b = this.objects.get(key);
    if (b === undefined) return null;
    const r = opts?.range;
    const bytes = r ? b.subarray(r.offset, r.offset + r.length) : b;
    return { arrayBuffer: async () => bytes.slice().buffer, text: async () => new TextDecoder().decode(bytes) } as unknown as R2ObjectBody;
  }

  async head(key: string): Promise<R2Object | null> {
    this.classB++;
    const b = this.objects.get(key);
    return b === undefined ? null : ({ size: b.length } as R2Object);
  }

  async delete(keys: string | string[]): Promise<void> {
    for (const k of [keys].flat()) this.objects.delete(k);
  }
}

function mib(n: number): string {
  return (n / 1048576).toFixed(2);
}

async function main(): Promise<void> {
  const gen = new NodeExporterGenerator({ targets: TARGETS, startMs: T0 });
  const heads = Array.from({ length: SHARDS }, () => new Head());
  let samples = 0;
  for (let t = T0; t < T0 + H2; t += 15_000) {
    const perShard: PushSeries[][] = heads.map(() => []);
    for (const s of gen.scrape()) {
      perShard[hashLabels(s.labels) % SHARDS]!.push({
        labels: s.labels,
        timestamps: Float64Array.from(s.samples, (x) => x.timestamp),
        values: Float64Array.from(s.samples, (x) => x.value),
      });
      samples += s.samples.length;
    }
    heads.forEach((h, i) => ingestPush(h, { series: perShard[i]!, outOfOrderWindowMs: 0 }, null));
  }
  console.log(`${gen.seriesCount} series, ${samples} samples over 2h, ${SHARDS} shards`);

  const bucket = new CountingBucket();
  const metas: BlockMeta[] = [];
  for (let i = 0; i < SHARDS; i++) {
    bucket.reset();
    const t = performance.now();
    const series = headBlockSeries(heads[i]!, T0, T0 + H2);
    const ulid = newULID();
    const w = await writeBlock(
      series,
      { ulid, minTime: T0, maxTime: T0 + H2, externalLabels: { __org_id__: "bench", __ingester_shard__: String(i) } },
      new R2BlockSink(bucket, `bench/${ulid}/`),
    );
    const ms = performance.now() - t;
    metas.push(w.meta);
    const chunks = w.files.filter((f) => f.rel_path.startsWith("chunks/")).reduce((a, f) => a + f.size_bytes, 0);
    const index = w.files.find((f) => f.rel_path === "index")!.size_bytes;
    const n = w.meta.stats.numSamples;
    console.log(
      `cut shard ${i}: ${w.meta.stats.numSeries} series, ${n} samples in ${ms.toFixed(0)} ms; ` +
        `chunks ${(chunks / n).toFixed(2)} B/sample, index ${(index / n).toFixed(2)} B/sample, total ${((chunks + index) / n).toFixed(2)} B/sample ` +
        `(${mib(chunks + index)} MiB); R2 class A ${bucket.classA} (PUT ${bucket.puts}, parts ${bucket.parts}, LIST 0) + 1 bucket-index PUT`,
    );
  }

  bucket.reset();
  const t = performance.now();
  const out = await compactBlocks(bucket as unknown as R2Bucket, { tenant: "bench", sources: metas });
  const ms = performance.now() - t;
  const total = out.files.reduce((a, f) => a + f.size_bytes, 0);
  console.log(
    `compact ${SHARDS} blocks → 1: ${out.meta.stats.numSeries} series, ${out.meta.stats.numSamples} samples in ${ms.toFixed(0)} ms ` +
      `(${(total / out.meta.stats.numSamples).toFixed(2)} B/sample); R2 class A ${bucket.classA} (PUT ${bucket.puts}, parts ${bucket.parts}), class B ${bucket.classB} reads`,
  );
  if (out.meta.stats.numSamples !== samples) throw new Error(`compacted ${out.meta.stats.numSamples} samples, ingested ${samples}`);
}

void main();
