import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/error";
import { sha256Hex } from "../encoding/sha256";
import { firstRefusedTenant, parseAccessList, TokenChecker } from "./tokens";

const WRITER = "writer-token-0123456789";
const READER = "reader-token-0123456789";
const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

const LIST = `
tokens:
  - name: prometheus-a
    sha256: ${sha(WRITER).toUpperCase()}
    tenants: [team-a]
    scopes: [write]
  - name: grafana
    token: ${READER}
    all_tenants: true
    scopes: [read]
`;

function fieldOf(text: string): string {
  try {
    parseAccessList(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return "accepted";
}

describe("access list", () => {
  it("finds tokens given by hash or in plain, with their tenants and scopes", async () => {
    const checker = new TokenChecker(parseAccessList(LIST));
    const writer = await checker.check(WRITER);
    expect(writer?.name).toBe("prometheus-a");
    expect([...writer!.scopes]).toEqual(["write"]);
    expect(firstRefusedTenant(writer!, ["team-a"])).toBeUndefined();
    expect(firstRefusedTenant(writer!, ["team-a", "team-b"])).toBe("team-b");
    const reader = await checker.check(READER);
    expect(reader?.name).toBe("grafana");
    expect(firstRefusedTenant(reader!, ["anything", "else"])).toBeUndefined();
    expect(await checker.check("writer-token-012345678")).toBeUndefined();
    expect(await checker.check(WRITER + " ")).toBeUndefined();
    // A second look is answered from memory and gives the same principal.
    expect(await checker.check(WRITER)).toBe(writer);
  });

  it("hashes as SHA-256 in hex", async () => {
    expect(await sha256Hex("abc")).toBe(sha("abc"));
  });

  it("refuses a list that would be unsafe or ambiguous, naming the field", () => {
    const one = (entry: string): string => fieldOf(`tokens:\n  - ${entry}`);
    expect(fieldOf("")).toBe("tokens: must be a non-empty list");
    expect(fieldOf("tokens: []")).toBe("tokens: must be a non-empty list");
    expect(fieldOf("tokenz: []")).toBe("tokenz: unknown field");
    expect(fieldOf("tokens: [")).toMatch(/^AUTH_TOKENS is neither valid YAML nor JSON/);
    expect(one(`{ name: a, token: short, tenants: [t], scopes: [read] }`)).toBe("tokens[0].token: must be a string of at least 16 characters");
    expect(one(`{ name: a, sha256: abc, tenants: [t], scopes: [read] }`)).toBe("tokens[0].sha256: must be 64 hexadecimal digits");
    expect(one(`{ name: a, tenants: [t], scopes: [read] }`)).toBe("tokens[0]: needs exactly one of sha256 and token");
    expect(one(`{ name: a, token: ${READER}, sha256: ${sha(READER)}, tenants: [t], scopes: [read] }`)).toBe("tokens[0]: needs exactly one of sha256 and token");
    expect(one(`{ name: a, token: ${READER}, scopes: [read] }`)).toMatch(/^tokens\[0\]\.tenants: must be a non-empty list/);
    expect(one(`{ name: a, token: ${READER}, tenants: [t], all_tenants: true, scopes: [read] }`)).toBe("tokens[0]: gives both tenants and all_tenants");
    expect(one(`{ name: a, token: ${READER}, tenants: [".."], scopes: [read] }`)).toBe('tokens[0].tenants[0]: tenant ID is ".."');
    expect(one(`{ name: a, token: ${READER}, tenants: [t], scopes: [admin] }`)).toBe("tokens[0].scopes[0]: must be one of read, write");
    expect(one(`{ name: a, token: ${READER}, tenants: [t], scopes: [] }`)).toBe("tokens[0].scopes: must be a non-empty list of read, write");
    expect(one(`{ token: ${READER}, tenants: [t], scopes: [read] }`)).toBe("tokens[0].name: must be a non-empty string");
    expect(one(`{ name: a, token: ${READER}, tenants: [t], scopes: [read], tenant: x }`)).toBe("tokens[0].tenant: unknown field");
    expect(fieldOf(`tokens:\n  - { name: a, token: ${READER}, tenants: [t], scopes: [read] }\n  - { name: a, token: ${WRITER}, tenants: [t], scopes: [read] }`)).toBe(
      'tokens[1].name: "a" is used twice',
    );
  });

  it("refuses one secret listed twice, plain and hashed, when first used", async () => {
    const list = `tokens:\n  - { name: a, token: ${READER}, tenants: [t], scopes: [read] }\n  - { name: b, sha256: ${sha(READER)}, tenants: [u], scopes: [write] }`;
    await expect(new TokenChecker(parseAccessList(list)).check(READER)).rejects.toThrow("tokens: a and b are the same token");
  });
});
