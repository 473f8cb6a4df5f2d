/**
 * /api/v1/series, /api/v1/labels and /api/v1/label/<name>/values.
 */
import type { Context } from "hono";
import { labelsToRecord } from "../model/labels";
import type { Matcher } from "../model/matchers";
import { parseMetricSelector } from "../promql/parser";
import { mergeSeriesSets, mergeSortedStrings } from "../querier/merge";
import type { AppEnv } from "../tenancy/middleware";
import { apiQuerier } from "./querier";
import { limitParam, MAX_TIME, MIN_TIME, readParams, timeParam } from "./params";
import { ApiError, applyLimit, success } from "./response";

function matcherSets(params: URLSearchParams): Matcher[][] {
  return params.getAll("match[]").map((sel) => {
    try {
      return parseMetricSelector(sel);
    } catch (e) {
      throw ApiError.badData(`invalid parameter "match[]": ${(e as Error).message}`);
    }
  });
}

function timeRange(params: URLSearchParams): { start: number; end: number } {
  const start = timeParam(params, "start", MIN_TIME);
  const end = timeParam(params, "end", MAX_TIME);
  if (end < start) throw ApiError.badData(`invalid parameter "end": end timestamp must not be before start time`);
  return { start, end };
}

export async function seriesHandler(c: Context<AppEnv>): Promise<Response> {
  const params = await readParams(c.req.raw);
  const sets = matcherSets(params);
  if (sets.length === 0) throw ApiError.badData("no match[] parameter provided");
  const { start, end } = timeRange(params);
  const limit = limitParam(params);
  const { querier: q, warnings: storeWarnings } = await apiQuerier(c, params);
  const results = await Promise.all(
    sets.map((m) => q.select(m, { start, end, seriesOnly: true, limit: limit > 0 ? limit + 1 : 0 })),
  );
  const series = mergeSeriesSets(results).map((s) => labelsToRecord(s.labels));
  const warnings = [...storeWarnings];
  return success(applyLimit(series, limit, warnings), { warnings });
}

export async function labelNamesHandler(c: Context<AppEnv>): Promise<Response> {
  const params = await readParams(c.req.raw);
  const sets = matcherSets(params);
  const { start, end } = timeRange(params);
  const limit = limitParam(params);
  const { querier: q, warnings: storeWarnings } = await apiQuerier(c, params);
  const hints = { start, end, limit: limit > 0 ? limit + 1 : 0 };
  const lists = await Promise.all((sets.length ? sets : [[]]).map((m) => q.labelNames(m, hints)));
  const warnings = [...storeWarnings];
  return success(applyLimit(mergeSortedStrings(lists), limit, warnings), { warnings });
}

export async function labelValuesHandler(c: Context<AppEnv>): Promise<Response> {
  const params = await readParams(c.req.raw);
  const name = unescapeLabelName(c.req.param("name") ?? "");
  const sets = matcherSets(params);
  const { start, end } = timeRange(params);
  const limit = limitParam(params);
  const { querier: q, warnings: storeWarnings } = await apiQuerier(c, params);
  const hints = { start, end, limit: limit > 0 ? limit + 1 : 0 };
  const lists = await Promise.all((sets.length ? sets : [[]]).map((m) => q.labelValues(name, m, hints)));
  const warnings = [...storeWarnings];
  return success(applyLimit(mergeSortedStrings(lists), limit, warnings), { warnings });
}

/**
 * Undoes the `U__` "values escaping" Prometheus uses for label names with
 * characters that cannot sit in a URL path segment.
 */
export function unescapeLabelName(name: string): string {
  if (!name.startsWith("U__")) return name;
  const body = name.slice(3);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "_") {
      out += ch;
      continue;
    }
    if (body[i + 1] === "_") {
      out += "_";
      i++;
      continue;
    }
    const close = body.indexOf("_", i + 1);
    const code = close > i ? parseInt(body.slice(i + 1, close), 16) : NaN;
    if (Number.isNaN(code)) throw ApiError.badData(`invalid label name ${JSON.stringify(name)}`);
    out += String.fromCodePoint(code);
    i = close;
  }
  return out;
}
