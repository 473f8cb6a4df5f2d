import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("answers the readiness probe", async () => {
  const r = await SELF.fetch("http://x/ready");
  expect(r.status).toBe(200);
  expect(await r.text()).toBe("ready\n");
});

it("reports a Prometheus 3 build so Grafana enables its modern API paths", async () => {
  const r = await SELF.fetch("http://x/api/v1/status/buildinfo");
  const body = (await r.json()) as { status: string; data: { version: string } };
  expect(body.status).toBe("success");
  expect(body.data.version).toMatch(/^3\./);
});

it("answers the rules and alerts endpoints Grafana probes, with nothing configured", async () => {
  const rules = (await (await SELF.fetch("http://x/api/v1/rules")).json()) as { data: { groups: unknown[] } };
  expect(rules.data.groups).toEqual([]);
  const alerts = (await (await SELF.fetch("http://x/prometheus/api/v1/alerts")).json()) as { data: { alerts: unknown[] } };
  expect(alerts.data.alerts).toEqual([]);
});
