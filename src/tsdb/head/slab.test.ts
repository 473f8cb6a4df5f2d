import { describe, expect, it } from "vitest";
import { ChunkSlab } from "./slab";

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** Positions where the two differ, plus the length difference: a plain loop, as deep equality of large arrays is slow. */
function differingBytes(a: Uint8Array, b: Uint8Array): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

describe("ChunkSlab", () => {
  it("keeps each chunk's bytes, across slab boundaries, whatever is stored after it", () => {
    const slab = new ChunkSlab();
    const stored = [];
    // 3,000 chunks of 1 KB fill about twelve 256 KiB slabs.
    for (let i = 0; i < 3000; i++) stored.push({ chunk: slab.store(i, i * 10, i * 10 + 5, bytes(1000, i)), want: bytes(1000, i) });
    for (const { chunk, want } of stored) {
      expect(chunk.byteLength).toBe(1000);
      expect(differingBytes(chunk.data, want), `chunk ${chunk.id}`).toBe(0);
    }
    expect(stored[7]!.chunk).toMatchObject({ id: 7, minTime: 70, maxTime: 75, persisted: false });
  });

  it("copies what it is given, and gives a chunk larger than a quarter slab a buffer of its own", () => {
    const slab = new ChunkSlab();
    const src = bytes(300_000, 1);
    const big = slab.store(0, 0, 1, src);
    src.fill(0);
    expect(differingBytes(big.data, bytes(300_000, 1))).toBe(0);
    expect(big.data.buffer.byteLength).toBe(300_000);
    const small = slab.store(1, 0, 1, bytes(10, 2));
    expect(small.data.buffer.byteLength).toBe(256 << 10);
  });
});
