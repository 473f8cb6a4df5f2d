import { describe, expect, it } from "vitest";
import { HashTable } from "./hash-table";

describe("HashTable", () => {
  it("behaves like a Map through growth and deletes, with keys sharing their low bits", () => {
    const table = new HashTable<{ v: number }>();
    const ref = new Map<number, { v: number }>();
    let seed = 1;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    // Keys ≡ 3 mod 4, as in one shard of four; a small key space makes repeats and deletes of present keys common.
    const key = () => ((rnd() % 5000) * 4 + 3) >>> 0;
    for (let step = 0; step < 60_000; step++) {
      const k = step % 7 === 0 ? (rnd() | 0x80000000) >>> 0 : key();
      if (rnd() % 3 === 0) {
        table.delete(k);
        ref.delete(k);
      } else {
        const v = { v: step };
        table.set(k, v);
        ref.set(k, v);
      }
      if (step % 997 === 0) {
        expect(table.size).toBe(ref.size);
        for (const [rk, rv] of ref) expect(table.get(rk)).toBe(rv);
      }
    }
    for (let k = 0; k < 20_000; k++) expect(table.get(k * 4 + 3)).toBe(ref.get(k * 4 + 3));
  });
});
