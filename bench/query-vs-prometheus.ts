/**
 * Query benchmark against real servers: the same data set loaded into
 * promflare (through remote_write, in time order) and into Prometheus 3.5
 * (through `promtool tsdb create-blocks-from openmetrics`), then typical
 * dashboard queries timed as instant and range queries on both.
 *
 *   npm run bench:query -- [--series 10000] [--hours 6] [--repeat 3]
 *                                        [--range-step 60] [--concurrency 8] [--cache-results true]
 *
 * With --cache-results true promflare runs with its range-query results cache
 * (CACHE_RESULTS=true): the untimed first run of each query fills it, so the
 * timed runs show a dashboard refresh, which evaluates only the last
 * `max_cache_freshness` (10m) of each range query.
 *
 * Results are also compared: a query whose answers differ between the two
 * servers is flagged, since a fast wrong answer is no result.
 */
import { createWriteStream } from "node:fs";
import { resolve } from "node:path";
import { once } from "node:events";
import type { Label } from "../src/model/labels";
import type { SeriesInput } from "../src/write/encode";
import { NodeExporterGenerator, encodeV1 } from "./gen";
import { UNLIMITED_INGEST_VARS, startWranglerDev, type WranglerDev } from "../test/support/wrangler";
import {
  findPrometheusTools,
  MISSING_PROMETHEUS,
  runPromtool,
  startPrometheus,
  type PrometheusServer,
  type PrometheusTools,
} from "../test/support/prometheus";
import { pushRemoteWrite } from "../test/support/push";
import { apiGet, type QueryData } from "../test/support/promapi";
import { fmt, parseFlags, quantile, ratio, table } from "../test/support/report";
import { makeTempDir, removeTempDir } from "../test/support/paths";
import { killChildrenOnSignal } from "../test/support/process";
import { sleep } from "../test/support/wait";
import { treeUsage } from "../test/support/procfs";

const TENANT = "bench-query";
const INTERVAL_MS = 15_000;
const SERIES_PER_TARGET = 92;
const BATCH = 2000;

/** Classic histogram buckets of a request-latency family, as client libraries default them. */
const BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];
const HISTOGRAM_INSTANCES = 20;

interface DataSet {
  readonly labels: Label[][];
  /** values[series][step] */
  readonly values: Float64Array[];
  readonly startMs: number;
  readonly steps: number;
}

