import { describe, expect, it } from "vitest";
import { BitReader, BitWriter } from "./bstream";
import { XORAppender, XORIterator, decodeXOR, encodeXOR, floatFromBits, floatHi, floatLo, sameFloatBits, xorNumSamples } from "./xor";

// Plain JS arrays of doubles canonicalise NaN payloads in V8, so special
// values are built and kept in typed arrays only.
function bitsArray(pairs: [number, number][]): Float64Array {
  const out = new Float64Array(pairs.length);
  const dv = new DataView(out.buffer);
  pairs.forEach(([hi, lo], i) => {
    dv.setUint32(i * 8, hi);
    dv.setUint32(i * 8 + 4, lo);
  });
  // DataView wrote big-endian; flip each float into the platform's order.
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

function roundTrip(ts: number[], vs: ArrayLike<number>): { t: Float64Array; v: Float64Array; bytes: Uint8Array } {
  const bytes = encodeXOR(ts, vs);
  const t = new Float64Array(ts.length);
  const v = new Float64Array(ts.length);
  expect(decodeXOR(bytes, t, v)).toBe(ts.length);
  return { t, v, bytes };
}

function expectBitsEqual(actual: Float64Array, expected: ArrayLike<number>): void {
  for (let i = 0; i < expected.length; i++) {
    if (!sameFloatBits(actual[i]!, expected[i]!)) {
      throw new Error(`value ${i}: got ${floatHi(actual[i]!).toString(16)}:${floatLo(actual[i]!).toString(16)}, want ${floatHi(expected[i]!).toString(16)}:${floatLo(expected[i]!).toString(16)}`);
    }
  }
}

describe("bit stream", () => {
  it("packs bits most significant first and pads with zeros", () => {
    const w = new BitWriter(1);
    w.writeBit(1);
    w.writeBits(0b01, 2);
    w.writeBits(0xabcd, 16);
    expect(hex(w.bytes())).toBe("b5 79 a0");
    const r = new BitReader(w.bytes());
    expect(r.readBit()).toBe(1);
    expect(r.readBits(2)).toBe(1);
    expect(r.readBits(16)).toBe(0xabcd);
  });

  it("round-trips 32-bit values and Go varints", () => {
    const w = new BitWriter();
    w.writeBit(1);
    w.writeBits(0xffffffff, 32);
    w.writeVarint(-1);
    w.writeVarint(-(2 ** 50));
    w.writeUvarint(2 ** 53 - 1);
    const r = new BitReader(w.bytes());
    expect(r.readBit()).toBe(1);
    expect(r.readBits(32)).toBe(0xffffffff);
    expect(r.readVarint()).toBe(-1);
    expect(r.readVarint()).toBe(-(2 ** 50));
    expect(r.readUvarint()).toBe(2 ** 53 - 1);
  });
});

describe("XOR chunk layout (worked by hand from the format description)", () => {
  it("encodes three samples with a repeated value and a new XOR window", () => {
    // t0=1000 → zig-zag 2000 → uvarint d0 0f; v0=1.0 → 3ff0000000000000;
    // t1-t0=1000 → uvarint e8 07; v1 unchanged → '0'; dod=0 → '0';
    // 2.0 xor 1.0 = 0x7ff0000000000000: leading 1, trailing 52, 11 bits:
    // '11' '00001' '001011' '11111111111' then zero padding.
    const bytes = encodeXOR([1000, 2000, 3000], [1, 1, 2]);
    expect(hex(bytes)).toBe("00 03 d0 0f 3f f0 00 00 00 00 00 00 e8 07 30 97 ff c0");
  });

  it("encodes small positive and negative delta-of-deltas in the 14-bit bucket", () => {
    // dod=+5: '0'(v1) '10' 00000000000101 '0' → 40 02 80
    expect(hex(encodeXOR([0, 10, 25], [0, 0, 0]))).toBe("00 03 00 00 00 00 00 00 00 00 00 0a 40 02 80");
    // dod=-5: 14-bit two's complement 11111111111011 → 5f fd 80
    expect(hex(encodeXOR([0, 10, 15], [0, 0, 0]))).toBe("00 03 00 00 00 00 00 00 00 00 00 0a 5f fd 80");
  });

  it("writes one sample as header, varint and raw float", () => {
    // t=-1 → zig-zag 1; -0 → sign bit only.
    expect(hex(encodeXOR([-1], [-0]))).toBe("00 01 01 80 00 00 00 00 00 00 00");
  });
});

describe("XOR round trips", () => {
  it("keeps special values bit-exact", () => {
    const vs = bitsArray([
      [0, 0], // 0
      [0x80000000, 0], // -0
      [0x7ff00000, 0], // +Inf
      [0xfff00000, 0], // -Inf
      [0x7ff80000, 1], // a NaN
      [0x7ff00000, 2], // Prometheus's stale marker
      [0, 1], // smallest subnormal
      [0xffefffff, 0xffffffff], // -MaxFloat64
      [0x3ff00000, 0], // 1
      [0x3ff00000, 0],
      [0x7ff00000, 2],
      [0x3fd33333, 0x33333334], // 0.30000000000000004
    ]);
    const ts = Array.from(vs, (_, i) => 1_700_000_000_000 + i * 15_000);
    const { t, v } = roundTrip(ts, vs);
    expect(Array.from(t)).toEqual(ts);
    expectBitsEqual(v, vs);
    expect(floatHi(v[5]!)).toBe(0x7ff00000);
    expect(floatLo(v[5]!)).toBe(2);
  });

  it("handles huge, tiny and negative timestamps and every delta-of-delta bucket", () => {
    const ts = [-(2 ** 50), -(2 ** 50) + 1, -5, 0, 8192, 8192 + 8192 + 1, 2 ** 40, 2 ** 40 + 1, 2 ** 40 + 2 + 65536, 2 ** 40 + 3 + 2 * 65536 + 524288, 2 ** 52 - 1];
    const vs = ts.map((_, i) => i * 1.5);
    const { t, v } = roundTrip(ts, vs);
    expect(Array.from(t)).toEqual(ts);
    expectBitsEqual(v, vs);
  });

  it("decodes bucket boundaries of the asymmetric ranges", () => {
    // dods of exactly ±(2^(n-1)) and ±(2^(n-1)-1) for 14, 17 and 20 bits.
    const dods = [8192, -8191, -8192, 65536, -65535, -65536, 524288, -524287, -524288, 1];
    const ts = [0, 1_000_000];
    let delta = 1_000_000;
    for (const d of dods) {
      delta += d;
      ts.push(ts[ts.length - 1]! + delta);
    }
    const { t } = roundTrip(ts, ts.map(() => 1));
    expect(Array.from(t)).toEqual(ts);
  });

  it("fills 120-sample chunks with random-walk values", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ts: number[] = [];
    const vs: number[] = [];
    let t = 1_600_000_000_000;
    let val = 100;
    for (let i = 0; i < 120; i++) {
      t += 15_000 + Math.floor(rnd() * 50) - 25;
      val += rnd() < 0.3 ? 0 : (rnd() - 0.5) * 10;
      ts.push(t);
      vs.push(i % 17 === 0 ? Math.round(val) : val);
    }
    const { t: dt, v, bytes } = roundTrip(ts, vs);
    expect(xorNumSamples(bytes)).toBe(120);
    expect(Array.from(dt)).toEqual(ts);
    expectBitsEqual(v, vs);
  });

  it("compresses a regular counter to about a byte or two per sample", () => {
    const ts = Array.from({ length: 120 }, (_, i) => 1_600_000_000_000 + i * 15_000);
    const vs = ts.map((_, i) => i * 3);
    const bytes = encodeXOR(ts, vs);
    expect(bytes.length).toBeLessThan(120 * 3);
  });

  it("reopens a chunk with the same state as the original appender", () => {
    const a = new XORAppender();
    for (let i = 0; i < 50; i++) a.append(i * 1000 + (i % 3), Math.sin(i));
    const b = XORAppender.fromChunk(a.copyBytes());
    for (let i = 50; i < 60; i++) {
      a.append(i * 1000, Math.sin(i));
      b.append(i * 1000, Math.sin(i));
    }
    expect(hex(b.bytes())).toBe(hex(a.bytes()));
    expect(b.lastTimestamp).toBe(59_000);
    expect(b.numSamples).toBe(60);
  });

  it("iterates without per-sample state leaks across resets", () => {
    const c1 = encodeXOR([1, 2, 3], [1, 2, 3]);
    const c2 = encodeXOR([10, 20], [5, 5]);
    const it = new XORIterator(c1);
    const seen: number[] = [];
    while (it.next()) seen.push(it.t, it.v);
    it.reset(c2);
    while (it.next()) seen.push(it.t, it.v);
    expect(seen).toEqual([1, 1, 2, 2, 3, 3, 10, 5, 20, 5]);
  });

  it("rejects decreasing timestamps", () => {
    const a = new XORAppender();
    a.append(10, 1);
    expect(() => a.append(5, 1)).toThrow(RangeError);
  });
});
