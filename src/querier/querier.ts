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
import { ConcurrencyLimit } from "../storage/concurrency";
import { BlockQuerier } from "./block-querier";
import { IngesterQuerier } from "./ingester-querier";
import { MergeQuerier, type Source } from "./merge-querier";
import { RemoteReadQuerier } from "./remote-read-querier";
import { SeriesLimitQuerier } from "./series-limit";

/**
 * Store requests one query may have open at once; the rest of the Worker's
 * six connections stay free for ingester and R2 reads.
 */
export const MAX_CONCURRENT_STORE_READS = 4;

export interface QueryOptions {
  /** Thanos's partial_response: failed optional stores become warnings. */
  readonly partialResponse: boolean;
  /** Merge the tenant's remote_read_stores (default true). */
  readonly federatedStores?: boolean;
}

export interface TenantQuerier {
  readonly querier: Querier;
  /** Filled while the query runs; goes into the API response. */
  readonly warnings: string[];
}

export function tenantQuerier(env: Env, tenant: TenantId, limits: Limits, opts: QueryOptions = { partialResponse: true }): TenantQuerier {
  const sources: Source[] = [{ name: "ingesters", querier: new IngesterQuerier(env, tenant, limits.shards), optional: false }];
  sources.push({ name: "blocks", querier: new BlockQuerier(env.BLOCKS, tenant), optional: false });
  if (opts.federatedStores !== false && limits.remote_read_stores.length > 0) {
    const limit = new ConcurrencyLimit(MAX_CONCURRENT_STORE_READS);
    for (const store of limits.remote_read_stores) {
      sources.push({ name: store.name, querier: new RemoteReadQuerier(store, { limit }), optional: opts.partialResponse });
    }
  }
  const merged = new MergeQuerier(sources);
  const limit = limits.max_fetched_series_per_query;
  return { querier: limit > 0 ? new SeriesLimitQuerier(merged, limit) : merged, warnings: merged.warnings };
}