function sortLabels(labels: Label[]): Label[] {
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Node-exporter series from bench/gen.ts plus an `http_request_duration_seconds`
 * histogram (bucket, sum, count) whose observations follow a fixed latency mix,
 * every value kept in memory so both servers get identical samples.
 */
function generate(seriesWanted: number, hours: number): DataSet {
  const steps = Math.floor((hours * 3600_000) / INTERVAL_MS) + 1;
  const startMs = Math.floor((Date.now() - (steps - 1) * INTERVAL_MS) / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
  const gen = new NodeExporterGenerator({ targets: Math.max(1, Math.round(seriesWanted / SERIES_PER_TARGET)), startMs });
  const labels: Label[][] = [];
  const values: Float64Array[] = [];
  let nodeSeries = 0;
  for (let step = 0; step < steps; step++) {
    const scrape = gen.scrape();
    if (step === 0) {
      nodeSeries = scrape.length;
      for (const s of scrape) {
        labels.push(s.labels);
        values.push(new Float64Array(steps));
      }
    }
    for (let i = 0; i < nodeSeries; i++) values[i]![step] = scrape[i]!.samples[0]!.value;
  }
  // Histogram: per instance, per step, 100 requests whose latencies cycle
  // through a fixed mix, so bucket counters grow deterministically.
  const mix = [0.003, 0.008, 0.02, 0.02, 0.04, 0.07, 0.09, 0.2, 0.4, 1.5];
  for (let inst = 0; inst < HISTOGRAM_INSTANCES; inst++) {
    const base: [string, string][] = [
      ["instance", `api-${String(inst).padStart(2, "0")}:8080`],
      ["job", "api"],
      ["handler", inst % 2 === 0 ? "/api/v1/query" : "/api/v1/push"],
    ];
    const bucketIdx = labels.length;
    for (const le of BUCKETS) {
      labels.push(sortLabels([{ name: "__name__", value: "http_request_duration_seconds_bucket" }, { name: "le", value: le }, ...base.map(([name, value]) => ({ name, value }))]));
      values.push(new Float64Array(steps));
    }
    const sumIdx = labels.length;
    labels.push(sortLabels([{ name: "__name__", value: "http_request_duration_seconds_sum" }, ...base.map(([name, value]) => ({ name, value }))]));
    values.push(new Float64Array(steps));
    const countIdx = labels.length;
    labels.push(sortLabels([{ name: "__name__", value: "http_request_duration_seconds_count" }, ...base.map(([name, value]) => ({ name, value }))]));
    values.push(new Float64Array(steps));
    const perStep = 100 + inst * 5;
    for (let step = 0; step < steps; step++) {
      const prev = step === 0 ? 0 : step - 1;
      let sum = step === 0 ? 0 : values[sumIdx]![prev]!;
      const counts = BUCKETS.map((_, b) => (step === 0 ? 0 : values[bucketIdx + b]![prev]!));
      for (let r = 0; r < perStep; r++) {
        const latency = mix[(r + step + inst) % mix.length]! * (1 + (inst % 3) * 0.5);
        sum += latency;
        for (let b = 0; b < BUCKETS.length; b++) {
          const le = BUCKETS[b] === "+Inf" ? Infinity : Number(BUCKETS[b]);
          if (latency <= le) counts[b]!++;
        }
      }
      for (let b = 0; b < BUCKETS.length; b++) values[bucketIdx + b]![step] = counts[b]!;
      values[sumIdx]![step] = sum;
      values[countIdx]![step] = counts[BUCKETS.length - 1]!;
    }
  }
  return { labels, values, startMs, steps };
}

const timeOf = (data: DataSet, step: number): number => data.startMs + step * INTERVAL_MS;

/** Pushes every sample in time order, series spread over `senders` queues like Prometheus's shards. */
async function loadIntoPromflare(url: string, data: DataSet, senders: number): Promise<number> {
  const started = performance.now();
  const n = data.labels.length;
  let sent = 0;
  let retries = 0;
  const sender = async (k: number): Promise<void> => {
    let batch: SeriesInput[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const body = encodeV1(batch);
      // Retry what Prometheus would retry (5xx, 429: e.g. wrangler dev reloading the Worker), a bounded number of times.
      for (let attempt = 1; ; attempt++) {
        const res = await pushRemoteWrite(url, body, { protocol: "v1", tenant: TENANT, timeoutMs: 120_000 });
        if (res.status >= 200 && res.status < 300) break;
        const retryable = res.status >= 500 || res.status === 429;
        if (!retryable || attempt === 10) {
          throw new Error(`loading promflare: push of ${batch.length} samples got HTTP ${res.status}: ${res.body.slice(0, 300)}`);
        }
        retries++;
        await sleep(Math.min(5_000, 100 * 2 ** attempt));
      }
      sent += batch.length;
      batch = [];
    };
    for (let step = 0; step < data.steps; step++) {
      const ts = timeOf(data, step);
      for (let i = k; i < n; i += senders) {
        batch.push({ labels: data.labels[i]!, samples: [{ timestamp: ts, value: data.values[i]![step]! }] });
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
  };
  let lastReport = performance.now();
  const progress = setInterval(() => {
    const now = performance.now();
    if (now - lastReport > 30_000) {
      lastReport = now;
      const total = n * data.steps;
      console.log(`  … ${fmt((100 * sent) / total, 0)}% loaded (${fmt(sent / ((now - started) / 1000), 0)} samples/s)`);
    }
  }, 5_000);
  try {
    await Promise.all(Array.from({ length: senders }, (_, k) => sender(k)));
  } finally {
    clearInterval(progress);
  }
  if (retries > 0) console.log(`  (${retries} pushes were retried after 5xx/429)`);
  return (performance.now() - started) / 1000;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Writes the data set as OpenMetrics text: series of one name contiguous, each series' samples in time order. */
async function writeOpenMetrics(file: string, data: DataSet): Promise<void> {
  const out = createWriteStream(file);
  const byName = new Map<string, number[]>();
  data.labels.forEach((labels, i) => {
    const name = labels.find((l) => l.name === "__name__")!.value;
    const list = byName.get(name);
    if (list === undefined) byName.set(name, [i]);
    else list.push(i);
  });
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, "drain");
  };
  for (const [name, indexes] of byName) {
    for (const i of indexes) {
      const rest = data.labels[i]!.filter((l) => l.name !== "__name__").map((l) => `${l.name}="${escapeLabelValue(l.value)}"`);
      const prefix = `${name}{${rest.join(",")}} `;
      const v = data.values[i]!;
      let chunk = "";
      for (let step = 0; step < data.steps; step++) {
        chunk += `${prefix}${v[step]} ${timeOf(data, step) / 1000}\n`;
        if (chunk.length > 1 << 20) {
          await write(chunk);
          chunk = "";
        }
      }
      await write(chunk);
    }
  }
  await write("# EOF\n");
  out.end();
  await once(out, "finish");
}

interface BenchQuery {
  readonly name: string;
  readonly expr: string;
}

const QUERIES: readonly BenchQuery[] = [
  { name: "rate", expr: "rate(node_network_receive_bytes_total[5m])" },
  { name: "sum by job of rate", expr: "sum by (job) (rate(node_cpu_seconds_total[5m]))" },
  { name: "cpu busy by instance", expr: 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))' },
  { name: "histogram_quantile", expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))" },
  { name: "topk", expr: "topk(5, rate(node_network_receive_bytes_total[5m]))" },
  { name: "memory ratio", expr: "1 - node_memory_MemAvailable_bytes / on (instance) group_left sum by (instance) (node_memory_MemAvailable_bytes + node_memory_Cached_bytes)" },
  { name: "subquery", expr: 'max_over_time(sum by (region) (rate(node_cpu_seconds_total{mode="user"}[5m]))[1h:1m])' },
];

type Answer = { ok: true; ms: number; data: QueryData } | { ok: false; error: string };

interface Server {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

async function timeQuery(server: Server, path: string, params: Record<string, string>, repeat: number): Promise<Answer> {
  const times: number[] = [];
  let data: QueryData | undefined;
  try {
    for (let i = 0; i <= repeat; i++) {
      const t = performance.now();
      const res = await apiGet<QueryData>(server.url, path, params, server.headers, 300_000);
      // The first run warms caches and JIT on both sides; it is not timed.
      if (i > 0) times.push(performance.now() - t);
      data = res.data;
    }
  } catch (err) {
    return { ok: false, error: (err as Error).message.split("\n")[0]!.slice(0, 200) };
  }
  return { ok: true, ms: quantile(times, 0.5), data: data! };
}

/** A canonical form of a result for comparison: series keyed by labels, values rounded to 9 significant digits. */
function canonical(data: QueryData): string {
  const num = (s: string): string => {
    const v = Number(s);
    return Number.isFinite(v) ? v.toPrecision(9) : s;
  };
  const key = (m: Record<string, string>): string => JSON.stringify(Object.entries(m).sort());
  if (data.resultType === "vector") {
    return data.result.map((s) => `${key(s.metric)} ${s.value[0]} ${num(s.value[1])}`).sort().join("\n");
  }
  if (data.resultType === "matrix") {
    return data.result.map((s) => `${key(s.metric)} ${s.values.map(([t, v]) => `${t}:${num(v)}`).join(",")}`).sort().join("\n");
  }
  return `${data.result[0]} ${num(data.result[1])}`;
}

function resultSeries(data: QueryData): number {
  return data.resultType === "vector" || data.resultType === "matrix" ? data.result.length : 1;
}

function compare(a: Answer, b: Answer): string {
  if (!a.ok || !b.ok) return "";
  if (a.data.resultType !== b.data.resultType) return `type ${a.data.resultType} vs ${b.data.resultType}`;
  return canonical(a.data) === canonical(b.data) ? "same" : "DIFFERS";
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    series: "10000",
    hours: "6",
    repeat: "3",
    "range-step": "60",
    concurrency: "8",
    "cache-results": "false",
  });
  const tools = findPrometheusTools();
  const repeat = Number(flags.repeat);
  const workDir = makeTempDir("bench-query");
  let gateway: WranglerDev | undefined;
  let prometheus: PrometheusServer | undefined;
  try {
    const t = performance.now();
    const data = generate(Number(flags.series), Number(flags.hours));
    const samples = data.labels.length * data.steps;
    console.log(
      `${data.labels.length} series × ${data.steps} samples (${fmt(samples / 1e6, 1)} M) at 15 s, ` +
        `generated in ${fmt((performance.now() - t) / 1000)} s`,
    );

    const vars = flags["cache-results"] === "true" ? { ...UNLIMITED_INGEST_VARS, CACHE_RESULTS: "true" } : UNLIMITED_INGEST_VARS;
    gateway = await startWranglerDev({ persistTo: resolve(workDir, "wrangler-state"), vars });
    const loadSeconds = await loadIntoPromflare(`${gateway.url}/api/v1/push`, data, Number(flags.concurrency));
    console.log(`promflare: loaded through remote_write in ${fmt(loadSeconds)} s (${fmt(samples / loadSeconds, 0)} samples/s)`);

    const servers: Server[] = [{ name: "promflare", url: gateway.url, headers: { "X-Scope-OrgID": TENANT } }];
    if (tools !== undefined) {
      prometheus = await loadIntoPrometheus(tools, data, workDir);
      servers.push({ name: "prometheus", url: prometheus.url, headers: {} });
    } else {
      console.warn(`${MISSING_PROMETHEUS}: timing promflare alone`);
    }

    // Loading leaves ingesters cutting blocks and the compactor merging
    // them, all on workerd's one thread: time queries once that is done.
    const idle = await waitForIdle(gateway.pid);
    console.log(`promflare: idle (block cuts and compaction done) after waiting ${fmt(idle, 0)} s`);

    const end = timeOf(data, data.steps - 1) / 1000;
    const start = timeOf(data, 0) / 1000;
    const rangeParams = { start: String(start), end: String(end), step: flags["range-step"]! };
    console.log(
      `\nQueries: instant at the last sample, range over ${flags.hours} h at ${flags["range-step"]} s steps; ` +
        `median of ${repeat} after one untimed run.`,
    );
    const rows: string[][] = [];
    const sums = servers.map(() => 0);
    const failures: string[] = [];
    for (const q of QUERIES) {
      for (const kind of ["instant", "range"] as const) {
        const params: Record<string, string> = kind === "instant" ? { query: q.expr, time: String(end) } : { query: q.expr, ...rangeParams };
        const path = kind === "instant" ? "/api/v1/query" : "/api/v1/query_range";
        const answers: Answer[] = [];
        for (const server of servers) answers.push(await timeQuery(server, path, params, repeat));
        answers.forEach((a, i) => {
          if (a.ok) sums[i]! += a.ms;
          else failures.push(`${servers[i]!.name} ${kind} ${q.name}: ${a.error}`);
        });
        const [p, m] = answers;
        const firstOk = answers.find((a): a is Extract<Answer, { ok: true }> => a.ok);
        rows.push([
          `${q.name} (${kind})`,
          firstOk === undefined ? "" : String(resultSeries(firstOk.data)),
          ...answers.map((a) => (a.ok ? fmt(a.ms, 1) : "FAILED")),
          ...(m === undefined ? [] : [p!.ok && m.ok ? ratio(p.ms, m.ms) : "n/a", compare(p!, m)]),
        ]);
      }
    }
    const header = ["query", "series", ...servers.map((s) => `${s.name} ms`), ...(servers.length > 1 ? ["ratio", "result"] : [])];
    rows.push(["sum of succeeded", "", ...sums.map((s) => fmt(s, 1)), ...(servers.length > 1 ? [ratio(sums[0], sums[1]), ""] : [])]);
    console.log(table(header, rows));
    console.log(
      servers.length > 1
        ? "ratio = promflare ms / Prometheus ms (>1: promflare slower); the sum counts only queries that succeeded on each side."
        : "",
    );
    if (failures.length > 0) {
      console.log(`\nFailed queries (${failures.length}):`);
      for (const f of failures) console.log(`  ${f}`);
    }
  } finally {
    await prometheus?.stop();
    await gateway?.stop();
    removeTempDir(workDir);
  }
}

