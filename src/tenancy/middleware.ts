/**
 * Resolves the tenant of every request before a handler runs, so no handler
 * can touch storage with an unvalidated id.
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env";
import { federationRefusal } from "../querier/federated-querier";
import { tenantLimits } from "./limits";
import { ORG_ID_HEADER, resolveTenants, type TenantId } from "./tenant";

export interface TenantVariables {
  tenants: TenantId[];
}

export type AppEnv = { Bindings: Env; Variables: TenantVariables };

export function tenantSettings(env: Env) {
  return { defaultTenant: env.DEFAULT_TENANT ?? "anonymous", required: env.REQUIRE_TENANT === "true" };
}

/**
 * `single` refuses `a|b` (writes, admin); with `federated`, reads may name
 * several tenants when all of them have `tenant_federation_enabled`.
 */
export function requireTenant(opts: { single: boolean; federated?: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const res = resolveTenants(c.req.header(ORG_ID_HEADER), tenantSettings(c.env));
    if (!res.ok) return c.text(res.message + "\n", res.status);
    if (opts.single && res.tenants.length > 1) {
      return c.text("too many tenant IDs present: this endpoint takes one tenant\n", 400);
    }
    // Federated reads: every named tenant must allow it.
    const refused = opts.federated ? await federationRefusal(res.tenants, (t) => tenantLimits(c.env, t as TenantId)) : undefined;
    if (refused !== undefined) return c.text(refused + "\n", 400);
    c.set("tenants", res.tenants);
    await next();
  };
}
