/**
 * Ingest benchmark: the same pre-encoded remote_write batches pushed into
 * promflare (under `wrangler dev`) and into a real Prometheus 3.5 receiver,
 * with N requests in flight, RW 1.0 and 2.0.
 *
 *   npm run bench:ingest -- [--series 10000,100000] [--seconds 20] [--concurrency 8]
 *                           [--protocols v1,v2] [--targets promflare,prometheus]
 *                           [--max-samples 4000000] [--batch 2000] [--repeat 1]
 *                           [--profile DIR] [--heap-snapshot DIR] [--baseline REV] [--shards N]
 *                           [--prometheus-cores N] [--auth true]
 *
 * With --repeat N each server is measured N times, the two taking turns, and
 * the tables show the median of each figure: on a shared 2-core machine one
 * run of either server moves by 10% or more.
 *
 * With --profile DIR each promflare steady phase is also sampled by V8's CPU
 * profiler (see cpu-profile.ts): the profile goes to DIR and a summary is
 * printed. Sampling slows the isolate, so such runs measure where the time
 * goes, not how much there is.
 *
 * With --heap-snapshot DIR the heap snapshot taken after each promflare
 * steady phase (to read the isolate's live bytes) is kept in DIR, and the
 * kinds of object that hold the most are printed.
 *
 * With --baseline REV, promflare as of that git revision runs too, right
 * after the current tree in every turn (see baseline.ts), and a last table
 * gives each figure's ratio between the two, paired by turn.
 *
 * --shards N sets promflare's ingester shards per tenant (default: the
 * server's, 4). Every push fans out to every shard of its tenant, so this
 * measures what each further shard costs per request.
 *
 * --prometheus-cores N runs Prometheus with GOMAXPROCS=N. `wrangler dev`
 * runs the Worker and every Durable Object on one thread, so
 * `--prometheus-cores 1` compares the two per core of ingest work.
 *
 * --auth true runs promflare with AUTH_TOKENS set and pushes with a bearer
 * token; a --baseline runs without, so `--baseline HEAD --auth true`
 * measures what authentication costs.
 *
 * Series are assigned to senders by index, like Prometheus's queue shards,
 * so each series' samples stay in time order. One full scrape is sent first
 * (series creation, reported separately); the timed phase follows.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NodeExporterGenerator, encodeV1, encodeV2, type GeneratedSeries } from "./gen";
import { formatProfileSummary, startCpuProfile, summarizeProfile } from "./cpu-profile";
import { heapSummary, isolateHeap, liveBytes, type IsolateHeap } from "./isolate-heap";
import { checkoutBaseline, pairedRatio, type BaselineCheckout } from "./baseline";
import { startWranglerDev, unlimitedIngestVars } from "../test/support/wrangler";
import { findPrometheusTools, startPrometheus, MISSING_PROMETHEUS, type PrometheusTools } from "../test/support/prometheus";
import { pushRemoteWrite, type RemoteWriteProtocol } from "../test/support/push";
import { cpuSeconds, treeUsage, withArgument } from "../test/support/procfs";
import { fmt, parseFlags, quantile, ratio, table } from "../test/support/report";
import { makeTempDir, removeTempDir } from "../test/support/paths";
import { killChildrenOnSignal } from "../test/support/process";
import { apiGet } from "../test/support/promapi";

const SERIES_PER_TARGET = 92;
const TENANT = "bench";
/** `--auth true`: the token the pushes carry and the access list that grants it the bench tenant. */
const AUTH_TOKEN = "bench-ingest-token-0123456789";
const AUTH_LIST = JSON.stringify({ tokens: [{ name: "bench", token: AUTH_TOKEN, tenants: [TENANT], scopes: ["write", "read"] }] });

/** "baseline" is promflare at the --baseline revision. */
type TargetName = "promflare" | "prometheus" | "baseline";

interface Batch {
  readonly body: Uint8Array;
  readonly samples: number;
}

