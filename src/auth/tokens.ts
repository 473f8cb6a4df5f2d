/**
 * The access list: which secret tokens may read or write which tenants.
 *
 * It comes from the `AUTH_TOKENS` variable (JSON or YAML), best kept as a
 * Worker secret:
 *
 *   tokens:
 *     - name: prometheus-eu          # shown in refusals and logs, never the secret
 *       sha256: 9f86d081884c7d65…    # hex SHA-256 of the token, or `token: <the secret>`
 *       tenants: [team-a]            # or `all_tenants: true`
 *       scopes: [write]              # read, write
 *
 * Mimir leaves authentication to a gateway in front of it; promflare is
 * that gateway, so it checks tokens itself. A token is stored and looked up
 * by its SHA-256 only, so the list may name tokens by hash where their
 * plaintext must not be kept, and comparing a presented token costs one
 * hash and one map lookup whatever the number of tokens.
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../config/error";
import { plainObject } from "../config/limits";
import { sha256Hex } from "../encoding/sha256";
import { validateTenantId } from "../tenancy/tenant";

export type Scope = "read" | "write";
const SCOPES: readonly Scope[] = ["read", "write"];

/** Who a valid token speaks for. */
export interface Principal {
  readonly name: string;
  /** Tenants the token may use; null: every tenant. */
  readonly tenants: ReadonlySet<string> | null;
  readonly scopes: ReadonlySet<Scope>;
}

/** Tokens shorter than this are refused in the list: they could be guessed. */
export const MIN_TOKEN_LENGTH = 16;

interface TokenEntry extends Principal {
  /** Lower-case hex SHA-256 of the token. */
  readonly sha256?: string;
  readonly token?: string;
}

const FIELDS = new Set(["name", "sha256", "token", "tenants", "all_tenants", "scopes"]);
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Parses and checks the list; throws `ConfigError` naming the bad field. */
export function parseAccessList(text: string): TokenEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // The parser quotes the offending line, which may hold a token: keep only where it is.
    const where = (e as Error).message.split("\n")[0];
    throw new ConfigError("", `AUTH_TOKENS is neither valid YAML nor JSON: ${where}`);
  }
  const root = plainObject(doc ?? {}, "");
  for (const key of Object.keys(root)) if (key !== "tokens") throw new ConfigError(key, "unknown field");
  const list = root["tokens"];
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError("tokens", "must be a non-empty list");
  const names = new Set<string>();
  const entries = list.map((raw, i) => tokenEntry(raw, `tokens[${i}]`));
  for (const [i, e] of entries.entries()) {
    if (names.has(e.name)) throw new ConfigError(`tokens[${i}].name`, `${JSON.stringify(e.name)} is used twice`);
    names.add(e.name);
  }
  return entries;
}

function tokenEntry(raw: unknown, path: string): TokenEntry {
  const o = plainObject(raw, path);
  for (const key of Object.keys(o)) if (!FIELDS.has(key)) throw new ConfigError(`${path}.${key}`, "unknown field");
  const name = o["name"];
  if (typeof name !== "string" || name.trim() === "") throw new ConfigError(`${path}.name`, "must be a non-empty string");
  const { sha256, token } = o;
  if ((sha256 === undefined) === (token === undefined)) throw new ConfigError(path, "needs exactly one of sha256 and token");
  if (sha256 !== undefined && (typeof sha256 !== "string" || !SHA256_HEX.test(sha256.toLowerCase()))) {
    throw new ConfigError(`${path}.sha256`, "must be 64 hexadecimal digits");
  }
  if (token !== undefined && (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH)) {
    throw new ConfigError(`${path}.token`, `must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const tenants = tenantsOf(o, path);
  const scopes = scopesOf(o["scopes"], `${path}.scopes`);
  return {
    name,
    tenants,
    scopes,
    ...(typeof sha256 === "string" ? { sha256: sha256.toLowerCase() } : { token: token as string }),
  };
}

function tenantsOf(o: Record<string, unknown>, path: string): ReadonlySet<string> | null {
  const all = o["all_tenants"];
  if (all !== undefined && typeof all !== "boolean") throw new ConfigError(`${path}.all_tenants`, "must be true or false");
  const list = o["tenants"];
  if (all === true) {
    if (list !== undefined) throw new ConfigError(path, "gives both tenants and all_tenants");
    return null;
  }
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${path}.tenants`, "must be a non-empty list of tenant ids (or set all_tenants: true)");
  const out = new Set<string>();
  for (const [i, t] of list.entries()) {
    const err = typeof t === "string" ? validateTenantId(t) : "must be a string";
    if (err !== null) throw new ConfigError(`${path}.tenants[${i}]`, err);
    out.add(t as string);
  }
  return out;
}

function scopesOf(value: unknown, path: string): ReadonlySet<Scope> {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(path, `must be a non-empty list of ${SCOPES.join(", ")}`);
  const out = new Set<Scope>();
  for (const [i, s] of value.entries()) {
    if (!SCOPES.includes(s as Scope)) throw new ConfigError(`${path}[${i}]`, `must be one of ${SCOPES.join(", ")}`);
    out.add(s as Scope);
  }
  return out;
}

/** Looks tokens up in an access list. */
export class TokenChecker {
  private readonly byHash: Promise<Map<string, Principal>>;
  /** Tokens already found valid, so a sender's every push does not hash its token again (only listed tokens get in, so it stays as small as the list). */
  private readonly known = new Map<string, Principal>();

  constructor(entries: readonly TokenEntry[]) {
    this.byHash = indexByHash(entries);
  }

  /** The token's principal, or undefined when the list does not hold it. */
  async check(token: string): Promise<Principal | undefined> {
    const hit = this.known.get(token);
    if (hit !== undefined) return hit;
    const found = (await this.byHash).get(await sha256Hex(token));
    if (found !== undefined) this.known.set(token, found);
    return found;
  }
}

async function indexByHash(entries: readonly TokenEntry[]): Promise<Map<string, Principal>> {
  const out = new Map<string, Principal>();
  for (const e of entries) {
    const hash = e.sha256 ?? (await sha256Hex(e.token!));
    // Two names for one secret would make the token's rights depend on order.
    if (out.has(hash)) throw new ConfigError("tokens", `${out.get(hash)!.name} and ${e.name} are the same token`);
    out.set(hash, { name: e.name, tenants: e.tenants, scopes: e.scopes });
  }
  return out;
}

/** The first of these tenants the principal may not use, if any. */
export function firstRefusedTenant(p: Principal, tenants: readonly string[]): string | undefined {
  if (p.tenants === null) return undefined;
  return tenants.find((t) => !p.tenants!.has(t));
}
