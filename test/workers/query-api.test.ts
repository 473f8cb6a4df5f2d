/**
 * The Prometheus query API: envelope, value encoding, parameters and the
 * error messages Prometheus gives for bad ones.
 */
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, BASE, push, series } from "./helpers";

const T = "query-api";
const base = 1_700_000_000_000;

beforeAll(async () => {
  const counter: [number, number][] = [];
  for (let i = 0; i <= 40; i++) counter.push([base + i * 15_000, i * 30]);
  const res = await push(T, {
    series: [
      series({ __name__: "requests_total", job: "api", instance: "a" }, counter),
      series({ __name__: "requests_total", job: "api", instance: "b" }, counter.map(([t, v]) => [t, v * 2])),
      series({ __name__: "temperature", room: "x" }, [[base, NaN], [base + 15_000, Infinity]]),
    ],
  });
  expect(res.status).toBe(204);
});

type Data = { resultType: string; result: unknown };

describe("/api/v1/query", () => {
  it("evaluates an instant query in the Prometheus envelope", async () => {
    const t = (base + 600_000) / 1000;
    const r = await api<Data>(T, "/api/v1/query", { query: "sum by (job) (rate(requests_total[5m]))", time: String(t) });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("success");
    // Rates 2/s and 4/s; the extrapolation's rounding is Prometheus 3.5's
    // own answer for the same samples, digit for digit.
    expect(r.body.data).toEqual({ resultType: "vector", result: [{ metric: { job: "api" }, value: [t, "5.999999999999999"] }] });
  });

  it("joins info() labels from target_info read out of the ingesters", async () => {
    const tenant = "query-api-info";
    const at = base + 60_000;
    const pushed = await push(tenant, {
      series: [
        series({ __name__: "up", job: "api", instance: "a" }, [[at, 1]]),
        series({ __name__: "up", job: "api", instance: "b" }, [[at, 0]]),
        series({ __name__: "target_info", job: "api", instance: "a", version: "1.2", region: "eu" }, [[at, 1]]),
        series({ __name__: "build_info", job: "api", instance: "b", revision: "abc" }, [[at, 1]]),
      ],
    });
    expect(pushed.status).toBe(204);
    const time = String(at / 1000);
    const plain = await api<{ result: { metric: Record<string, string> }[] }>(tenant, "/api/v1/query", { query: "info(up)", time });
    expect(plain.body.data.result.map((r) => r.metric)).toEqual([
      { __name__: "up", job: "api", instance: "a", version: "1.2", region: "eu" },
      { __name__: "up", job: "api", instance: "b" },
    ]);
    const chosen = await api<{ result: { metric: Record<string, string> }[] }>(tenant, "/api/v1/query", { query: 'info(up, {__name__=~".+_info", revision=~".+"})', time });
    expect(chosen.body.data.result.map((r) => r.metric)).toEqual([{ __name__: "up", job: "api", instance: "b", revision: "abc" }]);
  });

  it("encodes NaN and infinities as Prometheus does", async () => {
    const r = await api<Data>(T, "/api/v1/query", { query: "temperature", time: String((base + 15_000) / 1000) });
    expect(r.body.data.result).toEqual([{ metric: { __name__: "temperature", room: "x" }, value: [(base + 15_000) / 1000, "+Inf"] }]);
    const s = await api<Data>(T, "/api/v1/query", { query: "-Inf", time: "1" });
    expect(s.body.data).toEqual({ resultType: "scalar", result: [1, "-Inf"] });
    const str = await api<Data>(T, "/api/v1/query", { query: '"hello"', time: "2" });
    expect(str.body.data).toEqual({ resultType: "string", result: [2, "hello"] });
  });

  it("accepts RFC 3339 times and POSTed forms", async () => {
    const iso = new Date(base + 300_000).toISOString();
    const body = new URLSearchParams({ query: "count(requests_total)", time: iso });
    const res = await SELF.fetch(`${BASE}/api/v1/query`, {
      method: "POST",
      headers: { "X-Scope-OrgID": T, "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    const json = (await res.json()) as { data: Data };
    expect(json.data.result).toEqual([{ metric: {}, value: [(base + 300_000) / 1000, "2"] }]);
  });

  it("truncates to limit with a warning and reports stats", async () => {
    const r = await api<Data & { stats?: { samples: { totalQueryableSamples: number } } }>(T, "/api/v1/query", {
      query: "requests_total",
      time: String((base + 300_000) / 1000),
      limit: "1",
      stats: "true",
    });
    expect((r.body.data.result as unknown[]).length).toBe(1);
    expect(r.body.warnings).toEqual(["results truncated due to limit"]);
    expect(r.body.data.stats!.samples.totalQueryableSamples).toBeGreaterThan(0);
  });

  it("writes range results (special values, escaped labels, limit, stats) as the same JSON", async () => {
    const odd = { __name__: "odd_labels", path: 'C:\\dir "quoted"\n', unicode: "żółw ☃" };
    expect((await push(T, { series: [series(odd, [[base, -0], [base + 15_000, 1e21], [base + 30_000, 1.5e-7]])] })).status).toBe(204);
    const r = await api<Data & { stats?: { samples: { totalQueryableSamples: number } } }>(T, "/api/v1/query_range", {
      query: "odd_labels or temperature",
      start: String(base / 1000),
      end: String((base + 30_000) / 1000),
      step: "15",
      limit: "2",
      stats: "all",
    });
    expect(r.status).toBe(200);
    expect(r.body.data.resultType).toBe("matrix");
    expect(r.body.data.result).toEqual([
      {
        metric: odd,
        values: [
          [base / 1000, "-0"],
          [(base + 15_000) / 1000, "1000000000000000000000"],
          [(base + 30_000) / 1000, "0.00000015"],
        ],
      },
      {
        metric: { __name__: "temperature", room: "x" },
        values: [
          [base / 1000, "NaN"],
          [(base + 15_000) / 1000, "+Inf"],
          [(base + 30_000) / 1000, "+Inf"],
        ],
      },
    ]);
    expect(r.body.warnings).toBeUndefined();
    expect(r.body.data.stats!.samples.totalQueryableSamples).toBeGreaterThan(0);
    const cut = await api<Data>(T, "/api/v1/query_range", { query: "odd_labels or temperature", start: String(base / 1000), end: String((base + 30_000) / 1000), step: "15", limit: "1" });
    expect((cut.body.data.result as unknown[]).length).toBe(1);
    expect(cut.body.warnings).toEqual(["results truncated due to limit"]);
  });

  it.each([
    [{ query: "up", time: "abc" }, `invalid parameter "time": invalid time value for 'time': cannot parse "abc" to a valid timestamp`],
    [{ query: "sum(" }, `invalid parameter "query": 1:5: parse error: unclosed left parenthesis`],
    [{ query: "" }, `invalid parameter "query": unknown position: parse error: no expression found in input`],
    [{ query: "up", timeout: "x" }, `invalid parameter "timeout": cannot parse "x" to a valid duration`],
    [{ query: "up", lookback_delta: "x" }, `error parsing lookback delta duration: cannot parse "x" to a valid duration`],
  ])("rejects %j with Prometheus's message", async (params, message) => {
    const r = await api(T, "/api/v1/query", params);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ status: "error", errorType: "bad_data", error: message });
  });

  it("honours lookback_delta", async () => {
    const t = String((base + 40 * 15_000 + 120_000) / 1000);
    const dflt = await api<Data>(T, "/api/v1/query", { query: "requests_total", time: t });
    expect((dflt.body.data.result as unknown[]).length).toBe(2);
    const short = await api<Data>(T, "/api/v1/query", { query: "requests_total", time: t, lookback_delta: "1m" });
    expect(short.body.data.result).toEqual([]);
  });
});

describe("/api/v1/query_range", () => {
  it("returns a matrix with one point per step", async () => {
    const start = (base + 300_000) / 1000;
    const r = await api<Data>(T, "/api/v1/query_range", {
      query: 'rate(requests_total{instance="a"}[1m])',
      start: String(start),
      end: String(start + 120),
      step: "1m",
    });
    expect(r.body.data).toEqual({
      resultType: "matrix",
      result: [
        {
          metric: { instance: "a", job: "api" },
          values: [
            [start, "1.9999999999999998"],
            [start + 60, "1.9999999999999998"],
            [start + 120, "1.9999999999999998"],
          ],
        },
      ],
    });
  });

  it.each([
    [{ query: "up", start: "1", end: "0", step: "1" }, `invalid parameter "end": end timestamp must not be before start time`],
    [{ query: "up", start: "1", end: "2", step: "0" }, `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`],
    [{ query: "up", start: "0", end: "100000", step: "1" }, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"],
    [{ query: "up", start: "1", end: "2" }, `invalid parameter "step": cannot parse "" to a valid duration`],
    [{ query: "up", start: "x", end: "2", step: "1" }, `invalid parameter "start": cannot parse "x" to a valid timestamp`],
    [{ query: "up[5m]", start: "1", end: "2", step: "1" }, `invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector`],
  ])("rejects %j with Prometheus's message", async (params, message) => {
    const r = await api(T, "/api/v1/query_range", params);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ status: "error", errorType: "bad_data", error: message });
  });
});

describe("expression tools and status", () => {
  it("formats and parses queries", async () => {
    const f = await api<string>(T, "/api/v1/format_query", { query: "sum(rate(x[5m]))by(job)" });
    expect(f.body.data).toBe("sum by (job) (rate(x[5m]))");
    const p = await api<{ type: string; op: string }>(T, "/api/v1/parse_query", { query: "foo/bar" });
    expect(p.body.data).toMatchObject({ type: "binaryExpr", op: "/", matching: { card: "one-to-one" } });
  });

  it("serves flags and runtime info", async () => {
    const f = await api<Record<string, string>>(T, "/api/v1/status/flags");
    expect(f.body.data["query.lookback-delta"]).toBe("5m");
    const r = await api<{ startTime: string }>(T, "/api/v1/status/runtimeinfo");
    expect(Date.parse(r.body.data.startTime)).not.toBeNaN();
  });

  it("rejects bad series selectors", async () => {
    const none = await api(T, "/api/v1/series");
    expect(none.body.error).toBe("no match[] parameter provided");
    const empty = await api(T, "/api/v1/series", { "match[]": '{a=""}' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe(`invalid parameter "match[]": match[] must contain at least one non-empty matcher`);
  });
});
