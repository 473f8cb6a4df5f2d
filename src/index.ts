/**
 * The promflare Worker: remote_write in, Prometheus HTTP API out.
 */
import { Hono } from "hono";
import { adminApi } from "./admin/app";
import { haTrackerHandler } from "./distributor/ha-page";
import { prometheusApi } from "./api/app";
import { ApiError, failure } from "./api/response";
import { StoreError } from "./querier/remote-read-querier";
import { QueryLimitError } from "./querier/series-limit";
import { remoteReadHandler } from "./remoteread/server";
import { flushHandler } from "./ingester/flush-handler";
import { requireTenant, type AppEnv } from "./tenancy/middleware";
import { pushHandler, refusePush } from "./write/handler";

export { Ingester } from "../durable-objects/ingester";
export { Tenant } from "../durable-objects/tenant";

const app = new Hono<AppEnv>();

app.get("/", (c) => c.text("promflare: Prometheus remote_write at /api/v1/push, query API at /api/v1\n"));
app.get("/ready", (c) => c.text("ready\n"));

// Mimir's path and Prometheus's receiver path take the same requests.
for (const path of ["/api/v1/push", "/api/v1/write"]) {
  app.post(path, requireTenant({ scope: "write", single: true, refuse: refusePush }), pushHandler);
}

// Remote read, for Prometheus's remote_read and for other promflares' stores.
for (const path of ["/api/v1/read", "/prometheus/api/v1/read"]) {
  app.post(path, requireTenant({ scope: "read", single: true }), remoteReadHandler);
}

// Cut every shard's head into blocks now.
app.post("/ingester/flush", requireTenant({ scope: "write", single: true }), flushHandler);

app.route("/", adminApi());
app.get("/distributor/ha_tracker", requireTenant({ scope: "read", single: false }), haTrackerHandler);

const api = prometheusApi();
app.route("/api/v1", api);
app.route("/prometheus/api/v1", api);

app.onError((err) => {
  if (err instanceof ApiError) return failure(err);
  // A federated store failed with partial_response=false: the data is unavailable, a retry may succeed.
  if (err instanceof QueryLimitError) return failure(new ApiError("execution", err.message));
  if (err instanceof StoreError) return failure(new ApiError("unavailable", `store ${JSON.stringify(err.store)} failed: ${err.message}`));
  console.error("internal error:", err);
  return failure(new ApiError("internal", `internal error: ${(err as Error).message}`));
});

export default app;
