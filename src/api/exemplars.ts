/**
 * /api/v1/query_exemplars: exemplars of the series selected by every vector
 * selector in a PromQL expression, from the ingesters' exemplar buffers.
 */
import type { Context } from "hono";
import type { Expr, VectorSelector } from "../promql/ast";
import { parseExpr } from "../promql/parser";
import { allShards } from "../ingester/client";
import type { ExemplarSeries } from "../ingester/protocol";
import { labelsKey, labelsToRecord } from "../model/labels";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import { MAX_TIME, MIN_TIME, readParams, timeParam } from "./params";
import { ApiError, formatTimestamp, formatValue, success } from "./response";

export function vectorSelectors(e: Expr, out: VectorSelector[] = []): VectorSelector[] {
  switch (e.type) {
    case "VectorSelector":
      out.push(e);
      break;
    case "MatrixSelector":
      out.push(e.vectorSelector);
      break;
    case "Call":
      for (const a of e.args) vectorSelectors(a, out);
      break;
    case "AggregateExpr":
      vectorSelectors(e.expr, out);
      if (e.param) vectorSelectors(e.param, out);
      break;
    case "BinaryExpr":
      vectorSelectors(e.lhs, out);
      vectorSelectors(e.rhs, out);
      break;
    case "SubqueryExpr":
    case "UnaryExpr":
    case "ParenExpr":
    case "StepInvariantExpr":
      vectorSelectors(e.expr, out);
      break;
    case "NumberLiteral":
    case "StringLiteral":
      break;
  }
  return out;
}

export async function queryExemplarsHandler(c: Context<AppEnv>): Promise<Response> {
  const params = await readParams(c.req.raw);
  const query = params.get("query") ?? "";
  let expr: Expr;
  try {
    expr = parseExpr(query);
  } catch (e) {
    throw ApiError.badData(`invalid parameter "query": ${(e as Error).message}`);
  }
  const start = timeParam(params, "start", MIN_TIME);
  const end = timeParam(params, "end", MAX_TIME);
  if (end < start) throw ApiError.badData(`invalid parameter "end": end timestamp must not be before start time`);
  const tenant = c.get("tenants")[0]!;
  const { shards } = await tenantLimits(c.env, tenant);
  const bySeries = new Map<string, ExemplarSeries>();
  for (const sel of vectorSelectors(expr)) {
    const req = { matchers: sel.matchers.map((m) => m.toSpec()), start, end };
    const lists = await allShards(c.env, tenant, shards, (stub) => stub.exemplars(req));
    for (const list of lists) for (const s of list) bySeries.set(labelsKey(s.seriesLabels), s);
  }
  const data = [...bySeries.values()].map((s) => ({
    seriesLabels: labelsToRecord(s.seriesLabels),
    exemplars: s.exemplars.map((e) => ({
      labels: labelsToRecord(e.labels),
      value: formatValue(e.value),
      timestamp: formatTimestamp(e.timestamp),
    })),
  }));
  return success(data);
}
