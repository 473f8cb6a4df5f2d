/**
 * /api/v1/query, /api/v1/query_range, /api/v1/format_query and
 * /api/v1/parse_query.
 */
import type { Context } from "hono";
import { labelsToRecord } from "../model/labels";
import { Engine, QueryError, type QueryResult, type QuerySeries, type QueryValue } from "../promql/engine";
import { formatDuration } from "../config/duration";
import { formatExpr, parseExpr } from "../promql/parser";
import { CacheApiExtentStore, cacheableExpr, cachedRangeQuery, type CacheSettings } from "../frontend/results-cache";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import { astToJson } from "./ast-json";
import { durationParam, limitParam, readParams, timeParam } from "./params";
import { apiQuerier } from "./querier";
import { ApiError, applyLimit, formatTimestamp, formatValue, success, successJson } from "./response";

/** Prometheus refuses range queries with more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000;
/** Default and cap of the `timeout` parameter, as Prometheus's -query.timeout. */
export const DEFAULT_QUERY_TIMEOUT_MS = 120_000;

/** An empty query goes to the parser, which says "no expression found", as in Prometheus. */
function queryParam(params: URLSearchParams): string {
  return params.get("query") ?? "";
}

function engineFor(params: URLSearchParams): Engine {
  const timeout = durationParam(params, "timeout");
  return new Engine({
    timeoutMs: timeout && timeout > 0 ? Math.min(timeout, DEFAULT_QUERY_TIMEOUT_MS) : DEFAULT_QUERY_TIMEOUT_MS,
    enableExperimental: true,
  });
}

function toApiError(e: unknown, paramName = "query"): never {
  if (e instanceof QueryError) {
    switch (e.kind) {
      case "bad_data":
        throw ApiError.badData(`invalid parameter "${paramName}": ${e.message}`);
      case "timeout":
        throw new ApiError("timeout", `query timed out in expression evaluation`);
      case "canceled":
        throw new ApiError("canceled", e.message);
      case "too_many_samples":
      case "execution":
        throw new ApiError("execution", e.message);
    }
  }
  throw e;
}

function lookbackOption(params: URLSearchParams): { lookbackDelta?: number } {
  let lb: number | null;
  try {
    lb = durationParam(params, "lookback_delta");
  } catch {
    const raw = params.get("lookback_delta") ?? "";
    throw ApiError.badData(`error parsing lookback delta duration: cannot parse ${JSON.stringify(raw)} to a valid duration`);
  }
  return lb && lb > 0 ? { lookbackDelta: lb } : {};
}

function respond(result: QueryResult, params: URLSearchParams, started: number, storeWarnings: string[]): Response {
  const limit = limitParam(params);
  const warnings = [...storeWarnings, ...result.positioned.warnings];
  const notes = { warnings, infos: result.positioned.infos };
  const stats = params.get("stats")
    ? {
        timings: { evalTotalTime: (Date.now() - started) / 1000, execTotalTime: (Date.now() - started) / 1000 },
        samples: {
          totalQueryableSamples: result.stats.samplesLoaded,
          peakSamples: result.stats.peakSamples,
        },
      }
    : undefined;
  if (result.value.type === "matrix") {
    // Range results run to hundreds of thousands of points: written as text
    // directly rather than as an array per point for JSON.stringify.
    const matrix = matrixJson(result.value.series, limit, warnings);
    return successJson(`{"resultType":"matrix","result":${matrix}${stats ? `,"stats":${JSON.stringify(stats)}` : ""}}`, notes);
  }
  const data: Record<string, unknown> = encodeValue(result.value, limit, warnings);
  if (stats) data.stats = stats;
  return success(data, notes);
}

function matrixJson(series: readonly QuerySeries[], limit: number, warnings: string[]): string {
  const parts: string[] = [];
  for (const s of applyLimit(series, limit, warnings)) {
    const points = new Array<string>(s.timestamps.length);
    // Values are digits, "NaN" or "±Inf" and timestamps plain numbers: nothing to escape.
    for (let i = 0; i < points.length; i++) points[i] = `[${formatTimestamp(s.timestamps[i]!)},"${formatValue(s.values[i]!)}"]`;
    parts.push(`{"metric":${JSON.stringify(labelsToRecord(s.labels))},"values":[${points.join(",")}]}`);
  }
  return `[${parts.join(",")}]`;
}

function encodeValue(v: Exclude<QueryValue, { type: "matrix" }>, limit: number, warnings: string[]): Record<string, unknown> {
  switch (v.type) {
    case "scalar":
      return { resultType: "scalar", result: [formatTimestamp(v.t), formatValue(v.v)] };
    case "string":
      return { resultType: "string", result: [formatTimestamp(v.t), v.v] };
    case "vector":
      return {
        resultType: "vector",
        result: applyLimit(v.samples, limit, warnings).map((s) => ({ metric: labelsToRecord(s.labels), value: [formatTimestamp(s.t), formatValue(s.v)] })),
      };
  }
}

export async function instantQueryHandler(c: Context<AppEnv>): Promise<Response> {
  const started = Date.now();
  const params = await readParams(c.req.raw);
  const query = queryParam(params);
  const time = timeParam(params, "time", Date.now());
  const engine = engineFor(params);
  const { querier: q, warnings: storeWarnings } = await apiQuerier(c, params);
  try {
    return respond(await engine.instantQuery(q, query, time, lookbackOption(params)), params, started, storeWarnings);
  } catch (e) {
    toApiError(e);
  }
}

