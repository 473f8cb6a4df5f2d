/**
 * Reads chunks from segment files by reference, verifying each checksum.
 * Chunks of neighbouring series sit next to each other, so a batch of
 * references is fetched with few range reads.
 */
import { CHUNKS_FORMAT_V1, CHUNKS_MAGIC, SEGMENT_HEADER_SIZE, chunkRefOffset, chunkRefSegment } from "./chunks-format";
import { crc32c } from "./crc32";
import { CorruptionError, readUvarint } from "./decbuf";
import { type RangeReader, coalesceRanges } from "./range-reader";

export interface RawChunk {
  readonly ref: number;
  readonly encoding: number;
  readonly data: Uint8Array;
}

export interface ChunksReaderOptions {
  /** Ranges closer than this are fetched in one request. */
  readonly maxGapBytes?: number;
  /** Guess at the size of the last chunk of a batch; a larger one costs one more read. */
  readonly chunkSizeHint?: number;
}

/** Opens segment `index` (0 for `chunks/000001`). */
export type SegmentOpener = (index: number) => Promise<RangeReader>;

export class ChunksReader {
  private readonly segments = new Map<number, Promise<RangeReader>>();
  private readonly maxGap: number;
  private readonly sizeHint: number;

  constructor(
    private readonly open: SegmentOpener,
    opts: ChunksReaderOptions = {},
  ) {
    this.maxGap = opts.maxGapBytes ?? 64 * 1024;
    this.sizeHint = opts.chunkSizeHint ?? 2048;
  }

  private segment(index: number): Promise<RangeReader> {
    let s = this.segments.get(index);
    if (s === undefined) {
      s = this.open(index);
      this.segments.set(index, s);
    }
    return s;
  }

  async chunk(ref: number): Promise<RawChunk> {
    return (await this.chunks([ref]))[0]!;
  }

  /** Chunks for references in any order; results follow the order of `refs`. */
  async chunks(refs: readonly number[]): Promise<RawChunk[]> {
    const order = refs.map((_, i) => i).sort((a, b) => refs[a]! - refs[b]!);
    const out: RawChunk[] = new Array<RawChunk>(refs.length);
    // Split by segment, then coalesce within each.
    let i = 0;
    const jobs: Promise<void>[] = [];
    while (i < order.length) {
      const seg = chunkRefSegment(refs[order[i]!]!);
      let j = i;
      while (j < order.length && chunkRefSegment(refs[order[j]!]!) === seg) j++;
      jobs.push(this.readSegmentBatch(seg, order.slice(i, j), refs, out));
      i = j;
    }
    await Promise.all(jobs);
    return out;
  }

  private async readSegmentBatch(seg: number, idx: number[], refs: readonly number[], out: RawChunk[]): Promise<void> {
    const src = await this.segment(seg);
    const starts = idx.map((k) => chunkRefOffset(refs[k]!));
    for (const s of starts) {
      if (s < SEGMENT_HEADER_SIZE || s >= src.size) {
        throw new CorruptionError(`chunks: reference to offset ${s} outside segment ${seg + 1} of ${src.size} bytes`);
      }
    }
    // A chunk's length is only known once read: guess, but never past the
    // next wanted chunk (neighbours in a series end exactly there). A longer
    // chunk costs one more read.
    const ends = starts.map((s, i) => Math.min(s + this.sizeHint, i + 1 < starts.length && starts[i + 1]! > s ? starts[i + 1]! : src.size));
    await Promise.all(
      coalesceRanges(starts, ends, this.maxGap).map(async (r) => {
        const bytes = await src.read(r.start, r.end - r.start);
        for (const k of r.items) {
          const ref = refs[idx[k]!]!;
          out[idx[k]!] = decodeChunk(bytes, starts[k]! - r.start, ref) ?? (await this.readLong(src, ref));
        }
      }),
    );
  }

  private async readLong(src: RangeReader, ref: number): Promise<RawChunk> {
    const off = chunkRefOffset(ref);
    const head = await src.read(off, Math.min(5, src.size - off));
    const lv = readUvarint(head, 0);
    if (lv === null) throw new CorruptionError(`chunks: chunk ${ref}: bad length`);
    const total = lv[1] + 1 + lv[0] + 4;
    if (off + total > src.size) throw new CorruptionError(`chunks: chunk ${ref} runs past the end of its segment`);
    const c = decodeChunk(await src.read(off, total), 0, ref);
    if (c === null) throw new CorruptionError(`chunks: chunk ${ref} truncated`);
    return c;
  }

  /** Checks a segment's header; readers call it once per segment when they care. */
  async checkSegmentHeader(index: number): Promise<void> {
    const src = await this.segment(index);
    if (src.size < SEGMENT_HEADER_SIZE) throw new CorruptionError(`chunks: segment ${index + 1} too small`);
    const h = await src.read(0, SEGMENT_HEADER_SIZE);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    if (dv.getUint32(0) !== CHUNKS_MAGIC) throw new CorruptionError(`chunks: segment ${index + 1}: invalid magic number ${dv.getUint32(0).toString(16)}`);
    if (h[4] !== CHUNKS_FORMAT_V1) throw new CorruptionError(`chunks: segment ${index + 1}: unsupported version ${h[4]}`);
  }
}

/** Decodes the chunk at `at`, or null when `bytes` ends before it does. */
function decodeChunk(bytes: Uint8Array, at: number, ref: number): RawChunk | null {
  const lv = readUvarint(bytes, at);
  if (lv === null) return null;
  const encAt = at + lv[1];
  const dataEnd = encAt + 1 + lv[0];
  if (dataEnd + 4 > bytes.length) return null;
  const want = new DataView(bytes.buffer, bytes.byteOffset + dataEnd, 4).getUint32(0);
  if (crc32c(bytes, encAt, dataEnd) !== want) throw new CorruptionError(`chunks: chunk ${ref}: checksum mismatch`);
  return { ref, encoding: bytes[encAt]!, data: bytes.subarray(encAt + 1, dataEnd) };
}
