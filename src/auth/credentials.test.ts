import { describe, expect, it } from "vitest";
import { parseAuthorization } from "./credentials";

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass, "utf8").toString("base64")}`;

describe("parseAuthorization", () => {
  it("reads bearer tokens, with any case of scheme and spaces around", () => {
    expect(parseAuthorization("Bearer abc.def")).toEqual({ kind: "bearer", token: "abc.def" });
    expect(parseAuthorization("  bearer   abc  ")).toEqual({ kind: "bearer", token: "abc" });
  });

  it("reads basic credentials: user name, then the token, which may hold ':'", () => {
    expect(parseAuthorization(basic("team-a:s3cr:et"))).toEqual({ kind: "basic", user: "team-a", token: "s3cr:et" });
    expect(parseAuthorization(basic(":tok"))).toEqual({ kind: "basic", user: "", token: "tok" });
    expect(parseAuthorization(basic("équipe:clé"))).toEqual({ kind: "basic", user: "équipe", token: "clé" });
  });

  it("tells absent from malformed", () => {
    for (const h of [undefined, null, "", "   "]) expect(parseAuthorization(h).kind).toBe("none");
    const problems = ["Bearer", "Bearer   ", "Digest x=1", "Basic !!!", basic("no-colon"), basic("user:"), "Basic /w=="].map((h) => {
      const c = parseAuthorization(h);
      return c.kind === "malformed" ? c.problem : `not malformed: ${c.kind}`;
    });
    expect(problems).toEqual([
      "Bearer without a token",
      "Bearer without a token",
      'unsupported authorization scheme "digest": use Bearer or Basic',
      "Basic credentials are not base64 of UTF-8 text",
      "Basic credentials lack the ':' between user name and password",
      "Basic credentials have an empty password",
      "Basic credentials are not base64 of UTF-8 text",
    ]);
  });
});
