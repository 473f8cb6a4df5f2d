import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter } from "./bytes";

/** Go's binary.PutUvarint, on BigInt, as the reference. */
function goUvarint(x: bigint): number[] {
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

describe("ByteWriter varints", () => {
  const edges = [0, 1, 127, 128, 16_383, 16_384, 2 ** 28 - 1, 2 ** 28, 2 ** 28 + 1, 2 ** 31, 2 ** 32 + 5, 1_732_000_000_123, 2 ** 35 * 3 + 7, Number.MAX_SAFE_INTEGER];

  it("writes Go's uvarint bytes on both sides of the 28-bit fast path", () => {
    for (const x of edges) {
      const w = new ByteWriter(1);
      w.uvarint(x);
      expect(Array.from(w.finish())).toEqual(goUvarint(BigInt(x)));
    }
  });

  it("round-trips zigzag varints, negative and positive, back to back", () => {
    const w = new ByteWriter(4);
    const xs = edges.flatMap((x) => (x <= Number.MAX_SAFE_INTEGER / 2 ? [x, -x] : []));
    for (const x of xs) w.varint(x);
    const r = new ByteReader(w.finish());
    expect(xs.map(() => r.varint())).toEqual(xs.map((x) => (x === 0 ? 0 : x)));
    expect(r.done).toBe(true);
  });
});

describe("ByteWriter strings", () => {
  it("round-trips ASCII, non-ASCII and long strings, each behind its UTF-8 length", () => {
    const strings = ["", "up", "node_cpu_seconds_total", "nöde-😀", "x".repeat(127), "y".repeat(128), "é".repeat(70), `a${"é".repeat(60)}`];
    const w = new ByteWriter(2);
    for (const s of strings) w.string(s);
    const out = w.finish();
    const r = new ByteReader(out);
    expect(strings.map(() => r.string())).toEqual(strings);
    expect(r.done).toBe(true);
    const utf8 = (s: string) => new TextEncoder().encode(s).length;
    const varintBytes = (n: number) => (n < 0x80 ? 1 : 2);
    expect(out.length).toBe(strings.reduce((n, s) => n + varintBytes(utf8(s)) + utf8(s), 0));
  });
});
