/**
 * The querier for a request: everything a tenant's queries read, behind the
 * one storage interface the PromQL engine and the API use.
 */
import type { Env } from "../env";
import type { Limits } from "../config/limits";
import type { Querier } from "../storage/storage";
import type { TenantId } from "../tenancy/tenant";
import { IngesterQuerier } from "./ingester-querier";

export function tenantQuerier(env: Env, tenant: TenantId, limits: Limits): Querier {
  return new IngesterQuerier(env, tenant, limits.shards);
}
