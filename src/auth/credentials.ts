/**
 * Credentials from a request's `Authorization` header, in the two forms
 * Prometheus (`basic_auth`, `authorization`), Grafana's Prometheus data
 * source and promtool's HTTP config send: `Bearer <token>`, and `Basic`
 * with a user name and the token as password. As in Grafana Cloud and
 * Grafana Enterprise Metrics, a basic-auth user name names the tenant.
 */
export type Credentials =
  | { readonly kind: "none" }
  | { readonly kind: "bearer"; readonly token: string }
  | { readonly kind: "basic"; readonly user: string; readonly token: string }
  | { readonly kind: "malformed"; readonly problem: string };

const NONE: Credentials = { kind: "none" };

export function parseAuthorization(header: string | null | undefined): Credentials {
  if (header === null || header === undefined || header.trim() === "") return NONE;
  const value = header.trim();
  const space = value.indexOf(" ");
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  const rest = space < 0 ? "" : value.slice(space + 1).trim();
  if (scheme === "bearer") {
    return rest === "" ? { kind: "malformed", problem: "Bearer without a token" } : { kind: "bearer", token: rest };
  }
  if (scheme === "basic") return basic(rest);
  return { kind: "malformed", problem: `unsupported authorization scheme ${JSON.stringify(scheme)}: use Bearer or Basic` };
}

function basic(encoded: string): Credentials {
  let decoded: string;
  try {
    // Prometheus and browsers send user:password as UTF-8 before base64.
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { kind: "malformed", problem: "Basic credentials are not base64 of UTF-8 text" };
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return { kind: "malformed", problem: "Basic credentials lack the ':' between user name and password" };
  const token = decoded.slice(colon + 1);
  if (token === "") return { kind: "malformed", problem: "Basic credentials have an empty password" };
  return { kind: "basic", user: decoded.slice(0, colon), token };
}
