/**
 * GET /api/v1/status/tsdb: cardinality of the tenant's head, as
 * Prometheus's TSDB status page shows it. Every series lives in exactly one
 * shard, so series counts add up across shards; a label value may be in
 * several, so value counts and sizes come from the union of the shards'
 * values.
 */
import type { Context } from "hono";
import { allShards } from "../ingester/client";
import type { HeadStatus } from "../ingester/protocol";
import { utf8Length } from "../encoding/utf8";
import { METRIC_NAME } from "../model/labels";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import type { TenantId } from "../tenancy/tenant";
import { readParams } from "./params";
import { ApiError, successJson } from "./response";

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 10_000;

export interface TsdbStat {
  readonly name: string;
  readonly value: number;
}

export interface TsdbStatus {
  readonly headStats: {
    readonly numSeries: number;
    readonly numLabelPairs: number;
    readonly chunkCount: number;
    /** null for an empty head, which Prometheus reports as the extreme int64 values. */
    readonly minTime: number | null;
    readonly maxTime: number | null;
  };
  readonly seriesCountByMetricName: TsdbStat[];
  readonly labelValueCountByLabelName: TsdbStat[];
  readonly memoryInBytesByLabelName: TsdbStat[];
  readonly seriesCountByLabelValuePair: TsdbStat[];
}

export async function tsdbStatusHandler(c: Context<AppEnv>): Promise<Response> {
  const limit = parseLimit((await readParams(c.req.raw)).get("limit"));
  const heads: HeadStatus[] = [];
  for (const tenant of c.get("tenants") as TenantId[]) {
    const { shards } = await tenantLimits(c.env, tenant);
    heads.push(...(await allShards(c.env, tenant, shards, (stub) => stub.headStatus())));
  }
  return successJson(tsdbStatusJson(mergeHeadStatus(heads, limit)));
}

function parseLimit(raw: string | null): number {
  if (raw === null || raw === "") return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) throw ApiError.badData("limit must be a positive number");
  if (n > MAX_LIMIT) throw ApiError.badData(`limit must not exceed ${MAX_LIMIT}`);
  return n;
}

/** The shards' heads as one, each list cut to its `limit` largest entries. */
export function mergeHeadStatus(heads: readonly HeadStatus[], limit: number): TsdbStatus {
  let numSeries = 0;
  let chunkCount = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  const seriesByPair = new Map<string, Map<string, number>>();
  for (const h of heads) {
    numSeries += h.numSeries;
    chunkCount += h.chunkCount;
    if (h.minTime !== null) minTime = Math.min(minTime, h.minTime);
    if (h.maxTime !== null) maxTime = Math.max(maxTime, h.maxTime);
    for (const l of h.labels) {
      let values = seriesByPair.get(l.name);
      if (values === undefined) seriesByPair.set(l.name, (values = new Map()));
      for (let i = 0; i < l.values.length; i++) values.set(l.values[i]!, (values.get(l.values[i]!) ?? 0) + l.counts[i]!);
    }
  }
  const byMetric: TsdbStat[] = [];
  const valueCounts: TsdbStat[] = [];
  const valueBytes: TsdbStat[] = [];
  const byPair: TsdbStat[] = [];
  let numLabelPairs = 0;
  for (const [name, values] of seriesByPair) {
    let bytes = 0;
    for (const [value, series] of values) {
      bytes += utf8Length(value);
      byPair.push({ name: `${name}=${value}`, value: series });
      if (name === METRIC_NAME) byMetric.push({ name: value, value: series });
    }
    numLabelPairs += values.size;
    valueCounts.push({ name, value: values.size });
    valueBytes.push({ name, value: bytes });
  }
  return {
    headStats: {
      numSeries,
      numLabelPairs,
      chunkCount,
      minTime: minTime === Infinity ? null : minTime,
      maxTime: maxTime === -Infinity ? null : maxTime,
    },
    seriesCountByMetricName: top(byMetric, limit),
    labelValueCountByLabelName: top(valueCounts, limit),
    memoryInBytesByLabelName: top(valueBytes, limit),
    seriesCountByLabelValuePair: top(byPair, limit),
  };
}

/** Largest first; ties by name, so answers do not change from one call to the next. */
function top(stats: TsdbStat[], limit: number): TsdbStat[] {
  stats.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return stats.length > limit ? stats.slice(0, limit) : stats;
}

/** The answer's JSON; an empty head's times are written as Prometheus writes them, the int64 extremes. */
export function tsdbStatusJson(s: TsdbStatus): string {
  const { minTime, maxTime, ...rest } = s.headStats;
  const head = JSON.stringify(rest).slice(0, -1);
  const times = `"minTime":${minTime ?? "9223372036854775807"},"maxTime":${maxTime ?? "-9223372036854775808"}`;
  const lists = JSON.stringify({ ...s, headStats: undefined }).slice(1);
  return `{"headStats":${head},${times}},${lists}`;
}
