/**
 * Bit streams, most significant bit first, as Prometheus's chunk encodings
 * lay them out. Values wider than 32 bits are passed as (hi, lo) halves so
 * that no BigInt or allocation happens per sample.
 */
import { grown } from "../../encoding/grow";
import type { SlotAllocator } from "./slots";

const TWO_32 = 4294967296;

const EMPTY = new Uint8Array(0);

/**
 * A growable bit writer. Unused low bits of the last byte stay zero (padding).
 *
 * Its bytes are [start, end) of `buf`: a buffer of its own (start 0), or,
 * given a SlotAllocator, a slot of a shared page, which it outgrows into
 * larger slots and gives back on release(). Every byte is assigned before
 * bits are ORed into it, so reused memory needs no clearing.
 */
export class BitWriter {
  private buf: Uint8Array = EMPTY;
  /** Where the stream's first byte is in `buf`. */
  private start = 0;
  /** One past the last byte in use, counting a partially written last byte. */
  private end = 0;
  /** One past the last byte the stream may use. */
  private limit = 0;
  /** Free low bits in the last byte (0 = the last byte is full). */
  private free = 0;
  /** The pages `buf` belongs to; null when it is the writer's own. */
  private slots: SlotAllocator | null = null;

  constructor(initialCapacity = 32, slots: SlotAllocator | null = null) {
    const want = Math.max(initialCapacity, 2);
    const size = slots === null ? 0 : slots.alloc(want);
    if (slots !== null && size > 0) {
      this.useSlot(slots, size);
      this.end = this.start;
    } else {
      this.buf = new Uint8Array(want);
      this.limit = want;
    }
  }

  /** Bytes written so far, as a view (no copy): valid until the next write or release(). */
  bytes(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  get byteLength(): number {
    return this.end - this.start;
  }

  /** Overwrites two bytes already written with a big-endian 16-bit number (e.g. a sample count). */
  protected setUint16At(byteOffset: number, n: number): void {
    const at = this.start + byteOffset;
    this.buf[at] = n >>> 8;
    this.buf[at + 1] = n & 0xff;
  }

  /**
   * Empties the stream, keeping its room (in an older page if one has a
   * free slot of its size); a stream with a buffer of its own moves into a
   * slot of at least `minBytes` from `slots` when there is one.
   */
  protected rewind(slots: SlotAllocator | null, minBytes: number): void {
    const mine = this.slots;
    if (mine !== null) {
      // Empty now, so the stream can move to an older page's free slot at no cost: pages drain and are dropped.
      const size = this.limit - this.start;
      if (mine.relocate(this.buf, this.start, size)) this.useSlot(mine, size);
    } else if (slots !== null) {
      const size = slots.alloc(Math.max(minBytes, 2));
      if (size > 0) this.useSlot(slots, size);
    }
    this.end = this.start;
    this.free = 0;
  }

  /** Gives a slot back. The writer is then empty and grows a buffer of its own if written again. */
  release(): void {
    if (this.slots !== null) this.slots.free(this.buf, this.start, this.limit - this.start);
    this.slots = null;
    this.buf = EMPTY;
    this.start = this.end = this.limit = this.free = 0;
  }

  /** Takes the slot `slots` just handed out (its page and offset), `size` bytes long; `end` is the caller's. */
  private useSlot(slots: SlotAllocator, size: number): void {
    this.slots = slots;
    this.buf = slots.page;
    this.start = slots.offset;
    this.limit = this.start + size;
  }

  private grow(extra: number): void {
    const used = this.end - this.start;
    const need = used + extra;
    const size = this.limit - this.start;
    if (need <= size) return;
    const old = this.buf;
    const start = this.start;
    const slots = this.slots;
    if (slots !== null) {
      const next = slots.alloc(need);
      if (next > 0) {
        // The new slot is another one, so the old bytes are intact until freed.
        slots.page.set(old.subarray(start, start + used), slots.offset);
        slots.free(old, start, size);
        this.useSlot(slots, next);
        this.end = this.start + used;
        return;
      }
      slots.free(old, start, size);
      this.slots = null;
    }
    // From a slot, the doubling starts from the slot's size, not its page's.
    this.buf = grown(old.subarray(start, start + size), used, need);
    this.start = 0;
    this.end = used;
    this.limit = this.buf.length;
  }

  writeBit(bit: number): void {
    if (this.free === 0) {
      if (this.end >= this.limit) this.grow(1);
      this.buf[this.end++] = 0;
      this.free = 8;
    }
    this.free--;
    if (bit !== 0) this.buf[this.end - 1]! |= 1 << this.free;
  }

  /** Appends a whole byte at the current bit position. */
  writeByte(byte: number): void {
    this.writeBits(byte & 0xff, 8);
  }

  /** Writes the `n` (0..32) low bits of `value`, most significant first. */
  writeBits(value: number, n: number): void {
    if (n === 0) return;
    // The check is written out: grow() is a call even when there is room.
    if (this.end + 5 > this.limit) this.grow(5);
    const buf = this.buf;
    let free = this.free;
    let len = this.end;
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
    this.end = len;
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
