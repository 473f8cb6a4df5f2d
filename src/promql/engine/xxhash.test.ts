import { describe, expect, it } from "vitest";
import { xxhash64 } from "./xxhash";

const enc = (s: string) => new TextEncoder().encode(s);

describe("xxhash64", () => {
  // Reference values of XXH64 with seed 0 (from the xxHash project's test vectors).
  it("matches published XXH64 values", () => {
    expect(xxhash64(enc(""))).toBe(0xef46db3751d8e999n);
    expect(xxhash64(enc("a"))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxhash64(enc("abc"))).toBe(0x44bc2cf5ad770999n);
    expect(xxhash64(enc("Nobody inspects the spammish repetition"))).toBe(0xfbcea83c8a378bf1n);
  });
});
