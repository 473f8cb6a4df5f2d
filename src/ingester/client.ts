/**
 * How the Worker reaches a tenant's ingesters: one Durable Object per
 * tenant×shard, named `<tenant>/<shard>`, and a series' shard is a hash of
 * its labels. Everything that talks to ingesters goes through here.
 */
import type { Env } from "../env";
import { hashLabels, type Labels } from "../model/labels";
import type { TenantId } from "../tenancy/tenant";
import type { IngesterRPC } from "./protocol";

export function shardOf(labels: Labels, shards: number): number {
  return shardOfHash(hashLabels(labels), shards);
}

/** The shard of a series whose `hashLabels` value is already known. */
export function shardOfHash(hash: number, shards: number): number {
  // hash is a uint32: split it so the remainder is taken on small integers, not doubles.
  return ((((hash >>> 16) % shards) * (65536 % shards)) + (hash & 0xffff)) % shards;
}

export function ingester(env: Env, tenant: TenantId, shard: number): IngesterRPC {
  const ns = env.INGESTER;
  return ns.get(ns.idFromName(`${tenant}/${shard}`)) as unknown as IngesterRPC;
}

/** Calls every shard of a tenant in parallel. */
export function allShards<T>(
  env: Env,
  tenant: TenantId,
  shards: number,
  call: (stub: IngesterRPC, shard: number) => Promise<T>,
): Promise<T[]> {
  const calls: Promise<T>[] = [];
  for (let s = 0; s < shards; s++) calls.push(call(ingester(env, tenant, s), s));
  return Promise.all(calls);
}