/** Seconds until the process tree used under 5% of a core for three seconds running (at most 5 minutes). */
async function waitForIdle(pid: number): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  let last = treeUsage(pid).cpuSeconds;
  while (quiet < 3 && performance.now() - started < 300_000) {
    await sleep(1000);
    const now = treeUsage(pid).cpuSeconds;
    quiet = now - last < 0.05 ? quiet + 1 : 0;
    last = now;
  }
  return (performance.now() - started) / 1000;
}

async function loadIntoPrometheus(tools: PrometheusTools, data: DataSet, workDir: string): Promise<PrometheusServer> {
  let t = performance.now();
  const file = resolve(workDir, "data.om.txt");
  await writeOpenMetrics(file, data);
  const tsdbDir = resolve(workDir, "prometheus-data");
  console.log(`prometheus: OpenMetrics file written in ${fmt((performance.now() - t) / 1000)} s`);
  t = performance.now();
  const created = await runPromtool(tools, ["tsdb", "create-blocks-from", "openmetrics", file, tsdbDir], 1_800_000);
  if (created.code !== 0) throw new Error(`promtool tsdb create-blocks-from failed: ${created.stderr}${created.stdout}`);
  console.log(`prometheus: blocks created by promtool in ${fmt((performance.now() - t) / 1000)} s`);
  return startPrometheus(tools, { storagePath: tsdbDir });
}

killChildrenOnSignal();
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
