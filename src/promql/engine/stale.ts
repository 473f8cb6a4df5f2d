/**
 * Prometheus marks the end of a series with a NaN whose bits are
 * 0x7ff0000000000002. Ordinary NaN values are data; only this payload means
 * "stale". JS keeps NaN payloads through typed arrays, but not through plain
 * number arrays, so staleness must be checked on typed-array values.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = littleEndian ? 0 : 1;
const HI = littleEndian ? 1 : 0;

u32[LO] = 2;
u32[HI] = 0x7ff00000;
/** The stale marker value; store it only in typed arrays. */
export const STALE_NAN = f64[0]!;

export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  f64[0] = v;
  return u32[LO] === 2 && u32[HI] === 0x7ff00000;
}

/** A Float64Array holding exactly one stale marker, for writers that append from typed arrays. */
export function staleMarkerArray(): Float64Array {
  const a = new Float64Array(1);
  new Uint32Array(a.buffer)[LO] = 2;
  new Uint32Array(a.buffer)[HI] = 0x7ff00000;
  return a;
}
