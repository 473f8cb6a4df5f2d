/**
 * The querier for a request: everything a tenant's queries read, behind the
 * one storage interface the PromQL engine and the API use. Sources are
 * added here as the read path grows (heads, blocks, federated stores), and
 * wrappers (replica dedup, tenant federation) go around the merge.
 */
import type { Limits } from "../config/limits";
import type { Env } from "../env";
import type { Querier } from "../storage/storage";
import type { TenantId } from "../tenancy/tenant";
import { IngesterQuerier } from "./ingester-querier";
import { MergeQuerier, type Source } from "./merge-querier";

export interface QueryOptions {
  /** Thanos's partial_response: failed optional stores become warnings. */
  readonly partialResponse: boolean;
}

export interface TenantQuerier {
  readonly querier: Querier;
  /** Filled while the query runs; goes into the API response. */
  readonly warnings: string[];
}

export function tenantQuerier(env: Env, tenant: TenantId, limits: Limits, opts: QueryOptions = { partialResponse: true }): TenantQuerier {
  const sources: Source[] = [{ name: "ingesters", querier: new IngesterQuerier(env, tenant, limits.shards), optional: false }];
  void opts;
  const merged = new MergeQuerier(sources);
  return { querier: merged, warnings: merged.warnings };
}
