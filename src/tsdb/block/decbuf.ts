/**
 * A bounds-checked cursor over bytes, the reading half of `encbuf.ts`.
 * Running off the end throws a `CorruptionError` naming what was being read,
 * so a truncated or damaged file gives a clear error instead of garbage.
 */
const textDecoder = new TextDecoder();

export class CorruptionError extends Error {
  override name = "CorruptionError";
}

export class Decbuf {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly b: Uint8Array,
    start = 0,
    readonly end = b.length,
    /** Named in errors: which file and section this is. */
    readonly what = "buffer",
  ) {
    this.pos = start;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new CorruptionError(`${this.what}: unexpected end of data at byte ${this.pos} (need ${n}, have ${this.end - this.pos})`);
    }
  }

  byte(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }

  be32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  be64(): number {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi >= 0x200000) throw new CorruptionError(`${this.what}: 64-bit value beyond 2^53 at byte ${this.pos - 8}`);
    return hi * 0x100000000 + lo;
  }

  uvarint(): number {
    const b = this.b;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.need(1);
      const c = b[this.pos++]!;
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
    throw new CorruptionError(`${this.what}: varint overflow at byte ${this.pos}`);
  }

  varint(): number {
    const u = this.uvarint();
    // Zig-zag decoding without bit operators, which would truncate to 32 bits.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uvarintBytes(): Uint8Array {
    return this.bytes(this.uvarint());
  }

  uvarintStr(): string {
    return decodeUtf8(this.uvarintBytes());
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

export function decodeUtf8(b: Uint8Array): string {
  // Most label strings are short ASCII; building them directly avoids the
  // TextDecoder call overhead, which dominates for tiny inputs.
  if (b.length < 32) {
    let s = "";
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c >= 0x80) return textDecoder.decode(b);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(b);
}

/** Reads a uvarint at `pos` of `b`; returns [value, bytes used] or null when the bytes end first. */
export function readUvarint(b: Uint8Array, pos: number, end = b.length): [number, number] | null {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos + i < end; i++) {
    const c = b[pos + i]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return [v, i + 1];
    mul *= 128;
  }
  return null;
}
