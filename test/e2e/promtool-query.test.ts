/**
 * promtool, Prometheus's own CLI client, queries promflare under `wrangler
 * dev`: a small data set with known values is pushed with remote_write 1.0,
 * then instant and range queries must print what the data implies.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWriteRequestV1, type SeriesInput } from "../../src/write/encode";
import { encodeSnappy } from "../../src/write/snappy";
import { labelsFromRecord } from "../../src/model/labels";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";
import { findPrometheusTools, MISSING_PROMETHEUS, runPromtool } from "../support/prometheus";
import { pushRemoteWrite } from "../support/push";
import { makeTempDir, removeTempDir } from "../support/paths";

const tools = findPrometheusTools();
if (tools === undefined) console.warn(`promtool-query.test.ts ${MISSING_PROMETHEUS}`);

const TENANT = "e2e-promtool";
const STEP_MS = 15_000;
const POINTS = 41; // k = 0..40: ten minutes at 15 s

/** Aligned to the scrape step and ten minutes back, so every sample is recent and in the head. */
const T0 = Math.floor(Date.now() / STEP_MS) * STEP_MS - (POINTS - 1) * STEP_MS;
const tAt = (k: number): number => T0 + k * STEP_MS;
const T_END = tAt(POINTS - 1);
const seconds = (ms: number): string => String(ms / 1000);

/** Counters grow by `perStep` each 15 s, so their rate is perStep/15 per second. */
const COUNTERS = [
  { job: "api", instance: "a", perStep: 30 },
  { job: "api", instance: "b", perStep: 15 },
  { job: "web", instance: "c", perStep: 60 },
] as const;
/** A gauge cycling 20, 21, 22, 23. */
const temperature = (k: number): number => 20 + (k % 4);

function dataSet(): SeriesInput[] {
  const ks = Array.from({ length: POINTS }, (_, k) => k);
  return [
    ...COUNTERS.map((c) => ({
      labels: labelsFromRecord({ __name__: "promtool_test_requests_total", job: c.job, instance: c.instance }),
      samples: ks.map((k) => ({ timestamp: tAt(k), value: c.perStep * k })),
    })),
    {
      labels: labelsFromRecord({ __name__: "promtool_test_temperature", room: "lab" }),
      samples: ks.map((k) => ({ timestamp: tAt(k), value: temperature(k) })),
    },
  ];
}

interface PrintedSample {
  readonly metric: string;
  readonly value: number;
  readonly time: number;
}

/** Parses promtool's default instant-vector output: `{labels} => value @[unix seconds]` per line. */
function parseVector(stdout: string): PrintedSample[] {
  return stdout
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const match = /^(.*) => (\S+) @\[(\S+)\]$/.exec(line);
      if (match === null) throw new Error(`unexpected promtool line: ${line}`);
      return { metric: match[1]!, value: Number(match[2]), time: Number(match[3]) };
    });
}

/** Parses promtool's default matrix output: `{labels} =>` followed by `value @[time]` lines. */
function parseMatrix(stdout: string): Map<string, { value: number; time: number }[]> {
  const out = new Map<string, { value: number; time: number }[]>();
  let current: { value: number; time: number }[] | undefined;
  for (const line of stdout.trim().split("\n")) {
    if (line === "") continue;
    const header = /^(.*) =>$/.exec(line);
    if (header !== null) {
      current = [];
      out.set(header[1]!, current);
      continue;
    }
    const point = /^(\S+) @\[(\S+)\]$/.exec(line);
    if (point === null || current === undefined) throw new Error(`unexpected promtool line: ${line}`);
    current.push({ value: Number(point[1]), time: Number(point[2]) });
  }
  return out;
}

