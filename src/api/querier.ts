import type { Context } from "hono";
import { dedupRequestFromParams, replicaLabelsFor, withDedup } from "../querier/dedup-querier";
import { FederatedQuerier } from "../querier/federated-querier";
import { tenantQuerier, type TenantQuerier } from "../querier/querier";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";

/**
 * The querier of the request's tenant, or of its tenants federated. Replica
 * dedup (Thanos's `dedup`, `replicaLabels[]`) applies per tenant.
 * `partial_response` follows Thanos: on unless the request says `false`.
 */
export async function apiQuerier(c: Context<AppEnv>, params?: URLSearchParams): Promise<TenantQuerier> {
  const partialResponse = (params?.get("partial_response") ?? "true") !== "false";
  const dedup = dedupRequestFromParams(params ?? new URLSearchParams());
  // Each tenant is deduplicated with its own settings, then federated (the middleware allowed it).
  const perTenant = await Promise.all(
    c.get("tenants").map(async (tenant) => {
      const limits = await tenantLimits(c.env, tenant);
      const tq = tenantQuerier(c.env, tenant, limits, { partialResponse });
      return { id: tenant, querier: withDedup(tq.querier, replicaLabelsFor(limits, dedup)), warnings: tq.warnings };
    }),
  );
  if (perTenant.length === 1) return perTenant[0]!;
  const federated = new FederatedQuerier(perTenant);
  return { querier: federated, warnings: federated.warnings };
}
