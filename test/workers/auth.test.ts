/**
 * Authentication with AUTH_TOKENS, through the Worker: who may push, read
 * and federate which tenants, and what a refused client is told.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../src/index";
import { encodeSnappy } from "../../src/write/snappy";
import { encodeWriteRequestV1 } from "../../src/write/encode";
import { BASE, configureTenant, series, written } from "./helpers";

const WRITER_A = "prom-a-writes-0123456789";
const READER = "grafana-reads-0123456789";
const BOTH_B = "team-b-all-0123456789ab";
const FED_WRITER = "fed-writer-0123456789";
const ADMIN = "admin-token-0123456789";

const ACCESS_LIST = JSON.stringify({
  tokens: [
    { name: "prometheus-a", token: WRITER_A, tenants: ["auth-a"], scopes: ["write"] },
    { name: "grafana", token: READER, tenants: ["auth-a", "auth-b", "auth-fed1", "auth-fed2"], scopes: ["read"] },
    { name: "fed-writer", token: FED_WRITER, tenants: ["auth-fed1", "auth-fed2"], scopes: ["write"] },
    { name: "team-b", token: BOTH_B, tenants: ["auth-b"], scopes: ["read", "write"] },
  ],
});
const bindings = { ...env, AUTH_TOKENS: ACCESS_LIST, ADMIN_TOKEN: ADMIN };

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
const basic = (user: string, token: string): Record<string, string> => ({ Authorization: `Basic ${btoa(`${user}:${token}`)}` });
const orgId = (tenant: string): Record<string, string> => ({ "X-Scope-OrgID": tenant });

async function pushAs(headers: Record<string, string>, metric: string, t = Date.now() - 30_000): Promise<Response> {
  const body = encodeSnappy(encodeWriteRequestV1({ series: [series({ __name__: metric, job: "auth" }, [[t, 1]])] }));
  return await app.request(`${BASE}/api/v1/push`, {
    method: "POST",
    body,
    headers: { "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", ...headers },
  }, bindings);
}

async function seriesAs(headers: Record<string, string>, metric: string): Promise<{ status: number; names: string[]; text: string }> {
  const res = await app.request(`${BASE}/api/v1/series?match[]=${metric}`, { headers }, bindings);
  const text = await res.text();
  const names = res.status === 200 ? (JSON.parse(text) as { data: { __name__: string }[] }).data.map((s) => s.__name__) : [];
  return { status: res.status, names, text };
}

describe("authentication with AUTH_TOKENS", () => {
  it("refuses a push without credentials or with an unknown token: 401, a challenge, nothing written", async () => {
    for (const headers of [orgId("auth-a"), { ...orgId("auth-a"), ...bearer("not-a-known-token-000") }, { Authorization: "Digest x" }]) {
      const res = await pushAs(headers, "auth_refused_total");
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Basic realm="promflare"/);
      expect(written(res).samples).toBe(0);
    }
    expect((await seriesAs({ ...orgId("auth-a"), ...bearer(READER) }, "auth_refused_total")).names).toEqual([]);
  });

  it("lets a write token push to its tenant, named by header, by basic-auth user, or implied", async () => {
    expect((await pushAs({ ...orgId("auth-a"), ...bearer(WRITER_A) }, "auth_by_header")).status).toBe(204);
    expect((await pushAs(basic("auth-a", WRITER_A), "auth_by_user")).status).toBe(204);
    // The token is for auth-a only, so no tenant needs naming.
    expect((await pushAs(bearer(WRITER_A), "auth_implied")).status).toBe(204);
    const read = await seriesAs({ ...orgId("auth-a"), ...bearer(READER) }, `{job="auth"}`);
    expect(read.names.sort()).toEqual(["auth_by_header", "auth_by_user", "auth_implied"]);
  });

  it("refuses other tenants and other scopes with 403, and conflicting tenant names with 400", async () => {
    const other = await pushAs({ ...orgId("auth-b"), ...bearer(WRITER_A) }, "auth_wrong_tenant");
    expect(other.status).toBe(403);
    expect(await other.text()).toBe('token "prometheus-a" may not access tenant "auth-b"\n');
    expect(written(other).samples).toBe(0);
    const readOnly = await pushAs({ ...orgId("auth-a"), ...bearer(READER) }, "auth_read_only");
    expect(readOnly.status).toBe(403);
    expect(await readOnly.text()).toBe('token "grafana" may not write\n');
    const writeOnly = await seriesAs({ ...orgId("auth-a"), ...bearer(WRITER_A) }, "auth_by_header");
    expect(writeOnly.status).toBe(403);
    const conflict = await pushAs({ ...orgId("auth-b"), ...basic("auth-a", WRITER_A) }, "auth_conflict");
    expect(conflict.status).toBe(400);
    expect(await conflict.text()).toMatch(/user name and X-Scope-OrgID name different tenants/);
    expect((await seriesAs({ ...orgId("auth-b"), ...bearer(BOTH_B) }, `{job="auth"}`)).names).toEqual([]);
    expect((await seriesAs({ ...orgId("auth-a"), ...bearer(READER) }, "auth_read_only")).names).toEqual([]);
  });

  it("keeps tenants apart for a read-write token, and answers reads through Grafana's basic auth", async () => {
    expect((await pushAs({ ...orgId("auth-b"), ...bearer(BOTH_B) }, "auth_b_only")).status).toBe(204);
    expect((await seriesAs(bearer(BOTH_B), `{job="auth"}`)).names).toEqual(["auth_b_only"]);
    expect((await seriesAs({ ...orgId("auth-a"), ...bearer(BOTH_B) }, `{job="auth"}`)).status).toBe(403);
    const query = await app.request(`${BASE}/api/v1/query?query=auth_b_only`, { headers: basic("auth-b", READER) }, bindings);
    expect(query.status).toBe(200);
    expect(((await query.json()) as { data: { result: unknown[] } }).data.result).toHaveLength(1);
  });

  it("needs every tenant of a federated read to be the token's", async () => {
    for (const t of ["auth-fed1", "auth-fed2", "auth-fed3"]) await configureTenant(t, { tenant_federation_enabled: true });
    expect((await pushAs({ ...orgId("auth-fed1"), ...bearer(FED_WRITER) }, "auth_fed_one")).status).toBe(204);
    expect((await pushAs({ ...orgId("auth-fed2"), ...bearer(FED_WRITER) }, "auth_fed_two")).status).toBe(204);
    const both = await seriesAs({ ...orgId("auth-fed1|auth-fed2"), ...bearer(READER) }, `{job="auth"}`);
    expect(both.status, both.text).toBe(200);
    expect(both.names.sort()).toEqual(["auth_fed_one", "auth_fed_two"]);
    const beyond = await seriesAs({ ...orgId("auth-fed2|auth-fed3"), ...bearer(READER) }, `{job="auth"}`);
    expect(beyond.status).toBe(403);
    expect(beyond.text).toBe('token "grafana" may not access tenant "auth-fed3"\n');
  });

  it("guards remote read, and keeps the runtime config to the admin token", async () => {
    const read = await app.request(`${BASE}/api/v1/read`, { method: "POST", body: new Uint8Array(0), headers: orgId("auth-a") }, bindings);
    expect(read.status).toBe(401);
    const config = await app.request(`${BASE}/runtime_config`, { headers: bearer(READER) }, bindings);
    expect(config.status).toBe(401);
    const admin = await app.request(`${BASE}/runtime_config`, { headers: bearer(ADMIN) }, bindings);
    expect(admin.status).toBe(200);
    // Without AUTH_TOKENS the API stays open, as before.
    expect((await app.request(`${BASE}/runtime_config`, {}, env)).status).toBe(200);
    expect((await app.request(`${BASE}/ready`, {}, bindings)).status).toBe(200);
  });

  it("challenges only when authentication refused: a missing tenant with REQUIRE_TENANT and no tokens is a plain 401", async () => {
    const res = await app.request(`${BASE}/api/v1/labels`, {}, { ...env, REQUIRE_TENANT: "true" });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBeNull();
    const tokens = await app.request(`${BASE}/api/v1/labels`, {}, { ...bindings, REQUIRE_TENANT: "true" });
    expect(tokens.status).toBe(401);
    expect(tokens.headers.get("WWW-Authenticate")).not.toBeNull();
  });

  it("fails closed on a broken access list", async () => {
    const broken = { ...env, AUTH_TOKENS: "tokens: [{ name: x, token: short, tenants: [a], scopes: [write] }]" };
    const res = await app.request(`${BASE}/api/v1/labels`, { headers: { ...orgId("a"), ...bearer("short") } }, broken);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/tokens\[0\]\.token: must be a string of at least 16 characters/);
  });
});
