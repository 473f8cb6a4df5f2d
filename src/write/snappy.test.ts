import { describe, expect, it } from "vitest";
import { uncompress } from "snappyjs";
import { decodeSnappy, encodeSnappy, snappyDecodedLength, SnappyError } from "./snappy";

const bytes = (...b: number[]) => new Uint8Array(b);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("decodeSnappy", () => {
  it("decodes a hand-built literal", () => {
    // preamble 5, literal tag (5-1)<<2, then the bytes
    expect(text(decodeSnappy(bytes(5, 4 << 2, 104, 101, 108, 108, 111), 100))).toBe("hello");
  });

  it("decodes an overlapping 1-byte-offset copy as a repeating pattern", () => {
    // "ab", then copy len 6 (tag bits (6-4)<<2 | 1) from offset 2.
    expect(text(decodeSnappy(bytes(8, 1 << 2, 97, 98, (2 << 2) | 1, 2), 100))).toBe("abababab");
  });

  it("decodes 2- and 4-byte-offset copies", () => {
    const lit = "0123456789abcdefghij"; // 20 bytes: literal tag (19<<2)
    const head = [40, 19 << 2, ...new TextEncoder().encode(lit)];
    // copy 10 bytes from offset 20 with a 2-byte offset, then 10 from offset 20 with a 4-byte offset
    const two = [((10 - 1) << 2) | 2, 20, 0];
    const four = [((10 - 1) << 2) | 3, 20, 0, 0, 0];
    expect(text(decodeSnappy(new Uint8Array([...head, ...two, ...four]), 100))).toBe(lit + lit);
  });

  it("decodes a literal whose length sits in an extra byte", () => {
    const body = new Uint8Array(100).map((_, i) => i);
    const src = new Uint8Array([100, 60 << 2, 99, ...body]);
    expect(decodeSnappy(src, 1000)).toEqual(body);
  });

  it("round-trips through the encoder and agrees with snappyjs", () => {
    const rnd = prng(7);
    for (const size of [0, 1, 15, 16, 17, 100, 4096, 70_000]) {
      // Half random bytes, half repeated phrases, so both literals and copies occur.
      const src = new Uint8Array(size);
      for (let i = 0; i < size; i++) src[i] = i % 64 < 32 ? Math.floor(rnd() * 256) : "node_cpu_seconds"[i % 16]!.charCodeAt(0);
      const enc = encodeSnappy(src);
      expect(snappyDecodedLength(enc)).toBe(size);
      expect(decodeSnappy(enc, size)).toEqual(src);
      expect(decodeSnappy(enc, size)).toEqual(uncompress(enc));
    }
  });

  it("refuses a declared length over the limit before decoding", () => {
    // 2^30 declared by a 5-byte preamble and nothing else: a bomb.
    const bomb = bytes(0x80, 0x80, 0x80, 0x80, 0x04);
    expect(snappyDecodedLength(bomb)).toBe(2 ** 30);
    let err: unknown;
    try {
      decodeSnappy(bomb, 32 << 20);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SnappyError);
    expect((err as SnappyError).kind).toBe("too-large");
    expect((err as SnappyError).message).toBe("snappy: decoded length 1073741824 exceeds the limit of 33554432 bytes");
  });

  const corrupt: [string, Uint8Array, RegExp][] = [
    ["empty input", bytes(), /truncated length preamble/],
    ["a preamble longer than 5 bytes", bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), /longer than 5 bytes/],
    ["a preamble over 32 bits", bytes(0xff, 0xff, 0xff, 0xff, 0x7f), /exceeds 32 bits/],
    ["a literal past the input", bytes(5, 4 << 2, 104, 101), /literal runs past the input/],
    ["a literal past the declared length", bytes(2, 4 << 2, 104, 101, 108, 108, 111), /past the declared length/],
    ["a copy with offset 0", bytes(8, 1 << 2, 97, 98, (2 << 2) | 1, 0), /copy offset 0 out of range/],
    ["a copy reaching before the start", bytes(8, 1 << 2, 97, 98, (2 << 2) | 1, 3), /copy offset 3 out of range/],
    ["a truncated copy", bytes(8, 1 << 2, 97, 98, (2 << 2) | 2, 1), /truncated copy/],
    ["output shorter than declared", bytes(9, 1 << 2, 97, 98), /decoded 2 bytes, but the preamble declared 9/],
  ];
  for (const [name, src, re] of corrupt) {
    it(`rejects ${name}`, () => {
      expect(() => decodeSnappy(src, 1 << 20)).toThrow(re);
      try {
        decodeSnappy(src, 1 << 20);
      } catch (e) {
        expect((e as SnappyError).kind).toBe("malformed");
      }
    });
  }
});
