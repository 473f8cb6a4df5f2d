/**
 * Operator endpoints: per-tenant configuration (guarded by ADMIN_TOKEN) and
 * `/runtime_config`, the effective configuration with secrets redacted
 * (Mimir serves the same path).
 */
import { Hono, type Context } from "hono";
import { parseAuthorization } from "../auth/credentials";
import { sha256Hex } from "../encoding/sha256";
import { redact } from "../config/runtime";
import { blocksAdminRoutes } from "./blocks";
import type { Env } from "../env";
import { validateTenantId, type TenantId } from "../tenancy/tenant";
import { invalidateTenantLimits, runtimeConfig, tenantLimits, tenantObject } from "../tenancy/limits";

type AdminEnv = { Bindings: Env };

async function authorized(c: Context<AdminEnv>): Promise<boolean> {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return false;
  const cred = parseAuthorization(c.req.header("Authorization"));
  if (cred.kind !== "bearer") return false;
  // Compared as digests, so how long the comparison takes says nothing about the token.
  const [want, got] = await Promise.all([sha256Hex(token), sha256Hex(cred.token)]);
  return want === got;
}

/** Refuses a request without the admin token; undefined lets it through. */
async function adminRefusal(c: Context<AdminEnv>): Promise<Response | undefined> {
  if (!c.env.ADMIN_TOKEN) return c.text("admin API disabled: set ADMIN_TOKEN\n", 403);
  if (!(await authorized(c))) return c.text("unauthorized: send Authorization: Bearer <ADMIN_TOKEN>\n", 401);
  return undefined;
}

function tenantParam(c: Context<AdminEnv>): TenantId | Response {
  const id = c.req.param("tenant") ?? "";
  const err = validateTenantId(id);
  return err ? c.text(`invalid tenant: ${err}\n`, 400) : (id as TenantId);
}

export function adminApi(): Hono<AdminEnv> {
  const admin = new Hono<AdminEnv>();
  admin.use("/api/v1/admin/*", async (c, next) => {
    const refused = await adminRefusal(c);
    if (refused !== undefined) return refused;
    await next();
  });

  admin.get("/api/v1/admin/tenants/:tenant/config", async (c) => {
    const tenant = tenantParam(c);
    if (tenant instanceof Response) return tenant;
    const overrides = await tenantObject(c.env, tenant).getOverrides();
    const effective = await tenantLimits(c.env, tenant);
    return c.json({ tenant, overrides: overrides ?? {}, effective: redactLimits(effective) });
  });

  admin.put("/api/v1/admin/tenants/:tenant/config", async (c) => {
    const tenant = tenantParam(c);
    if (tenant instanceof Response) return tenant;
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.text("invalid configuration: body is not JSON\n", 400);
    }
    const res = await tenantObject(c.env, tenant).setOverrides(body);
    if (!res.ok) return c.text(`invalid configuration: ${res.error}\n`, 400);
    invalidateTenantLimits(tenant);
    return c.json({ tenant, overrides: res.overrides });
  });

  blocksAdminRoutes(admin);

  // Tenants' limits and store URLs are operators' business once the API is not open.
  admin.get("/runtime_config", async (c) => {
    if (c.env.AUTH_TOKENS) {
      const refused = await adminRefusal(c);
      if (refused !== undefined) return refused;
    }
    return c.json(redact(runtimeConfig(c.env)));
  });
  return admin;
}

function redactLimits(l: object): object {
  const copy = JSON.parse(JSON.stringify(l)) as { remote_read_stores?: { headers?: Record<string, string> }[] };
  for (const s of copy.remote_read_stores ?? []) {
    for (const k of Object.keys(s.headers ?? {})) s.headers![k] = "<redacted>";
  }
  return copy;
}
