/**
 * The write path end to end inside workerd: remote_write 1.0 and 2.0 through
 * the Worker into the ingester Durable Objects, read back through the
 * series, labels and query APIs.
 */
import { describe, expect, it } from "vitest";
import { api, push, pushRaw, series, written } from "./helpers";
import { encodeSnappy } from "../../src/write/snappy";
import { encodeWriteRequestV1 } from "../../src/write/encode";
import { labelsFromRecord } from "../../src/model/labels";

const now = Date.now();
const t0 = now - 60_000;

describe("remote_write round trip", () => {
  it("keeps concurrent requests apart while they reuse decode buffers", async () => {
    // Requests of different sizes and both protocols in flight together, twice over, so buffers
    // given back by one are taken by the next while others still hold theirs.
    const sizes = [3, 40, 7, 120, 1, 64, 15, 90];
    for (const round of [0, 1]) {
      const results = await Promise.all(
        sizes.map((n, r) =>
          push(
            "concurrent",
            { series: Array.from({ length: n }, (_, i) => series({ __name__: `m_${r}`, i: `${i}`, req: `${r}` }, [[t0 + round * 15_000, r * 1000 + i]])) },
            { v2: r % 2 === 1 },
          ),
        ),
      );
      results.forEach((res, r) => {
        expect(res.status).toBe(204);
        expect(written(res).samples).toBe(sizes[r]);
      });
    }
    for (const [r, n] of sizes.entries()) {
      const q = await api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>("concurrent", "/api/v1/query_range", {
        query: `m_${r}`,
        start: String(t0 / 1000),
        end: String((t0 + 15_000) / 1000),
        step: "15",
      });
      expect(q.body.data.result.length).toBe(n);
      for (const s of q.body.data.result) {
        expect(s.metric.req).toBe(String(r));
        const want = String(r * 1000 + Number(s.metric.i));
        expect(s.values.map(([, v]) => v)).toEqual([want, want]);
      }
    }
  });

  it("stores 1.0 samples and lists them back", async () => {
    const res = await push("rt-v1", {
      series: [
        series({ __name__: "up", job: "a", instance: "x:1" }, [[t0, 1], [t0 + 15_000, 1]]),
        series({ __name__: "up", job: "b", instance: "x:2" }, [[t0, 0]]),
        series({ __name__: "node_cpu_seconds_total", cpu: "0", mode: "idle" }, [[t0, 12.5]]),
      ],
      metadata: [{ metricFamilyName: "up", type: "gauge", help: "target up", unit: "" }],
    });
    expect(res.status).toBe(204);
    expect(written(res)).toEqual({ samples: 4, histograms: 0, exemplars: 0 });

    const s = await api<Record<string, string>[]>("rt-v1", "/api/v1/series", { "match[]": "up" });
    expect(s.status).toBe(200);
    expect(s.body.data).toEqual([
      { __name__: "up", instance: "x:1", job: "a" },
      { __name__: "up", instance: "x:2", job: "b" },
    ]);
    const names = await api<string[]>("rt-v1", "/api/v1/label/__name__/values");
    expect(names.body.data).toEqual(["node_cpu_seconds_total", "up"]);
    const labels = await api<string[]>("rt-v1", "/api/v1/labels", { "match[]": "node_cpu_seconds_total" });
    expect(labels.body.data).toEqual(["__name__", "cpu", "mode"]);
    const meta = await api<Record<string, unknown[]>>("rt-v1", "/api/v1/metadata");
    expect(meta.body.data).toEqual({ up: [{ type: "gauge", help: "target up", unit: "" }] });
  });

  it("stores 2.0 samples and exemplars and answers with the written counts", async () => {
    const res = await push(
      "rt-v2",
      {
        series: [
          series({ __name__: "http_requests_total", code: "200" }, [[t0, 5]], {
            exemplars: [{ labels: labelsFromRecord({ trace_id: "abc" }), value: 1, timestamp: t0 }],
            metadata: { type: "counter", help: "requests", unit: "" },
          }),
        ],
      },
      { v2: true },
    );
    expect(res.status).toBe(204);
    expect(written(res)).toEqual({ samples: 1, histograms: 0, exemplars: 1 });
    const ex = await api<unknown[]>("rt-v2", "/api/v1/query_exemplars", {
      query: 'rate(http_requests_total{code="200"}[5m])',
      start: String((t0 - 1000) / 1000),
      end: String((t0 + 1000) / 1000),
    });
    expect(ex.body.data).toEqual([
      {
        seriesLabels: { __name__: "http_requests_total", code: "200" },
        exemplars: [{ labels: { trace_id: "abc" }, value: "1", timestamp: t0 / 1000 }],
      },
    ]);
    const q = await api<{ resultType: string; result: { metric: object; value: [number, string] }[] }>(
      "rt-v2",
      "/api/v1/query",
      { query: "http_requests_total", time: String(t0 / 1000) },
    );
    expect(q.body.data.result).toEqual([
      { metric: { __name__: "http_requests_total", code: "200" }, value: [t0 / 1000, "5"] },
    ]);
  });

  it("answers on the Prometheus path and the Mimir prefix", async () => {
    const res = await push("rt-path", { series: [series({ __name__: "m" }, [[t0, 1]])] }, { path: "/api/v1/write" });
    expect(res.status).toBe(204);
    const s = await api<unknown[]>("rt-path", "/prometheus/api/v1/series", { "match[]": "m" });
    expect(s.body.data).toHaveLength(1);
  });

  it("keeps tenants apart", async () => {
    await push("tenant-a", { series: [series({ __name__: "secret_a" }, [[t0, 1]])] });
    await push("tenant-b", { series: [series({ __name__: "secret_b" }, [[t0, 1]])] });
    const a = await api<string[]>("tenant-a", "/api/v1/label/__name__/values");
    const b = await api<string[]>("tenant-b", "/api/v1/label/__name__/values");
    expect(a.body.data).toEqual(["secret_a"]);
    expect(b.body.data).toEqual(["secret_b"]);
  });

  it("uses the anonymous tenant without a header", async () => {
    const res = await push(null, { series: [series({ __name__: "anon_metric" }, [[t0, 1]])] });
    expect(res.status).toBe(204);
    const s = await api<string[]>("anonymous", "/api/v1/label/__name__/values");
    expect(s.body.data).toContain("anon_metric");
  });
});

