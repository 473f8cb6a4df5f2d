/** Constants of the index file (format version 2). */

export const INDEX_MAGIC = 0xbaaad700;
export const INDEX_FORMAT_V2 = 2;
/** magic(4) + version(1). */
export const INDEX_HEADER_LEN = 5;
/** Six 8-byte section references and a CRC32C. */
export const INDEX_TOC_LEN = 6 * 8 + 4;
/** Series entries start at multiples of 16; a series reference is offset / 16. */
export const SERIES_ALIGN = 16;

/** Byte offsets of the index sections; 0 means absent. */
export interface IndexTOC {
  readonly symbols: number;
  readonly series: number;
  readonly labelIndices: number;
  readonly labelIndicesTable: number;
  readonly postings: number;
  readonly postingsTable: number;
}

/** A chunk as the index records it. */
export interface ChunkMeta {
  /** Segment index << 32 | offset in the segment file. */
  readonly ref: number;
  readonly minTime: number;
  readonly maxTime: number;
}
