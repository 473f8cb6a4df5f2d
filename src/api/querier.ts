import type { Context } from "hono";
import { tenantQuerier } from "../querier/querier";
import type { Querier } from "../storage/storage";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";

/** The querier of the request's tenant. */
export async function apiQuerier(c: Context<AppEnv>): Promise<Querier> {
  const tenant = c.get("tenants")[0]!;
  return tenantQuerier(c.env, tenant, await tenantLimits(c.env, tenant));
}
