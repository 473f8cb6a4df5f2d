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
 * copy tag copies garbage. That strictness costs speed: snappyjs decodes
 * about 1.3-1.5x faster (see bench/decode.ts), a cost worth paying for
 * rejecting corrupt bodies with a precise message.
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
 * `maxDecodedBytes`. Throws `SnappyError`.
 */
export function decodeSnappy(src: Uint8Array, maxDecodedBytes: number): Uint8Array {
  const { length: total, next } = readPreamble(src);
  if (total > maxDecodedBytes) {
    throw new SnappyError(
      "too-large",
      `snappy: decoded length ${total} exceeds the limit of ${maxDecodedBytes} bytes`,
    );
  }
  const out = new Uint8Array(total);
  let pos = next;
  let op = 0;
  const end = src.length;
  while (pos < end) {
    const tag = src[pos++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        // Literal: length-1 is in the tag, or in 1-4 following bytes.
        len = tag >>> 2;
        if (len >= 60) {
          const n = len - 59;
          if (pos + n > end) throw malformed("truncated literal length", pos);
          len = 0;
          for (let i = 0; i < n; i++) len += src[pos + i]! * 2 ** (8 * i);
          pos += n;
        }
        len += 1;
        if (pos + len > end) throw malformed("literal runs past the input", pos);
        if (op + len > total) throw malformed("literal runs past the declared length", pos);
        copyLiteral(src, pos, out, op, len);
        pos += len;
        op += len;
        continue;
      }
      case 1:
        if (pos >= end) throw malformed("truncated copy", pos);
        len = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | src[pos++]!;
        break;
      case 2:
        if (pos + 2 > end) throw malformed("truncated copy", pos);
        len = (tag >>> 2) + 1;
        offset = src[pos]! | (src[pos + 1]! << 8);
        pos += 2;
        break;
      default:
        if (pos + 4 > end) throw malformed("truncated copy", pos);
        len = (tag >>> 2) + 1;
        offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
        pos += 4;
        break;
    }
    if (offset === 0 || offset > op) throw malformed(`copy offset ${offset} out of range`, pos);
    if (op + len > total) throw malformed("copy runs past the declared length", pos);
    selfCopy(out, op, offset, len);
    op += len;
  }
  if (op !== total) throw malformed(`decoded ${op} bytes, but the preamble declared ${total}`, pos);
  return out;
}

// Snappy copies are at most 64 bytes, where a byte loop beats a copyWithin
// call; the loop also handles overlapping copies (offset < len), which repeat
// a pattern.
function copyLiteral(src: Uint8Array, from: number, out: Uint8Array, to: number, len: number): void {
  if (len > 64) {
    out.set(src.subarray(from, from + len), to);
    return;
  }
  for (let i = 0; i < len; i++) out[to + i] = src[from + i]!;
}

function selfCopy(out: Uint8Array, to: number, offset: number, len: number): void {
  for (let i = 0; i < len; i++) out[to + i] = out[to - offset + i]!;
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
