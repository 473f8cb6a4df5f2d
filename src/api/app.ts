/**
 * The Prometheus HTTP API (read side). Mounted at /api/v1 and, for clients
 * configured for Mimir, at /prometheus/api/v1.
 */
import { Hono } from "hono";
import { requireTenant, type AppEnv } from "../tenancy/middleware";
import { queryExemplarsHandler } from "./exemplars";
import { metadataHandler } from "./metadata";
import { formatQueryHandler, instantQueryHandler, parseQueryHandler, rangeQueryHandler } from "./query";
import { labelNamesHandler, labelValuesHandler, seriesHandler } from "./series";
import { success } from "./response";
import { buildInfoHandler, flagsHandler, runtimeInfoHandler } from "./status";
import { tsdbStatusHandler } from "./tsdb-status";

export function prometheusApi(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.get("/status/buildinfo", () => buildInfoHandler());
  api.get("/status/flags", (c) => flagsHandler(c));
  api.get("/status/runtimeinfo", () => runtimeInfoHandler());
  // No ruler yet: answer like a Prometheus without rules, so Grafana's alerting views load.
  api.get("/rules", () => success({ groups: [] }));
  api.get("/alerts", () => success({ alerts: [] }));
  api.on(["GET", "POST"], "/format_query", formatQueryHandler);
  api.on(["GET", "POST"], "/parse_query", parseQueryHandler);

  api.use("*", requireTenant({ scope: "read", single: false, federated: true }));
  api.on(["GET", "POST"], "/query", instantQueryHandler);
  api.on(["GET", "POST"], "/query_range", rangeQueryHandler);
  api.on(["GET", "POST"], "/series", seriesHandler);
  api.on(["GET", "POST"], "/labels", labelNamesHandler);
  api.get("/label/:name/values", labelValuesHandler);
  api.get("/metadata", requireTenant({ scope: "read", single: true }), metadataHandler);
  api.on(["GET", "POST"], "/query_exemplars", queryExemplarsHandler);
  api.get("/status/tsdb", tsdbStatusHandler);
  return api;
}
