/**
 * The effective limits of a tenant: RUNTIME_CONFIG's defaults, then its
 * per-tenant overrides, then overrides set through the admin API (kept in
 * the tenant Durable Object). Both are cached in the isolate so that a push
 * does not pay a Durable Object round trip for them each time.
 */
import { mergeLimits, type Limits } from "../config/limits";
import { DEFAULT_RUNTIME_CONFIG, limitsFor, parseRuntimeConfig, type RuntimeConfig } from "../config/runtime";
import type { Env } from "../env";
import type { TenantId } from "./tenant";

/** How long an isolate trusts admin overrides it has read. */
export const OVERRIDES_CACHE_TTL_MS = 10_000;

let parsedFrom: string | undefined;
let parsed: RuntimeConfig = DEFAULT_RUNTIME_CONFIG;

/** RUNTIME_CONFIG, parsed once per isolate. A bad config is a startup error. */
export function runtimeConfig(env: Env): RuntimeConfig {
  const text = env.RUNTIME_CONFIG ?? "";
  if (text !== parsedFrom) {
    parsed = text.trim() === "" ? DEFAULT_RUNTIME_CONFIG : parseRuntimeConfig(text);
    parsedFrom = text;
  }
  return parsed;
}

const overridesCache = new Map<string, { at: number; value: Partial<Limits> | null }>();

export async function tenantLimits(env: Env, tenant: TenantId, now = Date.now()): Promise<Limits> {
  const base = limitsFor(runtimeConfig(env), tenant);
  let cached = overridesCache.get(tenant);
  if (!cached || now - cached.at > OVERRIDES_CACHE_TTL_MS) {
    const value = await tenantObject(env, tenant).getOverrides();
    cached = { at: now, value };
    overridesCache.set(tenant, cached);
  }
  return cached.value ? mergeLimits(base, cached.value) : base;
}

/** Forget cached overrides (after the admin API changed them in this isolate). */
export function invalidateTenantLimits(tenant: TenantId): void {
  overridesCache.delete(tenant);
}

export function tenantObject(env: Env, tenant: TenantId) {
  return env.TENANT.get(env.TENANT.idFromName(tenant));
}

