/**
 * Completed chunks read back from the checkpoint instead of held in memory.
 *
 * A head that kept every completed chunk would need memory in proportion to
 * how far back it reaches (up to ~3 hours of samples) rather than to its
 * series. Prometheus answers this by memory-mapping full head chunks from
 * disk; an ingester's checkpoint already holds every completed chunk in its
 * SQLite, so a chunk that has been written there can keep only its row and
 * offset, its bytes read when a query, an out-of-order rewrite or a block
 * cut needs them.
 *
 * Reading a chunk back costs a row, and rows mix the chunks of every
 * series cut between two checkpoints, so a query for a few series reads
 * much more than their chunks. Written chunks therefore stay in memory up
 * to a byte budget, and only the oldest beyond it leave: the head's memory
 * is bounded however many samples it holds, and queries of recent data
 * (dashboards) mostly read memory.
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
/** A quarter of a Durable Object's 128 MB, beside labels, index and open chunks. */
export const DEFAULT_RESIDENT_BYTES = 32 << 20;

export interface DiskChunksOptions {
  /** Rows kept for single reads. */
  readonly cacheBytes?: number;
  /** Bytes of written chunks kept in memory; older ones beyond it are read from rows. */
  readonly residentBytes?: number;
}

export class DiskChunks {
  private readonly source: ChunkRowSource;
  private readonly cacheBytes: number;
  private readonly residentLimit: number;
  /** Written chunks still in memory, oldest first from `residentFrom`, and their offsets in their rows. */
  private resident: HeadChunk[] = [];
  private residentOffsets: number[] = [];
  private residentFrom = 0;
  private residentBytes = 0;
  /** Recently read rows, least recently used first (a Map keeps insertion order). */
  private readonly cache = new Map<number, Uint8Array>();
  private cached = 0;
  /** Rows read from the source, for tests and stats. */
  rowsRead = 0;

  constructor(source: ChunkRowSource, opts: DiskChunksOptions = {}) {
    this.source = source;
    this.cacheBytes = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.residentLimit = opts.residentBytes ?? DEFAULT_RESIDENT_BYTES;
  }

  /**
   * Records that a checkpoint wrote `c` at `offset` in `row`. It stays in
   * memory while the budget allows; the oldest written chunks leave first.
   */
  written(c: HeadChunk, row: number, offset: number): void {
    c.persist(row);
    this.resident.push(c);
    this.residentOffsets.push(offset);
    this.residentBytes += c.byteLength;
    while (this.residentBytes > this.residentLimit && this.residentFrom < this.resident.length) {
      const at = this.residentFrom++;
      const old = this.resident[at]!;
      this.residentBytes -= old.byteLength;
      old.evict(this, this.residentOffsets[at]!);
    }
    if (this.residentFrom > 1024 && this.residentFrom * 2 > this.resident.length) {
      this.resident = this.resident.slice(this.residentFrom);
      this.residentOffsets = this.residentOffsets.slice(this.residentFrom);
      this.residentFrom = 0;
    }
  }

  /** Bytes of written chunks held in memory. */
  get residentByteCount(): number {
    return this.residentBytes;
  }

  /** Forgets written chunks `keep` rejects (the head dropped them), so they no longer count or hold their slabs. */
  forget(keep: (c: HeadChunk) => boolean): void {
    const kept: HeadChunk[] = [];
    const offsets: number[] = [];
    let bytes = 0;
    for (let i = this.residentFrom; i < this.resident.length; i++) {
      const c = this.resident[i]!;
      if (!keep(c)) continue;
      kept.push(c);
      offsets.push(this.residentOffsets[i]!);
      bytes += c.byteLength;
    }
    this.resident = kept;
    this.residentOffsets = offsets;
    this.residentFrom = 0;
    this.residentBytes = bytes;
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
