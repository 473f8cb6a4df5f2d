/**
 * Remote read with real processes, both directions:
 *
 * - a Prometheus that does not write to promflare is a remote-read store of
 *   one tenant (configured through RUNTIME_CONFIG); its series come back
 *   through promflare's /api/v1/query with the store's external labels, and
 *   once it is stopped the query still answers, with a warning naming it;
 * - a second Prometheus has promflare as its `remote_read` endpoint and
 *   answers queries for data only promflare holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../src/model/labels";
import { encodeWriteRequestV1 } from "../../src/write/encode";
import { encodeSnappy } from "../../src/write/snappy";
import { findPrometheusTools, MISSING_PROMETHEUS, startPrometheus, type PrometheusServer } from "../support/prometheus";
import { apiGet, type QueryData } from "../support/promapi";
import { pushRemoteWrite } from "../support/push";
import { waitFor } from "../support/wait";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";

const tools = findPrometheusTools();
if (tools === undefined) console.warn(`remote-read-store.test.ts ${MISSING_PROMETHEUS}`);

/** The tenant that federates the edge Prometheus. */
const FEDERATING = "e2e-rr-fed";
/** The tenant the reader Prometheus remote-reads. */
const OWN = "e2e-rr-own";

describe.skipIf(tools === undefined)("remote read between Prometheus and promflare", () => {
  let edge: PrometheusServer | undefined;
  let reader: PrometheusServer | undefined;
  let gateway: WranglerDev | undefined;

  beforeAll(async () => {
    // Scrapes itself and keeps its data: promflare only ever reads it.
    edge = await startPrometheus(tools!, {
      config: (self: string) => ({
        global: { scrape_interval: "1s", external_labels: { site: "edge" } },
        scrape_configs: [{ job_name: "edge", static_configs: [{ targets: [self] }] }],
      }),
    });
    const runtimeConfig = {
      overrides: {
        [FEDERATING]: {
          remote_read_stores: [{ name: "edge", url: `${edge.url}/api/v1/read`, external_labels: { site: "edge" }, timeout: "5s" }],
        },
      },
    };
    gateway = await startWranglerDev({ vars: { RUNTIME_CONFIG: JSON.stringify(runtimeConfig) } });
    reader = await startPrometheus(tools!, {
      config: {
        global: { scrape_interval: "1h" },
        remote_read: [
          {
            url: `${gateway.url}/api/v1/read`,
            name: "promflare",
            headers: { "X-Scope-OrgID": OWN },
            // Its own TSDB is empty but young: without this it would not ask for recent ranges.
            read_recent: true,
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await reader?.stop();
    await edge?.stop();
    await gateway?.stop();
  });

  const logs = (): string =>
    `\n--- wrangler dev ---\n${gateway?.process.tail(30) ?? ""}\n--- edge ---\n${edge?.process.tail(20) ?? ""}\n--- reader ---\n${reader?.process.tail(20) ?? ""}`;

  it("answers PromQL over a live Prometheus store, then warns when it is gone", async () => {
    const headers = { "X-Scope-OrgID": FEDERATING };
    const up = await waitFor(
      async () => {
        const res = await apiGet<QueryData>(gateway!.url, "/api/v1/query", { query: 'up{job="edge"}' }, headers);
        return res.data.resultType === "vector" && res.data.result.length > 0 ? res : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: `the edge store's up series through promflare${logs()}` },
    );
    expect(up.warnings).toBeUndefined();
    expect(up.data.result).toEqual([
      { metric: { __name__: "up", instance: edge!.url.replace("http://", ""), job: "edge", site: "edge" }, value: [expect.any(Number), "1"] },
    ]);

    // A matcher on the external label reaches the store; a contradicting one skips it.
    const pruned = await apiGet<QueryData>(gateway!.url, "/api/v1/query", { query: 'up{site="elsewhere"}' }, headers);
    expect(pruned.data.result).toEqual([]);
    const counted = await apiGet<QueryData>(
      gateway!.url,
      "/api/v1/query",
      { query: 'count by (site) (prometheus_build_info{site="edge"})' },
      headers,
    );
    expect(counted.data.result).toEqual([{ metric: { site: "edge" }, value: [expect.any(Number), "1"] }]);

    const names = await apiGet<string[]>(gateway!.url, "/api/v1/label/job/values", {}, headers);
    expect(names.data).toContain("edge");

    await edge!.stop();
    const after = await apiGet<QueryData>(gateway!.url, "/api/v1/query", { query: 'up{job="edge"}' }, headers);
    expect(after.data.result).toEqual([]);
    expect(after.warnings).toHaveLength(1);
    expect(after.warnings![0]).toMatch(/^store "edge" failed: remote read: /);
  });

  it("serves Prometheus's remote_read with data only promflare holds", async () => {
    const now = Date.now();
    const samples = [0, 1, 2, 3].map((i) => ({ timestamp: now - 30_000 + i * 5_000, value: i * 1.5 }));
    const body = encodeSnappy(
      encodeWriteRequestV1({
        series: [{ labels: labelsFromRecord({ __name__: "only_in_promflare", color: "blue" }), samples }],
      }),
    );
    const pushed = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, body, { protocol: "v1", tenant: OWN });
    expect(pushed.status).toBe(204);

    const res = await apiGet<QueryData>(reader!.url, "/api/v1/query", {
      query: "only_in_promflare[1m]",
      time: String(now / 1000),
    });
    expect(res.data.resultType).toBe("matrix");
    if (res.data.resultType !== "matrix") return;
    expect(res.data.result).toEqual([
      {
        metric: { __name__: "only_in_promflare", color: "blue" },
        values: samples.map((s) => [s.timestamp / 1000, String(s.value)]),
      },
    ]);
    const series = await apiGet<Record<string, string>[]>(reader!.url, "/api/v1/series", { "match[]": "only_in_promflare" });
    expect(series.data).toEqual([{ __name__: "only_in_promflare", color: "blue" }]);
  });
});
