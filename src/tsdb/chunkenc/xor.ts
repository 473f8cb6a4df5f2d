/**
 * Prometheus's XOR ("Gorilla") float chunk, bit for bit as Prometheus writes
 * it (see ../shared/specs/tsdb-format/chunks.md, "XOR chunk data"):
 *
 *   num_samples u16 BE | t0 varint | v0 64 bits | t1-t0 uvarint | xor(v1) |
 *   dod(t2) xor(v2) | ... | zero padding to a byte
 *
 * Timestamp delta-of-deltas use the buckets 0 → `0`, 14 bits → `10`,
 * 17 → `110`, 20 → `1110`, else `1111` + 64 bits. A bucket of n bits holds
 * -(2^(n-1)-1) … 2^(n-1), so the decoder reads values above 2^(n-1) as
 * negative. Value XORs are `0` (unchanged), `10` + bits in the previous
 * leading/trailing-zero window, or `11` + leading (5 bits, capped at 31) +
 * significant bit count (6 bits, 64 written as 0) + the bits.
 *
 * Floats are handled as two 32-bit halves so encoding and decoding are
 * allocation-free and bit-exact (NaN payloads such as the stale marker, -0).
 */
import { BitReader, BitWriter, int64FromHalves, int64Hi, int64Lo } from "./bstream";
import type { SlotAllocator } from "./slots";

/** Encoding byte of XOR chunks in block chunk files. */
export const ENCODING_XOR = 1;
export const XOR_HEADER_BYTES = 2;
/** The 16-bit sample counter's limit. */
export const MAX_XOR_SAMPLES = 0xffff;

// One scratch view converts between a float and its bits without allocating.
const scratch = new DataView(new ArrayBuffer(8));

export function floatHi(v: number): number {
  scratch.setFloat64(0, v);
  return scratch.getUint32(0);
}

export function floatLo(v: number): number {
  scratch.setFloat64(0, v);
  return scratch.getUint32(4);
}

export function floatFromBits(hi: number, lo: number): number {
  scratch.setUint32(0, hi);
  scratch.setUint32(4, lo);
  return scratch.getFloat64(0);
}

