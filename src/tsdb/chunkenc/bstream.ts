/**
 * Bit streams, most significant bit first, as Prometheus's chunk encodings
 * lay them out. Values wider than 32 bits are passed as (hi, lo) halves so
 * that no BigInt or allocation happens per sample.
 */
import { grown } from "../../encoding/grow";

const TWO_32 = 4294967296;

/** A growable bit writer. Unused low bits of the last byte stay zero (padding). */
export class BitWriter {
  private buf: Uint8Array;
  /** Bytes in use, counting a partially written last byte. */
  private len = 0;
  /** Free low bits in the last byte (0 = the last byte is full). */
  private free = 0;

  constructor(initialCapacity = 32) {
    this.buf = new Uint8Array(Math.max(initialCapacity, 2));
  }

  /** Bytes written so far, as a view of the internal buffer (no copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  get byteLength(): number {
    return this.len;
  }

  /** Direct access for in-place header updates (e.g. a sample count). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  private grow(extra: number): void {
    if (this.len + extra > this.buf.length) this.buf = grown(this.buf, this.len, this.len + extra);
  }

  writeBit(bit: number): void {
    if (this.free === 0) {
      if (this.len >= this.buf.length) this.grow(1);
      this.buf[this.len++] = 0;
      this.free = 8;
    }
    this.free--;
    if (bit !== 0) this.buf[this.len - 1]! |= 1 << this.free;
  }

  /** Appends a whole byte at the current bit position. */
  writeByte(byte: number): void {
    this.writeBits(byte & 0xff, 8);
  }

  /** Writes the `n` (0..32) low bits of `value`, most significant first. */
  writeBits(value: number, n: number): void {
    if (n === 0) return;
    // The check is written out: grow() is a call even when there is room.
    if (this.len + 5 > this.buf.length) this.grow(5);
    const buf = this.buf;
    let free = this.free;
    let len = this.len;
    if (n <= free) {
      free -= n;
      buf[len - 1]! |= (value & ((1 << n) - 1)) << free;
    } else {
      // Top up the last byte, then whole bytes, then the start of a new one.
      n -= free;
      if (free > 0) buf[len - 1]! |= (value >>> n) & ((1 << free) - 1);
      while (n >= 8) {
        n -= 8;
        buf[len++] = (value >>> n) & 0xff;
      }
      if (n > 0) {
        buf[len++] = (value << (8 - n)) & 0xff;
        free = 8 - n;
      } else {
        free = 0;
      }
    }
    this.free = free;
    this.len = len;
  }

  /** Writes the `n` (0..64) low bits of the 64-bit value hi:lo. */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, n);
    }
  }

  /** Unsigned LEB128 of a non-negative integer up to 2^53. */
  writeUvarint(x: number): void {
    while (x >= 0x80) {
      this.writeByte((x % 128) | 0x80);
      x = Math.floor(x / 128);
    }
    this.writeByte(x);
  }

  /** Go's zig-zag varint (binary.PutVarint) of an integer with |x| < 2^52. */
  writeVarint(x: number): void {
    this.writeUvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }
}

/** Reads a bit stream written by BitWriter; reading past the end throws. */
export class BitReader {
  private buf: Uint8Array;
  /** Absolute bit position. */
  private pos: number;
  private end: number;

  constructor(buf: Uint8Array, byteOffset = 0) {
    this.buf = buf;
    this.pos = byteOffset * 8;
    this.end = buf.length * 8;
  }

  reset(buf: Uint8Array, byteOffset = 0): void {
    this.buf = buf;
    this.pos = byteOffset * 8;
    this.end = buf.length * 8;
  }

  readBit(): number {
    if (this.pos >= this.end) throw new RangeError("chunk data ended early");
    const p = this.pos++;
    return (this.buf[p >>> 3]! >>> (7 - (p & 7))) & 1;
  }

  /** Reads `n` (0..32) bits as an unsigned number. */
  readBits(n: number): number {
    if (this.pos + n > this.end) throw new RangeError("chunk data ended early");
    let out = 0;
    let p = this.pos;
    this.pos += n;
    while (n > 0) {
      const off = p & 7;
      const avail = 8 - off;
      const take = n < avail ? n : avail;
      const bits = (this.buf[p >>> 3]! >>> (avail - take)) & ((1 << take) - 1);
      // Multiply instead of shifting: a 32-bit result must stay unsigned.
      out = out * (1 << take) + bits;
      p += take;
      n -= take;
    }
    return out;
  }

  readByte(): number {
    return this.readBits(8);
  }

  readUvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.readByte();
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
    throw new RangeError("varint overflows 64 bits");
  }

  readVarint(): number {
    const u = this.readUvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Bits left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }
}

/** Splits a 64-bit two's complement integer (|x| < 2^53) into 32-bit halves. */
export function int64Hi(x: number): number {
  return Math.floor(x / TWO_32) >>> 0;
}

export function int64Lo(x: number): number {
  return (x - Math.floor(x / TWO_32) * TWO_32) >>> 0;
}

/** Joins 32-bit halves of a 64-bit two's complement integer. */
export function int64FromHalves(hi: number, lo: number): number {
  return (hi | 0) * TWO_32 + (lo >>> 0);
}
