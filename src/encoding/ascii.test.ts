import { describe, expect, it } from "vitest";
import { writeShortAscii } from "./ascii";

describe("writeShortAscii", () => {
  it("writes a one-byte length and the bytes of short ASCII, and refuses the rest", () => {
    const out = new Uint8Array(300);
    expect(writeShortAscii(out, 3, "job")).toBe(7);
    expect(Array.from(out.subarray(3, 7))).toEqual([3, 0x6a, 0x6f, 0x62]);
    expect(writeShortAscii(out, 0, "")).toBe(1);
    expect(writeShortAscii(out, 0, "x".repeat(127))).toBe(128);
    expect(writeShortAscii(out, 0, "x".repeat(128))).toBe(-1);
    expect(writeShortAscii(out, 0, "nöde")).toBe(-1);
    expect(writeShortAscii(out, 0, "\u007f")).toBe(2);
  });
});
