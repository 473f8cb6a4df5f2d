/**
 * A protobuf wire-format reader over one Uint8Array.
 *
 * Nested messages are not copied or wrapped: `messageEnd()` reads a length
 * prefix and returns the absolute end offset, and the caller loops while
 * `pos < end`, then calls `finish(end)` to prove the fields stopped exactly on
 * the boundary. This keeps decoding free of per-message allocations.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

export type WireType = 0 | 1 | 2 | 3 | 4 | 5;

const TWO_POW_32 = 4294967296;
/** Protobuf forbids deeper group nesting in practice; this bounds recursion on hostile input. */
const MAX_GROUP_DEPTH = 64;

export class ProtobufError extends Error {
  override readonly name = "ProtobufError";
  /** Byte offset in the buffer where the problem was found. */
  readonly offset: number;
  constructor(problem: string, offset: number) {
    super(`proto: ${problem} at offset ${offset}`);
    this.offset = offset;
  }
}

// Strings in protobuf must be UTF-8; a fatal decoder turns bad bytes into an
// error instead of silently substituting U+FFFD into label values. ignoreBOM
// keeps a leading U+FEFF as part of the value rather than stripping it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class ProtoReader {
  readonly buf: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** End of the readable region (exclusive). */
  readonly end: number;
  private readonly view: DataView;
  // Scratch for 64-bit varints, split so negative int64 stay exact.
  private lo = 0;
  private hi = 0;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /**
   * Reads a field key. Returns `fieldNumber << 3 | wireType`; split it with
   * `key >>> 3` and `key & 7`.
   */
  key(): number {
    const at = this.pos;
    const k = this.uint32();
    if (k >>> 3 === 0) throw new ProtobufError("invalid field number 0", at);
    const wt = k & 7;
    if (wt > 5) throw new ProtobufError(`invalid wire type ${wt}`, at);
    return k;
  }

  /** An unsigned varint that the schema says fits in 32 bits (uint32, enum, length, key). */
  uint32(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos + 1 < this.end) {
      // One- and two-byte varints (symbol references, field lengths) take no call.
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
      const b1 = buf[pos + 1]!;
      if (b1 < 0x80) {
        this.pos = pos + 2;
        return (b & 0x7f) | (b1 << 7);
      }
    } else if (pos < this.end && buf[pos]! < 0x80) {
      this.pos = pos + 1;
      return buf[pos]!;
    }
    this.varint64();
    // Larger values are truncated to their low 32 bits, as protobuf does for uint32.
    return this.lo;
  }

  /** An unsigned 64-bit varint as a number (exact below 2^53). */
  uint64(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64();
    return this.hi * TWO_POW_32 + this.lo;
  }

  /** A two's-complement int64 varint as a number (exact within ±2^53). */
  int64(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64();
    return (this.hi | 0) * TWO_POW_32 + this.lo;
  }

  /** A zigzag-encoded sint32/sint64 (exact within ±2^53). */
  sint64(): number {
    this.varint64();
    const lo = this.lo;
    const hi = this.hi;
    // value = (n >>> 1) ^ -(n & 1), done on the two halves.
    const sign = -(lo & 1);
    const rlo = ((lo >>> 1) | (hi << 31)) ^ sign;
    const rhi = (hi >>> 1) ^ sign;
    return (rhi | 0) * TWO_POW_32 + (rlo >>> 0);
  }

  bool(): boolean {
    return this.uint64() !== 0;
  }

  /** A little-endian IEEE double; the bit pattern (NaN payloads included) is kept. */
  /** Low and high 32 bits of the last `doubleBits()` read. */
  bitsLo = 0;
  bitsHi = 0;

  /**
   * Reads a double as its two 32-bit halves into `bitsLo`/`bitsHi`. Sample values
   * travel as bits: optimised V8 code may quieten a signalling NaN such as
   * Prometheus's staleness marker when it handles it as a number.
   */
  doubleBits(): void {
    const pos = this.pos;
    if (pos + 8 > this.end) throw new ProtobufError("truncated fixed64", pos);
    this.pos = pos + 8;
    this.bitsLo = this.view.getUint32(pos, true);
    this.bitsHi = this.view.getUint32(pos + 4, true);
  }

  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) throw new ProtobufError("truncated fixed64", pos);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) throw new ProtobufError("truncated fixed32", pos);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /**
   * Reads a length prefix and returns the absolute end of the delimited
   * region, leaving `pos` at its start.
   */
  messageEnd(): number {
    const at = this.pos;
    const len = this.uint64();
    const end = this.pos + len;
    if (end > this.end) {
      throw new ProtobufError(`length ${len} runs past the end of the buffer (${this.end - this.pos} bytes left)`, at);
    }
    return end;
  }

  /** Asserts that decoding a delimited region stopped exactly at its end. */
  finish(end: number): void {
    if (this.pos !== end) throw new ProtobufError("field overruns its enclosing message", this.pos);
  }

  /** A length-delimited byte field as a view into the buffer (no copy). */
  bytes(): Uint8Array {
    const end = this.messageEnd();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  string(): string {
    const end = this.messageEnd();
    const start = this.pos;
    this.pos = end;
    return decodeUtf8(this.buf, start, end);
  }

  /** A string field looked up in (and added to) `interner`. */
  internedString(interner: StringInterner): string {
    const end = this.messageEnd();
    const start = this.pos;
    this.pos = end;
    return interner.decode(this.buf, this.view, start, end);
  }

  /** A string field's reference in `table`, through `interner`. */
  internedRef(interner: StringInterner, table: StringTable): number {
    const end = this.messageEnd();
    const start = this.pos;
    this.pos = end;
    return interner.decodeRef(this.buf, this.view, start, end, table);
  }

  /** Skips the value of a field with the given wire type (unknown fields). */
  skip(wireType: number, depth = 0): void {
    const at = this.pos;
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        if (at + 8 > this.end) throw new ProtobufError("truncated fixed64", at);
        this.pos = at + 8;
        return;
      case WIRE_LEN:
        this.pos = this.messageEnd();
        return;
      case WIRE_FIXED32:
        if (at + 4 > this.end) throw new ProtobufError("truncated fixed32", at);
        this.pos = at + 4;
        return;
      case WIRE_START_GROUP:
        this.skipGroup(depth + 1, at);
        return;
      default:
        throw new ProtobufError(`unexpected wire type ${wireType}`, at);
    }
  }

  /** Throws the error for a known field sent with the wrong wire type. */
  wrongWireType(key: number, want: WireType, field: string, message: string): never {
    throw new ProtobufError(
      `field ${key >>> 3} (${field}) of ${message} has wire type ${key & 7}, want ${want}`,
      this.pos,
    );
  }

  private skipGroup(depth: number, at: number): void {
    if (depth > MAX_GROUP_DEPTH) throw new ProtobufError("groups nested too deeply", at);
    for (;;) {
      if (this.pos >= this.end) throw new ProtobufError("unterminated group", at);
      const k = this.key();
      if ((k & 7) === WIRE_END_GROUP) return;
      this.skip(k & 7, depth);
    }
  }

  /** Reads a varint of up to 10 bytes into `lo`/`hi`. */
  private varint64(): void {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new ProtobufError("truncated varint", start);
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    // Byte 5 straddles the halves: 4 bits to lo, 3 bits to hi.
    if (pos >= end) throw new ProtobufError("truncated varint", start);
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new ProtobufError("varint longer than 10 bytes", start);
        if (pos >= end) throw new ProtobufError("truncated varint", start);
        b = buf[pos++]!;
        if (shift === 31 && b > 1) {
          if (b >= 0x80) throw new ProtobufError("varint longer than 10 bytes", start);
          throw new ProtobufError("varint overflows 64 bits", start);
        }
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }
}

