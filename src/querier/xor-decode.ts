/**
 * Query-side XOR chunk decoding: the samples of one chunk that fall in a
 * time range, appended to caller-owned typed arrays.
 *
 * This is the read path's hottest loop, so unlike XORIterator it keeps all
 * decoder state in locals and reads bits through a 32-bit window instead of
 * bit by bit, and it stops at the first sample after the range. The chunk
 * is addressed as a byte range of a larger buffer, so a packed select
 * answer is decoded in place without a view object per chunk.
 */
import { XOR_HEADER_BYTES } from "../tsdb/chunkenc/xor";

const TWO_32 = 2 ** 32;

/**
 * The 32 bits starting at bit `pos` of `buf`, most significant first. Bytes
 * past the end of the buffer read as zero (`undefined << n` is 0); callers
 * only use as many leading bits as the encoding says are there.
 */
function peek32(buf: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const s = pos & 7;
  const w = (buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!;
  return s === 0 ? w >>> 0 : ((w << s) | (buf[i + 4]! >>> (8 - s))) >>> 0;
}

/**
 * Decodes the XOR chunk in `buf[from, to)` and appends the samples with
 * `start ≤ t ≤ end` and `t > lastT` at index `n` of `timestamps` and of
 * `valueBits` (the 32-bit halves of a Float64Array, low word first: values
 * travel as bits so that staleness-marker NaNs keep their payload).
 * Returns the new count. The arrays must have room for every sample in the
 * chunk's header count after `n`.
 */
export function decodeXORRange(
  buf: Uint8Array,
  from: number,
  to: number,
  start: number,
  end: number,
  lastT: number,
  timestamps: Float64Array,
  valueBits: Uint32Array,
  n: number,
): number {
  if (to - from < XOR_HEADER_BYTES) return n;
  const total = (buf[from]! << 8) | buf[from + 1]!;
  if (total === 0) return n;
  const endBit = to * 8;

  // First sample: a signed varint time (byte aligned) and 64 raw value bits.
  let byte = from + XOR_HEADER_BYTES;
  let u = 0;
  let mul = 1;
  for (;;) {
    if (byte >= to) throw new RangeError("chunk data ended early");
    const b = buf[byte++]!;
    u += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  let t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  let pos = byte * 8;
  let vHi = peek32(buf, pos);
  let vLo = peek32(buf, pos + 32);
  pos += 64;
  let tDelta = 0;
  let leading = 0;
  let trailing = 0;
  // Bits of the value's code already read into `window` (0: none).
  let window = 0;
  let avail = 0;

  for (let read = 1; ; read++) {
    if (pos > endBit) throw new RangeError("chunk data ended early");
    if (t > end) return n;
    if (t >= start && t > lastT) {
      timestamps[n] = t;
      valueBits[2 * n] = vLo;
      valueBits[2 * n + 1] = vHi;
      n++;
    }
    if (read === total) return n;

    // Timestamp: an unsigned varint delta for the second sample, then
    // delta-of-deltas in 1, 16, 20, 24 or 68 bits.
    if (read === 1) {
      u = 0;
      mul = 1;
      for (let k = 0; ; k++) {
        if (k === 10) throw new RangeError("varint overflows 64 bits");
        const b = peek32(buf, pos) >>> 24;
        pos += 8;
        u += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
      tDelta = u;
    } else {
      const p = peek32(buf, pos);
      if (p >>> 31 === 0) {
        pos += 1;
        // The value's bits follow in the same window.
        window = (p << 1) >>> 0;
        avail = 31;
      } else if (p >>> 30 === 0b10) {
        let d = (p >>> 16) & 0x3fff;
        if (d > 0x2000) d -= 0x4000;
        tDelta += d;
        pos += 16;
      } else if (p >>> 29 === 0b110) {
        let d = (p >>> 12) & 0x1ffff;
        if (d > 0x10000) d -= 0x20000;
        tDelta += d;
        pos += 20;
      } else if (p >>> 28 === 0b1110) {
        let d = (p >>> 8) & 0xfffff;
        if (d > 0x80000) d -= 0x100000;
        tDelta += d;
        pos += 24;
      } else {
        const hi = peek32(buf, pos + 4);
        const lo = peek32(buf, pos + 36);
        tDelta += (hi | 0) * TWO_32 + lo;
        pos += 68;
      }
    }
    t += tDelta;

    // Value: '0' repeats it; '10' XORs with the previous window; '11' sets
    // a new window (5 bits leading zeros, 6 bits length, 0 meaning 64).
    let p: number;
    if (avail === 0) {
      p = peek32(buf, pos);
      avail = 32;
    } else p = window;
    if (p >>> 31 === 0) {
      pos += 1;
      avail = 0;
      continue;
    }
    let sig: number;
    let used: number;
    if (p >>> 30 === 0b10) {
      sig = 64 - leading - trailing;
      used = 2;
    } else {
      leading = (p >>> 25) & 0x1f;
      sig = (p >>> 19) & 0x3f;
      if (sig === 0) sig = 64;
      trailing = 64 - leading - sig;
      used = 13;
    }
    pos += used;
    let hi = 0;
    let lo: number;
    if (sig > 32) {
      const hiBits = sig - 32;
      // The control word already holds the high part when it fits.
      hi = hiBits <= avail - used ? (p << used) >>> (32 - hiBits) : peek32(buf, pos) >>> (32 - hiBits);
      pos += hiBits;
      lo = peek32(buf, pos);
      pos += 32;
    } else if (sig <= avail - used) {
      lo = (p << used) >>> (32 - sig);
      pos += sig;
    } else {
      lo = peek32(buf, pos) >>> (32 - sig);
      pos += sig;
    }
    avail = 0;
    const sh = trailing;
    if (sh >= 32) {
      hi = lo << (sh - 32);
      lo = 0;
    } else if (sh > 0) {
      hi = (hi << sh) | (lo >>> (32 - sh));
      lo = lo << sh;
    }
    vHi = (vHi ^ hi) >>> 0;
    vLo = (vLo ^ lo) >>> 0;
  }
}

/** Sample count in the header of the XOR chunk at `buf[from]`. */
export function xorSamplesAt(buf: Uint8Array, from: number): number {
  return (buf[from]! << 8) | buf[from + 1]!;
}
