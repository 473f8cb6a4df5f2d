/**
 * Mimir's per-tenant query limits: max_fetched_series_per_query (422) and
 * max_total_query_length (400).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { tenantObject } from "../../src/tenancy/limits";
import type { TenantId } from "../../src/tenancy/tenant";
import { api, push, series } from "./helpers";

const T = "query-limited";
const t0 = Date.now() - 60_000;

beforeAll(async () => {
  const set = await tenantObject(env, T as TenantId).setOverrides({ max_fetched_series_per_query: 2, max_total_query_length: "1h" });
  expect(set.ok).toBe(true);
  const res = await push(T, {
    series: [1, 2, 3].map((i) => series({ __name__: "m", i: String(i) }, [[t0, i]])),
  });
  expect(res.status).toBe(204);
});

describe("query limits", () => {
  it("fails a query that fetches more series than allowed, and serves one under the limit", async () => {
    const time = String(t0 / 1000);
    const over = await api(T, "/api/v1/query", { query: "sum(m)", time });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ status: "error", errorType: "execution" });
    expect(over.body.error).toMatch(/err-mimir-max-series-per-query/);
    const under = await api<{ result: unknown[] }>(T, "/api/v1/query", { query: 'm{i=~"1|2"}', time });
    expect(under.status).toBe(200);
    expect(under.body.data.result).toHaveLength(2);
  });

  it("refuses range queries longer than max_total_query_length", async () => {
    const end = t0 / 1000;
    const long = await api(T, "/api/v1/query_range", { query: 'm{i="1"}', start: String(end - 7200), end: String(end), step: "60" });
    expect(long.status).toBe(400);
    expect(long.body.error).toBe(
      "the total query time range exceeds the limit (query length: 2h, limit: 1h) (err-mimir-max-total-query-length)",
    );
    const ok = await api(T, "/api/v1/query_range", { query: 'm{i="1"}', start: String(end - 1800), end: String(end), step: "60" });
    expect(ok.status).toBe(200);
  });
});
