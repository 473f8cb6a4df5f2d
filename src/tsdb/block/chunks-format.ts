/** Constants of the chunk segment files (`chunks/000001`, ...). */

export const CHUNKS_MAGIC = 0x85bd40dd;
export const CHUNKS_FORMAT_V1 = 1;
/** magic(4) + version(1) + padding(3). */
export const SEGMENT_HEADER_SIZE = 8;
/** Prometheus's default and maximum segment size. */
export const DEFAULT_SEGMENT_SIZE = 512 * 1024 * 1024;

/** Chunk encodings (Prometheus's chunkenc.Encoding values). */
export const enum ChunkEncoding {
  XOR = 1,
  Histogram = 2,
  FloatHistogram = 3,
}

/** A chunk reference packs the segment index (0 for file 000001) above a 32-bit offset. */
export function chunkRef(segment: number, offset: number): number {
  return segment * 0x100000000 + offset;
}

export function chunkRefSegment(ref: number): number {
  return Math.floor(ref / 0x100000000);
}

export function chunkRefOffset(ref: number): number {
  return ref % 0x100000000;
}

/** "chunks/000001" for segment index 0. */
export function segmentPath(segment: number): string {
  return `chunks/${String(segment + 1).padStart(6, "0")}`;
}
