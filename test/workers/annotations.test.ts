/**
 * Warnings and infos in query API responses carry the line:col of the
 * expression they refer to, as Prometheus's API reports them. The expected
 * texts are what Prometheus 3.5 answered for the same samples and queries,
 * except where noted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, push, series } from "./helpers";

const T = "annotations";
const base = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const at = (base + 600_000) / 1000;

function every15s(f: (i: number) => number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i <= 40; i++) out.push([base + i * 15_000, f(i)]);
  return out;
}

beforeAll(async () => {
  const res = await push(T, {
    series: [
      series({ __name__: "temperature_celsius", room: "a" }, every15s((i) => 20 + (i % 3))),
      // The 0.5 bucket counts fewer observations than the 0.1 bucket below it.
      series({ __name__: "lat_bucket", le: "0.1" }, every15s((i) => i * 10)),
      series({ __name__: "lat_bucket", le: "0.5" }, every15s((i) => i * 5)),
      series({ __name__: "lat_bucket", le: "+Inf" }, every15s((i) => i * 12)),
      series({ __name__: "weird_bucket", le: "abc" }, every15s((i) => i)),
      series({ __name__: "requests_total", job: "x" }, every15s((i) => i * 10)),
    ],
  });
  expect(res.status).toBe(204);
});

interface Annotated {
  warnings: string[];
  infos: string[];
}

async function instant(query: string): Promise<Annotated> {
  const r = await api(T, "/api/v1/query", { query, time: String(at) });
  expect(r.status).toBe(200);
  const body = r.body as { warnings?: string[]; infos?: string[] };
  return { warnings: body.warnings ?? [], infos: body.infos ?? [] };
}

async function range(query: string): Promise<Annotated> {
  const r = await api(T, "/api/v1/query_range", { query, start: String(at - 300), end: String(at), step: "60" });
  expect(r.status).toBe(200);
  const body = r.body as { warnings?: string[]; infos?: string[] };
  return { warnings: body.warnings ?? [], infos: body.infos ?? [] };
}

const notCounter = (pos: string): string =>
  `PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temperature_celsius" (${pos})`;

describe("annotation positions", () => {
  it("points at rate()'s range argument", async () => {
    expect(await instant("rate(temperature_celsius[5m])")).toEqual({ warnings: [], infos: [notCounter("1:6")] });
    expect(await range("rate(temperature_celsius[5m])")).toEqual({ warnings: [], infos: [notCounter("1:6")] });
  });

  it("counts lines and columns in multi-line queries", async () => {
    expect((await instant("sum(\n  rate(temperature_celsius[5m]))")).infos).toEqual([notCounter("2:8")]);
  });

  it("counts columns in bytes and reports one annotation per text, at its last position", async () => {
    // "é" is two bytes, so the right-hand rate's argument starts at byte 49.
    const q = 'rate(temperature_celsius{room!="é"}[5m]) + rate(temperature_celsius{room!="é"}[1m])';
    expect((await instant(q)).infos).toEqual([notCounter("1:50")]);
  });

  it("points at the quantile parameter when it is out of range", async () => {
    expect((await instant("histogram_quantile(1.5, lat_bucket)")).warnings).toEqual([
      "PromQL warning: quantile value should be between 0 and 1, got 1.5 (1:20)",
    ]);
    expect((await instant("quantile(2, requests_total)")).warnings).toEqual([
      "PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)",
    ]);
    expect((await range("quantile_over_time(-1, requests_total[5m])")).warnings).toEqual([
      "PromQL warning: quantile value should be between 0 and 1, got -1 (1:20)",
    ]);
  });

  it("points at the bucket argument for a malformed le label", async () => {
    const bad = 'PromQL warning: bucket label "le" is missing or has a malformed value of "abc" for metric name "weird_bucket"';
    expect((await instant("histogram_quantile(0.5, weird_bucket)")).warnings).toEqual([`${bad} (1:25)`]);
    expect((await instant("histogram_fraction(0, 1, weird_bucket)")).warnings).toEqual([`${bad} (1:26)`]);
  });

  // Prometheus 3.5 reports only the text and position; current Prometheus
  // (whose wording promflare follows) adds the bucket range, the largest
  // correction and the time span it merged.
  it("merges histogram_quantile monotonicity fixes into one info with details", async () => {
    const fixed =
      'PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "lat_bucket"';
    // At t=600s the 0.5 bucket holds 200 where the 0.1 bucket holds 400.
    expect((await instant("histogram_quantile(0.9, lat_bucket)")).infos).toEqual([
      `${fixed}, from buckets 0.5 to 0.5, with a max diff of 2e+02, over 1 samples from 2023-11-14T22:23:20Z to 2023-11-14T22:23:20Z (1:25)`,
    ]);
    // Six steps from t=300s, where the gap is 100, to t=600s.
    expect((await range("histogram_quantile(0.9, lat_bucket)")).infos).toEqual([
      `${fixed}, from buckets 0.5 to 0.5, with a max diff of 2e+02, over 6 samples from 2023-11-14T22:18:20Z to 2023-11-14T22:23:20Z (1:25)`,
    ]);
  });

  it("says nothing for a counter", async () => {
    expect(await instant("rate(requests_total[5m])")).toEqual({ warnings: [], infos: [] });
  });
});