/** True when two floats have identical bits (tells stale NaN from NaN, -0 from 0). */
export function sameFloatBits(a: number, b: number): boolean {
  scratch.setFloat64(0, a);
  const ah = scratch.getUint32(0);
  const al = scratch.getUint32(4);
  scratch.setFloat64(0, b);
  return ah === scratch.getUint32(0) && al === scratch.getUint32(4);
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/** Whether a signed delta-of-delta fits an n-bit bucket, Prometheus's asymmetric range. */
function fitsBucket(dod: number, n: number): boolean {
  const half = 2 ** (n - 1);
  return dod >= -(half - 1) && dod <= half;
}

/**
 * Appends samples to one XOR chunk. Timestamps must not decrease.
 * It is its own bit stream (rather than holding one) because the head keeps
 * one per active series and every object counts.
 */
export class XORAppender extends BitWriter {
  private num = 0;
  private t = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  /** 0xff until the first value window is written, as in Prometheus. */
  private leading = 0xff;
  private trailing = 0;

  /** With `slots`, the chunk's bytes live in a slot of shared pages (see slots.ts). */
  constructor(initialCapacity = 32, slots: SlotAllocator | null = null) {
    super(initialCapacity, slots);
    this.writeBits(0, 16);
  }

  /** Re-creates the appender state for an existing chunk by re-encoding it. */
  static fromChunk(data: Uint8Array, slots: SlotAllocator | null = null): XORAppender {
    const app = new XORAppender(Math.max(32, data.length + 8), slots);
    const it = new XORIterator(data);
    while (it.next()) app.appendBits(it.t, it.valueHi, it.valueLo);
    return app;
  }

  /**
   * Starts a new chunk with one sample in the room of this one, whose bytes
   * the caller has copied away: a series' next chunk needs about as much.
   * A chunk in a buffer of its own moves into a slot of `slots` sized so.
   */
  restart(t: number, hi: number, lo: number, slots: SlotAllocator | null = null): void {
    this.rewind(slots, this.byteLength);
    this.num = 0;
    this.t = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0xff;
    this.trailing = 0;
    this.writeBits(0, 16);
    this.appendBits(t, hi, lo);
  }

  get numSamples(): number {
    return this.num;
  }

  /** Timestamp of the newest sample (meaningless when empty). */
  get lastTimestamp(): number {
    return this.t;
  }

  /** Bits of the newest value, exact even for NaN payloads. */
  get lastValueHi(): number {
    return this.vHi;
  }

  get lastValueLo(): number {
    return this.vLo;
  }

  get lastValue(): number {
    return floatFromBits(this.vHi, this.vLo);
  }

  /** A compact copy of the chunk, safe to keep after further appends (bytes() is a live view). */
  copyBytes(): Uint8Array {
    return this.bytes().slice();
  }

  append(t: number, v: number): void {
    scratch.setFloat64(0, v);
    this.appendBits(t, scratch.getUint32(0), scratch.getUint32(4));
  }

  /**
   * Appends a value given as its IEEE 754 bits. Copying values as bits is
   * the only way to keep a NaN payload (the staleness marker) everywhere:
   * workerd's V8 canonicalises NaN when it is stored in an object field.
   */
  appendBits(t: number, hi: number, lo: number): void {
    const w = this as BitWriter;
    const num = this.num;
    if (num === 0) {
      w.writeVarint(t);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
    } else if (num === 1) {
      const tDelta = t - this.t;
      if (tDelta < 0) throw new RangeError(`XOR chunk: timestamp ${t} before ${this.t}`);
      w.writeUvarint(tDelta);
      this.writeValueXor(hi, lo);
      this.tDelta = tDelta;
    } else {
      if (num >= MAX_XOR_SAMPLES) throw new RangeError("XOR chunk: sample capacity exceeded");
      const tDelta = t - this.t;
      if (tDelta < 0) throw new RangeError(`XOR chunk: timestamp ${t} before ${this.t}`);
      const dod = tDelta - this.tDelta;
      // Each bucket's prefix and bits go out in one write.
      if (dod === 0) {
        if (hi === this.vHi && lo === this.vLo) {
          // The commonest sample of all: same interval, same value.
          w.writeBits(0, 2);
          this.num = num + 1;
          this.t = t;
          this.setUint16At(0, this.num);
          return;
        }
        w.writeBit(0);
      } else if (fitsBucket(dod, 14)) {
        w.writeBits((0b10 << 14) | (dod & 0x3fff), 16);
      } else if (fitsBucket(dod, 17)) {
        w.writeBits((0b110 << 17) | (dod & 0x1ffff), 20);
      } else if (fitsBucket(dod, 20)) {
        w.writeBits((0b1110 << 20) | (dod & 0xfffff), 24);
      } else {
        w.writeBits(0b1111, 4);
        w.writeBits64(int64Hi(dod), int64Lo(dod), 64);
      }
      this.writeValueXor(hi, lo);
      this.tDelta = tDelta;
    }
    this.t = t;
    this.vHi = hi;
    this.vLo = lo;
    this.num = num + 1;
    this.setUint16At(0, this.num);
  }

  private writeValueXor(hi: number, lo: number): void {
    const w = this as BitWriter;
    const dHi = (hi ^ this.vHi) >>> 0;
    const dLo = (lo ^ this.vLo) >>> 0;
    if (dHi === 0 && dLo === 0) {
      w.writeBit(0);
      return;
    }
    let lead = clz64(dHi, dLo);
    const trail = ctz64(dHi, dLo);
    // Five bits hold the leading count.
    if (lead >= 32) lead = 31;
    if (this.leading !== 0xff && lead >= this.leading && trail >= this.trailing) {
      w.writeBits(0b10, 2);
      writeShifted(w, dHi, dLo, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = lead;
    this.trailing = trail;
    const sig = 64 - lead - trail;
    // Control bits 11, the leading count in five bits, and the significant
    // bit count in six (64 does not fit: 0 stands for it, 0 never occurs).
    w.writeBits((0b11 << 11) | (lead << 6) | (sig & 0x3f), 13);
    writeShifted(w, dHi, dLo, trail, sig);
  }
}

/** Writes the `n` bits of hi:lo above its `shift` low bits. */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  if (shift === 0) {
    w.writeBits64(hi, lo, n);
  } else if (shift >= 32) {
    w.writeBits(hi >>> (shift - 32), n);
  } else {
    w.writeBits64(hi >>> shift, ((lo >>> shift) | (hi << (32 - shift))) >>> 0, n);
  }
}

/** Sample count stored in a chunk's header. */
export function xorNumSamples(data: Uint8Array): number {
  return (data[0]! << 8) | data[1]!;
}

/**
 * Iterates a chunk's samples. Reusable via reset(); `t` and `v` hold the
 * current sample after next() returns true. No allocation per sample.
 */
export class XORIterator {
  private readonly r: BitReader;
  private total = 0;
  private read = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0;
  private trailing = 0;
  t = 0;
  v = 0;

  constructor(data: Uint8Array = new Uint8Array(XOR_HEADER_BYTES)) {
    this.r = new BitReader(data, XOR_HEADER_BYTES);
    this.reset(data);
  }

  reset(data: Uint8Array): void {
    this.r.reset(data, XOR_HEADER_BYTES);
    this.total = data.length >= XOR_HEADER_BYTES ? xorNumSamples(data) : 0;
    this.read = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.t = 0;
    this.v = 0;
  }

  get numSamples(): number {
    return this.total;
  }

  /** Bits of the current value, exact even for NaN payloads. */
  get valueHi(): number {
    return this.vHi;
  }

  get valueLo(): number {
    return this.vLo;
  }

  next(): boolean {
    if (this.read === this.total) return false;
    const r = this.r;
    if (this.read === 0) {
      this.t = r.readVarint();
      this.vHi = r.readBits(32);
      this.vLo = r.readBits(32);
      this.v = floatFromBits(this.vHi, this.vLo);
      this.read = 1;
      return true;
    }
    if (this.read === 1) {
      this.tDelta = r.readUvarint();
    } else {
      let prefix = 0;
      let ones = 0;
      while (ones < 4 && r.readBit() === 1) ones++;
      prefix = ones;
      let dod = 0;
      if (prefix === 4) {
        const hi = r.readBits(32);
        dod = int64FromHalves(hi, r.readBits(32));
      } else if (prefix > 0) {
        const size = prefix === 1 ? 14 : prefix === 2 ? 17 : 20;
        dod = r.readBits(size);
        if (dod > 2 ** (size - 1)) dod -= 2 ** size;
      }
      this.tDelta += dod;
    }
    this.t += this.tDelta;
    this.readValue();
    this.read++;
    return true;
  }

  private readValue(): void {
    const r = this.r;
    if (r.readBit() === 0) return;
    let sig: number;
    if (r.readBit() === 0) {
      sig = 64 - this.leading - this.trailing;
    } else {
      this.leading = r.readBits(5);
      sig = r.readBits(6);
      if (sig === 0) sig = 64;
      this.trailing = 64 - this.leading - sig;
    }
    let hi = 0;
    let lo: number;
    if (sig > 32) {
      hi = r.readBits(sig - 32);
      lo = r.readBits(32);
    } else {
      lo = r.readBits(sig);
    }
    const sh = this.trailing;
    if (sh >= 32) {
      hi = lo << (sh - 32);
      lo = 0;
    } else if (sh > 0) {
      hi = (hi << sh) | (lo >>> (32 - sh));
      lo = lo << sh;
    }
    this.vHi = (this.vHi ^ hi) >>> 0;
    this.vLo = (this.vLo ^ lo) >>> 0;
    this.v = floatFromBits(this.vHi, this.vLo);
  }
}

/**
 * Decodes a whole chunk into caller-provided arrays starting at `offset`;
 * returns the number of samples written. The arrays must have room.
 */
export function decodeXOR(
  data: Uint8Array,
  timestamps: Float64Array,
  values: Float64Array,
  offset = 0,
  it: XORIterator = new XORIterator(),
): number {
  it.reset(data);
  const bits = float64Bits(values);
  let i = offset;
  while (it.next()) {
    timestamps[i] = it.t;
    bits[2 * i] = it.valueLo;
    bits[2 * i + 1] = it.valueHi;
    i++;
  }
  return i - offset;
}

/**
 * The 32-bit halves of a Float64Array's elements, low word first (every
 * platform Workers run on is little-endian), for bit-exact copies.
 */
export function float64Bits(values: Float64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Encodes samples into a fresh, compact chunk. */
export function encodeXOR(timestamps: ArrayLike<number>, values: ArrayLike<number>, from = 0, to = timestamps.length): Uint8Array {
  const app = new XORAppender(16 + (to - from) * 2);
  if (values instanceof Float64Array) {
    const bits = float64Bits(values);
    for (let i = from; i < to; i++) app.appendBits(timestamps[i]!, bits[2 * i + 1]!, bits[2 * i]!);
  } else {
    for (let i = from; i < to; i++) app.append(timestamps[i]!, values[i]!);
  }
  return app.copyBytes();
}