describe.skipIf(tools === undefined)("promtool query against promflare", () => {
  let gateway: WranglerDev | undefined;
  let workDir: string;
  let httpConfig: string;

  const promtool = async (args: string[]): Promise<string> => {
    const result = await runPromtool(tools!, args);
    if (result.code !== 0) {
      throw new Error(
        `promtool ${args.join(" ")} exited ${result.code}: ${result.stderr}${result.stdout}\n--- wrangler dev ---\n${gateway?.process.tail(30)}`,
      );
    }
    return result.stdout;
  };
  const instant = (expr: string, timeMs: number): Promise<string> =>
    promtool(["query", "instant", `--http.config.file=${httpConfig}`, `--time=${seconds(timeMs)}`, gateway!.url, expr]);
  const range = (expr: string, startMs: number, endMs: number, step: string): Promise<string> =>
    promtool([
      "query",
      "range",
      `--header=X-Scope-OrgID:${TENANT}`,
      `--start=${seconds(startMs)}`,
      `--end=${seconds(endMs)}`,
      `--step=${step}`,
      gateway!.url,
      expr,
    ]);

  beforeAll(async () => {
    workDir = makeTempDir("promtool");
    // Instant queries carry the tenant through promtool's HTTP client config,
    // range queries through --header: both paths must reach the tenant's data.
    httpConfig = resolve(workDir, "http.yml");
    writeFileSync(httpConfig, `http_headers:\n  X-Scope-OrgID:\n    values: [${TENANT}]\n`);
    gateway = await startWranglerDev();
    const body = encodeSnappy(encodeWriteRequestV1({ series: dataSet() }));
    const res = await pushRemoteWrite(`${gateway.url}/api/v1/push`, body, { protocol: "v1", tenant: TENANT });
    expect(res.status, res.body).toBe(204);
    expect(res.samplesWritten).toBe((COUNTERS.length + 1) * POINTS);
  });

  afterAll(async () => {
    await gateway?.stop();
    if (workDir !== undefined) removeTempDir(workDir);
  });

  it("prints the last pushed gauge value", async () => {
    const printed = parseVector(await instant("promtool_test_temperature", T_END));
    expect(printed).toEqual([
      { metric: 'promtool_test_temperature{room="lab"}', value: temperature(POINTS - 1), time: T_END / 1000 },
    ]);
  });

  it("computes per-job rates of the counters", async () => {
    const printed = parseVector(await instant("sum by (job) (rate(promtool_test_requests_total[1m]))", T_END));
    const byJob = new Map(printed.map((s) => [s.metric, s.value]));
    expect([...byJob.keys()].sort()).toEqual(['{job="api"}', '{job="web"}']);
    // Perfectly linear counters: extrapolation recovers the exact slope.
    expect(byJob.get('{job="api"}')).toBeCloseTo((30 + 15) / 15, 9);
    expect(byJob.get('{job="web"}')).toBeCloseTo(60 / 15, 9);
  });

  it("evaluates arithmetic and drops the metric name", async () => {
    const printed = parseVector(await instant('promtool_test_requests_total{instance="b"} / 15', T_END));
    expect(printed).toEqual([{ metric: '{instance="b", job="api"}', value: POINTS - 1, time: T_END / 1000 }]);
  });

  it("takes max_over_time over a left-open window", async () => {
    // (T_END-60s, T_END] holds k = 37..40: 21, 22, 23, 20.
    const printed = parseVector(await instant("max_over_time(promtool_test_temperature[1m])", T_END));
    expect(printed.map((s) => s.value)).toEqual([23]);
  });

  it("shows another tenant nothing", async () => {
    const args = ["query", "range", "--header=X-Scope-OrgID:e2e-someone-else", `--start=${seconds(T0)}`];
    const stdout = await promtool([...args, `--end=${seconds(T_END)}`, "--step=60s", gateway!.url, "promtool_test_temperature"]);
    expect(parseMatrix(stdout).size).toBe(0);
  });

  it("prints a range query of the gauge at every step", async () => {
    // k = 20, 23, 26, ..., 38 at a 45 s step.
    const start = tAt(20);
    const printed = parseMatrix(await range("promtool_test_temperature", start, tAt(38), "45s"));
    const ks = [20, 23, 26, 29, 32, 35, 38];
    expect([...printed.keys()]).toEqual(['promtool_test_temperature{room="lab"}']);
    expect([...printed.values()][0]).toEqual(ks.map((k) => ({ value: temperature(k), time: tAt(k) / 1000 })));
  });

  it("prints a range query of an aggregation", async () => {
    const printed = parseMatrix(await range("sum(promtool_test_requests_total)", T0, T_END, "150s"));
    const perStep = COUNTERS.reduce((acc, c) => acc + c.perStep, 0);
    expect([...printed.keys()]).toEqual(["{}"]);
    expect([...printed.values()][0]).toEqual(
      [0, 10, 20, 30, 40].map((k) => ({ value: perStep * k, time: tAt(k) / 1000 })),
    );
  });
});
