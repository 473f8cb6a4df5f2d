/**
 * Real clients against promflare with AUTH_TOKENS: Prometheus 3.5 remote
 * writes with `basic_auth` (the tenant as user name) and with a bearer
 * `authorization` (a one-tenant token, no X-Scope-OrgID), a third queue with
 * a wrong password must be refused, and promtool queries with and without
 * credentials in its HTTP client config.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";
import { findPrometheusTools, MISSING_PROMETHEUS, runPromtool, startPrometheus, type PrometheusServer } from "../support/prometheus";
import { apiGet, queryScalarValue } from "../support/promapi";
import { makeTempDir, removeTempDir } from "../support/paths";
import { waitFor } from "../support/wait";

const tools = findPrometheusTools();
if (tools === undefined) console.warn(`auth.test.ts ${MISSING_PROMETHEUS}`);

const BASIC_TENANT = "e2e-auth-basic";
const BEARER_TENANT = "e2e-auth-bearer";
const BASIC_TOKEN = "e2e-basic-writer-0123456789";
const BEARER_TOKEN = "e2e-bearer-writer-0123456789";
const READ_TOKEN = "e2e-reader-0123456789";

const ACCESS_LIST = JSON.stringify({
  tokens: [
    { name: "prometheus-basic", token: BASIC_TOKEN, tenants: [BASIC_TENANT], scopes: ["write"] },
    { name: "prometheus-bearer", token: BEARER_TOKEN, tenants: [BEARER_TENANT], scopes: ["write"] },
    { name: "reader", token: READ_TOKEN, all_tenants: true, scopes: ["read"] },
  ],
});

const reader = (tenant: string): Record<string, string> => ({ Authorization: `Bearer ${READ_TOKEN}`, "X-Scope-OrgID": tenant });

describe.skipIf(tools === undefined)("authentication with real Prometheus clients", () => {
  let gateway: WranglerDev | undefined;
  let prometheus: PrometheusServer | undefined;
  let workDir: string | undefined;

  beforeAll(async () => {
    workDir = makeTempDir("auth-e2e");
    gateway = await startWranglerDev({ vars: { AUTH_TOKENS: ACCESS_LIST } });
    const url = `${gateway.url}/api/v1/push`;
    const queue = { batch_send_deadline: "1s", min_backoff: "100ms", max_backoff: "1s" };
    prometheus = await startPrometheus(tools!, {
      config: (self: string) => ({
        global: { scrape_interval: "1s" },
        scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: [self] }] }],
        remote_write: [
          { url, name: "basic", protobuf_message: "io.prometheus.write.v2.Request", basic_auth: { username: BASIC_TENANT, password: BASIC_TOKEN }, queue_config: queue },
          { url, name: "bearer", authorization: { credentials: BEARER_TOKEN }, queue_config: queue },
          { url, name: "wrong", basic_auth: { username: BASIC_TENANT, password: "not-the-token-0123456789" }, queue_config: queue },
        ],
      }),
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await gateway?.stop();
    if (workDir !== undefined) removeTempDir(workDir);
  });

  const logs = (): string => `\n--- prometheus ---\n${prometheus?.process.tail(20) ?? ""}\n--- wrangler dev ---\n${gateway?.process.tail(20) ?? ""}`;
  const remoteCounter = (metric: string, queue: string): Promise<number | undefined> =>
    queryScalarValue(prometheus!.url, `${metric}{remote_name="${queue}"}`);

  it.each([BASIC_TENANT, BEARER_TENANT])("tenant %s receives Prometheus's own series", async (tenant) => {
    const up = await waitFor(
      async () => {
        const { data } = await apiGet<Record<string, string>[]>(gateway!.url, "/api/v1/series", { "match[]": "up" }, reader(tenant));
        return data.length > 0 ? data : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: `series up in ${tenant}${logs()}` },
    );
    expect(up).toContainEqual(expect.objectContaining({ __name__: "up", job: "prometheus" }));
  });

  it("refuses the wrong password, and Prometheus counts those samples as failed, the others not", async () => {
    const failedWrong = await waitFor(
      async () => {
        const v = await remoteCounter("prometheus_remote_storage_samples_failed_total", "wrong");
        return v !== undefined && v > 0 ? v : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: `failed samples on the wrong-password queue${logs()}` },
    );
    expect(failedWrong).toBeGreaterThan(0);
    for (const queue of ["basic", "bearer"]) {
      const sent = await remoteCounter("prometheus_remote_storage_samples_total", queue);
      expect(sent, queue).toBeGreaterThan(0);
      expect(await remoteCounter("prometheus_remote_storage_samples_failed_total", queue), `${queue}${logs()}`).toBe(0);
    }
  });

  it("answers promtool with basic auth in its HTTP config, and refuses it without", async () => {
    const withAuth = resolve(workDir!, "with-auth.yml");
    writeFileSync(withAuth, `basic_auth:\n  username: ${BEARER_TENANT}\n  password: ${READ_TOKEN}\n`);
    const ok = await runPromtool(tools!, ["query", "instant", `--http.config.file=${withAuth}`, gateway!.url, 'up{job="prometheus"}']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^up\{[^}]*job="prometheus"[^}]*\} => 1 @\[/m);

    const refused = await runPromtool(tools!, ["query", "instant", gateway!.url, "up"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/401|authentication required/);
  });
});
