/**
 * POST /ingester/flush: cuts everything in the tenant's ingester heads into
 * blocks now, for every shard (tests, shutdown, demos). Answers with the
 * blocks each shard uploaded.
 */
import type { Context } from "hono";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import type { TenantId } from "../tenancy/tenant";
import type { FlushResult } from "./block-cutter";
import { allShards, ingester } from "./client";

/** The flush RPC as the ingester DO offers it. */
interface Flushable {
  flush(tenant: string, shard: number): Promise<FlushResult>;
}

export async function flushHandler(c: Context<AppEnv>): Promise<Response> {
  const tenant = c.get("tenants")[0]! as TenantId;
  const { shards } = await tenantLimits(c.env, tenant);
  const results = await allShards(c.env, tenant, shards, (_stub, shard) =>
    (ingester(c.env, tenant, shard) as unknown as Flushable).flush(tenant, shard),
  );
  return c.json({ tenant, shards: results.map((r, shard) => ({ shard, blocks: r.blocks })) });
}
