/**
 * Long-term storage end to end, with real processes: five hours of data in
 * the past are pushed to `wrangler dev`, flushed into R2 blocks, exported
 * with `npm run blocks -- export` as an operator would, and read back by
 * Prometheus's own promtool. Every pushed sample must come out of the
 * exported blocks exactly once and bit-exact, and the query API must answer
 * the same before the flush (heads) and after it (blocks).
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelsFromRecord, type Labels } from "../../src/model/labels";
import { Matcher } from "../../src/model/matchers";
import { BlockReader } from "../../src/tsdb/block/block-reader";
import { MemoryRangeReader } from "../../src/tsdb/block/range-reader";
import { decodeXOR, float64Bits, xorNumSamples } from "../../src/tsdb/chunkenc/xor";
import { encodeWriteRequestV1, type SeriesInput } from "../../src/write/encode";
import { encodeSnappy } from "../../src/write/snappy";
import { makeTempDir, removeTempDir, REPO_ROOT } from "../support/paths";
import { findPrometheusTools, MISSING_PROMETHEUS, runPromtool } from "../support/prometheus";
import { pushRemoteWrite } from "../support/push";
import { startWranglerDev, UNLIMITED_INGEST_VARS, type WranglerDev } from "../support/wrangler";

const tools = findPrometheusTools();
if (tools === undefined) console.warn(`export-promtool.test.ts ${MISSING_PROMETHEUS}`);

const TENANT = "e2e-export";
const ADMIN_TOKEN = "e2e-export-admin-token";
const HOUR = 3_600_000;
const RANGE = 2 * HOUR;
const STEP = 15_000;
const HOURS = 5;
const POINTS = (HOURS * HOUR) / STEP; // 1,200 per series
/** 2h-aligned, and the last sample at least an hour old: every range is in the past. */
const START = Math.floor((Date.now() - (HOURS + 1) * HOUR - RANGE) / RANGE) * RANGE;
const END = START + (POINTS - 1) * STEP;
/** Default shards per tenant (src/config/limits.ts). */
const SHARDS = 4;

/** Prometheus's staleness marker: a NaN with this exact bit pattern. */
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;
/** Stands in for the marker while encoding; patched to the marker's bits afterwards. */
const STALE_PLACEHOLDER = 987654.3210987;

interface PushedSeries {
  readonly labels: Labels;
  readonly timestamps: number[];
  /** STALE_PLACEHOLDER where a staleness marker was sent. */
  readonly values: number[];
}

/** A small deterministic PRNG, so a failure can be reproduced. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * 50 series: counters and gauges of 10 instances in two jobs. One counter's
 * target disappears for a while (staleness marker, then nothing, then it
 * comes back); one gauge reports NaN, +Inf, -Inf and -0 now and then.
 */
function dataSet(): PushedSeries[] {
  const rnd = lcg(42);
  const out: PushedSeries[] = [];
  const metrics = [
    { name: "e2e_http_requests_total", counter: true },
    { name: "e2e_cpu_seconds_total", counter: true },
    { name: "e2e_memory_bytes", counter: false },
    { name: "e2e_temperature_celsius", counter: false },
    { name: "e2e_queue_length", counter: false },
  ];
  for (const m of metrics) {
    for (let i = 0; i < 10; i++) {
      const labels = labelsFromRecord({ __name__: m.name, instance: `host-${i}:9100`, job: i < 5 ? "api" : "node" });
      const timestamps: number[] = [];
      const values: number[] = [];
      let v = m.counter ? Math.floor(rnd() * 1000) : 0;
      for (let k = 0; k < POINTS; k++) {
        const t = START + k * STEP;
        if (m.name === "e2e_http_requests_total" && i === 3) {
          // Target down between 1h40m and 2h30m: a marker at the first missed scrape.
          if (k === 400) {
            timestamps.push(t);
            values.push(STALE_PLACEHOLDER);
            continue;
          }
          if (k > 400 && k < 600) continue;
        }
        if (m.counter) v += Math.floor(rnd() * 50);
        else if (m.name === "e2e_memory_bytes") v = 2 ** 30 + Math.floor(rnd() * 2 ** 20) * 4096;
        else if (m.name === "e2e_temperature_celsius") v = 20 + 10 * Math.sin(k / 100 + i) + rnd() / 7;
        else v = Math.floor(rnd() * 20);
        if (m.name === "e2e_queue_length" && i === 7 && k % 97 === 5) v = [NaN, Infinity, -Infinity, -0][(k / 97) % 4 | 0]!;
        timestamps.push(t);
        values.push(v);
      }
      out.push({ labels, timestamps, values });
    }
  }
  return out;
}