/** Pre-encoded traffic: per-sender queues for series creation and for the timed phase. */
interface Workload {
  readonly series: number;
  readonly warmup: Batch[][];
  readonly timed: Batch[][];
  readonly timedSamples: number;
  readonly encodeSeconds: number;
}

interface PhaseResult {
  readonly samplesOk: number;
  readonly requests: number;
  readonly failures: Map<number, number>;
  readonly firstFailure: string | undefined;
  readonly latenciesMs: number[];
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  /**
   * Of `cpuSeconds`, the workerd that runs the Worker and its Durable Objects
   * (what production runs); the rest is wrangler's dev proxy and tooling.
   * Undefined for Prometheus.
   */
  readonly runtimeCpuSeconds: number | undefined;
  /** The senders ran out of pre-encoded batches before the time was up. */
  readonly exhausted: boolean;
}

interface RunResult {
  readonly target: TargetName;
  readonly protocol: RemoteWriteProtocol;
  readonly series: number;
  readonly warmup: PhaseResult;
  readonly timed: PhaseResult;
  readonly rssBaseline: number;
  readonly rssEnd: number;
  readonly headSeries: number | undefined;
  /** promflare only: the Worker+DOs isolate's live bytes before the first push and after the steady phase. */
  readonly isolateBaseline: IsolateHeap | undefined;
  readonly isolateEnd: IsolateHeap | undefined;
  readonly sqliteRows: number | undefined;
  /** Summary of the steady phase's CPU profile, when one was taken. */
  readonly profile: string | undefined;
}

function buildWorkload(
  seriesWanted: number,
  protocol: RemoteWriteProtocol,
  senders: number,
  maxSamples: number,
  batchSize: number,
): Workload {
  const started = performance.now();
  const targets = Math.max(1, Math.round(seriesWanted / SERIES_PER_TARGET));
  const intervalMs = 15_000;
  const probe = new NodeExporterGenerator({ targets });
  const series = probe.seriesCount;
  const scrapes = 1 + Math.max(1, Math.ceil(maxSamples / series));
  // Ends about now, so both receivers see recent samples.
  const startMs = Math.floor((Date.now() - scrapes * intervalMs) / intervalMs) * intervalMs;
  const gen = new NodeExporterGenerator({ targets, startMs, intervalMs });
  const encode = (s: GeneratedSeries[]): Uint8Array => (protocol === "v1" ? encodeV1(s) : encodeV2(s));

  const pending: GeneratedSeries[][] = Array.from({ length: senders }, () => []);
  const flush = (queues: Batch[][], sender: number): void => {
    const batch = pending[sender]!;
    if (batch.length === 0) return;
    queues[sender]!.push({ body: encode(batch), samples: batch.length });
    pending[sender] = [];
  };
  const warmup: Batch[][] = Array.from({ length: senders }, () => []);
  const timed: Batch[][] = Array.from({ length: senders }, () => []);
  let timedSamples = 0;
  for (let s = 0; s < scrapes; s++) {
    const queues = s === 0 ? warmup : timed;
    const scrape = gen.scrape();
    for (let i = 0; i < scrape.length; i++) {
      const sender = i % senders;
      // Like Prometheus: one entry per sample, so a batch may span two scrapes of a series.
      pending[sender]!.push(scrape[i]!);
      if (pending[sender]!.length >= batchSize) flush(queues, sender);
    }
    if (s === 0) for (let k = 0; k < senders; k++) flush(warmup, k);
    else timedSamples += scrape.length;
  }
  for (let k = 0; k < senders; k++) flush(timed, k);
  return { series, warmup, timed, timedSamples, encodeSeconds: (performance.now() - started) / 1000 };
}

