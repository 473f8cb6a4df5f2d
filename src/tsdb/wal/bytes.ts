/**
 * Byte-aligned writer and reader for WAL records and checkpoints: Go-style
 * varints, raw big-endian float64 (bit-exact, NaN payloads kept) and
 * length-prefixed UTF-8 strings.
 */

import { writeShortAscii } from "../../encoding/ascii";
import { grown } from "../../encoding/grow";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    this.buf = grown(this.buf, this.len, this.len + extra);
    this.view = new DataView(this.buf.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  uvarint(x: number): void {
    this.ensure(10);
    const buf = this.buf;
    let len = this.len;
    if (x >= 0x10000000) {
      // Millisecond timestamps need 6 groups: take the low 28 bits with one
      // float division, the rest (< 2^25 below 2^53) with integer shifts.
      const lo = x % 0x10000000;
      x = (x - lo) / 0x10000000;
      buf[len] = (lo & 0x7f) | 0x80;
      buf[len + 1] = ((lo >>> 7) & 0x7f) | 0x80;
      buf[len + 2] = ((lo >>> 14) & 0x7f) | 0x80;
      buf[len + 3] = ((lo >>> 21) & 0x7f) | 0x80;
      len += 4;
    }
    while (x >= 0x80) {
      buf[len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[len++] = x;
    this.len = len;
  }

  varint(x: number): void {
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.len, v);
    this.len += 8;
  }

  /**
   * Writes a float64 given as its bit halves: the same bytes as float64(),
   * but a NaN payload (a staleness marker) cannot be altered on the way.
   */
  float64Bits(hi: number, lo: number): void {
    this.ensure(8);
    this.view.setUint32(this.len, hi);
    this.view.setUint32(this.len + 4, lo);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.raw(b);
  }

  /** `b` as it is, without a length. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(s: string): void {
    if (s.length < 0x80) {
      this.ensure(1 + s.length);
      const end = writeShortAscii(this.buf, this.len, s);
      if (end >= 0) {
        this.len = end;
        return;
      }
    }
    this.bytes(encoder.encode(s));
  }

  /** The written bytes as a compact copy. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  reset(): void {
    this.len = 0;
  }
}

export class ByteReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError("record ended early");
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
    throw new RangeError("varint overflows 64 bits");
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) throw new RangeError("record ended early");
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Copies the next float64 into element `i` of a Float64Array's bit view, bit for bit. */
  float64BitsInto(bits: Uint32Array, i: number): void {
    if (this.pos + 8 > this.buf.length) throw new RangeError("record ended early");
    bits[2 * i + 1] = this.view.getUint32(this.pos);
    bits[2 * i] = this.view.getUint32(this.pos + 4);
    this.pos += 8;
  }

  bytes(): Uint8Array {
    const n = this.uvarint();
    if (this.pos + n > this.buf.length) throw new RangeError("record ended early");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return decoder.decode(this.bytes());
  }
}
