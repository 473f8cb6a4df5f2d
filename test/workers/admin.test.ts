/**
 * The admin API for per-tenant configuration and /runtime_config, through
 * the Worker with an ADMIN_TOKEN.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../src/index";
import { push, series } from "./helpers";

const TOKEN = "admin-test-token";
const withToken = { ...env, ADMIN_TOKEN: TOKEN, RUNTIME_CONFIG: "ingestion_rate: 5000\noverrides:\n  yaml-tenant:\n    shards: 2\n    remote_read_stores:\n      - name: s\n        url: https://user:secret@example.invalid/api/v1/read\n        headers: { Authorization: Bearer xyz }\n" };

function call(path: string, init: RequestInit & { token?: string | null } = {}, bindings: object = withToken) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  return app.request(`http://promflare.test${path}`, { ...init, headers }, bindings);
}

describe("admin API", () => {
  it("refuses without the right token, and is off without ADMIN_TOKEN", async () => {
    expect((await call("/api/v1/admin/tenants/t1/config", { token: null })).status).toBe(401);
    expect((await call("/api/v1/admin/tenants/t1/config", { token: "wrong" })).status).toBe(401);
    expect((await call("/api/v1/admin/tenants/t1/config", {}, env)).status).toBe(403);
  });

  it("sets, reads and applies a tenant's overrides; a bad one changes nothing", async () => {
    const put = await call("/api/v1/admin/tenants/cfg-a/config", {
      method: "PUT",
      body: JSON.stringify({ ingestion_rate: 1, ingestion_burst_size: 3 }),
      headers: { "Content-Type": "application/json" },
    });
    expect(put.status).toBe(200);

    const bad = await call("/api/v1/admin/tenants/cfg-a/config", {
      method: "PUT",
      body: JSON.stringify({ ingestion_rate: -5 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/ingestion_rate: must be a non-negative number/);
    const unknown = await call("/api/v1/admin/tenants/cfg-a/config", { method: "PUT", body: JSON.stringify({ nope: 1 }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/nope: unknown field/);

    const got = (await (await call("/api/v1/admin/tenants/cfg-a/config")).json()) as {
      overrides: Record<string, unknown>;
      effective: Record<string, unknown>;
    };
    expect(got.overrides).toEqual({ ingestion_rate: 1, ingestion_burst_size: 3 });
    expect(got.effective.ingestion_rate).toBe(1);

    // The override is in force: a 5-sample push exceeds a burst of 3.
    const t0 = Date.now() - 60_000;
    const samples: [number, number][] = [0, 1, 2, 3, 4].map((i) => [t0 + i * 1000, i]);
    const res = await push("cfg-a", { series: [series({ __name__: "m" }, samples)] });
    expect(res.status).toBe(204); // a full bucket lets one oversized request through
    const again = await push("cfg-a", { series: [series({ __name__: "m" }, [[t0 + 9000, 1]])] });
    expect(again.status).toBe(429);
  });

  it("rejects invalid tenant ids", async () => {
    expect((await call("/api/v1/admin/tenants/..%2F..%2Fx/config")).status).toBe(400);
  });

  it("shows the effective runtime config with secrets redacted", async () => {
    const res = await call("/runtime_config", { token: null });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ingestion_rate: number; overrides: Record<string, { shards: number; remote_read_stores: { url: string; headers: Record<string, string> }[] }> };
    expect(body.ingestion_rate).toBe(5000);
    const store = body.overrides["yaml-tenant"]!.remote_read_stores[0]!;
    expect(body.overrides["yaml-tenant"]!.shards).toBe(2);
    expect(store.headers.Authorization).toBe("<redacted>");
    expect(store.url).not.toContain("secret");
  });
});
