/**
 * Authentication of API requests against `AUTH_TOKENS`. Without that
 * variable every request is let through, as Mimir does behind its own
 * gateway, and the tenant comes from `X-Scope-OrgID` alone.
 */
import { parseAuthorization } from "./credentials";
import { firstRefusedTenant, parseAccessList, TokenChecker, type Principal, type Scope } from "./tokens";

export type { Scope } from "./tokens";

/** What a client is told to send when it sent nothing usable (401). */
export const WWW_AUTHENTICATE = 'Basic realm="promflare", charset="UTF-8"';

export type Authentication =
  | {
      readonly ok: true;
      /** null when authentication is off. */
      readonly principal: Principal | null;
      /** The tenant(s) the request names, to be validated as `X-Scope-OrgID` is. */
      readonly tenantHeader: string | undefined;
    }
  | { readonly ok: false; readonly status: 400 | 401 | 403; readonly message: string };

let checkerFor: string | undefined;
let checker: TokenChecker | null = null;

/** The isolate's checker for this access list, built once; null when authentication is off. */
function tokenChecker(accessList: string | undefined): TokenChecker | null {
  const text = accessList ?? "";
  if (text !== checkerFor) {
    // A broken list throws here, on every request, until fixed: fail closed.
    checker = text.trim() === "" ? null : new TokenChecker(parseAccessList(text));
    checkerFor = text;
  }
  return checker;
}

export async function authenticate(
  accessList: string | undefined,
  authorization: string | undefined,
  orgId: string | undefined,
  scope: Scope,
): Promise<Authentication> {
  const tokens = tokenChecker(accessList);
  if (tokens === null) return { ok: true, principal: null, tenantHeader: orgId };
  const cred = parseAuthorization(authorization);
  if (cred.kind === "none") {
    return { ok: false, status: 401, message: "authentication required: send Authorization: Bearer <token>, or basic auth with the tenant as user name and the token as password" };
  }
  if (cred.kind === "malformed") return { ok: false, status: 401, message: `malformed Authorization header: ${cred.problem}` };
  const principal = await tokens.check(cred.token);
  if (principal === undefined) return { ok: false, status: 401, message: "invalid credentials: the token is not known" };
  if (!principal.scopes.has(scope)) return { ok: false, status: 403, message: `token ${JSON.stringify(principal.name)} may not ${scope}` };

  let tenantHeader = orgId !== undefined && orgId.trim() !== "" ? orgId : undefined;
  if (cred.kind === "basic" && cred.user !== "") {
    if (tenantHeader !== undefined && tenantHeader !== cred.user) {
      return { ok: false, status: 400, message: "the basic-auth user name and X-Scope-OrgID name different tenants" };
    }
    tenantHeader = cred.user;
  }
  // A token for one tenant needs no header to say which.
  if (tenantHeader === undefined && principal.tenants?.size === 1) tenantHeader = [...principal.tenants][0];
  return { ok: true, principal, tenantHeader };
}

/** The refusal when the token may not use one of the request's tenants, or undefined. */
export function tenantRefusal(auth: Authentication & { ok: true }, tenants: readonly string[]): string | undefined {
  if (auth.principal === null) return undefined;
  const refused = firstRefusedTenant(auth.principal, tenants);
  return refused === undefined ? undefined : `token ${JSON.stringify(auth.principal.name)} may not access tenant ${JSON.stringify(refused)}`;
}
