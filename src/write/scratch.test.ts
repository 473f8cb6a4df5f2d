import { describe, expect, it } from "vitest";
import { decodedBodyScratch, giveRefColumn, takeRefColumn } from "./scratch";
import { decodeSnappy, encodeSnappy } from "./snappy";

describe("push scratch buffers", () => {
  it("decodes every body into one buffer, and bodies over the limit into their own", () => {
    const a = decodedBodyScratch(1000);
    const b = decodedBodyScratch(500);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(500);
    const huge = decodedBodyScratch(9 << 20);
    expect(huge.buffer).not.toBe(a.buffer);
    // Reused memory holds the previous body, and the decoder overwrites all of it.
    const first = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    const second = Uint8Array.from({ length: 2000 }, (_, i) => (i * 13 + 1) & 0xff);
    expect(decodeSnappy(encodeSnappy(first), 1 << 20, decodedBodyScratch)).toEqual(first);
    expect(decodeSnappy(encodeSnappy(second), 1 << 20, decodedBodyScratch)).toEqual(second);
  });

  it("hands a given-back column to the next taker and distinct ones to holders at once", () => {
    const a = takeRefColumn(1000);
    const b = takeRefColumn(1000);
    expect(b).not.toBe(a);
    giveRefColumn(a);
    giveRefColumn(a); // twice: still handed out once
    expect(takeRefColumn(800)).toBe(a);
    expect(takeRefColumn(800)).not.toBe(a);
    // Too small for the request: a new one, the small one stays spare.
    const small = takeRefColumn(10);
    giveRefColumn(small);
    const big = takeRefColumn(5000);
    expect(big).not.toBe(small);
    expect(big.length).toBeGreaterThanOrEqual(5000);
    expect(takeRefColumn(10)).toBe(small);
  });
});
