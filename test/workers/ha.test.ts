/**
 * The HA tracker in the write path, inside workerd: elections in the tenant
 * Durable Object, Mimir's answers to the losing replica and to a tenant over
 * its cluster limit, failover, and the replica label's removal.
 */
import { env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, BASE, configureTenant as configure, push, series, written } from "./helpers";

/** Failover after 1s of silence; no isolate cache, so every push asks the tenant object. */
const FAST_HA = { accept_ha_samples: true, ha_tracker_failover_timeout: "1s", ha_tracker_cache_ttl: "0s" };

function replicaPush(tenant: string, cluster: string, replica: string, t: number, v: number, extra: Record<string, string> = {}) {
  return push(tenant, {
    series: [
      series({ __name__: "up", job: "node", cluster, __replica__: replica, ...extra }, [[t, v]]),
      series({ __name__: "node_load1", cluster, __replica__: replica, ...extra }, [[t, v * 10]]),
    ],
  });
}

type Matrix = { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };

async function stored(tenant: string, selector: string): Promise<Record<string, string>[]> {
  const res = await api<Record<string, string>[]>(tenant, "/api/v1/series", { "match[]": selector });
  expect(res.status).toBe(200);
  return res.body.data;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("HA tracker", () => {
  it("elects the first replica, drops the other with 202, and strips the replica label", async () => {
    const tenant = "ha-basic";
    await configure(tenant, FAST_HA);
    const t0 = Date.now() - 30_000;

    const first = await replicaPush(tenant, "c1", "r1", t0, 1);
    expect(first.status).toBe(204);
    expect(written(first).samples).toBe(2);

    const second = await replicaPush(tenant, "c1", "r2", t0 + 1, 7);
    expect(second.status).toBe(202);
    expect(await second.text()).toBe("replicas did not match, rejecting sample: replica=r2, elected=r1\n");
    // Accepted as a duplicate of r1's data, so the written counts are what was sent.
    expect(written(second).samples).toBe(2);

    // One copy per series, with the cluster label and without the replica label.
    expect(await stored(tenant, "up")).toEqual([{ __name__: "up", cluster: "c1", job: "node" }]);
    expect(await stored(tenant, "node_load1")).toEqual([{ __name__: "node_load1", cluster: "c1" }]);
    const q = await api<Matrix>(tenant, "/api/v1/query", { query: "up[1m]", time: String((t0 + 10_000) / 1000) });
    // Only r1's sample (value 1); r2's 7 was dropped.
    expect(q.body.data.result.map((s) => s.values)).toEqual([[[t0 / 1000, "1"]]]);
  });

  it("fails over once the elected replica has been silent for the timeout", async () => {
    const tenant = "ha-failover";
    await configure(tenant, FAST_HA);
    const t0 = Date.now() - 30_000;
    expect((await replicaPush(tenant, "c1", "r1", t0, 1)).status).toBe(204);
    expect((await replicaPush(tenant, "c1", "r2", t0 + 100, 2)).status).toBe(202);

    await sleep(1100);
    const takeover = await replicaPush(tenant, "c1", "r2", t0 + 200, 3);
    expect(takeover.status).toBe(204);
    // The old replica is now the one refused.
    const old = await replicaPush(tenant, "c1", "r1", t0 + 300, 4);
    expect(old.status).toBe(202);
    expect(await old.text()).toContain("replica=r1, elected=r2");

    const q = await api<Matrix>(tenant, "/api/v1/query", { query: "up[1m]", time: String((t0 + 10_000) / 1000) });
    expect(q.body.data.result).toHaveLength(1);
    expect(q.body.data.result[0]!.values).toEqual([
      [t0 / 1000, "1"],
      [(t0 + 200) / 1000, "3"],
    ]);
  });

  it("keeps the election across eviction of the tenant object", async () => {
    const tenant = "ha-evict";
    await configure(tenant, { accept_ha_samples: true, ha_tracker_failover_timeout: "1m", ha_tracker_cache_ttl: "0s" });
    const t0 = Date.now() - 30_000;
    expect((await replicaPush(tenant, "c1", "r2", t0, 1)).status).toBe(204);

    await evictDurableObject(env.TENANT.get(env.TENANT.idFromName(tenant)));

    const after = await replicaPush(tenant, "c1", "r1", t0 + 100, 2);
    expect(after.status).toBe(202);
    expect(await after.text()).toContain("elected=r2");
    expect((await replicaPush(tenant, "c1", "r2", t0 + 200, 3)).status).toBe(204);
  });

  it("refuses a new cluster beyond ha_max_clusters with 400 and stores nothing of it", async () => {
    const tenant = "ha-max-clusters";
    await configure(tenant, { ...FAST_HA, ha_max_clusters: 1 });
    const t0 = Date.now() - 30_000;
    expect((await replicaPush(tenant, "c1", "r1", t0, 1)).status).toBe(204);
    const res = await replicaPush(tenant, "c2", "r1", t0, 1);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("maximum number of high-availability (HA) clusters has been reached for this tenant (limit: 1)");
    expect(await stored(tenant, "up")).toEqual([{ __name__: "up", cluster: "c1", job: "node" }]);
  });

  it("passes pushes without both labels, and everything when the tracker is off", async () => {
    const t0 = Date.now() - 30_000;
    await configure("ha-partial", FAST_HA);
    // A replica label without a cluster label is not HA traffic: stored as sent.
    const res = await push("ha-partial", { series: [series({ __name__: "up", __replica__: "r9" }, [[t0, 1]])] });
    expect(res.status).toBe(204);
    expect(await stored("ha-partial", "up")).toEqual([{ __name__: "up", __replica__: "r9" }]);

    // Tracker off (the default): both replicas are stored with their labels.
    expect((await replicaPush("ha-off", "c1", "r1", t0, 1)).status).toBe(204);
    expect((await replicaPush("ha-off", "c1", "r2", t0, 1)).status).toBe(204);
    expect((await stored("ha-off", "up")).map((s) => s.__replica__)).toEqual(["r1", "r2"]);
  });

  it("lists elections on /distributor/ha_tracker as JSON and HTML", async () => {
    const tenant = "ha-page";
    await configure(tenant, { accept_ha_samples: true, ha_tracker_failover_timeout: "30s", ha_tracker_cache_ttl: "0s" });
    const t0 = Date.now() - 30_000;
    await replicaPush(tenant, "prod", "a", t0, 1);
    await replicaPush(tenant, "dev", "b", t0, 1);

    const json = await SELF.fetch(`${BASE}/distributor/ha_tracker?format=json`, { headers: { "X-Scope-OrgID": tenant } });
    expect(json.status).toBe(200);
    const body = (await json.json()) as { entries: { tenant: string; cluster: string; replica: string; electedChanges: number; secondsUntilFailover: number }[] };
    expect(body.entries.map((e) => [e.tenant, e.cluster, e.replica, e.electedChanges])).toEqual([
      [tenant, "dev", "b", 0],
      [tenant, "prod", "a", 0],
    ]);
    for (const e of body.entries) {
      expect(e.secondsUntilFailover).toBeGreaterThan(0);
      expect(e.secondsUntilFailover).toBeLessThanOrEqual(30);
    }

    const viaAccept = await SELF.fetch(`${BASE}/distributor/ha_tracker`, {
      headers: { "X-Scope-OrgID": tenant, Accept: "application/json" },
    });
    expect(((await viaAccept.json()) as { entries: unknown[] }).entries).toHaveLength(2);

    const html = await SELF.fetch(`${BASE}/distributor/ha_tracker`, { headers: { "X-Scope-OrgID": tenant } });
    expect(html.headers.get("Content-Type")).toContain("text/html");
    const text = await html.text();
    expect(text).toContain("<td>prod</td><td>a</td>");
    expect(text).toContain("<td>dev</td><td>b</td>");
  });
});