/** remote_write bodies of ten minutes of every series each, in time order, as Prometheus would send them. */
function pushBodies(data: readonly PushedSeries[]): Uint8Array[] {
  const bodies: Uint8Array[] = [];
  const perBody = (10 * 60_000) / STEP;
  const cursor = data.map(() => 0);
  for (let k0 = 0; k0 < POINTS; k0 += perBody) {
    const until = START + (k0 + perBody) * STEP;
    const series: SeriesInput[] = [];
    let markers = 0;
    data.forEach((s, j) => {
      const samples: { timestamp: number; value: number }[] = [];
      for (; cursor[j]! < s.timestamps.length && s.timestamps[cursor[j]!]! < until; cursor[j]!++) {
        const value = s.values[cursor[j]!]!;
        if (value === STALE_PLACEHOLDER) markers++;
        samples.push({ timestamp: s.timestamps[cursor[j]!]!, value });
      }
      if (samples.length > 0) series.push({ labels: s.labels, samples });
    });
    const raw = encodeWriteRequestV1({ series });
    expect(patchStaleMarkers(raw)).toBe(markers);
    bodies.push(encodeSnappy(raw));
  }
  return bodies;
}

/**
 * Writes the staleness marker's bits over the placeholder doubles: the bits
 * of a NaN are not guaranteed to survive a trip through a JS number.
 */
function patchStaleMarkers(raw: Uint8Array): number {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let patched = 0;
  for (let i = 0; i + 8 <= raw.length; i++) {
    if (view.getFloat64(i, true) === STALE_PLACEHOLDER) {
      view.setUint32(i, STALE_LO, true);
      view.setUint32(i + 4, STALE_HI, true);
      patched++;
    }
  }
  return patched;
}

/** The label set as Go's labels.Labels.String() prints it (ASCII values). */
function goLabels(labels: Labels): string {
  return "{" + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(", ") + "}";
}

/** Parses a number as Go's %g prints it. */
function parseGoFloat(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  return Number(s);
}

/** What pushed value promtool must print: NaN for a staleness marker (Go prints every NaN so). */
const printed = (v: number): number => (v === STALE_PLACEHOLDER ? NaN : v);

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

