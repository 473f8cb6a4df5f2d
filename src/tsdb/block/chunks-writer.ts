/**
 * Writes chunk segment files. Each chunk is stored as
 * `len uvarint | encoding byte | data | CRC32C(encoding, data)` and addressed
 * by a reference (segment << 32 | offset) that the index records.
 */
import { crc32c } from "./crc32";
import { CHUNKS_FORMAT_V1, CHUNKS_MAGIC, DEFAULT_SEGMENT_SIZE, SEGMENT_HEADER_SIZE, chunkRef, segmentPath } from "./chunks-format";
import { Encbuf, uvarintSize } from "./encbuf";
import type { BlockFileMeta } from "./meta";
import type { BlockSink, FileSink } from "./sink";

export interface ChunksWriterOptions {
  /** Largest segment file, in bytes; a segment holds at least one chunk regardless. */
  readonly segmentSize?: number;
  /** Bytes buffered before handing them to the sink. */
  readonly flushSize?: number;
}

export class ChunksWriter {
  private readonly segmentSize: number;
  private readonly flushSize: number;
  private readonly buf = new Encbuf(64 * 1024);
  private file: FileSink | null = null;
  private segment = -1;
  /** Bytes of the current segment so far, flushed or not. */
  private segmentLen = 0;
  private readonly segments: BlockFileMeta[] = [];
  private closed = false;

  constructor(
    private readonly sink: BlockSink,
    opts: ChunksWriterOptions = {},
  ) {
    this.segmentSize = Math.min(opts.segmentSize ?? DEFAULT_SEGMENT_SIZE, DEFAULT_SEGMENT_SIZE);
    this.flushSize = opts.flushSize ?? 1 << 20;
    if (this.segmentSize <= SEGMENT_HEADER_SIZE) throw new RangeError(`segment size ${this.segmentSize} too small`);
  }

  /**
   * Appends one chunk and returns its reference. Cuts a new segment first if
   * the chunk would not fit. Call `drain()` now and then to pass buffered
   * bytes on to the sink.
   */
  async append(encoding: number, data: Uint8Array): Promise<number> {
    if (this.closed) throw new Error("chunks writer is closed");
    const size = uvarintSize(data.length) + 1 + data.length + 4;
    if (this.file === null || (this.segmentLen > SEGMENT_HEADER_SIZE && this.segmentLen + size > this.segmentSize)) {
      await this.cut();
    }
    const ref = chunkRef(this.segment, this.segmentLen);
    const b = this.buf;
    b.putUvarint(data.length);
    const crcStart = b.len;
    b.putByte(encoding);
    b.putBytes(data);
    b.putBE32(crc32c(b.get(), crcStart));
    this.segmentLen += size;
    if (b.len >= this.flushSize) await this.flush();
    return ref;
  }

  private async flush(): Promise<void> {
    if (this.buf.len === 0 || this.file === null) return;
    await this.file.write(this.buf.get().slice());
    this.buf.reset();
  }

  private async finishSegment(): Promise<void> {
    if (this.file === null) return;
    await this.flush();
    await this.file.close();
    this.segments.push({ rel_path: segmentPath(this.segment), size_bytes: this.segmentLen });
    this.file = null;
  }

  private async cut(): Promise<void> {
    await this.finishSegment();
    this.segment++;
    this.file = await this.sink.create(segmentPath(this.segment));
    this.buf.putBE32(CHUNKS_MAGIC);
    this.buf.putByte(CHUNKS_FORMAT_V1);
    this.buf.putByte(0);
    this.buf.putByte(0);
    this.buf.putByte(0);
    this.segmentLen = SEGMENT_HEADER_SIZE;
  }

  /** Finishes the last segment; returns every segment written (none for a block without chunks). */
  async close(): Promise<BlockFileMeta[]> {
    if (!this.closed) {
      this.closed = true;
      await this.finishSegment();
    }
    return this.segments;
  }
}
