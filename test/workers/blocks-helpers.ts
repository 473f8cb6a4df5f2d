/**
 * Workload and observation helpers shared by the block-cutting tests:
 * push a range of generated series, snapshot range-query answers, and
 * reach the ingester and tenant Durable Objects of a tenant.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import type { Tenant } from "../../durable-objects/tenant";
import { api, push, series } from "./helpers";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** Scrape interval of the generated series. */
export const STEP = 30_000;

export type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

/**
 * Pushes `n` series, one sample every STEP in [from, to), one remote-write
 * request per hour of data. Series `i` has the labels `labelsOf(i)` and the
 * value `valueAt(i, t)` at time t. Returns the number of samples pushed.
 */
export async function pushRange(
  tenant: string,
  n: number,
  from: number,
  to: number,
  labelsOf: (i: number) => Record<string, string>,
  valueAt: (i: number, t: number) => number,
): Promise<number> {
  let samples = 0;
  for (let t0 = from; t0 < to; t0 += HOUR) {
    const input = [];
    for (let i = 0; i < n; i++) {
      const pts: [number, number][] = [];
      for (let t = t0; t < Math.min(to, t0 + HOUR); t += STEP) pts.push([t, valueAt(i, t)]);
      samples += pts.length;
      input.push(series(labelsOf(i), pts));
    }
    expect((await push(tenant, { series: input })).status).toBe(204);
  }
  return samples;
}

/** The answers of `queries` over [from, to) at a 60s step, in order. */
export async function rangeSnapshot(tenant: string, queries: readonly string[], from: number, to: number): Promise<Matrix[]> {
  return Promise.all(
    queries.map(async (query) => {
      const r = await api<{ result: Matrix }>(tenant, "/api/v1/query_range", { query, start: String(from / 1000), end: String(to / 1000), step: "60" });
      expect(r.status).toBe(200);
      return r.body.data.result;
    }),
  );
}

export const ingesterOf = (tenant: string, shard: number): DurableObjectStub<Ingester> =>
  env.INGESTER.get(env.INGESTER.idFromName(`${tenant}/${shard}`));

export const tenantDO = (tenant: string): DurableObjectStub<Tenant> => env.TENANT.get(env.TENANT.idFromName(tenant));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Longer than the isolate's bucket-index cache, so the next query reads the new index. */
export const sleepPastIndexCache = (): Promise<void> => sleep(11_000);