describe("bad input", () => {
  const good = () => encodeSnappy(encodeWriteRequestV1({ series: [series({ __name__: "x" }, [[t0, 1]])] }));

  async function nothingStored(tenant: string) {
    const s = await api<string[]>(tenant, "/api/v1/label/__name__/values");
    expect(s.body.data).toEqual([]);
  }

  it("rejects garbage with 400", async () => {
    const res = await pushRaw("bad-garbage", new TextEncoder().encode("hello world, not snappy"));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/snappy/);
    await nothingStored("bad-garbage");
  });

  it("rejects a truncated protobuf with 400", async () => {
    const raw = encodeWriteRequestV1({ series: [series({ __name__: "x", a: "b" }, [[t0, 1]])] });
    const res = await pushRaw("bad-trunc", encodeSnappy(raw.subarray(0, raw.length - 3)));
    expect(res.status).toBe(400);
    await nothingStored("bad-trunc");
  });

  it("rejects unknown content types and encodings with 415", async () => {
    const a = await pushRaw("bad-ct", good(), { "Content-Type": "application/json" });
    expect(a.status).toBe(415);
    const b = await pushRaw("bad-ct", good(), { "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v3.Request" });
    expect(b.status).toBe(415);
    const c = await pushRaw("bad-ct", good(), { "Content-Encoding": "gzip" });
    expect(c.status).toBe(415);
    expect(written(c).samples).toBe(0);
    await nothingStored("bad-ct");
  });

  it("rejects invalid tenant ids with 400", async () => {
    for (const t of ["../etc", "a/b", "x".repeat(151), "..", "a|b"]) {
      const res = await pushRaw(t, good());
      expect(res.status, t).toBe(400);
      expect(written(res), t).toEqual({ samples: 0, histograms: 0, exemplars: 0 });
      expect(res.headers.has("X-Prometheus-Remote-Write-Samples-Written")).toBe(true);
    }
  });

  it("writes the valid series and names the invalid one with 400", async () => {
    const res = await push("bad-labels", {
      series: [
        series({ __name__: "ok_metric" }, [[t0, 1]]),
        series({ __name__: "bad", "0invalid": "x" }, [[t0, 1]]),
        { labels: [{ name: "__name__", value: "dup" }, { name: "a", value: "1" }, { name: "a", value: "2" }], samples: [{ timestamp: t0, value: 1 }] },
      ],
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/err-mimir-label-invalid/);
    expect(text).toMatch(/2 of 3 samples rejected/);
    expect(written(res).samples).toBe(1);
    const s = await api<string[]>("bad-labels", "/api/v1/label/__name__/values");
    expect(s.body.data).toEqual(["ok_metric"]);
  });

  it("rejects a series without a metric name", async () => {
    const res = await push("bad-noname", { series: [series({ job: "x" }, [[t0, 1]])] });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/err-mimir-missing-metric-name/);
  });

  it("rejects samples too far in the future", async () => {
    const res = await push("bad-future", { series: [series({ __name__: "f" }, [[now + 3_600_000, 1], [t0, 2]])] });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/err-mimir-too-far-in-future/);
    expect(written(res).samples).toBe(1);
  });

  it("rejects out-of-order and duplicate samples but accepts an identical retry", async () => {
    const first = await push("ooo", { series: [series({ __name__: "c" }, [[t0, 1], [t0 + 1000, 2]])] });
    expect(first.status).toBe(204);
    const retry = await push("ooo", { series: [series({ __name__: "c" }, [[t0, 1], [t0 + 1000, 2]])] });
    expect(retry.status).toBe(204);
    const older = await push("ooo", { series: [series({ __name__: "c" }, [[t0 - 5000, 1]])] });
    expect(older.status).toBe(400);
    expect(await older.text()).toMatch(/out-of-order/);
    const dup = await push("ooo", { series: [series({ __name__: "c" }, [[t0 + 1000, 3]])] });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toMatch(/^duplicate sample for timestamp: .*err-mimir-sample-duplicate-timestamp/);
    const q = await api<{ result: { values: [number, string][] }[] }>("ooo", "/api/v1/query", {
      query: "c[1m]",
      time: String((t0 + 1000) / 1000),
    });
    expect(q.body.data.result[0]!.values).toEqual([
      [t0 / 1000, "1"],
      [(t0 + 1000) / 1000, "2"],
    ]);
  });

  it("refuses native histograms with 400 while writing the floats", async () => {
    const res = await push(
      "hist",
      { series: [series({ __name__: "h" }, [], { histograms: 2 }), series({ __name__: "f" }, [[t0, 1]])] },
      { v2: true },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/native histograms/);
    expect(written(res)).toEqual({ samples: 1, histograms: 0, exemplars: 0 });
  });

  it("rejects an oversized body with 413", async () => {
    const big = new Uint8Array(17 << 20);
    const res = await pushRaw("big", big);
    expect(res.status).toBe(413);
  });

  it("rejects a snappy bomb before decoding", async () => {
    // A preamble declaring 2 GiB of output, followed by almost nothing.
    const bomb = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x08, 0x00]);
    const res = await pushRaw("bomb", bomb);
    expect(res.status).toBe(413);
  });
});