async function runPhase(
  url: string,
  protocol: RemoteWriteProtocol,
  queues: Batch[][],
  pid: number,
  deadlineSeconds: number,
  headers: Readonly<Record<string, string>>,
): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  const failures = new Map<number, number>();
  let firstFailure: string | undefined;
  let samplesOk = 0;
  let requests = 0;
  let exhausted = true;
  const before = treeUsage(pid);
  const cpuBefore = before.cpuSeconds;
  const runtime = runtimeProcesses(before.pids);
  const runtimeBefore = cpuSeconds(runtime);
  const started = performance.now();
  const deadline = started + deadlineSeconds * 1000;
  await Promise.all(
    queues.map(async (queue) => {
      for (const batch of queue) {
        if (performance.now() >= deadline) {
          exhausted = false;
          return;
        }
        const t = performance.now();
        let status: number;
        let body = "";
        try {
          const res = await pushRemoteWrite(url, batch.body, { protocol, headers, timeoutMs: 60_000 });
          status = res.status;
          body = res.body;
        } catch (err) {
          status = 0;
          body = (err as Error).message;
        }
        latenciesMs.push(performance.now() - t);
        requests++;
        if (status >= 200 && status < 300) samplesOk += batch.samples;
        else {
          failures.set(status, (failures.get(status) ?? 0) + 1);
          firstFailure ??= `HTTP ${status}: ${body.slice(0, 300)}`;
        }
      }
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    samplesOk,
    requests,
    failures,
    firstFailure,
    latenciesMs,
    wallSeconds,
    cpuSeconds: treeUsage(pid).cpuSeconds - cpuBefore,
    runtimeCpuSeconds: runtime.length > 0 ? cpuSeconds(runtime) - runtimeBefore : undefined,
    exhausted,
  };
}

/**
 * The workerd of `wrangler dev` that runs the Worker and its Durable Objects:
 * the one with an inspector. Its sibling, the dev proxy in front of it, and
 * wrangler's node process exist only in development.
 */
function runtimeProcesses(tree: readonly number[]): number[] {
  return withArgument(tree, "--inspector-addr");
}

/** WAL records written, summed over ingester SQLite files (the `wal` table's highest sequence). */
function walRowsWritten(persistDir: string): number | undefined {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".sqlite")) files.push(path);
    }
  };
  walk(persistDir);
  let total: number | undefined;
  for (const file of files) {
    let out: string;
    try {
      out = execFileSync("sqlite3", [file, "SELECT coalesce(max(seq), 0) FROM wal"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch (err) {
      // No sqlite3 CLI at all: the figure is unknown. Otherwise this file has no `wal` table.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      continue;
    }
    total = (total ?? 0) + Number(out.trim());
  }
  return total;
}

/** Head series as reported by /api/v1/status/tsdb, when the server has that endpoint. */
async function headSeries(url: string, headers: Readonly<Record<string, string>>): Promise<number | undefined> {
  try {
    const { data } = await apiGet<{ headStats?: { numSeries?: number } }>(url, "/api/v1/status/tsdb", {}, headers, 10_000);
    return data.headStats?.numSeries;
  } catch {
    return undefined;
  }
}

type Measured = Pick<RunResult, "warmup" | "timed" | "rssBaseline" | "rssEnd" | "headSeries" | "profile" | "isolateBaseline" | "isolateEnd">;

/** Where a run's steady phase is profiled: the isolate's inspector and the file the profile goes to. */
interface ProfileRequest {
  readonly inspectorUrl: string;
  readonly file: string;
}

/**
 * Both phases against one running server, with its memory before and
 * after; with `inspectorUrl` (promflare) also the isolate's live bytes.
 */
async function measure(
  server: { url: string; pid: number; inspectorUrl?: string },
  path: string,
  /** Tenant and credentials, for promflare. */
  headers: Readonly<Record<string, string>>,
  workload: Workload,
  protocol: RemoteWriteProtocol,
  seconds: number,
  profileRequest?: ProfileRequest,
  heapSnapshotFile?: string,
): Promise<Measured> {
  const url = `${server.url}${path}`;
  const rssBaseline = treeUsage(server.pid).rssBytes;
  const inspectorUrl = server.inspectorUrl;
  const readIsolate = async (file?: string): Promise<IsolateHeap | undefined> => (inspectorUrl === undefined ? undefined : isolateHeap(inspectorUrl, file));
  const isolateBaseline = await readIsolate();
  const warmup = await runPhase(url, protocol, workload.warmup, server.pid, 600, headers);
  const profiler = profileRequest === undefined ? undefined : { file: profileRequest.file, run: await startCpuProfile(profileRequest.inspectorUrl) };
  const timed = await runPhase(url, protocol, workload.timed, server.pid, seconds, headers);
  let profile: string | undefined;
  if (profiler !== undefined) {
    const p = await profiler.run.stop();
    writeFileSync(profiler.file, JSON.stringify(p));
    profile = `${formatProfileSummary(summarizeProfile(p, 15))}\n(whole profile: ${profiler.file}, for Chrome DevTools' Performance panel)`;
  }
  const rssEnd = treeUsage(server.pid).rssBytes;
  const isolateEnd = await readIsolate(heapSnapshotFile);
  if (heapSnapshotFile !== undefined) {
    const top = heapSummary(readFileSync(heapSnapshotFile, "utf8"), 12).map((h) => `${fmt(h.bytes / 1e6, 1).padStart(7)} MB ${fmt(h.count, 0).padStart(10)}  ${h.kind}`);
    profile = [profile, `live heap by kind of object (own size; whole snapshot: ${heapSnapshotFile}):`, ...top].filter((l) => l !== undefined).join("\n");
  }
  return { warmup, timed, rssBaseline, rssEnd, isolateBaseline, isolateEnd, headSeries: await headSeries(server.url, headers), profile };
}

async function runTarget(
  target: TargetName,
  tools: PrometheusTools | undefined,
  workload: Workload,
  protocol: RemoteWriteProtocol,
  seconds: number,
  files: { readonly profile?: string; readonly heapSnapshot?: string },
  baseline: BaselineCheckout | undefined,
  vars: Readonly<Record<string, string>>,
  prometheusEnv: Readonly<Record<string, string>>,
  auth: boolean,
): Promise<RunResult> {
  const run = { target, protocol, series: workload.series };
  if (target !== "prometheus") {
    const persistDir = makeTempDir("bench-ingest-state");
    const config = target === "baseline" ? baseline!.config : undefined;
    // --auth: the current tree checks a token on every request, the baseline does not.
    const withAuth = auth && target === "promflare";
    const server = await startWranglerDev({ persistTo: persistDir, vars: withAuth ? { ...vars, AUTH_TOKENS: AUTH_LIST } : vars, config });
    const headers = { "X-Scope-OrgID": TENANT, ...(withAuth ? { Authorization: `Bearer ${AUTH_TOKEN}` } : {}) };
    try {
      const profile = files.profile === undefined ? undefined : { inspectorUrl: server.inspectorUrl, file: files.profile };
      const measured = await measure(server, "/api/v1/push", headers, workload, protocol, seconds, profile, files.heapSnapshot);
      // The WAL rows are read from SQLite files once the server has let go of them.
      await server.stop();
      return { ...run, ...measured, sqliteRows: walRowsWritten(persistDir) };
    } finally {
      if (server.process.running) await server.stop();
      removeTempDir(persistDir);
    }
  }
  const server = await startPrometheus(tools!, {
    env: prometheusEnv,
    args: [
      "--web.enable-remote-write-receiver",
      "--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest",
      "--web.remote-write-receiver.accepted-protobuf-messages=io.prometheus.write.v2.Request",
    ],
  });
  try {
    return { ...run, ...(await measure(server, "/api/v1/write", {}, workload, protocol, seconds)), sqliteRows: undefined };
  } finally {
    await server.stop();
  }
}

interface Figures {
  readonly samplesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMicrosPerSample: number;
  readonly runtimeCpuMicrosPerSample: number | undefined;
  readonly rssBytesPerSeries: number;
  readonly isolateBytesPerSeries: number | undefined;
  readonly sqliteRowsPerMillion: number | undefined;
}

function figures(r: RunResult): Figures {
  const t = r.timed;
  const allSamples = r.warmup.samplesOk + t.samplesOk;
  return {
    samplesPerSecond: t.samplesOk / t.wallSeconds,
    p50: quantile(t.latenciesMs, 0.5),
    p99: quantile(t.latenciesMs, 0.99),
    cpuMicrosPerSample: (t.cpuSeconds * 1e6) / t.samplesOk,
    runtimeCpuMicrosPerSample: t.runtimeCpuSeconds === undefined ? undefined : (t.runtimeCpuSeconds * 1e6) / t.samplesOk,
    rssBytesPerSeries: (r.rssEnd - r.rssBaseline) / r.series,
    isolateBytesPerSeries:
      r.isolateBaseline === undefined || r.isolateEnd === undefined ? undefined : (liveBytes(r.isolateEnd) - liveBytes(r.isolateBaseline)) / r.series,
    sqliteRowsPerMillion: r.sqliteRows === undefined ? undefined : (r.sqliteRows / allSamples) * 1e6,
  };
}

/** The runs of one server on one workload. */
interface RunGroup {
  readonly target: TargetName;
  readonly protocol: RemoteWriteProtocol;
  readonly series: number;
  readonly runs: RunResult[];
}

function groupRuns(results: readonly RunResult[]): RunGroup[] {
  const groups: RunGroup[] = [];
  for (const r of results) {
    const g = groups.find((x) => x.target === r.target && x.protocol === r.protocol && x.series === r.series);
    if (g !== undefined) g.runs.push(r);
    else groups.push({ target: r.target, protocol: r.protocol, series: r.series, runs: [r] });
  }
  return groups;
}

/** Each figure's median over the runs (undefined when any run lacks it). */
function medianFigures(runs: readonly RunResult[]): Figures {
  const all = runs.map(figures);
  const median = (pick: (f: Figures) => number | undefined): number | undefined => {
    const values = all.map(pick);
    return values.some((v) => v === undefined) ? undefined : quantile(values as number[], 0.5);
  };
  return {
    samplesPerSecond: median((f) => f.samplesPerSecond)!,
    p50: median((f) => f.p50)!,
    p99: median((f) => f.p99)!,
    cpuMicrosPerSample: median((f) => f.cpuMicrosPerSample)!,
    runtimeCpuMicrosPerSample: median((f) => f.runtimeCpuMicrosPerSample),
    rssBytesPerSeries: median((f) => f.rssBytesPerSeries)!,
    isolateBytesPerSeries: median((f) => f.isolateBytesPerSeries),
    sqliteRowsPerMillion: median((f) => f.sqliteRowsPerMillion),
  };
}

function describeFailures(phase: PhaseResult): string {
  if (phase.failures.size === 0) return "";
  const counts = [...phase.failures].map(([status, n]) => `${n}× ${status === 0 ? "network error" : `HTTP ${status}`}`);
  return `${counts.join(", ")}; first: ${phase.firstFailure}`;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    series: "10000,100000",
    seconds: "20",
    concurrency: "8",
    protocols: "v1,v2",
    targets: "promflare,prometheus",
    "max-samples": "4000000",
    batch: "2000",
    repeat: "1",
    profile: "",
    "heap-snapshot": "",
    baseline: "",
    shards: "",
    "prometheus-cores": "",
    auth: "false",
  });
  for (const dir of [flags.profile!, flags["heap-snapshot"]!]) if (dir !== "") mkdirSync(dir, { recursive: true });
  let targets = flags.targets!.split(",") as TargetName[];
  const tools = findPrometheusTools();
  if (tools === undefined && targets.includes("prometheus")) {
    console.warn(`${MISSING_PROMETHEUS}: benchmarking promflare alone`);
    targets = targets.filter((t) => t !== "prometheus");
  }
  let baseline: BaselineCheckout | undefined;
  if (flags.baseline !== "") {
    const at = targets.indexOf("promflare");
    if (at < 0) throw new Error("--baseline compares with promflare: keep promflare in --targets");
    baseline = checkoutBaseline(flags.baseline!);
    console.log(`baseline: promflare at ${baseline.rev} (${baseline.commit.slice(0, 12)}), run right after the current tree in each turn`);
    targets.splice(at + 1, 0, "baseline");
  }
  try {
    await runAll(flags, targets, tools, baseline);
  } finally {
    baseline?.remove();
  }
}

