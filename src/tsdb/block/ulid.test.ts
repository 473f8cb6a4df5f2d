import { describe, expect, it } from "vitest";
import { isULID, newULID, ulidTime } from "./ulid";

describe("ulid", () => {
  it("encodes the time and randomness as Crockford base32", () => {
    // Known vector from the ULID spec's reference implementation: time
    // 1469918176385 encodes as 01ARYZ6S41; all-zero randomness as 16 zeros.
    const id = newULID(1469918176385, new Uint8Array(10));
    expect(id).toBe("01ARYZ6S41" + "0".repeat(16));
    expect(newULID(0, new Uint8Array(10).fill(0xff))).toBe("0".repeat(10) + "Z".repeat(16));
  });

  it("round-trips the time and validates", () => {
    const id = newULID(1_700_000_000_123);
    expect(isULID(id)).toBe(true);
    expect(ulidTime(id)).toBe(1_700_000_000_123);
    expect(isULID("01ARYZ6S41TSV4RRFFQ69G5FAI")).toBe(false); // I is not in the alphabet
    expect(isULID("8ZZZZZZZZZZZZZZZZZZZZZZZZZ")).toBe(false); // beyond 48 bits of time
  });

  it("sorts by time", () => {
    const a = newULID(1000);
    const b = newULID(2000);
    expect(a < b).toBe(true);
  });
});
