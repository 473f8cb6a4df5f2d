/**
 * The range-query results cache through the Worker, in workerd's Cache API:
 * a repeated query is answered from the cache, tenants never share entries,
 * and a tenant with `results_cache_ttl: 0` is not cached.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../src/index";
import { encodeSnappy } from "../../src/write/snappy";
import { encodeWriteRequestV1 } from "../../src/write/encode";
import { BASE, configureTenant, series } from "./helpers";

const caching = { ...env, CACHE_RESULTS: "true" };
const MIN = 60_000;
const now = Date.now();
/** An hour that ended well before the freshness window. */
const END = Math.floor((now - 30 * MIN) / MIN) * MIN;
const START = END - 60 * MIN;

async function pushSeries(tenant: string, instance: string): Promise<void> {
  const samples: [number, number][] = [];
  for (let t = START - 10 * MIN, i = 0; t <= END; t += 15_000, i++) samples.push([t, i]);
  const body = encodeSnappy(encodeWriteRequestV1({ series: [series({ __name__: "rc_requests_total", instance }, samples)] }));
  const res = await app.request(`${BASE}/api/v1/push`, {
    method: "POST",
    body,
    headers: { "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Scope-OrgID": tenant },
  }, env);
  expect(res.status, await res.text()).toBe(204);
}

async function instances(tenant: string, bindings: object, query = "sum by (instance) (rate(rc_requests_total[5m]))"): Promise<string[]> {
  const url = `${BASE}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${START / 1000}&end=${END / 1000}&step=60`;
  const res = await app.request(url, { headers: { "X-Scope-OrgID": tenant } }, bindings);
  const body = (await res.json()) as { data: { result: { metric: { instance: string }; values: unknown[] }[] } };
  expect(res.status).toBe(200);
  for (const s of body.data.result) expect(s.values).toHaveLength(61);
  return body.data.result.map((s) => s.metric.instance).sort();
}

describe("range query results cache", () => {
  it("answers a repeated query from the cache until it expires, which a series pushed since shows", async () => {
    await pushSeries("rc-a", "one");
    expect(await instances("rc-a", caching)).toEqual(["one"]);
    await pushSeries("rc-a", "two");
    // Every step is older than the 10m freshness window: all from the cache.
    expect(await instances("rc-a", caching)).toEqual(["one"]);
    // The same data without the cache, and the same query written differently (same printed form) from it.
    expect(await instances("rc-a", env)).toEqual(["one", "two"]);
    expect(await instances("rc-a", caching, "sum by(instance)(rate(rc_requests_total[5m]))")).toEqual(["one"]);
    // Another query is another entry.
    expect(await instances("rc-a", caching, "sum by (instance) (rate(rc_requests_total[10m]))")).toEqual(["one", "two"]);
  });

  it("never answers one tenant from another's entries", async () => {
    await pushSeries("rc-b1", "b1");
    await pushSeries("rc-b2", "b2");
    expect(await instances("rc-b1", caching)).toEqual(["b1"]);
    expect(await instances("rc-b2", caching)).toEqual(["b2"]);
  });

  it("does not cache for a tenant whose results_cache_ttl is 0", async () => {
    await configureTenant("rc-off", { results_cache_ttl: 0 });
    await pushSeries("rc-off", "one");
    expect(await instances("rc-off", caching)).toEqual(["one"]);
    await pushSeries("rc-off", "two");
    expect(await instances("rc-off", caching)).toEqual(["one", "two"]);
  });
});