/**
 * UTF-8 decoding with a fast path for ASCII (label names and most label
 * values): `fromCharCode` over the bytes yields a flat string without the
 * TextDecoder call overhead, which dominates for short strings.
 */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return "";
  if (len <= ASCII_FAST_MAX) {
    let i = start;
    while (i < end && buf[i]! < 0x80) i++;
    if (i === end) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  return decodeUtf8Slow(buf, start, end);
}

/** Keeps `apply` far below engine argument-count limits. */
const ASCII_FAST_MAX = 1024;

function decodeUtf8Slow(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new ProtobufError("string is not valid UTF-8", start);
  }
}

const INTERN_SLOTS = 4096; // power of two
const INTERN_MAX_LEN = 64;

/** Where `StringInterner.decodeRef` files the strings of one message: a table that hands out references. */
export interface StringTable {
  readonly strings: readonly string[];
  add(s: string): number;
}

/**
 * A direct-mapped cache of recently decoded short ASCII strings. remote_write
 * 1.0 repeats every label name and most label values in every series, so
 * returning the cached string skips an allocation and keeps equal strings
 * identical, which makes later comparisons cheap. Each slot also remembers
 * the reference its string got in the last table it was added to, so a
 * decoder building a symbol table for its message adds each string once.
 */
export class StringInterner {
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);
  private readonly slotTable: (StringTable | undefined)[] = new Array<StringTable | undefined>(INTERN_SLOTS).fill(undefined);
  private readonly slotRef = new Int32Array(INTERN_SLOTS);
  /** Each slot's string as bytes, compared four at a time with the input's. */
  private readonly slotBytes = new Uint8Array(INTERN_SLOTS * INTERN_MAX_LEN);
  private readonly slotView = new DataView(this.slotBytes.buffer);
  private emptyTable: StringTable | undefined;
  private emptyRef = 0;

  /** `view` spans the same bytes as `buf` (the reader's). */
  decode(buf: Uint8Array, view: DataView, start: number, end: number): string {
    const slot = this.slotOf(buf, view, start, end);
    return slot >= 0 ? this.slots[slot]! : decodeUtf8(buf, start, end);
  }

  /** The reference in `table` of the string in buf[start, end), added to it on first sight. */
  decodeRef(buf: Uint8Array, view: DataView, start: number, end: number, table: StringTable): number {
    if (start === end) return this.emptyIn(table);
    const slot = this.slotOf(buf, view, start, end);
    if (slot < 0) return table.add(decodeUtf8(buf, start, end));
    if (this.slotTable[slot] === table) return this.slotRef[slot]!;
    const ref = table.add(this.slots[slot]!);
    this.slotTable[slot] = table;
    this.slotRef[slot] = ref;
    return ref;
  }

  /** The reference of "" in `table` (empty label values, absent fields). */
  emptyIn(table: StringTable): number {
    if (this.emptyTable !== table) {
      this.emptyTable = table;
      this.emptyRef = table.add("");
    }
    return this.emptyRef;
  }

  /** The slot now holding buf[start, end); -1 for strings not cached (empty, long or not ASCII). */
  private slotOf(buf: Uint8Array, view: DataView, start: number, end: number): number {
    const len = end - start;
    if (len === 0 || len > INTERN_MAX_LEN) return -1;
    // Hashed, checked for ASCII and compared four bytes at a time: label
    // strings are this decoder's main work.
    let h = 0x811c9dc5 ^ len;
    let high = 0;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const w = view.getUint32(i, true);
      high |= w;
      h = Math.imul(h ^ w, 0x01000193);
    }
    for (; i < end; i++) {
      const c = buf[i]!;
      high |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if ((high & 0x80808080) !== 0) return -1;
    h ^= h >>> 16;
    const slot = h & (INTERN_SLOTS - 1);
    const base = slot * INTERN_MAX_LEN;
    const cached = this.slots[slot];
    if (cached !== undefined && cached.length === len && this.sameBytes(buf, view, start, end, base)) return slot;
    for (let j = start; j < end; j++) this.slotBytes[base + j - start] = buf[j]!;
    this.slots[slot] = String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
    this.slotTable[slot] = undefined;
    return slot;
  }

  private sameBytes(buf: Uint8Array, view: DataView, start: number, end: number, base: number): boolean {
    const slotView = this.slotView;
    let i = start;
    let at = base;
    for (; i + 4 <= end; i += 4, at += 4) if (view.getUint32(i, true) !== slotView.getUint32(at, true)) return false;
    const bytes = this.slotBytes;
    for (; i < end; i++, at++) if (buf[i] !== bytes[at]) return false;
    return true;
  }
}
