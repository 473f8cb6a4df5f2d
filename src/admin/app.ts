/**
 * Operator endpoints: per-tenant configuration (guarded by ADMIN_TOKEN) and
 * `/runtime_config`, the effective configuration with secrets redacted
 * (Mimir serves the same path).
 */
import { Hono, type Context } from "hono";
import { redact } from "../config/runtime";
import { blocksAdminRoutes } from "./blocks";
import type { Env } from "../env";
import { validateTenantId, type TenantId } from "../tenancy/tenant";
import { invalidateTenantLimits, runtimeConfig, tenantLimits, tenantObject } from "../tenancy/limits";

type AdminEnv = { Bindings: Env };

function authorized(c: Context<AdminEnv>): boolean {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return false;
  const header = c.req.header("Authorization") ?? "";
  return header === `Bearer ${token}`;
}

function tenantParam(c: Context<AdminEnv>): TenantId | Response {
  const id = c.req.param("tenant") ?? "";
  const err = validateTenantId(id);
  return err ? c.text(`invalid tenant: ${err}\n`, 400) : (id as TenantId);
}

export function adminApi(): Hono<AdminEnv> {
  const admin = new Hono<AdminEnv>();
  admin.use("/api/v1/admin/*", async (c, next) => {
    if (!c.env.ADMIN_TOKEN) return c.text("admin API disabled: set ADMIN_TOKEN\n", 403);
    if (!authorized(c)) return c.text("unauthorized: send Authorization: Bearer <ADMIN_TOKEN>\n", 401);
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

  admin.get("/runtime_config", (c) => c.json(redact(runtimeConfig(c.env))));
  return admin;
}

function redactLimits(l: object): object {
  const copy = JSON.parse(JSON.stringify(l)) as { remote_read_stores?: { headers?: Record<string, string> }[] };
  for (const s of copy.remote_read_stores ?? []) {
    for (const k of Object.keys(s.headers ?? {})) s.headers![k] = "<redacted>";
  }
  return copy;
}