/** A flag's positive integer value, at most `max`. */
function countFlag(flag: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${flag} ${raw}: want an integer from 1 to ${max}`);
  return n;
}

async function runAll(
  flags: Record<string, string>,
  targets: readonly TargetName[],
  tools: PrometheusTools | undefined,
  baseline: BaselineCheckout | undefined,
): Promise<void> {
  const label = (t: TargetName): string => (t === "baseline" ? `promflare@${baseline!.rev}` : t);
  const repeat = Math.max(1, Number(flags.repeat));
  const seriesList = flags.series!.split(",").map(Number);
  const seconds = Number(flags.seconds);
  const concurrency = Number(flags.concurrency);
  const protocols = flags.protocols!.split(",") as RemoteWriteProtocol[];
  const maxSamples = Number(flags["max-samples"]);
  const batchSize = Number(flags.batch);
  const profileDir = flags.profile === "" ? undefined : flags.profile!;
  const heapDir = flags["heap-snapshot"] === "" ? undefined : flags["heap-snapshot"]!;
  const vars = unlimitedIngestVars(flags.shards === "" ? {} : { shards: countFlag("shards", flags.shards!, 1024) });
  const cores = flags["prometheus-cores"]!;
  const prometheusEnv: Record<string, string> = cores === "" ? {} : { GOMAXPROCS: String(countFlag("prometheus-cores", cores, 1024)) };

  const results: RunResult[] = [];
  for (const seriesWanted of seriesList) {
    for (const protocol of protocols) {
      const workload = buildWorkload(seriesWanted, protocol, concurrency, maxSamples, batchSize);
      const batches = workload.timed.reduce((n, q) => n + q.length, 0);
      console.log(
        `\n${workload.series} series, RW ${protocol === "v1" ? "1.0" : "2.0"}: ${batches} timed batches of ≤${batchSize} samples ` +
          `(${workload.timedSamples} samples) pre-encoded in ${fmt(workload.encodeSeconds)} s; ${concurrency} senders, ≤${seconds} s` +
          (flags.shards === "" ? "" : `; promflare with ${flags.shards} shards per tenant`) +
          (cores === "" ? "" : `; Prometheus with GOMAXPROCS=${cores}`),
      );
      for (let rep = 0; rep < repeat; rep++) {
        for (const target of targets) {
          const name = `${target === "baseline" ? `promflare@${baseline!.rev}` : target}-${protocol}-${workload.series}-run${rep + 1}`;
          const files = {
            profile: profileDir === undefined || target !== "promflare" ? undefined : join(profileDir, `${name}.cpuprofile`),
            heapSnapshot: heapDir === undefined || target === "prometheus" ? undefined : join(heapDir, `${name}.heapsnapshot`),
          };
          const r = await runTarget(target, tools, workload, protocol, seconds, files, baseline, vars, prometheusEnv, flags.auth === "true");
          results.push(r);
          const f = figures(r);
          const w = r.warmup;
          console.log(
            `  ${label(target).padEnd(10)}${repeat > 1 ? ` run ${rep + 1}/${repeat}` : ""} creation: ${fmt(w.samplesOk / w.wallSeconds, 0)} samples/s; ` +
              `steady: ${fmt(f.samplesPerSecond, 0)} samples/s over ${fmt(r.timed.wallSeconds)} s` +
              `${r.timed.exhausted ? " (ran out of batches)" : ""}, head series ${fmt(r.headSeries, 0)}`,
          );
          for (const [name, phase] of [["creation", w], ["steady", r.timed]] as const) {
            const failed = describeFailures(phase);
            if (failed !== "") console.log(`    ${name} failures: ${failed}`);
          }
          if (r.profile !== undefined) {
            const note = files.profile === undefined ? "" : "    (profiled: this run's figures include the sampling's cost)\n";
            console.log(`${note}${r.profile.replace(/^/gm, "    ")}`);
          }
        }
      }
    }
  }
  const groups = groupRuns(results);

  console.log(
    "\nSteady-state figures (CPU and RSS of the server's whole process tree, and CPU of the workerd running the Worker and DOs " +
      `without wrangler's dev proxy; latency per request${repeat > 1 ? `; median of ${repeat} runs` : ""}):`,
  );
  const header = ["run", "samples/s", "p50 ms", "p99 ms", "CPU µs/sample", "of it Worker+DOs", "RSS B/series", "isolate B/series", "SQLite rows/M samples", "failed req"];
  console.log(
    table(
      header,
      groups.map((g) => {
        const f = medianFigures(g.runs);
        let failed = 0;
        for (const r of g.runs) for (const n of [...r.timed.failures.values(), ...r.warmup.failures.values()]) failed += n;
        return [
          `${label(g.target)} ${g.protocol} ${g.series}`,
          fmt(f.samplesPerSecond, 0),
          fmt(f.p50, 1),
          fmt(f.p99, 1),
          fmt(f.cpuMicrosPerSample, 2),
          fmt(f.runtimeCpuMicrosPerSample, 2),
          fmt(f.rssBytesPerSeries, 0),
          fmt(f.isolateBytesPerSeries, 0),
          fmt(f.sqliteRowsPerMillion, 0),
          String(failed),
        ];
      }),
    ),
  );

  const pairs = groups
    .filter((g) => g.target === "promflare")
    .map((p) => [p, groups.find((q) => q.target === "prometheus" && q.protocol === p.protocol && q.series === p.series)] as const)
    .filter((pair): pair is readonly [RunGroup, RunGroup] => pair[1] !== undefined);
  if (pairs.length > 0) {
    console.log("\nRatios promflare / Prometheus (throughput: >1 is faster; the others: >1 costs more):");
    console.log(
      table(
        ["run", "samples/s", "p50", "p99", "CPU/sample", "Worker+DOs CPU/sample", "RSS/series"],
        pairs.map(([p, q]) => {
          const a = medianFigures(p.runs);
          const b = medianFigures(q.runs);
          return [
            `${p.protocol} ${p.series}`,
            ratio(a.samplesPerSecond, b.samplesPerSecond),
            ratio(a.p50, b.p50),
            ratio(a.p99, b.p99),
            ratio(a.cpuMicrosPerSample, b.cpuMicrosPerSample),
            a.runtimeCpuMicrosPerSample === undefined ? "-" : ratio(a.runtimeCpuMicrosPerSample, b.cpuMicrosPerSample),
            ratio(a.rssBytesPerSeries, b.rssBytesPerSeries),
          ];
        }),
      ),
    );
  }
  if (baseline !== undefined) printBaselineRatios(groups, label("baseline"));
}

