/**
 * /api/v1/metadata: metric metadata sent with remote_write, per metric name.
 */
import type { Context } from "hono";
import { allShards } from "../ingester/client";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import { readParams } from "./params";
import { ApiError, success } from "./response";

interface MetadataEntry {
  type: string;
  help: string;
  unit: string;
}

function intParam(params: URLSearchParams, name: string): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return -1;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw ApiError.badData(`invalid parameter "${name}": ${JSON.stringify(raw)} is not an integer`);
  return n;
}

export async function metadataHandler(c: Context<AppEnv>): Promise<Response> {
  const params = await readParams(c.req.raw);
  const metric = params.get("metric") ?? "";
  const limit = intParam(params, "limit");
  const perMetric = intParam(params, "limit_per_metric");
  const tenant = c.get("tenants")[0]!;
  const { shards } = await tenantLimits(c.env, tenant);
  const lists = await allShards(c.env, tenant, shards, (stub) => stub.metadata(metric, 0));
  const out: Record<string, MetadataEntry[]> = {};
  const names = new Set<string>();
  for (const list of lists) for (const m of list) names.add(m.metricFamilyName);
  const sorted = [...names].sort();
  const chosen = limit > 0 ? sorted.slice(0, limit) : limit === 0 ? [] : sorted;
  const wanted = new Set(chosen);
  for (const list of lists) {
    for (const m of list) {
      if (!wanted.has(m.metricFamilyName)) continue;
      const entries = (out[m.metricFamilyName] ??= []);
      if (perMetric > 0 && entries.length >= perMetric) continue;
      if (!entries.some((e) => e.type === m.type && e.help === m.help && e.unit === m.unit)) {
        entries.push({ type: m.type, help: m.help, unit: m.unit });
      }
    }
  }
  return success(out);
}
