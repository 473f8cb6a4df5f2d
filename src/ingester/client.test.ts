import { describe, expect, it } from "vitest";
import { shardOfHash } from "./client";

describe("shardOfHash", () => {
  it("is hash % shards for every uint32, above 2^31 included", () => {
    const hashes = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xfffffffe, 0xffffffff];
    let x = 0x9e3779b9;
    for (let i = 0; i < 2000; i++) {
      x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
      hashes.push(x);
    }
    for (const shards of [1, 2, 3, 4, 7, 16, 31, 64, 100, 255, 1000, 4096]) {
      for (const h of hashes) expect(shardOfHash(h, shards)).toBe(h % shards);
    }
  });
});
