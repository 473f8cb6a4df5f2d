import { describe, expect, it } from "vitest";
import { grown } from "./grow";

describe("grown", () => {
  it("doubles until the need fits and keeps only the part in use", () => {
    const a = Uint8Array.of(1, 2, 3, 4);
    const b = grown(a, 3, 9);
    expect(b).toBeInstanceOf(Uint8Array);
    expect(b.length).toBe(16);
    expect(Array.from(b.subarray(0, 4))).toEqual([1, 2, 3, 0]);
    const c = grown(new Uint32Array(20).fill(7), 20, 100);
    expect(c).toBeInstanceOf(Uint32Array);
    expect(c.length).toBe(160);
    expect(c[19]).toBe(7);
    expect(c[20]).toBe(0);
  });
});
