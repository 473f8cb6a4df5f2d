/**
 * A real Prometheus 3.5 scrapes itself and remote_writes to promflare under
 * `wrangler dev` twice: once with RW 1.0 and once with RW 2.0, each as its
 * own tenant. Its own series must arrive, and its queue metrics must show
 * that nothing was dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";
import {
  findPrometheusTools,
  MISSING_PROMETHEUS,
  startPrometheus,
  type PrometheusServer,
} from "../support/prometheus";
import { apiGet, queryScalarValue } from "../support/promapi";
import { waitFor } from "../support/wait";

const tools = findPrometheusTools();
if (tools === undefined) console.warn(`remote-write.test.ts ${MISSING_PROMETHEUS}`);

interface Queue {
  readonly remoteName: string;
  readonly tenant: string;
  readonly protobufMessage: "prometheus.WriteRequest" | "io.prometheus.write.v2.Request";
}

const QUEUES: readonly Queue[] = [
  { remoteName: "promflare-v1", tenant: "e2e-v1", protobufMessage: "prometheus.WriteRequest" },
  { remoteName: "promflare-v2", tenant: "e2e-v2", protobufMessage: "io.prometheus.write.v2.Request" },
];

/** Prometheus's own metrics that every scrape of itself yields. */
const EXPECTED_NAMES = ["up", "prometheus_build_info", "prometheus_tsdb_head_series", "scrape_duration_seconds"];

describe.skipIf(tools === undefined)("Prometheus remote_write into promflare", () => {
  let gateway: WranglerDev | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    gateway = await startWranglerDev();
    const pushUrl = `${gateway.url}/api/v1/push`;
    prometheus = await startPrometheus(tools!, {
      // RW 2.0 carries metadata with each series only when Prometheus keeps it in its WAL.
      args: ["--enable-feature=metadata-wal-records"],
      config: (self: string) => ({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: [self] }] }],
        remote_write: QUEUES.map((q) => ({
          url: pushUrl,
          name: q.remoteName,
          protobuf_message: q.protobufMessage,
          headers: { "X-Scope-OrgID": q.tenant },
          send_exemplars: true,
          metadata_config: { send: true, send_interval: "5s" },
          queue_config: { batch_send_deadline: "1s", min_backoff: "100ms", max_backoff: "2s" },
        })),
      }),
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await gateway?.stop();
  });

  /** Makes a failure show what the two servers said. */
  const serverLogs = (): string =>
    `\n--- prometheus ---\n${prometheus?.process.tail(30) ?? ""}\n--- wrangler dev ---\n${gateway?.process.tail(30) ?? ""}`;

  it.each(QUEUES)("tenant $tenant ($protobufMessage) receives Prometheus's own series", async (queue) => {
    const headers = { "X-Scope-OrgID": queue.tenant };
    const up = await waitFor(
      async () => {
        const { data } = await apiGet<Record<string, string>[]>(gateway!.url, "/api/v1/series", { "match[]": "up" }, headers);
        return data.length > 0 ? data : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: `series up in tenant ${queue.tenant}${serverLogs()}` },
    );
    expect(up).toContainEqual({ __name__: "up", instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/), job: "prometheus" });

    const names = await waitFor(
      async () => {
        const { data } = await apiGet<string[]>(gateway!.url, "/api/v1/label/__name__/values", {}, headers);
        return EXPECTED_NAMES.every((n) => data.includes(n)) ? data : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, description: `${EXPECTED_NAMES.join(", ")} in tenant ${queue.tenant}` },
    );
    // Prometheus exposes hundreds of its own metrics; a handful would mean most were dropped.
    expect(names.length).toBeGreaterThan(100);
    expect([...names].sort()).toEqual(names);
  });

  it.each(QUEUES)("tenant $tenant answers queries and metadata like the source Prometheus", async (queue) => {
    const headers = { "X-Scope-OrgID": queue.tenant };
    expect(await queryScalarValue(gateway!.url, 'up{job="prometheus"}', headers)).toBe(1);
    const metric = "prometheus_tsdb_head_series";
    type Metadata = Record<string, { type: string; help: string; unit: string }[]>;
    const { data: source } = await apiGet<Metadata>(prometheus!.url, "/api/v1/metadata", { metric });
    expect(source[metric]?.length).toBeGreaterThan(0);
    const received = await waitFor(
      async () => {
        const { data } = await apiGet<Metadata>(gateway!.url, "/api/v1/metadata", { metric }, headers);
        return data[metric] !== undefined ? data[metric] : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, description: `metadata of ${metric} in tenant ${queue.tenant}` },
    );
    expect(received[0]).toMatchObject({ type: source[metric]![0]!.type, help: source[metric]![0]!.help });
  });

  it("keeps tenants apart", async () => {
    const { data } = await apiGet<Record<string, string>[]>(
      gateway!.url,
      "/api/v1/series",
      { "match[]": "up" },
      { "X-Scope-OrgID": "e2e-nobody" },
    );
    expect(data).toEqual([]);
  });

  it.each(QUEUES)("Prometheus reports no failed samples for $remoteName", async (queue) => {
    const selector = `{remote_name="${queue.remoteName}"}`;
    // Wait until at least three scrapes' worth went out, then require that none failed.
    const sent = await waitFor(
      async () => {
        const perScrape = await queryScalarValue(prometheus!.url, 'scrape_samples_scraped{job="prometheus"}');
        const value = await queryScalarValue(prometheus!.url, `prometheus_remote_storage_samples_total${selector}`);
        return perScrape !== undefined && value !== undefined && value >= 3 * perScrape ? value : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: `samples sent by ${queue.remoteName}${serverLogs()}` },
    );
    expect(sent).toBeGreaterThan(0);
    const failed = await queryScalarValue(prometheus!.url, `prometheus_remote_storage_samples_failed_total${selector}`);
    expect(failed, `samples failed for ${queue.remoteName}${serverLogs()}`).toBe(0);
    const metadataFailed = await queryScalarValue(
      prometheus!.url,
      `prometheus_remote_storage_metadata_failed_total${selector}`,
    );
    expect(metadataFailed ?? 0).toBe(0);
    const pending = await queryScalarValue(prometheus!.url, `prometheus_remote_storage_samples_pending${selector}`);
    const retried = await queryScalarValue(prometheus!.url, `prometheus_remote_storage_samples_retried_total${selector}`);
    console.info(`${queue.remoteName}: sent ${sent}, failed ${failed}, retried ${retried}, pending ${pending}`);
  });
});
