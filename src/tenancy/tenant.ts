/**
 * Tenant resolution. The tenant id becomes part of Durable Object names and
 * R2 keys, so it is validated here, once, before anything else sees it.
 * Rules follow Mimir: at most 150 characters from [A-Za-z0-9!-_.*'()],
 * and not "." or "..".
 */
export const ORG_ID_HEADER = "X-Scope-OrgID";
export const MAX_TENANT_ID_LENGTH = 150;

const TENANT_ID = /^[A-Za-z0-9!\-_.*'()]+$/;

/** A tenant id that has passed validation. */
export type TenantId = string & { readonly __brand: "TenantId" };

export type TenantResult =
  | { readonly ok: true; readonly tenants: TenantId[] }
  | { readonly ok: false; readonly status: 400 | 401; readonly message: string };

export interface TenantSettings {
  /** Used when the header is absent, unless `required`. */
  readonly defaultTenant: string;
  readonly required: boolean;
}

export function validateTenantId(id: string): string | null {
  if (id === "") return "tenant ID is empty";
  if (id.length > MAX_TENANT_ID_LENGTH) {
    return `tenant ID is too long: max ${MAX_TENANT_ID_LENGTH} characters`;
  }
  if (id === "." || id === "..") return `tenant ID is "${id}"`;
  if (!TENANT_ID.test(id)) return `tenant ID ${JSON.stringify(id)} contains unsupported characters`;
  return null;
}

/**
 * Reads the tenant(s) of a request. `a|b|c` names several tenants (tenant
 * federation); callers that accept only one check the length.
 */
export function resolveTenants(header: string | null | undefined, settings: TenantSettings): TenantResult {
  if (header === null || header === undefined || header.trim() === "") {
    if (settings.required) return { ok: false, status: 401, message: "no org id" };
    const err = validateTenantId(settings.defaultTenant);
    if (err) return { ok: false, status: 400, message: `invalid default tenant: ${err}` };
    return { ok: true, tenants: [settings.defaultTenant as TenantId] };
  }
  const ids = [...new Set(header.split("|").map((s) => s.trim()))].sort();
  for (const id of ids) {
    const err = validateTenantId(id);
    if (err) return { ok: false, status: 400, message: err };
  }
  return { ok: true, tenants: ids as TenantId[] };
}