export async function rangeQueryHandler(c: Context<AppEnv>): Promise<Response> {
  const started = Date.now();
  const params = await readParams(c.req.raw);
  const query = queryParam(params);
  const start = timeParam(params, "start", 0, true);
  const end = timeParam(params, "end", 0, true);
  const step = durationParam(params, "step", true)!;
  if (end < start) throw ApiError.badData(`invalid parameter "end": end timestamp must not be before start time`);
  if (step <= 0) {
    throw ApiError.badData(
      `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`,
    );
  }
  await checkQueryLength(c, end - start);
  if ((end - start) / step > MAX_POINTS_PER_SERIES) {
    throw ApiError.badData(
      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
    );
  }
  const engine = engineFor(params);
  const lookback = lookbackOption(params);
  const { querier: q, warnings: storeWarnings } = await apiQuerier(c, params);
  const evaluate = (from: number, to: number): Promise<QueryResult> => engine.rangeQuery(q, query, from, to, step, lookback);
  try {
    const cache = await resultsCacheFor(c, params, query);
    if (cache === null) return respond(await evaluate(start, end), params, started, storeWarnings);
    const r = await cachedRangeQuery({ key: cache.key, start, end, step }, evaluate, new CacheApiExtentStore(caches.default), cache.settings, () => storeWarnings.length === 0);
    return respond(joinedResult(r.series, r.evaluated), params, started, storeWarnings);
  } catch (e) {
    toApiError(e);
  }
}

/** Parameters that do not change a range query's series and points (they are not part of its cache key). */
const NOT_IN_CACHE_KEY = new Set(["query", "start", "end", "step", "stats", "limit", "timeout"]);

/**
 * The results cache's key and settings for this request, or null when it
 * is not to be cached: caching off, statistics asked for, an expression
 * whose steps read the whole range, or a tenant with a TTL of 0.
 */
async function resultsCacheFor(c: Context<AppEnv>, params: URLSearchParams, query: string): Promise<{ key: string; settings: CacheSettings } | null> {
  if (c.env.CACHE_RESULTS !== "true" || params.has("stats")) return null;
  let expr;
  try {
    expr = parseExpr(query);
  } catch {
    return null; // the engine words the error
  }
  if (!cacheableExpr(expr)) return null;
  const tenants = c.get("tenants");
  let ttlMs = Infinity;
  let freshnessMs = 0;
  for (const tenant of tenants) {
    const l = await tenantLimits(c.env, tenant);
    ttlMs = Math.min(ttlMs, l.results_cache_ttl);
    freshnessMs = Math.max(freshnessMs, l.max_cache_freshness, l.out_of_order_time_window);
  }
  if (!(ttlMs > 0)) return null;
  const shape = new URLSearchParams(params);
  for (const name of NOT_IN_CACHE_KEY) shape.delete(name);
  shape.sort();
  const settings = { ttlMs, freshnessMs, now: Date.now(), ...backgroundOf(c) };
  return { key: JSON.stringify([tenants, formatExpr(expr), shape.toString()]), settings };
}

/** The Worker's `waitUntil`, when the request has an execution context (not in `app.request` tests). */
function backgroundOf(c: Context<AppEnv>): { background?: (p: Promise<void>) => void } {
  let ctx: Context<AppEnv>["executionCtx"];
  try {
    ctx = c.executionCtx;
  } catch {
    return {};
  }
  return { background: (p) => ctx.waitUntil(p) };
}

/** One result from the series joined across parts and the annotations and statistics of the parts evaluated. */
function joinedResult(series: QuerySeries[], evaluated: readonly QueryResult[]): QueryResult {
  const unique = (pick: (r: QueryResult) => string[]): string[] => [...new Set(evaluated.flatMap(pick))];
  return {
    value: { type: "matrix", series },
    warnings: unique((r) => r.warnings),
    infos: unique((r) => r.infos),
    positioned: { warnings: unique((r) => r.positioned.warnings), infos: unique((r) => r.positioned.infos) },
    stats: {
      samplesLoaded: evaluated.reduce((n, r) => n + r.stats.samplesLoaded, 0),
      peakSamples: evaluated.reduce((n, r) => Math.max(n, r.stats.peakSamples), 0),
    },
  };
}

/** Mimir's `max_total_query_length` for range queries (0 = no limit). */
async function checkQueryLength(c: Context<AppEnv>, lengthMs: number): Promise<void> {
  for (const tenant of c.get("tenants")) {
    const max = (await tenantLimits(c.env, tenant)).max_total_query_length;
    if (max > 0 && lengthMs > max) {
      throw ApiError.badData(
        `the total query time range exceeds the limit (query length: ${formatDuration(lengthMs)}, limit: ${formatDuration(max)}) (err-mimir-max-total-query-length)`,
      );
    }
  }
}

function parsed(params: URLSearchParams) {
  try {
    return parseExpr(queryParam(params));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw ApiError.badData(`invalid parameter "query": ${(e as Error).message}`);
  }
}

export async function formatQueryHandler(c: Context<AppEnv>): Promise<Response> {
  return success(formatExpr(parsed(await readParams(c.req.raw))));
}

export async function parseQueryHandler(c: Context<AppEnv>): Promise<Response> {
  return success(astToJson(parsed(await readParams(c.req.raw))));
}
