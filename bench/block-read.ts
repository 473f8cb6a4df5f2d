/**
 * What a dashboard query costs in R2 requests and bytes when it reads a
 * block: node-exporter-like data (default 10k series, 15 s, one 2h block)
 * in an in-memory bucket, queried through BlockQuerier and the PromQL
 * engine. "cold" is the first query of an isolate (index tables read from
 * R2), "warm" a later one (index tables from the isolate cache).
 *
 *   npm run bench:block-read [-- --series 10000] [-- --latency-ms 20]
 *
 * With --latency-ms each request waits that long, to show how the six-way
 * concurrency bound turns request counts into wall time.
 */
import { Engine } from "../src/promql/engine";
import { Matcher } from "../src/model/matchers";
import { BlockIndexCache } from "../src/querier/block-index-cache";
import { type BlockBucket, BlockQuerier, BucketIndexCache } from "../src/querier/block-querier";
import { blockFromMeta, emptyBucketIndex, encodeBucketIndex, withBlock } from "../src/storage/bucket-index";
import { writeBlockToMemory } from "../src/tsdb/block/block-writer";
import { NODE_SERIES_PER_INSTANCE, nodeExporterSeries, toBlockSeries } from "../src/tsdb/block/testutil";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const NUM_SERIES = arg("--series", 10_000);
const LATENCY_MS = arg("--latency-ms", 0);
const H2 = 7_200_000;
const T0 = Math.floor(1_750_000_000_000 / H2) * H2;
const TENANT = "bench";

class MemoryBucket implements BlockBucket {
  readonly objects = new Map<string, Uint8Array>();

  private async delay(): Promise<void> {
    if (LATENCY_MS > 0) await new Promise((r) => setTimeout(r, LATENCY_MS));
  }

  async get(key: string, options?: { range: { offset: number; length: number } }) {
    await this.delay();
    const o = this.objects.get(key);
    if (o === undefined) return null;
    const b = options ? o.subarray(options.range.offset, options.range.offset + options.range.length) : o;
    return { arrayBuffer: async () => b.slice().buffer, text: async () => new TextDecoder().decode(b) };
  }

  async head(key: string) {
    await this.delay();
    const o = this.objects.get(key);
    return o === undefined ? null : { size: o.length };
  }

  async put(key: string, value: string) {
    this.objects.set(key, new TextEncoder().encode(value));
  }
}

const instances = Math.max(1, Math.round(NUM_SERIES / NODE_SERIES_PER_INSTANCE));
const raw = nodeExporterSeries(instances, T0, 480);
const written = await writeBlockToMemory(toBlockSeries(raw), { minTime: T0, maxTime: T0 + H2, externalLabels: { tenant: TENANT } });
const bucket = new MemoryBucket();
for (const [p, d] of written.data) bucket.objects.set(`${TENANT}/${written.meta.ulid}/${p}`, d);
const index = withBlock(emptyBucketIndex(), blockFromMeta(written.meta, 0), 0);
bucket.objects.set(`${TENANT}/bucket-index.json`, new TextEncoder().encode(encodeBucketIndex(index)));
const indexSize = written.data.get("index")!.length;
const chunkBytes = written.files.filter((f) => f.rel_path.startsWith("chunks/")).reduce((a, f) => a + f.size_bytes, 0);
console.log(
  `block: ${raw.length} series, 2h at 15s; index ${(indexSize / 1024).toFixed(0)} KiB, chunks ${(chunkBytes / 1024 / 1024).toFixed(1)} MiB` +
    (LATENCY_MS ? `; ${LATENCY_MS} ms per request` : ""),
);

const engine = new Engine();
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

interface Case {
  readonly name: string;
  run(q: BlockQuerier): Promise<unknown>;
}

const end = T0 + 90 * 60_000;
const cases: Case[] = [
  {
    name: "sum by (job) (rate(node_cpu_seconds_total[5m]))  range 1h step 15s",
    run: (q) => engine.rangeQuery(q, "sum by (job) (rate(node_cpu_seconds_total[5m]))", end - 3_600_000, end, 15_000),
  },
  {
    name: 'rate(node_network_receive_bytes_total{device="eth0"}[5m])  range 1h step 15s',
    run: (q) => engine.rangeQuery(q, 'rate(node_network_receive_bytes_total{device="eth0"}[5m])', end - 3_600_000, end, 15_000),
  },
  {
    name: 'up{instance="10.0.0.7:9100"}  instant',
    run: (q) => engine.instantQuery(q, 'up{instance="10.0.0.7:9100"}', end),
  },
  {
    name: "label values of instance (no matchers)",
    run: (q) => q.labelValues("instance", [], { start: end - 3_600_000, end }),
  },
  {
    name: "series {__name__=~\"node_load.*\"}  1h",
    run: (q) => q.select([new Matcher("=~", "__name__", "node_load.*")], { start: end - 3_600_000, end, seriesOnly: true }),
  },
];

for (const c of cases) {
  console.log(c.name);
  // Cold: a fresh isolate, nothing cached. Warm: the same isolate's next query.
  const caches = { indexCache: new BlockIndexCache(), bucketIndexCache: new BucketIndexCache() };
  for (const phase of ["cold", "warm"] as const) {
    const q = new BlockQuerier(bucket, TENANT, caches);
    const t0 = performance.now();
    await c.run(q);
    const ms = performance.now() - t0;
    console.log(`  ${phase}: ${q.stats.requests} requests, ${kib(q.stats.bytes)} read, ${ms.toFixed(1)} ms`);
  }
}
