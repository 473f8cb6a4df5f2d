/**
 * Status endpoints Grafana and other clients probe to learn what the server
 * is. buildinfo reports a Prometheus 3 version so clients enable their
 * modern API paths.
 */
import type { Context } from "hono";
import type { AppEnv } from "../tenancy/middleware";
import { success } from "./response";

export const PROMETHEUS_COMPAT_VERSION = "3.5.0";
export const PROMFLARE_VERSION = "0.1.0";

const startTime = new Date().toISOString();

export function buildInfoHandler(): Response {
  return success({
    version: PROMETHEUS_COMPAT_VERSION,
    revision: `promflare-${PROMFLARE_VERSION}`,
    branch: "main",
    buildUser: "promflare",
    buildDate: "",
    goVersion: "workerd",
  });
}

export function flagsHandler(c: Context<AppEnv>): Response {
  return success({
    "query.lookback-delta": "5m",
    "query.max-samples": "50000000",
    "query.timeout": "2m",
    "storage.tsdb.retention.time": "0s",
    "promflare.default-tenant": c.env.DEFAULT_TENANT ?? "anonymous",
    "promflare.require-tenant": c.env.REQUIRE_TENANT ?? "false",
  });
}

export function runtimeInfoHandler(): Response {
  return success({
    startTime,
    CWD: "/",
    reloadConfigSuccess: true,
    lastConfigTime: startTime,
    corruptionCount: 0,
    goroutineCount: 0,
    GOMAXPROCS: 1,
    GOMEMLIMIT: 128 * 1024 * 1024,
    GOGC: "",
    GODEBUG: "",
    storageRetention: "unlimited",
  });
}
