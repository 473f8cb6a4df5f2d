/**
 * What one federated remote-read store adds to a query, on `wrangler dev`.
 *
 * The same data set (series × samples, 15s apart over the last hour) is
 * written to three places: promflare tenant `bench-local`, promflare tenant
 * `bench-src`, and (when installed) a Prometheus with its remote-write
 * receiver on. Tenants `bench-fed-self` and `bench-fed-prom` hold the same
 * data and also list one store each (`bench-src` through the Worker's own
 * /api/v1/read, or the Prometheus), so each of their queries reads every
 * sample twice and merges the copies. Compared against `bench-local`:
 *
 * - a selector that matches nothing: the fixed cost of a store round trip;
 * - `count_over_time(m[1h])` over all series: the per-sample cost of
 *   fetching, decoding and merging the store's copy (µs per merged sample =
 *   extra latency / samples the store returned).
 *
 *   npm run bench:store [-- --series 200 --samples 240 --runs 20]
 */
import { labelsFromRecord } from "../src/model/labels";
import { encodeWriteRequestV1, type SeriesInput } from "../src/write/encode";
import { encodeSnappy } from "../src/write/snappy";
import { findPrometheusTools, startPrometheus, type PrometheusServer } from "../test/support/prometheus";
import { killChildrenOnSignal } from "../test/support/process";
import { pushRemoteWrite } from "../test/support/push";
import { fmt, parseFlags, quantile, table } from "../test/support/report";
import { UNLIMITED_INGEST_VARS, startWranglerDev, type WranglerDev } from "../test/support/wrangler";

const flags = parseFlags(process.argv.slice(2), { series: "200", samples: "240", runs: "20" });
const SERIES = Number(flags["series"]);
const SAMPLES = Number(flags["samples"]);
const RUNS = Number(flags["runs"]);
const STEP = 15_000;
const ADMIN_TOKEN = "bench-store";

function dataSet(end: number): SeriesInput[] {
  const start = end - (SAMPLES - 1) * STEP;
  return Array.from({ length: SERIES }, (_, s) => ({
    labels: labelsFromRecord({ __name__: "bench_store_metric", instance: `host-${s}`, job: "bench" }),
    samples: Array.from({ length: SAMPLES }, (_, i) => ({ timestamp: start + i * STEP, value: s * 1000 + i })),
  }));
}

async function pushAll(url: string, series: SeriesInput[], tenant?: string): Promise<void> {
  for (let i = 0; i < series.length; i += 50) {
    const body = encodeSnappy(encodeWriteRequestV1({ series: series.slice(i, i + 50) }));
    const res = await pushRemoteWrite(url, body, { protocol: "v1", ...(tenant ? { tenant } : {}) });
    if (res.status >= 300) throw new Error(`push to ${url} (${tenant ?? "-"}): HTTP ${res.status}: ${res.body}`);
  }
}

async function configureStore(gateway: WranglerDev, tenant: string, store: object): Promise<void> {
  const res = await fetch(`${gateway.url}/api/v1/admin/tenants/${tenant}/config`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ ...JSON.parse(UNLIMITED_INGEST_VARS["RUNTIME_CONFIG"]!), remote_read_stores: [store] }),
  });
  if (!res.ok) throw new Error(`configure ${tenant}: HTTP ${res.status}: ${await res.text()}`);
}

interface Timing {
  readonly p50: number;
  readonly p90: number;
  readonly samples: number;
}

/** Query latency seen by a client; fails on warnings so a broken store cannot look fast. */
async function time(gateway: WranglerDev, tenant: string, query: string, at: number): Promise<Timing> {
  const url = `${gateway.url}/api/v1/query?${new URLSearchParams({ query, time: String(at / 1000) })}`;
  const ms: number[] = [];
  let samples = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { "X-Scope-OrgID": tenant } });
    const body = (await res.json()) as { status: string; warnings?: string[]; data: { result: { value: [number, string] }[] } };
    const elapsed = performance.now() - t;
    if (body.status !== "success" || body.warnings) throw new Error(`${tenant} ${query}: ${JSON.stringify(body).slice(0, 300)}`);
    samples = body.data.result.reduce((n, r) => n + Number(r.value[1]), 0);
    if (i >= 3) ms.push(elapsed);
  }
  return { p50: quantile(ms, 0.5), p90: quantile(ms, 0.9), samples };
}

async function main(): Promise<void> {
  killChildrenOnSignal();
  const tools = findPrometheusTools();
  const gateway = await startWranglerDev({ vars: { ...UNLIMITED_INGEST_VARS, ADMIN_TOKEN } });
  let prometheus: PrometheusServer | undefined;
  try {
    const now = Date.now();
    const data = dataSet(now - 60_000);
    const push = `${gateway.url}/api/v1/push`;
    const tenants = ["bench-local", "bench-src", "bench-fed-self"];
    await configureStore(gateway, "bench-fed-self", {
      name: "self",
      url: `${gateway.url}/api/v1/read`,
      headers: { "X-Scope-OrgID": "bench-src" },
    });
    if (tools) {
      prometheus = await startPrometheus(tools, { args: ["--web.enable-remote-write-receiver"] });
      await pushAll(`${prometheus.url}/api/v1/write`, data);
      await configureStore(gateway, "bench-fed-prom", { name: "prometheus", url: `${prometheus.url}/api/v1/read` });
      tenants.push("bench-fed-prom");
    } else {
      console.warn("Prometheus not installed (bash scripts/setup-prometheus.sh): measuring the promflare store only");
    }
    for (const tenant of tenants) await pushAll(push, data, tenant);

    const at = now;
    const queries = { empty: "bench_store_absent", all: "count_over_time(bench_store_metric[1h])" };
    const rows: string[][] = [];
    const local = { empty: await time(gateway, "bench-local", queries.empty, at), all: await time(gateway, "bench-local", queries.all, at) };
    rows.push(["no store (bench-local)", fmt(local.empty.p50), fmt(local.all.p50), fmt(local.all.p90), String(local.all.samples), "-", "-"]);
    for (const tenant of tenants.filter((t) => t.startsWith("bench-fed"))) {
      const empty = await time(gateway, tenant, queries.empty, at);
      const all = await time(gateway, tenant, queries.all, at);
      if (all.samples !== local.all.samples) throw new Error(`${tenant}: merge returned ${all.samples} samples, expected ${local.all.samples}`);
      const added = all.p50 - local.all.p50;
      rows.push([
        tenant === "bench-fed-self" ? "+ promflare store" : "+ Prometheus store",
        fmt(empty.p50),
        fmt(all.p50),
        fmt(all.p90),
        String(all.samples),
        fmt(empty.p50 - local.empty.p50),
        fmt((added * 1000) / all.samples, 3),
      ]);
    }
    console.log(`${SERIES} series × ${SAMPLES} samples; ${RUNS} runs per query, ms unless noted`);
    console.log(
      table(["tenant", "empty p50", "all p50", "all p90", "samples", "added ms (empty)", "µs/merged sample"], rows),
    );
  } finally {
    await prometheus?.stop();
    await gateway.stop();
  }
}

await main();
