/**
 * An HA pair of real Prometheus servers against promflare under `wrangler
 * dev`: both scrape the same target (a third Prometheus) and remote-write
 * with `cluster: c1` and their own `__replica__`. promflare must store one
 * copy of each series, without the replica label, and when the elected
 * replica stops the other must take over within the failover timeout (plus
 * the isolate cache TTL, a scrape interval and a send deadline), leaving
 * no longer gap in the data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";
import { findPrometheusTools, MISSING_PROMETHEUS, startPrometheus, type PrometheusServer } from "../support/prometheus";
import { apiGet, queryScalarValue, type QueryData } from "../support/promapi";
import { waitFor } from "../support/wait";

const tools = findPrometheusTools();
if (tools === undefined) console.warn(`ha-pair.test.ts ${MISSING_PROMETHEUS}`);

const TENANT = "e2e-ha";
const HEADERS = { "X-Scope-OrgID": TENANT };
const FAILOVER_MS = 5_000;
const CACHE_TTL_MS = 1_000;
const SCRAPE_MS = 1_000;
const SEND_DEADLINE_MS = 1_000;
/** The longest hole a failover may leave in a series. */
const MAX_GAP_MS = FAILOVER_MS + CACHE_TTL_MS + SCRAPE_MS + SEND_DEADLINE_MS + 2_000;

const RUNTIME_CONFIG = JSON.stringify({
  overrides: {
    [TENANT]: { accept_ha_samples: true, ha_tracker_failover_timeout: "5s", ha_tracker_cache_ttl: "1s" },
  },
});

interface Election {
  readonly cluster: string;
  readonly replica: string;
  readonly electedChanges: number;
}

describe.skipIf(tools === undefined)("HA pair of Prometheus servers into promflare", () => {
  let gateway: WranglerDev | undefined;
  let target: PrometheusServer | undefined;
  const replicas = new Map<string, PrometheusServer>();

  beforeAll(async () => {
    gateway = await startWranglerDev({ vars: { RUNTIME_CONFIG } });
    target = await startPrometheus(tools!, { config: {} });
    const targetAddress = target.url.replace(/^http:\/\//, "");
    const pushUrl = `${gateway.url}/api/v1/push`;
    for (const name of ["r1", "r2"]) {
      replicas.set(
        name,
        await startPrometheus(tools!, {
          config: {
            global: {
              scrape_interval: `${SCRAPE_MS / 1000}s`,
              evaluation_interval: "1s",
              external_labels: { cluster: "c1", __replica__: name },
            },
            scrape_configs: [{ job_name: "target", static_configs: [{ targets: [targetAddress] }] }],
            remote_write: [
              {
                url: pushUrl,
                name: "promflare",
                headers: HEADERS,
                queue_config: { batch_send_deadline: `${SEND_DEADLINE_MS / 1000}s`, min_backoff: "100ms", max_backoff: "1s" },
              },
            ],
          },
        }),
      );
    }
  });

  afterAll(async () => {
    for (const p of replicas.values()) await p.stop();
    await target?.stop();
    await gateway?.stop();
  });

  const serverLogs = (): string =>
    `\n--- wrangler dev ---\n${gateway?.process.tail(30) ?? ""}` +
    [...replicas].map(([n, p]) => `\n--- prometheus ${n} ---\n${p.process.tail(15)}`).join("");

  async function election(): Promise<Election | undefined> {
    const res = await fetch(`${gateway!.url}/distributor/ha_tracker?format=json`, { headers: HEADERS });
    const body = (await res.json()) as { entries: Election[] };
    return body.entries.find((e) => e.cluster === "c1");
  }

  it("stores one copy of each series, without the replica label", async () => {
    const up = await waitFor(
      async () => {
        const { data } = await apiGet<Record<string, string>[]>(gateway!.url, "/api/v1/series", { "match[]": 'up{job="target"}' }, HEADERS);
        return data.length > 0 ? data : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: `up{job="target"} in promflare${serverLogs()}` },
    );
    expect(up).toEqual([{ __name__: "up", cluster: "c1", instance: expect.any(String), job: "target" }]);

    // Let both replicas push for a while, then look for any trace of the losing one.
    await new Promise((r) => setTimeout(r, 12_000));
    const withReplica = await apiGet<unknown[]>(gateway!.url, "/api/v1/series", { "match[]": '{__replica__=~".+"}' }, HEADERS);
    expect(withReplica.data).toEqual([]);
    // One sample per scrape, not two: 8s of 1s scrapes from a single replica
    // (offset past the send deadline, so the window is complete); both
    // replicas' samples would make about 16.
    const samples = await queryScalarValue(gateway!.url, 'count_over_time(up{job="target"}[8s] offset 3s)', HEADERS);
    expect(samples).toBeGreaterThanOrEqual(6);
    expect(samples).toBeLessThanOrEqual(9);

    // The losing replica is answered 202, which Prometheus counts as sent, not failed.
    for (const [name, p] of replicas) {
      const metrics = await (await fetch(`${p.url}/metrics`)).text();
      expect(remoteWriteCounter(metrics, "prometheus_remote_storage_samples_total"), `samples sent by ${name}`).toBeGreaterThan(0);
      expect(remoteWriteCounter(metrics, "prometheus_remote_storage_samples_failed_total"), `failed samples of ${name}${serverLogs()}`).toBe(0);
      expect(p.process.tail(50)).not.toContain("some data was not written");
    }
  });

  it("fails over to the other replica when the elected one stops, without a longer gap", async () => {
    const before = await waitFor(election, { timeoutMs: 10_000, description: "an election for c1" });
    const survivor = before.replica === "r1" ? "r2" : "r1";
    const stoppedAt = Date.now();
    await replicas.get(before.replica)!.stop();
    replicas.delete(before.replica);

    const after = await waitFor(async () => ((await election())?.replica === survivor ? await election() : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: `${survivor} to be elected${serverLogs()}`,
    });
    const takeoverMs = Date.now() - stoppedAt;
    console.log(`ha-pair: ${survivor} elected ${takeoverMs} ms after ${before.replica} was stopped`);
    expect(after!.electedChanges).toBe(before.electedChanges + 1);
    expect(takeoverMs).toBeLessThanOrEqual(MAX_GAP_MS);

    // Let the survivor write a few more scrapes, then measure the largest hole in `up`.
    await new Promise((r) => setTimeout(r, 4_000));
    const windowS = Math.ceil((Date.now() - stoppedAt) / 1000) + 20;
    const { data } = await apiGet<QueryData>(gateway!.url, "/api/v1/query", { query: `up{job="target"}[${windowS}s]` }, HEADERS);
    expect(data.resultType).toBe("matrix");
    if (data.resultType !== "matrix") return;
    expect(data.result).toHaveLength(1);
    const ts = data.result[0]!.values.map(([t]) => t * 1000);
    expect(ts.some((t) => t < stoppedAt)).toBe(true);
    expect(ts.some((t) => t > stoppedAt + takeoverMs)).toBe(true);
    let maxGap = 0;
    for (let i = 1; i < ts.length; i++) maxGap = Math.max(maxGap, ts[i]! - ts[i - 1]!);
    console.log(`ha-pair: largest gap in up{job="target"} across the failover: ${maxGap} ms`);
    expect(maxGap).toBeLessThanOrEqual(MAX_GAP_MS);
  });
});

/** A counter of the `promflare` remote-write queue from a Prometheus /metrics page (0 when absent). */
function remoteWriteCounter(metrics: string, name: string): number {
  for (const line of metrics.split("\n")) {
    if (line.startsWith(`${name}{`) && line.includes('remote_name="promflare"')) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}
