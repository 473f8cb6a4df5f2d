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
export function requireTenant(opts: {
  single: boolean;
  federated?: boolean;
  /** Builds the refusal; the write path adds its written-count headers. */
  refuse?: (status: 400 | 401, message: string) => Response;
}): MiddlewareHandler<AppEnv> {
  const refuse = opts.refuse ?? ((status, message) => new Response(message + "\n", { status }));
  return async (c, next) => {
    const res = resolveTenants(c.req.header(ORG_ID_HEADER), tenantSettings(c.env));
    if (!res.ok) return refuse(res.status, res.message);
    if (opts.single && res.tenants.length > 1) {
      return refuse(400, "too many tenant IDs present: this endpoint takes one tenant");
    }
    // Federated reads: every named tenant must allow it.
    const refused = opts.federated ? await federationRefusal(res.tenants, (t) => tenantLimits(c.env, t as TenantId)) : undefined;
    if (refused !== undefined) return refuse(400, refused);
    c.set("tenants", res.tenants);
    await next();
  };
}
