/**
 * Block size and speed on node-exporter-like data (10k series, 15s, 2h),
 * compared with the block Prometheus itself builds from the same samples
 * (`promtool tsdb create-blocks-from openmetrics`), when promtool is present.
 *
 *   npm run bench:block [-- --series 10000]
 */
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Matcher } from "../src/model/matchers";
import { BlockReader, memoryBlockFiles } from "../src/tsdb/block/block-reader";
import { writeBlock } from "../src/tsdb/block/block-writer";
import { MemoryBlockSink } from "../src/tsdb/block/sink";
import { decodeXOR } from "../src/tsdb/chunkenc/xor";
import { NODE_SERIES_PER_INSTANCE, type RawSeries, nodeExporterSeries, toBlockSeries } from "../src/tsdb/block/testutil";

const PROMTOOL = ".tools/prometheus/promtool";
const H2 = 7_200_000;
const T0 = Math.floor(1_750_000_000_000 / H2) * H2;
const argSeries = process.argv.indexOf("--series");
const NUM_SERIES = argSeries > 0 ? Number(process.argv[argSeries + 1]) : 10_000;
const SAMPLES = 480;

function fmt(n: number, d = 2): string {
  return n.toFixed(d);
}

function dirSize(dir: string): { chunks: number; index: number } {
  let chunks = 0;
  for (const f of readdirSync(join(dir, "chunks"))) chunks += statSync(join(dir, "chunks", f)).size;
  return { chunks, index: statSync(join(dir, "index")).size };
}

function writeOpenMetrics(path: string, raw: readonly RawSeries[]): void {
  const fd = openSync(path, "w");
  let buf = "";
  for (const s of raw) {
    const name = s.labels.find((l) => l.name === "__name__")!.value;
    const rest = s.labels.filter((l) => l.name !== "__name__").map((l) => `${l.name}="${l.value}"`).join(",");
    const prefix = `${name}{${rest}} `;
    for (let i = 0; i < s.timestamps.length; i++) {
      buf += `${prefix}${s.values[i]} ${s.timestamps[i]! / 1000}\n`;
    }
    if (buf.length > 1 << 22) {
      writeSync(fd, buf);
      buf = "";
    }
  }
  writeSync(fd, buf + "# EOF\n");
  closeSync(fd);
}

