import { describe, expect, it } from "vitest";
import { encodeXOR, float64Bits, XORIterator } from "../tsdb/chunkenc/xor";
import { decodeXORRange } from "./xor-decode";

/** Prometheus's staleness marker: a NaN with a specific payload. */
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/** Samples with every kind of timestamp step and value change the encoding has a case for. */
function samples(seed: number, n: number): { ts: Float64Array; vs: Float64Array } {
  const r = rng(seed);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const bits = float64Bits(vs);
  let t = Math.floor(r() * 2e12) - 1e12;
  let v = r() * 1000;
  for (let i = 0; i < n; i++) {
    const step = [15_000, 15_000, 15_001, 14_000, 60_000, 1_000_000, 2 ** 40, 1][Math.floor(r() * 8)]!;
    t += i === 0 ? 0 : step;
    ts[i] = t;
    const kind = Math.floor(r() * 6);
    if (kind === 0) v += 1;
    else if (kind === 1) v = r() * 1e300;
    else if (kind === 2) v = -r();
    else if (kind === 3) v = Math.round(r() * 100);
    vs[i] = v;
    if (kind === 4) {
      bits[2 * i] = STALE_LO;
      bits[2 * i + 1] = STALE_HI;
    }
  }
  return { ts, vs };
}

/** The reference decoder: every sample with its value bits. */
function reference(data: Uint8Array): { t: number; hi: number; lo: number }[] {
  const it = new XORIterator(data);
  const out: { t: number; hi: number; lo: number }[] = [];
  while (it.next()) out.push({ t: it.t, hi: it.valueHi, lo: it.valueLo });
  return out;
}

function decoded(buf: Uint8Array, from: number, to: number, start: number, end: number, lastT = -Infinity) {
  const room = (buf[from]! << 8) | buf[from + 1]!;
  const ts = new Float64Array(room);
  const bits = new Uint32Array(2 * room);
  const n = decodeXORRange(buf, from, to, start, end, lastT, ts, bits, 0);
  return Array.from({ length: n }, (_, i) => ({ t: ts[i]!, hi: bits[2 * i + 1]!, lo: bits[2 * i]! }));
}

describe("decodeXORRange", () => {
  it("decodes exactly what XORIterator decodes, value bits included", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { ts, vs } = samples(seed, 1 + ((seed * 37) % 300));
      const data = encodeXOR(ts, vs);
      expect(decoded(data, 0, data.length, -Infinity, Infinity)).toEqual(reference(data));
    }
  });

  it("keeps staleness markers bit-exact", () => {
    const vs = new Float64Array(3);
    const bits = float64Bits(vs);
    vs[0] = 1;
    bits[2] = STALE_LO;
    bits[3] = STALE_HI;
    vs[2] = 2;
    const data = encodeXOR([1000, 2000, 3000], vs);
    const got = decoded(data, 0, data.length, -Infinity, Infinity);
    expect(got[1]).toEqual({ t: 2000, hi: STALE_HI, lo: STALE_LO });
  });

  it("keeps only [start, end] and times after lastT", () => {
    const { ts, vs } = samples(7, 200);
    const data = encodeXOR(ts, vs);
    const all = reference(data);
    const start = all[50]!.t;
    const end = all[120]!.t;
    expect(decoded(data, 0, data.length, start, end)).toEqual(all.slice(50, 121));
    expect(decoded(data, 0, data.length, start, end, all[99]!.t)).toEqual(all.slice(100, 121));
    expect(decoded(data, 0, data.length, all[199]!.t + 1, Infinity)).toEqual([]);
  });

  it("decodes a chunk in the middle of a larger buffer", () => {
    const a = encodeXOR([1, 2, 3], [1, 2, 3]);
    const b = encodeXOR([10, 25, 40, 41], [0.5, 0.25, 0.125, 7]);
    const buf = new Uint8Array(a.length + b.length + a.length);
    buf.set(a, 0);
    buf.set(b, a.length);
    buf.set(a, a.length + b.length);
    expect(decoded(buf, a.length, a.length + b.length, -Infinity, Infinity)).toEqual(reference(b));
  });

  it("rejects a truncated chunk", () => {
    const { ts, vs } = samples(3, 100);
    const data = encodeXOR(ts, vs);
    expect(() => decoded(data, 0, data.length - 8, -Infinity, Infinity)).toThrow(/ended early/);
  });
});
