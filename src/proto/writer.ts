/**
 * A growable protobuf wire-format writer. Nested messages are written in
 * place: `fork()` reserves room for the length prefix, `join()` fills it in
 * (moving the body when the prefix needs more than the reserved byte).
 */
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from "./reader";
import { writeShortAscii } from "../encoding/ascii";
import { grown } from "../encoding/grow";

const TWO_POW_32 = 4294967296;
const utf8 = new TextEncoder();

export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly forks: number[] = [];

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    if (this.forks.length !== 0) throw new Error("proto writer: unjoined nested message");
    return this.buf.slice(0, this.pos);
  }

  key(field: number, wireType: number): this {
    return this.uint64(field * 8 + wireType);
  }

  /** An unsigned varint; `value` must be a non-negative integer below 2^64. */
  uint64(value: number): this {
    if (value < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = value;
      return this;
    }
    return this.rawVarint(value % TWO_POW_32 >>> 0, Math.floor(value / TWO_POW_32) >>> 0);
  }

  /** A two's-complement int64 varint (negative values take 10 bytes). */
  int64(value: number): this {
    if (value >= 0) return this.uint64(value);
    // Split |value| into halves and negate as a 64-bit two's complement.
    const abs = -value;
    let lo = abs % TWO_POW_32 >>> 0;
    let hi = Math.floor(abs / TWO_POW_32) >>> 0;
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    return this.rawVarint(lo, hi);
  }

  /** A zigzag sint64 (exact within ±2^52, as the doubling must stay below 2^53). */
  sint64(value: number): this {
    return value >= 0 ? this.uint64(value * 2) : this.uint64(-value * 2 - 1);
  }

  double(value: number): this {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.uint64(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  string(value: string): this {
    // Label names and values are short ASCII: copied in place, with no TextEncoder call and no array per string.
    this.ensure(1 + value.length);
    const end = writeShortAscii(this.buf, this.pos, value);
    if (end >= 0) {
      this.pos = end;
      return this;
    }
    return this.bytes(utf8.encode(value));
  }

  /** Starts a length-delimited nested message (after its key). */
  fork(): this {
    this.ensure(1);
    this.forks.push(this.pos);
    this.pos += 1;
    return this;
  }

  /** Ends the innermost nested message and writes its length prefix. */
  join(): this {
    const start = this.forks.pop();
    if (start === undefined) throw new Error("proto writer: join without fork");
    const bodyStart = start + 1;
    const len = this.pos - bodyStart;
    const prefix = varintSize(len);
    if (prefix > 1) {
      this.ensure(prefix - 1);
      this.buf.copyWithin(start + prefix, bodyStart, this.pos);
      this.pos += prefix - 1;
    }
    let p = start;
    let v = len;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }

  // Convenience field writers; proto3 omits default values, and so do these.

  uint64Field(field: number, value: number): this {
    return value === 0 ? this : this.key(field, WIRE_VARINT).uint64(value);
  }

  int64Field(field: number, value: number): this {
    return value === 0 ? this : this.key(field, WIRE_VARINT).int64(value);
  }

  /** Doubles are compared by bits, so -0 and NaN are still written. */
  doubleField(field: number, value: number): this {
    return Object.is(value, 0) ? this : this.key(field, WIRE_FIXED64).double(value);
  }

  stringField(field: number, value: string): this {
    return value === "" ? this : this.key(field, WIRE_LEN).string(value);
  }

  /** Writes the key of a nested message and forks; pair with `join()`. */
  messageField(field: number): this {
    return this.key(field, WIRE_LEN).fork();
  }

  /** A packed repeated uint32/uint64 field. */
  packedUint64Field(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.messageField(field);
    for (let i = 0; i < values.length; i++) this.uint64(values[i]!);
    return this.join();
  }

  private rawVarint(lo: number, hi: number): this {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
    return this;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.buf = grown(this.buf, this.pos, this.pos + n);
    this.view = new DataView(this.buf.buffer);
  }
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
