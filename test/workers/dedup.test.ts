/**
 * Query-time replica dedup through the Prometheus API: Thanos's `dedup` and
 * `replicaLabels[]` parameters and the tenant's `query_replica_labels`.
 */
import { describe, expect, it } from "vitest";
import { api, configureTenant, push, series } from "./helpers";

type Vector = { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
type Matrix = { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };

const t0 = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;
const at = (s: number) => t0 + s * 1000;

/**
 * r1 scrapes at 0,15,30 then misses 45 and 60 and returns at 75; r2 is 1s
 * later at every scrape. Thanos's merge stays on r1 (holding r2 back by
 * 5s, then twice the interval), switches to r2 across r1's gap at 61, and
 * then holds r1 back by 2×31s, so the result is 0,15,30,61,76.
 */
async function pushReplicas(tenant: string): Promise<void> {
  const r1 = [0, 15, 30, 75].map((s): [number, number] => [at(s), s]);
  const r2 = [1, 16, 31, 46, 61, 76].map((s): [number, number] => [at(s), 1000 + s]);
  const res = await push(tenant, {
    series: [
      series({ __name__: "up", job: "node", replica: "r1" }, r1),
      series({ __name__: "up", job: "node", replica: "r2" }, r2),
      series({ __name__: "solo", job: "node" }, [[at(0), 1]]),
    ],
  });
  expect(res.status).toBe(204);
}

const EXPECTED_MERGE: [number, string][] = [
  [at(0) / 1000, "0"],
  [at(15) / 1000, "15"],
  [at(30) / 1000, "30"],
  [at(61) / 1000, "1061"],
  [at(76) / 1000, "1076"],
];

describe("query-time dedup", () => {
  it("merges replicas before evaluation when the tenant configures query_replica_labels", async () => {
    const tenant = "dedup-cfg";
    await configureTenant(tenant, { query_replica_labels: ["replica"] });
    await pushReplicas(tenant);

    const raw = await api<Matrix>(tenant, "/api/v1/query", { query: "up[2m]", time: String(at(100) / 1000) });
    expect(raw.status).toBe(200);
    expect(raw.body.data.result).toEqual([{ metric: { __name__: "up", job: "node" }, values: EXPECTED_MERGE }]);

    const count = await api<Vector>(tenant, "/api/v1/query", { query: "count(up)", time: String(at(30) / 1000) });
    expect(count.body.data.result[0]!.value[1]).toBe("1");

    const range = await api<Matrix>(tenant, "/api/v1/query_range", {
      query: "up",
      start: String(at(30) / 1000),
      end: String(at(75) / 1000),
      step: "15",
    });
    // Instant lookback over the merged series: 30 → r1's 30, 45 and 60 → still r1's 30, 75 → r2's 61.
    expect(range.body.data.result).toEqual([
      {
        metric: { __name__: "up", job: "node" },
        values: [
          [at(30) / 1000, "30"],
          [at(45) / 1000, "30"],
          [at(60) / 1000, "30"],
          [at(75) / 1000, "1061"],
        ],
      },
    ]);
  });

  it("collapses series and hides the replica label in the series and label APIs", async () => {
    const tenant = "dedup-meta";
    await configureTenant(tenant, { query_replica_labels: ["replica"] });
    await pushReplicas(tenant);
    const s = await api<Record<string, string>[]>(tenant, "/api/v1/series", { "match[]": "{job=\"node\"}" });
    expect(s.body.data).toEqual([
      { __name__: "solo", job: "node" },
      { __name__: "up", job: "node" },
    ]);
    const names = await api<string[]>(tenant, "/api/v1/labels");
    expect(names.body.data).toEqual(["__name__", "job"]);
    const values = await api<string[]>(tenant, "/api/v1/label/replica/values");
    expect(values.body.data).toEqual([]);

    // dedup=false shows the replicas as stored.
    const off = await api<Record<string, string>[]>(tenant, "/api/v1/series", { "match[]": "up", dedup: "false" });
    expect(off.body.data.map((x) => x.replica)).toEqual(["r1", "r2"]);
    const offNames = await api<string[]>(tenant, "/api/v1/labels", { dedup: "false" });
    expect(offNames.body.data).toEqual(["__name__", "job", "replica"]);
  });

  it("takes replicaLabels[] from the request for a tenant without configuration", async () => {
    const tenant = "dedup-param";
    await pushReplicas(tenant);
    const plain = await api<Vector>(tenant, "/api/v1/query", { query: "count(up)", time: String(at(30) / 1000) });
    expect(plain.body.data.result[0]!.value[1]).toBe("2");
    const deduped = await api<Matrix>(tenant, "/api/v1/query", {
      query: "up[2m]",
      time: String(at(100) / 1000),
      "replicaLabels[]": "replica",
    });
    expect(deduped.body.data.result).toEqual([{ metric: { __name__: "up", job: "node" }, values: EXPECTED_MERGE }]);
    // A label that no series carries changes nothing.
    const other = await api<Vector>(tenant, "/api/v1/query", {
      query: "count(up)",
      time: String(at(30) / 1000),
      "replicaLabels[]": "prometheus_replica",
    });
    expect(other.body.data.result[0]!.value[1]).toBe("2");
  });
});
