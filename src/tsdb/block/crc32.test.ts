import { describe, expect, it } from "vitest";
import { crc32c, crc32ieee } from "./crc32";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("crc32", () => {
  // The standard check values: CRC of the ASCII string "123456789".
  it("matches the published check values", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32ieee(ascii("123456789"))).toBe(0xcbf43926);
  });

  it("is 0 for empty input", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32ieee(new Uint8Array(0))).toBe(0);
  });

  // RFC 3720 (iSCSI) B.4 test vectors for CRC-32C.
  it("matches the iSCSI CRC-32C vectors", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(inc)).toBe(0x46dd794e);
  });

  it("gives the same result in pieces as in one pass, on every split", () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff);
    const whole = crc32c(data);
    for (let split = 0; split <= data.length; split++) {
      expect(crc32c(data, split, data.length, crc32c(data, 0, split))).toBe(whole);
    }
  });

  it("agrees with a bitwise reference on odd lengths and offsets", () => {
    const ref = (d: Uint8Array) => {
      let c = 0xffffffff;
      for (const b of d) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const data = Uint8Array.from({ length: 77 }, (_, i) => (i * 151) & 0xff);
    for (let s = 0; s < 9; s++) expect(crc32c(data, s, data.length - s)).toBe(ref(data.subarray(s, data.length - s)));
  });
});