/** promflare against its baseline revision, each figure's ratio taken within a turn, then the median. */
function printBaselineRatios(groups: readonly RunGroup[], baselineLabel: string): void {
  const rows: string[][] = [];
  for (const p of groups.filter((g) => g.target === "promflare")) {
    const q = groups.find((g) => g.target === "baseline" && g.protocol === p.protocol && g.series === p.series);
    if (q === undefined) continue;
    const a = p.runs.map(figures);
    const b = q.runs.map(figures);
    const paired = (pick: (f: Figures) => number | undefined): string => {
      const r = pairedRatio(a.map(pick), b.map(pick));
      return r === undefined ? "n/a" : `${r.toFixed(3)}×`;
    };
    rows.push([
      `${p.protocol} ${p.series}`,
      String(Math.min(a.length, b.length)),
      paired((f) => f.samplesPerSecond),
      paired((f) => f.cpuMicrosPerSample),
      paired((f) => f.runtimeCpuMicrosPerSample),
      paired((f) => f.p50),
      paired((f) => f.isolateBytesPerSeries),
    ]);
  }
  console.log(`\nRatios promflare / ${baselineLabel}, median over turns of each turn's ratio (samples/s: >1 is faster; the others: >1 costs more):`);
  console.log(table(["run", "turns", "samples/s", "CPU/sample", "Worker+DOs CPU/sample", "p50", "isolate B/series"], rows));
}

killChildrenOnSignal();
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
