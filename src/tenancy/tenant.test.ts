import { describe, expect, it } from "vitest";
import { resolveTenants, validateTenantId } from "./tenant";

const settings = { defaultTenant: "anonymous", required: false };

describe("tenant ids", () => {
  it.each(["a", "team-1", "A.b_c*d'(e)!", "x".repeat(150)])("accepts %s", (id) => {
    expect(validateTenantId(id)).toBeNull();
  });
  it.each([".", "..", "a/b", "a b", "ä", "x".repeat(151), "a\nb", "a:b", ""])("rejects %j", (id) => {
    expect(validateTenantId(id)).not.toBeNull();
  });
  it("defaults when absent, unless required", () => {
    expect(resolveTenants(null, settings)).toEqual({ ok: true, tenants: ["anonymous"] });
    expect(resolveTenants(undefined, { ...settings, required: true })).toMatchObject({ ok: false, status: 401 });
  });
  it("splits federated ids, sorted and unique", () => {
    expect(resolveTenants("b|a|b", settings)).toEqual({ ok: true, tenants: ["a", "b"] });
    expect(resolveTenants("a|../x", settings)).toMatchObject({ ok: false, status: 400 });
  });
});