async function main(): Promise<void> {
  const instances = Math.ceil(NUM_SERIES / NODE_SERIES_PER_INSTANCE);
  let t = performance.now();
  const raw = nodeExporterSeries(instances, T0, SAMPLES).slice(0, NUM_SERIES);
  const samples = raw.length * SAMPLES;
  console.log(`data: ${raw.length} series x ${SAMPLES} samples (15s, 2h) = ${samples} samples, generated in ${fmt(performance.now() - t, 0)} ms`);

  t = performance.now();
  const series = toBlockSeries(raw);
  const encMs = performance.now() - t;
  t = performance.now();
  const sink = new MemoryBlockSink();
  const written = await writeBlock(series, { minTime: T0, maxTime: T0 + H2, externalLabels: { tenant: "bench", shard: "0" } }, sink);
  const writeMs = performance.now() - t;
  const chunkBytes = written.files.filter((f) => f.rel_path.startsWith("chunks/")).reduce((n, f) => n + f.size_bytes, 0);
  const indexBytes = written.files.find((f) => f.rel_path === "index")!.size_bytes;
  console.log(`promflare: XOR encode ${fmt(encMs, 0)} ms, block write ${fmt(writeMs, 0)} ms (${fmt(samples / (writeMs / 1000) / 1e6)} M samples/s)`);
  console.log(
    `promflare: chunks ${chunkBytes} B (${fmt(chunkBytes / samples, 3)} B/sample), index ${indexBytes} B (${fmt(indexBytes / samples, 3)} B/sample), total ${fmt((chunkBytes + indexBytes) / samples, 3)} B/sample`,
  );

  // Range reads per query against the in-memory block (what R2 would see).
  const queries: [string, Matcher[]][] = [
    ["one series", [new Matcher("=", "__name__", "node_load1"), new Matcher("=", "instance", raw[0]!.labels.find((l) => l.name === "instance")!.value)]],
    ["cpu idle, all hosts", [new Matcher("=", "__name__", "node_cpu_seconds_total"), new Matcher("=", "mode", "idle")]],
    ["regex + negative", [new Matcher("=~", "__name__", "node_network_.*_bytes_total"), new Matcher("!=", "device", "lo")]],
  ];
  // The chunk gap trades bytes for requests; 0 reads only what is needed.
  for (const [name, ms, gap] of [...queries.map(([n, m]) => [n, m, undefined] as const), [queries[1]![0], queries[1]![1], 0] as const]) {
    const block = await BlockReader.open(memoryBlockFiles(sink.files), { meta: written.meta, chunks: gap === undefined ? {} : { maxGapBytes: gap } });
    const open = { ...block.stats };
    t = performance.now();
    const got = await block.select(ms, { minTime: T0, maxTime: T0 + H2 });
    const q = performance.now() - t;
    console.log(
      `query ${JSON.stringify(name)} (chunk gap ${gap ?? "default 64Ki"} B): ${got.length} series; open index ${open.requests} reads/${open.bytes} B; select ${block.stats.requests - open.requests} reads/${block.stats.bytes - open.bytes} B in ${fmt(q, 1)} ms`,
    );
  }

  // Whole-block read: every series entry and chunk, checksums verified, XOR decoded.
  {
    const block = await BlockReader.open(memoryBlockFiles(sink.files), { meta: written.meta });
    t = performance.now();
    const all = await block.select([new Matcher("=~", "__name__", ".+")], { minTime: T0, maxTime: T0 + H2 });
    const readMs = performance.now() - t;
    const ts = new Float64Array(SAMPLES);
    const vs = new Float64Array(SAMPLES);
    t = performance.now();
    let n = 0;
    for (const s of all) for (const c of s.chunks) n += decodeXOR(c.data, ts, vs, 0);
    const decMs = performance.now() - t;
    console.log(
      `read all: ${all.length} series, ${block.stats.requests} reads in ${fmt(readMs, 0)} ms; XOR decode ${n} samples in ${fmt(decMs, 0)} ms (${fmt(n / (decMs / 1000) / 1e6)} M samples/s)`,
    );
  }

  if (!existsSync(PROMTOOL)) {
    console.log(`(${PROMTOOL} missing: no comparison with Prometheus; run bash scripts/setup-prometheus.sh)`);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), "promflare-bench-"));
  try {
    const om = join(root, "data.om");
    t = performance.now();
    writeOpenMetrics(om, raw);
    console.log(`openmetrics file: ${statSync(om).size} B in ${fmt(performance.now() - t, 0)} ms`);
    const promDir = join(root, "prom");
    t = performance.now();
    execFileSync(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", om, promDir], { stdio: "ignore" });
    console.log(`promtool create-blocks-from: ${fmt(performance.now() - t, 0)} ms`);
    const blocks = readdirSync(promDir).filter((d) => existsSync(join(promDir, d, "meta.json")));
    let pc = 0;
    let pi = 0;
    for (const b of blocks) {
      const s = dirSize(join(promDir, b));
      pc += s.chunks;
      pi += s.index;
    }
    console.log(
      `prometheus (${blocks.length} block): chunks ${pc} B (${fmt(pc / samples, 3)} B/sample), index ${pi} B (${fmt(pi / samples, 3)} B/sample), total ${fmt((pc + pi) / samples, 3)} B/sample`,
    );
    // Our block, written to disk, must pass promtool's analysis too.
    const ours = join(root, "ours");
    mkdirSync(join(ours, "wal"), { recursive: true });
    for (const [p, data] of sink.files) {
      const full = join(ours, written.meta.ulid, p);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, data);
    }
    const out = execFileSync(PROMTOOL, ["tsdb", "analyze", ours, written.meta.ulid], { encoding: "utf8" });
    console.log(`promtool tsdb analyze on ours: ${out.split("\n").slice(0, 6).join("; ")}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