describe("limits", () => {
  it("answers 429 over the ingestion rate and stores nothing", async () => {
    const { env } = await import("cloudflare:workers");
    const admin = await import("../../src/tenancy/limits");
    // Configure the tenant through its tenant object, as the admin API does.
    const res = await admin.tenantObject(env, "rate-limited" as never).setOverrides({ ingestion_rate: 1, ingestion_burst_size: 5 });
    expect(res.ok).toBe(true);
    const samples: [number, number][] = Array.from({ length: 3 }, (_, i) => [t0 + i * 1000, i]);
    const first = await push("rate-limited", { series: [series({ __name__: "r" }, samples)] });
    expect(first.status).toBe(204);
    const second = await push("rate-limited", { series: [series({ __name__: "r2" }, samples)] });
    expect(second.status).toBe(429);
    expect(await second.text()).toMatch(/err-mimir-tenant-max-ingestion-rate/);
    const names = await api<string[]>("rate-limited", "/api/v1/label/__name__/values");
    expect(names.body.data).toEqual(["r"]);
  });
});

describe("series limit", () => {
  it("refuses new series over max_global_series_per_user with 400 and keeps existing ones writable", async () => {
    const { env } = await import("cloudflare:workers");
    const { tenantObject } = await import("../../src/tenancy/limits");
    // One shard so the tenant's whole share sits in one ingester.
    const set = await tenantObject(env, "series-limited" as never).setOverrides({ max_global_series_per_user: 2, shards: 1 });
    expect(set.ok).toBe(true);
    const first = await push("series-limited", {
      series: [series({ __name__: "a" }, [[t0, 1]]), series({ __name__: "b" }, [[t0, 1]])],
    });
    expect(first.status).toBe(204);
    const over = await push("series-limited", {
      series: [series({ __name__: "a" }, [[t0 + 1000, 2]]), series({ __name__: "c" }, [[t0 + 1000, 1]])],
    });
    expect(over.status).toBe(400);
    expect(await over.text()).toMatch(/err-mimir-max-series-per-user/);
    expect(written(over).samples).toBe(1);
    const names = await api<string[]>("series-limited", "/api/v1/label/__name__/values");
    expect(names.body.data).toEqual(["a", "b"]);
  });
});
