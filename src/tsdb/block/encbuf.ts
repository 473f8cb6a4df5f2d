/**
 * A growable byte buffer for building index sections: big-endian fixed-width
 * integers and Go's `encoding/binary` varints, the primitives every TSDB
 * format section is made of.
 *
 * Integers are JavaScript numbers: exact up to 2^53, which covers millisecond
 * timestamps and chunk references (segment << 32 | offset) of any real block.
 */
import { grown } from "../../encoding/grow";
const textEncoder = new TextEncoder();

export class Encbuf {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  len = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.len = 0;
  }

  /** The written bytes; a view valid until the next write or reset. */
  get(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    this.buf = grown(this.buf, this.len, this.len + n);
    this.view = new DataView(this.buf.buffer);
  }

  putByte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  putBytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  putBE32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
  }

  /** Overwrites 4 bytes at an earlier position (a length known only afterwards). */
  setBE32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0);
  }

  putBE64(v: number): void {
    this.reserve(8);
    this.view.setUint32(this.len, Math.floor(v / 0x100000000));
    this.view.setUint32(this.len + 4, v >>> 0);
    this.len += 8;
  }

  putUvarint(v: number): void {
    this.reserve(10);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.len++] = (v & 0x7f) | 0x80;
      // Division, not >>>, so values above 2^32 survive.
      v = v >= 0x100000000 ? Math.floor(v / 128) : v >>> 7;
    }
    b[this.len++] = v;
  }

  /** Zig-zag signed varint, as Go's binary.PutVarint. */
  putVarint(v: number): void {
    this.putUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** A string as uvarint byte length followed by its UTF-8 bytes. */
  putUvarintStr(s: string): void {
    const bytes = textEncoder.encode(s);
    this.putUvarint(bytes.length);
    this.putBytes(bytes);
  }

  /** Zero bytes up to the next multiple of `align`, counting from `base`. */
  padTo(align: number, base = 0): void {
    const rem = (base + this.len) % align;
    if (rem === 0) return;
    const n = align - rem;
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
}

/** Bytes a uvarint of `v` occupies. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
