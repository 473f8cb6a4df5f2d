/**
 * /api/v1/status/tsdb over a tenant's shards: head cardinality as
 * Prometheus's TSDB status page reports it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, push, series } from "./helpers";

const T = "tsdb-status";
const base = 1_700_000_000_000;

interface Stat {
  name: string;
  value: number;
}
interface Status {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: Stat[];
  labelValueCountByLabelName: Stat[];
  memoryInBytesByLabelName: Stat[];
  seriesCountByLabelValuePair: Stat[];
}

beforeAll(async () => {
  // 20 pods of one metric and 5 of another: spread over the default 4 shards.
  const input = [];
  for (let i = 0; i < 20; i++) input.push(series({ __name__: "http_requests_total", job: "api", pod: `pod-${i}` }, [[base + i, i]]));
  for (let i = 0; i < 5; i++) input.push(series({ __name__: "up", job: "api", pod: `pod-${i}` }, [[base + 60_000, 1]]));
  expect((await push(T, { series: input })).status).toBe(204);
  expect((await push(`${T}-other`, { series: [series({ __name__: "secret", job: "x" }, [[base, 1]])] })).status).toBe(204);
});

describe("/api/v1/status/tsdb", () => {
  it("reports the tenant's head across its shards", async () => {
    const r = await api<Status>(T, "/api/v1/status/tsdb");
    expect(r.status).toBe(200);
    const d = r.body.data;
    // Pairs: 2 metric names, 1 job, 20 pods.
    expect(d.headStats).toEqual({ numSeries: 25, numLabelPairs: 23, chunkCount: 25, minTime: base, maxTime: base + 60_000 });
    expect(d.seriesCountByMetricName).toEqual([
      { name: "http_requests_total", value: 20 },
      { name: "up", value: 5 },
    ]);
    expect(d.labelValueCountByLabelName).toEqual([
      { name: "pod", value: 20 },
      { name: "__name__", value: 2 },
      { name: "job", value: 1 },
    ]);
    // pod-0 … pod-9 are 5 bytes, pod-10 … pod-19 are 6.
    expect(d.memoryInBytesByLabelName[0]).toEqual({ name: "pod", value: 110 });
    expect(d.seriesCountByLabelValuePair.slice(0, 2)).toEqual([
      { name: "job=api", value: 25 },
      { name: "__name__=http_requests_total", value: 20 },
    ]);
    expect(d.seriesCountByLabelValuePair).toHaveLength(10);
  });

  it("honours limit and refuses a bad one as Prometheus does", async () => {
    const r = await api<Status>(T, "/api/v1/status/tsdb", { limit: "1" });
    expect(r.body.data.seriesCountByLabelValuePair).toEqual([{ name: "job=api", value: 25 }]);
    for (const [limit, message] of [["0", "limit must be a positive number"], ["x", "limit must be a positive number"], ["10001", "limit must not exceed 10000"]]) {
      const bad = await api(T, "/api/v1/status/tsdb", { limit: limit! });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ status: "error", errorType: "bad_data", error: message });
    }
  });

  it("sees only the asking tenant, and an empty head as Prometheus reports one", async () => {
    const other = await api<Status>(`${T}-other`, "/api/v1/status/tsdb");
    expect(other.body.data.seriesCountByMetricName).toEqual([{ name: "secret", value: 1 }]);
    const none = await api<Status>(`${T}-none`, "/api/v1/status/tsdb");
    expect(none.body.data.headStats.numSeries).toBe(0);
    expect(none.body.data.headStats.minTime).toBe(9223372036854775807);
    expect(none.body.data.seriesCountByMetricName).toEqual([]);
  });
});
