import { describe, expect, it } from "vitest";
import { negotiateWrite, parseMediaType } from "./content-type";

const v1 = { ok: true, protocol: "v1" };
const v2 = { ok: true, protocol: "v2" };

describe("negotiateWrite", () => {
  const accepted: [string | null, object][] = [
    [null, v1],
    ["", v1],
    ["application/x-protobuf", v1],
    ["application/x-protobuf;proto=prometheus.WriteRequest", v1],
    ["application/x-protobuf;proto=io.prometheus.write.v2.Request", v2],
    // case-insensitive media type and parameter name
    ["Application/X-Protobuf; PROTO=io.prometheus.write.v2.Request", v2],
    // whitespace around ";" and "="
    ["application/x-protobuf ; proto = io.prometheus.write.v2.Request ", v2],
    ["\tapplication/x-protobuf;\tproto=io.prometheus.write.v2.Request", v2],
    // quoted values, with and without escapes
    ['application/x-protobuf;proto="io.prometheus.write.v2.Request"', v2],
    ['application/x-protobuf;proto="io.prometheus.write.v2.\\Request"', v2],
    // unrelated parameters, empty parameters
    ["application/x-protobuf;charset=utf-8;proto=io.prometheus.write.v2.Request", v2],
    ["application/x-protobuf;;proto=prometheus.WriteRequest;", v1],
  ];
  for (const [ct, want] of accepted) {
    it(`accepts ${JSON.stringify(ct)}`, () => {
      expect(negotiateWrite(ct, "snappy")).toEqual(want);
    });
  }

  const rejected: [string, RegExp][] = [
    ["application/json", /expected Content-Type application\/x-protobuf/],
    ["text/plain;proto=io.prometheus.write.v2.Request", /expected Content-Type/],
    ["application/x-protobuf;proto=io.prometheus.write.v3.Request", /"io.prometheus.write.v3.Request" is not accepted/],
    // protobuf message names are case-sensitive
    ["application/x-protobuf;proto=Prometheus.WriteRequest", /not accepted/],
    ["application/x-protobuf;proto", /malformed Content-Type/],
    ['application/x-protobuf;proto="unterminated', /malformed/],
    ["application/x-protobuf proto=x", /malformed/],
    ["application", /malformed/],
    ["application/x-protobuf;proto=prometheus.WriteRequest;proto=io.prometheus.write.v2.Request", /malformed/],
  ];
  for (const [ct, re] of rejected) {
    it(`answers 415 to ${JSON.stringify(ct)}`, () => {
      const n = negotiateWrite(ct, "snappy");
      expect(n.ok).toBe(false);
      if (!n.ok) {
        expect(n.status).toBe(415);
        expect(n.message).toMatch(re);
      }
    });
  }

  it("assumes snappy when Content-Encoding is absent, like Prometheus", () => {
    expect(negotiateWrite("application/x-protobuf", null)).toEqual(v1);
  });

  it("accepts snappy in any case and with surrounding whitespace", () => {
    expect(negotiateWrite(null, " Snappy ")).toEqual(v1);
  });

  for (const enc of ["gzip", "zstd", "identity", "snappy, gzip", "x-snappy-framed"]) {
    it(`answers 415 to Content-Encoding ${enc}`, () => {
      const n = negotiateWrite(null, enc);
      expect(n).toMatchObject({ ok: false, status: 415 });
      if (!n.ok) expect(n.message).toContain("only snappy");
    });
  }
});

describe("parseMediaType", () => {
  it("lower-cases type and names but keeps value case", () => {
    const m = parseMediaType('Text/HTML; Charset="UTF-8"; q=A');
    expect(m?.type).toBe("text/html");
    expect(m?.params.get("charset")).toBe("UTF-8");
    expect(m?.params.get("q")).toBe("A");
  });
  it("unescapes quoted-pairs", () => {
    expect(parseMediaType('a/b;x="say \\"hi\\" \\\\ ok"')?.params.get("x")).toBe('say "hi" \\ ok');
  });
  it("rejects control characters in quoted strings", () => {
    expect(parseMediaType('a/b;x="a\u0001b"')).toBeNull();
  });
});
