import type { Context } from "hono";
import { tenantQuerier, type TenantQuerier } from "../querier/querier";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";

/**
 * The querier of the request's tenant. `partial_response` follows Thanos:
 * on unless the request says `false`.
 */
export async function apiQuerier(c: Context<AppEnv>, params?: URLSearchParams): Promise<TenantQuerier> {
  const tenant = c.get("tenants")[0]!;
  const partialResponse = (params?.get("partial_response") ?? "true") !== "false";
  return tenantQuerier(c.env, tenant, await tenantLimits(c.env, tenant), { partialResponse });
}