function run(command: string, args: readonly string[], timeoutMs = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, [...args], { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

describe.skipIf(tools === undefined)("blocks exported from promflare read by promtool", () => {
  let gateway: WranglerDev | undefined;
  let workDir: string;
  let exportDir: string;
  const data = dataSet();
  const pushedSamples = data.reduce((n, s) => n + s.timestamps.length, 0);
  const QUERIES = [
    '{__name__=~"e2e_.+"}',
    "rate(e2e_http_requests_total[5m])",
    "sum by (job) (e2e_memory_bytes)",
    "max_over_time(e2e_queue_length[30m])",
    "count_over_time(e2e_http_requests_total[10m])",
  ];
  let before: Matrix[] = [];

  const queryRange = async (query: string): Promise<Matrix> => {
    const url = new URL(`${gateway!.url}/api/v1/query_range`);
    url.searchParams.set("query", query);
    url.searchParams.set("start", String(START / 1000));
    url.searchParams.set("end", String(END / 1000));
    url.searchParams.set("step", "15");
    const res = await fetch(url, { headers: { "X-Scope-OrgID": TENANT } });
    const body = (await res.json()) as { status: string; data: { result: Matrix }; error?: string };
    expect(res.status, body.error).toBe(200);
    return body.data.result;
  };
  const promtool = async (args: string[]): Promise<string> => {
    const r = await runPromtool(tools!, args);
    if (r.code !== 0) throw new Error(`promtool ${args.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  beforeAll(async () => {
    workDir = makeTempDir("export");
    exportDir = join(workDir, "tsdb");
    gateway = await startWranglerDev({ vars: { ...UNLIMITED_INGEST_VARS, ADMIN_TOKEN } });
    let written = 0;
    for (const body of pushBodies(data)) {
      const res = await pushRemoteWrite(`${gateway.url}/api/v1/push`, body, { protocol: "v1", tenant: TENANT });
      expect(res.status, res.body).toBe(204);
      written += res.samplesWritten ?? 0;
    }
    expect(written).toBe(pushedSamples);
    before = await Promise.all(QUERIES.map(queryRange));
  });

  afterAll(async () => {
    await gateway?.stop();
    if (workDir !== undefined) removeTempDir(workDir);
  });

  it("answers raw queries from the heads with the pushed values", () => {
    // Sanity check of the baseline: at a 15 s step aligned to the scrapes,
    // the raw selector returns each pushed sample, and nothing after a marker.
    const raw = before[0]!;
    expect(raw.length).toBe(50);
    let checked = 0;
    for (const s of data) {
      const name = s.labels.find((l) => l.name === "__name__")!.value;
      const instance = s.labels.find((l) => l.name === "instance")!.value;
      const got = raw.find((r) => r.metric.__name__ === name && r.metric.instance === instance)!;
      const byTime = new Map(got.values.map(([t, v]) => [t * 1000, v]));
      for (let i = 0; i < s.timestamps.length; i++) {
        const v = s.values[i]!;
        if (v === STALE_PLACEHOLDER) continue; // see the staleness marker test below
        const at = byTime.get(s.timestamps[i]!);
        expect(at === undefined ? undefined : parseGoFloat(at)).toStrictEqual(v);
        checked++;
      }
    }
    expect(checked).toBe(pushedSamples - 1);
  });

  it("flushes the heads into blocks", { timeout: 120_000 }, async () => {
    let res: Response;
    let text: string;
    for (let attempt = 1; ; attempt++) {
      res = await fetch(`${gateway!.url}/ingester/flush`, { method: "POST", headers: { "X-Scope-OrgID": TENANT }, signal: AbortSignal.timeout(110_000) });
      text = await res.text();
      // wrangler dev reloads the Worker when a source file changes and asks
      // for a retry; a flush is idempotent (a resumed cut keeps its block id).
      if (res.status !== 503 || !text.includes("restarted mid-request") || attempt === 3) break;
    }
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text) as { shards: { shard: number; blocks: { minTime: number; maxTime: number; series: number }[] }[] };
    expect(body.shards.length).toBe(SHARDS);
    // Three 2h ranges in five hours from an aligned start, in every shard.
    const perRange = new Map<number, number>();
    for (const s of body.shards) {
      expect(s.blocks.map((b) => b.minTime)).toEqual([START, START + RANGE, START + 2 * RANGE]);
      for (const b of s.blocks) perRange.set(b.minTime, (perRange.get(b.minTime) ?? 0) + b.series);
    }
    // Every series has data in every range (the flapping target is back before 4h).
    expect([...perRange.values()]).toEqual([50, 50, 50]);
  });

  it("answers every query the same from blocks as it did from heads", async () => {
    const after = await Promise.all(QUERIES.map(queryRange));
    for (let i = 0; i < QUERIES.length; i++) expect(after[i], QUERIES[i]).toEqual(before[i]);
  });

  it("exports the tenant's blocks with npm run blocks", { timeout: 180_000 }, async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const r = await run(npm, ["run", "--silent", "blocks", "--", "export", TENANT, exportDir, "--url", gateway!.url, "--token", ADMIN_TOKEN]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`exported ${3 * SHARDS} blocks of tenant ${TENANT}`);
    console.log(r.stdout.trim().split("\n").at(-1));
    const blocks = readdirSync(exportDir).filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d));
    expect(blocks.length).toBe(3 * SHARDS);
    // An unauthenticated export is refused.
    const denied = await run(npm, ["run", "--silent", "blocks", "--", "export", TENANT, join(workDir, "denied"), "--url", gateway!.url, "--token", "wrong"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("401");
    // promtool opens the directory as a TSDB, which needs a (here empty) WAL.
    mkdirSync(join(exportDir, "wal"));
  });

  it("passes promtool tsdb analyze on every block with the right series counts", { timeout: 120_000 }, async () => {
    const list = await promtool(["tsdb", "list", exportDir]);
    const rows = list.trim().split("\n").slice(1);
    expect(rows.length).toBe(3 * SHARDS);
    const perRange = new Map<number, number>();
    let samples = 0;
    for (const row of rows) {
      // BLOCK ULID  MIN TIME  MAX TIME  DURATION  NUM SAMPLES  NUM CHUNKS  NUM SERIES  SIZE
      const [ulid, minTime, , , numSamples, , numSeries] = row.split(/\s+/);
      const out = await promtool(["tsdb", "analyze", exportDir, ulid!]);
      expect(out).toContain(`Block ID: ${ulid}`);
      expect(out).toContain(`Total Series: ${numSeries}\n`);
      const meta = JSON.parse(readFileSync(join(exportDir, ulid!, "meta.json"), "utf8")) as { stats: { numSeries: number; numSamples: number } };
      expect(meta.stats.numSeries).toBe(Number(numSeries));
      expect(meta.stats.numSamples).toBe(Number(numSamples));
      perRange.set(Number(minTime), (perRange.get(Number(minTime)) ?? 0) + Number(numSeries));
      samples += Number(numSamples);
    }
    expect([...perRange.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [START, 50],
      [START + RANGE, 50],
      [START + 2 * RANGE, 50],
    ]);
    expect(samples).toBe(pushedSamples);
  });

  it("promtool tsdb dump lists exactly the pushed samples", { timeout: 120_000 }, async () => {
    const out = await promtool(["tsdb", "dump", exportDir]);
    const got = new Map<string, { ts: number[]; vs: number[] }>();
    for (const line of out.split("\n")) {
      if (line === "") continue;
      const b = line.lastIndexOf(" ");
      const a = line.lastIndexOf(" ", b - 1);
      const key = line.slice(0, a);
      let e = got.get(key);
      if (e === undefined) got.set(key, (e = { ts: [], vs: [] }));
      e.vs.push(parseGoFloat(line.slice(a + 1, b)));
      e.ts.push(Number(line.slice(b + 1)));
    }
    expect([...got.keys()].sort()).toEqual(data.map((s) => goLabels(s.labels)).sort());
    let mismatches = 0;
    let compared = 0;
    for (const s of data) {
      const e = got.get(goLabels(s.labels))!;
      // Same timestamps in the same order: nothing lost, nothing duplicated across blocks.
      expect(e.ts).toEqual(s.timestamps);
      for (let i = 0; i < s.values.length; i++) {
        compared++;
        if (!Object.is(e.vs[i], printed(s.values[i]!))) mismatches++;
      }
    }
    expect(compared).toBe(pushedSamples);
    expect(mismatches).toBe(0);
  });

  /** Bits of the sample at `t` of the series `labels`, read from the exported files with our own block reader. */
  const bitsAt = async (labels: Labels, t: number): Promise<[number, number] | undefined> => {
    for (const ulid of readdirSync(exportDir).filter((d) => d !== "wal")) {
      const dir = join(exportDir, ulid);
      const block = await BlockReader.open({
        async open(path) {
          return new MemoryRangeReader(new Uint8Array(readFileSync(join(dir, path))));
        },
      });
      if (t < block.meta.minTime || t >= block.meta.maxTime) continue;
      const found = await block.select(labels.map((l) => new Matcher("=", l.name, l.value)), { minTime: t, maxTime: t });
      for (const s of found) {
        for (const c of s.chunks) {
          const ts = new Float64Array(xorNumSamples(c.data));
          const vs = new Float64Array(ts.length);
          const n = decodeXOR(c.data, ts, vs, 0);
          const bits = float64Bits(vs);
          for (let i = 0; i < n; i++) if (ts[i] === t) return [bits[2 * i + 1]!, bits[2 * i]!];
        }
      }
    }
    return undefined;
  };
  const flapping = data.find((s) => s.values.includes(STALE_PLACEHOLDER))!;
  const markerAt = flapping.timestamps[flapping.values.indexOf(STALE_PLACEHOLDER)]!;

  it("keeps a plain NaN a plain NaN, in the blocks and in query answers", async () => {
    // promtool prints every NaN as "NaN"; our reader tells the bits apart.
    const plainNaN = data.find((s) => s.values.some((v) => Number.isNaN(v)))!;
    const nanAt = plainNaN.timestamps[plainNaN.values.findIndex((v) => Number.isNaN(v))]!;
    const bits = await bitsAt(plainNaN.labels, nanAt);
    expect(bits).toBeDefined();
    expect(bits).not.toEqual([STALE_HI, STALE_LO]);
    expect(Number.isNaN(new Float64Array(new Uint32Array([bits![1], bits![0]]).buffer)[0])).toBe(true);
    const answered = before[0]!.find((r) => r.metric.__name__ === "e2e_queue_length" && r.metric.instance === "host-7:9100")!;
    expect(answered.values.some(([t, v]) => t * 1000 === nanAt && v === "NaN")).toBe(true);
  });

  /**
   * The marker must survive warm, optimised code: optimised V8 may quieten a
   * signalling NaN it handles as a number, so the whole ingest path (decode,
   * packing, head append, WAL) moves values as bits. Enough data goes through
   * here for those loops to be optimised.
   */
  it("keeps the staleness marker: no point at it, its exact bits in the block", async () => {
    // Prometheus ends a series at its marker: no point at the marker's step.
    const answered = before[0]!.find((r) => r.metric.__name__ === "e2e_http_requests_total" && r.metric.instance === "host-3:9100")!;
    expect(answered.values.some(([t]) => t * 1000 === markerAt)).toBe(false);
    expect(await bitsAt(flapping.labels, markerAt)).toEqual([STALE_HI, STALE_LO]);
  });
});
