/**
 * Authenticates every API request and resolves its tenant before a handler
 * runs, so no handler can touch storage for a tenant its caller may not use
 * or with an unvalidated id.
 */
import type { MiddlewareHandler } from "hono";
import { authenticate, tenantRefusal, WWW_AUTHENTICATE, type Scope } from "../auth/authenticate";
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

export type Refusal = (status: 400 | 401 | 403, message: string) => Response;

/**
 * `scope` is what the route does with the tenant's data (AUTH_TOKENS);
 * `single` refuses `a|b` (writes, admin); with `federated`, reads may name
 * several tenants when all of them have `tenant_federation_enabled`.
 */
export function requireTenant(opts: {
  scope: Scope;
  single: boolean;
  federated?: boolean;
  /** Builds the refusal; the write path adds its written-count headers. */
  refuse?: Refusal;
}): MiddlewareHandler<AppEnv> {
  const refuse = opts.refuse ?? ((status, message) => new Response(message + "\n", { status }));
  return async (c, next) => {
    const auth = await authenticate(c.env.AUTH_TOKENS, c.req.header("Authorization"), c.req.header(ORG_ID_HEADER), opts.scope);
    if (!auth.ok) return challenged(refuse(auth.status, auth.message));
    const res = resolveTenants(auth.tenantHeader, tenantSettings(c.env));
    if (!res.ok) return refuse(res.status, res.message);
    if (opts.single && res.tenants.length > 1) {
      return refuse(400, "too many tenant IDs present: this endpoint takes one tenant");
    }
    const denied = tenantRefusal(auth, res.tenants);
    if (denied !== undefined) return refuse(403, denied);
    // Federated reads: every named tenant must allow it.
    const refused = opts.federated ? await federationRefusal(res.tenants, (t) => tenantLimits(c.env, t as TenantId)) : undefined;
    if (refused !== undefined) return refuse(400, refused);
    c.set("tenants", res.tenants);
    await next();
  };
}

/** A 401 from authentication tells the client how to authenticate (RFC 9110), so browsers and Grafana ask. */
function challenged(res: Response): Response {
  if (res.status === 401) res.headers.set("WWW-Authenticate", WWW_AUTHENTICATE);
  return res;
}
