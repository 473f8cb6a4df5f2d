/**
 * Completed chunks read back from the checkpoint instead of held in memory.
 *
 * A head that kept every completed chunk would need memory in proportion to
 * how far back it reaches (up to ~3 hours of samples) rather than to its
 * series. Prometheus answers this by memory-mapping full head chunks from
 * disk; an ingester's checkpoint already holds every completed chunk in its
 * SQLite, so a chunk that has been written there keeps only its row and
 * offset, and its bytes are read when a query, an out-of-order rewrite or a
 * block cut needs them.
 *
 * Rows are batches of many chunks. Single reads go through a small cache of
 * whole rows; reads of many chunks at once (a query, a block cut) go row by
 * row with `readChunks`, so each row is read once whatever the order of
 * the chunks in it.
 */
import type { HeadChunk } from "./slab";

/** Where checkpoint rows of chunks are read from (the ingester's SQLite). */
export interface ChunkRowSource {
  /** The contents of chunk row `row`, which must exist. */
  readChunkRow(row: number): Uint8Array;
}

const DEFAULT_CACHE_BYTES = 1 << 20;

export class DiskChunks {
  private readonly source: ChunkRowSource;
  private readonly cacheBytes: number;
  /** Recently read rows, least recently used first (a Map keeps insertion order). */
  private readonly cache = new Map<number, Uint8Array>();
  private cached = 0;
  /** Rows read from the source, for tests and stats. */
  rowsRead = 0;

  constructor(source: ChunkRowSource, cacheBytes = DEFAULT_CACHE_BYTES) {
    this.source = source;
    this.cacheBytes = cacheBytes;
  }

  /** `length` bytes at `offset` in row `row`: a view into a cached row. */
  read(row: number, offset: number, length: number): Uint8Array {
    let data = this.cache.get(row);
    if (data !== undefined) {
      this.cache.delete(row);
      this.cache.set(row, data);
    } else {
      data = this.readRow(row);
      this.cache.set(row, data);
      this.cached += data.length;
      for (const [r, d] of this.cache) {
        if (this.cached <= this.cacheBytes || r === row) break;
        this.cache.delete(r);
        this.cached -= d.length;
      }
    }
    return data.subarray(offset, offset + length);
  }

  /** Reads a row past the cache (bulk reads would only flush it). */
  readRow(row: number): Uint8Array {
    this.rowsRead++;
    return this.source.readChunkRow(row);
  }

  /** Forgets cached rows: call when rows are deleted, as their ids may be used again. */
  clearCache(): void {
    this.cache.clear();
    this.cached = 0;
  }
}

/**
 * Calls `fn(i, bytes)` with the bytes of every chunk in `chunks`: in-memory
 * ones first, in order, then those on disk grouped by row, each row read
 * once. `bytes` is a view to copy from, valid only during the call.
 */
export function readChunks(chunks: readonly HeadChunk[], fn: (i: number, bytes: Uint8Array) => void): void {
  const onDisk: number[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (c.disk !== null) onDisk.push(i);
    else fn(i, c.data);
  }
  if (onDisk.length === 0) return;
  onDisk.sort((a, b) => chunks[a]!.row - chunks[b]!.row);
  let row = -1;
  let data: Uint8Array = new Uint8Array(0);
  for (const i of onDisk) {
    const c = chunks[i]!;
    if (c.row !== row) {
      row = c.row;
      data = c.disk!.readRow(row);
    }
    fn(i, c.inRow(data));
  }
}
