/**
 * Tenant federation through the Prometheus API: `X-Scope-OrgID: a|b` on
 * reads, the `__tenant_id__` label, tenant selection by matchers, and the
 * refusals (writes, tenants without tenant_federation_enabled).
 */
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, BASE, configureTenant, push, series } from "./helpers";

type Vector = { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };

const t0 = Date.now() - 60_000;
const time = String(t0 / 1000);

describe("tenant federation", () => {
  beforeAll(async () => {
    for (const t of ["fed-a", "fed-b"]) await configureTenant(t, { tenant_federation_enabled: true });
    for (const [t, v] of [["fed-a", 1], ["fed-b", 2], ["fed-c", 3]] as const) {
      const res = await push(t, { series: [series({ __name__: "up", job: "node" }, [[t0, v]])] });
      expect(res.status).toBe(204);
    }
    // A series with its own __tenant_id__ label.
    await push("fed-b", { series: [series({ __name__: "odd", __tenant_id__: "mine" }, [[t0, 9]])] });
  });

  it("queries every named tenant and labels series with __tenant_id__", async () => {
    const q = await api<Vector>("fed-a|fed-b", "/api/v1/query", { query: "up", time });
    expect(q.status).toBe(200);
    expect(q.body.data.result).toEqual([
      { metric: { __name__: "up", __tenant_id__: "fed-a", job: "node" }, value: [t0 / 1000, "1"] },
      { metric: { __name__: "up", __tenant_id__: "fed-b", job: "node" }, value: [t0 / 1000, "2"] },
    ]);
    const sum = await api<Vector>("fed-b|fed-a", "/api/v1/query", { query: "sum(up)", time });
    expect(sum.body.data.result[0]!.value[1]).toBe("3");
  });

  it("selects tenants with matchers on __tenant_id__", async () => {
    const q = await api<Vector>("fed-a|fed-b", "/api/v1/query", { query: 'up{__tenant_id__="fed-b"}', time });
    expect(q.body.data.result.map((s) => s.metric.__tenant_id__)).toEqual(["fed-b"]);
    const none = await api<Vector>("fed-a|fed-b", "/api/v1/query", { query: 'up{__tenant_id__!~"fed-.*"}', time });
    expect(none.body.data.result).toEqual([]);
    const values = await api<string[]>("fed-a|fed-b", "/api/v1/label/__tenant_id__/values", {
      "match[]": '{__tenant_id__=~".*a"}',
    });
    expect(values.body.data).toEqual(["fed-a"]);
  });

  it("includes __tenant_id__ in the series and label APIs", async () => {
    const s = await api<Record<string, string>[]>("fed-a|fed-b", "/api/v1/series", { "match[]": "up" });
    expect(s.body.data).toEqual([
      { __name__: "up", __tenant_id__: "fed-a", job: "node" },
      { __name__: "up", __tenant_id__: "fed-b", job: "node" },
    ]);
    const names = await api<string[]>("fed-a|fed-b", "/api/v1/labels");
    expect(names.body.data).toEqual(["__name__", "__tenant_id__", "job", "original___tenant_id__"]);
    const values = await api<string[]>("fed-a|fed-b", "/api/v1/label/__tenant_id__/values");
    expect(values.body.data).toEqual(["fed-a", "fed-b"]);
    const metricNames = await api<string[]>("fed-a|fed-b", "/api/v1/label/__name__/values");
    expect(metricNames.body.data).toEqual(["odd", "up"]);
  });

  it("keeps a series' own __tenant_id__ as original___tenant_id__", async () => {
    const q = await api<Vector>("fed-a|fed-b", "/api/v1/query", { query: "odd", time });
    expect(q.body.data.result.map((s) => s.metric)).toEqual([
      { __name__: "odd", __tenant_id__: "fed-b", original___tenant_id__: "mine" },
    ]);
  });

  it("adds no label for a single tenant", async () => {
    const q = await api<Vector>("fed-a", "/api/v1/query", { query: "up", time });
    expect(q.body.data.result.map((s) => s.metric)).toEqual([{ __name__: "up", job: "node" }]);
  });

  it("refuses tenants without tenant_federation_enabled", async () => {
    const res = await fetchText("fed-a|fed-c", "/api/v1/query?query=up");
    expect(res.status).toBe(400);
    expect(res.text).toBe('multiple org IDs present: tenant federation is not enabled for "fed-c"\n');
  });

  it("refuses writes and metadata for several tenants", async () => {
    const w = await push("fed-a|fed-b", { series: [series({ __name__: "up" }, [[t0, 1]])] });
    expect(w.status).toBe(400);
    expect(await w.text()).toContain("too many tenant IDs present");
    const m = await fetchText("fed-a|fed-b", "/api/v1/metadata");
    expect(m.status).toBe(400);
  });
});

async function fetchText(tenant: string, path: string): Promise<{ status: number; text: string }> {
  const res = await SELF.fetch(`${BASE}${path}`, { headers: { "X-Scope-OrgID": tenant } });
  return { status: res.status, text: await res.text() };
}
