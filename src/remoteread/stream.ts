/**
 * The STREAMED_XOR_CHUNKS response: a sequence of frames, each
 *
 *   uvarint(len(data)) | CRC-32C(data), 4 bytes big-endian | data
 *
 * where data is one ChunkedReadResponse message.
 */
import type { Label } from "../model/labels";
import { ProtoReader, WIRE_LEN, WIRE_VARINT } from "../proto/reader";
import { ProtoWriter } from "../proto/writer";
import { normalizeLabels, readLabel, writeLabels } from "./codec";
import { crc32c } from "./crc32c";
import { type Chunk, type ChunkedReadResponse, type ChunkedSeries, RemoteReadError } from "./types";

/** Prometheus's client-side default bound on one frame (50 MB). */
export const DEFAULT_MAX_FRAME_BYTES = 50 * 1024 * 1024;

// ---- ChunkedReadResponse message ----

export function encodeChunkedReadResponse(msg: ChunkedReadResponse): Uint8Array {
  let size = 16;
  for (const s of msg.chunkedSeries) for (const c of s.chunks) size += c.data.length + 32;
  const w = new ProtoWriter(size);
  for (const s of msg.chunkedSeries) {
    w.messageField(1);
    writeLabels(w, 1, s.labels);
    for (const c of s.chunks) {
      w.messageField(2).int64Field(1, c.minTimeMs).int64Field(2, c.maxTimeMs).uint64Field(3, c.type);
      if (c.data.length > 0) w.key(4, WIRE_LEN).bytes(c.data);
      w.join();
    }
    w.join();
  }
  w.int64Field(2, msg.queryIndex);
  return w.finish();
}

/** Decodes one message; chunk data are views into `buf`, not copies. */
export function decodeChunkedReadResponse(buf: Uint8Array): ChunkedReadResponse {
  const r = new ProtoReader(buf);
  const chunkedSeries: ChunkedSeries[] = [];
  let queryIndex = 0;
  while (r.pos < r.end) {
    const key = r.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === WIRE_LEN) chunkedSeries.push(readChunkedSeries(r, r.messageEnd()));
    else if (field === 2 && wt === WIRE_VARINT) queryIndex = r.int64();
    else r.skip(wt);
  }
  return { chunkedSeries, queryIndex };
}

function readChunkedSeries(r: ProtoReader, end: number): ChunkedSeries {
  const labels: Label[] = [];
  const chunks: Chunk[] = [];
  while (r.pos < end) {
    const key = r.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === WIRE_LEN) labels.push(readLabel(r, r.messageEnd()));
    else if (field === 2 && wt === WIRE_LEN) chunks.push(readChunk(r, r.messageEnd()));
    else r.skip(wt);
  }
  r.finish(end);
  return { labels: normalizeLabels(labels), chunks };
}

const NO_BYTES: Uint8Array = new Uint8Array(0);

function readChunk(r: ProtoReader, end: number): Chunk {
  let minTimeMs = 0;
  let maxTimeMs = 0;
  let type = 0;
  let data = NO_BYTES;
  while (r.pos < end) {
    const key = r.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === WIRE_VARINT) minTimeMs = r.int64();
    else if (field === 2 && wt === WIRE_VARINT) maxTimeMs = r.int64();
    else if (field === 3 && wt === WIRE_VARINT) type = r.uint32();
    else if (field === 4 && wt === WIRE_LEN) data = r.bytes();
    else r.skip(wt);
  }
  r.finish(end);
  return { minTimeMs, maxTimeMs, type, data };
}

// ---- framing ----

/** Wraps one message in a frame. */
export function encodeFrame(data: Uint8Array): Uint8Array {
  let prefix = 1;
  for (let v = data.length; v > 0x7f; v = Math.floor(v / 128)) prefix++;
  const out = new Uint8Array(prefix + 4 + data.length);
  let p = 0;
  let v = data.length;
  while (v > 0x7f) {
    out[p++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  new DataView(out.buffer).setUint32(p, crc32c(data), false);
  out.set(data, p + 4);
  return out;
}

/**
 * Incremental frame parser for a response body that arrives in pieces:
 * `push` bytes as they come, collect complete frames, and call `end` to
 * detect a truncated stream.
 */
export class FrameParser {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly maxFrameBytes: number;
  /** Bytes consumed by frames already returned, for error offsets. */
  private consumed = 0;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Adds bytes and returns every frame now complete (data only, CRC checked). */
  push(bytes: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length === 0 ? bytes : concat(this.buf, bytes);
    const frames: Uint8Array[] = [];
    let pos = 0;
    const buf = this.buf;
    for (;;) {
      const header = readUvarint(buf, pos);
      if (header === null) break;
      const [len, afterLen] = header;
      if (len > this.maxFrameBytes) {
        throw new RemoteReadError(
          `remote read: frame of ${len} bytes at offset ${this.consumed + pos} exceeds the limit of ${this.maxFrameBytes}`,
        );
      }
      const dataStart = afterLen + 4;
      if (dataStart + len > buf.length) break;
      const want = ((buf[afterLen]! << 24) | (buf[afterLen + 1]! << 16) | (buf[afterLen + 2]! << 8) | buf[afterLen + 3]!) >>> 0;
      const got = crc32c(buf, dataStart, dataStart + len);
      if (want !== got) {
        throw new RemoteReadError(
          `remote read: frame checksum mismatch at offset ${this.consumed + pos}: expected ${hex(want)}, computed ${hex(got)}`,
        );
      }
      frames.push(buf.subarray(dataStart, dataStart + len));
      pos = dataStart + len;
    }
    this.consumed += pos;
    this.buf = pos === buf.length ? new Uint8Array(0) : buf.slice(pos);
    return frames;
  }

  /** Throws if the stream stopped inside a frame. */
  end(): void {
    if (this.buf.length !== 0) {
      throw new RemoteReadError(`remote read: stream ended inside a frame (${this.buf.length} bytes left over)`);
    }
  }
}

/** Splits a complete body into frame payloads. */
export function decodeFrames(body: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array[] {
  const p = new FrameParser(maxFrameBytes);
  const frames = p.push(body);
  p.end();
  return frames;
}

/** Reads ChunkedReadResponse messages from a streamed response body as they arrive. */
export async function* readChunkedResponses(
  body: ReadableStream<Uint8Array>,
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): AsyncGenerator<ChunkedReadResponse> {
  const p = new FrameParser(maxFrameBytes);
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const f of p.push(value)) yield decodeChunkedReadResponse(f);
    }
    p.end();
  } finally {
    reader.releaseLock();
  }
}

function readUvarint(buf: Uint8Array, pos: number): [value: number, next: number] | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) return null;
    const b = buf[pos + i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos + i + 1];
    scale *= 128;
  }
  throw new RemoteReadError("remote read: malformed frame length");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
