/**
 * Snappy block format (not the framed/stream format), which remote_write
 * uses for request bodies.
 *
 * Decoding reads the declared uncompressed length first and refuses it when
 * it exceeds the caller's limit, before any allocation: a few bytes of input
 * can otherwise claim gigabytes (a decompression bomb).
 *
 * The decoder is hand-written rather than snappyjs's because snappyjs
 * accepts corrupt input silently: output shorter than declared comes back
 * zero-padded, bytes past the declared length are dropped, and a truncated
 * copy tag copies garbage. Its checks cost little: it decodes faster than
 * snappyjs (see bench/decode.ts), because short copies are written out in
 * the one loop, where V8 need not inline anything, and copies of 16 bytes
 * or more that do not overlap their source go to `copyWithin` (a memmove).
 * The byte loop also handles overlapping copies (offset < length), which
 * repeat a pattern.
 */
import { compress } from "snappyjs";

export type SnappyErrorKind = "malformed" | "too-large";

export class SnappyError extends Error {
  override readonly name = "SnappyError";
  readonly kind: SnappyErrorKind;
  constructor(kind: SnappyErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The uncompressed length a snappy block declares in its preamble. */
export function snappyDecodedLength(src: Uint8Array): number {
  return readPreamble(src).length;
}

/**
 * Decodes a snappy block, refusing it when it declares more than
 * `maxDecodedBytes`. Throws `SnappyError`. The output is a fresh array, or
 * `into(length)` when given (e.g. a reused buffer: every byte is written).
 */
export function decodeSnappy(src: Uint8Array, maxDecodedBytes: number, into?: (length: number) => Uint8Array): Uint8Array {
  const { length: total, next } = readPreamble(src);
  if (total > maxDecodedBytes) {
    throw new SnappyError(
      "too-large",
      `snappy: decoded length ${total} exceeds the limit of ${maxDecodedBytes} bytes`,
    );
  }
  const out = into === undefined ? new Uint8Array(total) : into(total);
  let pos = next;
  let op = 0;
  const end = src.length;
  while (pos < end) {
    const tag = src[pos++]!;
    if ((tag & 3) === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (pos + n > end) throw malformed("truncated literal length", pos);
        len = src[pos]!;
        if (n > 1) len |= src[pos + 1]! << 8;
        if (n > 2) len |= src[pos + 2]! << 16;
        if (n > 3) len = (len | (src[pos + 3]! << 24)) >>> 0;
        len += 1;
        pos += n;
      }
      if (pos + len > end) throw malformed("literal runs past the input", pos);
      if (op + len > total) throw malformed("literal runs past the declared length", pos);
      for (let i = 0; i < len; i++) out[op + i] = src[pos + i]!;
      pos += len;
      op += len;
    } else {
      let len: number;
      let offset: number;
      if ((tag & 3) === 1) {
        if (pos >= end) throw malformed("truncated copy", pos);
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | src[pos]!;
        pos += 1;
      } else if ((tag & 3) === 2) {
        if (pos + 2 > end) throw malformed("truncated copy", pos);
        len = (tag >>> 2) + 1;
        offset = src[pos]! | (src[pos + 1]! << 8);
        pos += 2;
      } else {
        if (pos + 4 > end) throw malformed("truncated copy", pos);
        len = (tag >>> 2) + 1;
        offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
        pos += 4;
      }
      if (offset === 0 || offset > op) throw malformed(`copy offset ${offset} out of range`, pos);
      if (op + len > total) throw malformed("copy runs past the declared length", pos);
      if (len >= 16 && offset >= len) out.copyWithin(op, op - offset, op - offset + len);
      else for (let i = 0; i < len; i++) out[op + i] = out[op - offset + i]!;
      op += len;
    }
  }
  if (op !== total) throw malformed(`decoded ${op} bytes, but the preamble declared ${total}`, pos);
  return out;
}

/** Encodes a snappy block (for tests, benches and remote-read responses). */
export function encodeSnappy(src: Uint8Array): Uint8Array {
  return compress(src);
}

function readPreamble(src: Uint8Array): { length: number; next: number } {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= src.length) throw malformed("truncated length preamble", i);
    const b = src[i]!;
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      // The format caps the uncompressed length at 2^32 - 1.
      if (length > 0xffffffff) throw malformed("length preamble exceeds 32 bits", 0);
      return { length, next: i + 1 };
    }
  }
  throw malformed("length preamble longer than 5 bytes", 0);
}

function malformed(problem: string, offset: number): SnappyError {
  return new SnappyError("malformed", `snappy: corrupt input: ${problem} at offset ${offset}`);
}
