/**
 * Completed chunks are copied into shared 256 KiB slabs. A chunk records its
 * slab, offset and size rather than holding a view: a typed-array view is
 * an object of about 70 bytes, which outweighs a well-compressed chunk of
 * 120 samples (~50 bytes), so views are made only when the bytes are read.
 *
 * Once a checkpoint has written a chunk and memory is short, the chunk
 * points at its place in the checkpoint instead (see disk-chunks.ts) and
 * lets go of its slab, the way Prometheus memory-maps full head chunks: a
 * slab is freed by the garbage collector once no chunk refers to it, which
 * happens as the oldest chunks leave memory in the order they were
 * written. Views must be copied before crossing an RPC boundary, or the
 * whole slab would be cloned.
 */
import type { DiskChunks } from "./disk-chunks";

const SLAB_BYTES = 256 << 10;

/**
 * A completed chunk. Replaced (never mutated) when an out-of-order sample
 * lands in it. A deep head holds millions of these, so every field counts:
 * the end time is kept as a span from the start (a small integer inline,
 * where a second timestamp would be a heap number of its own), and one
 * offset serves for the slab and, once evicted, for the checkpoint row.
 */
export class HeadChunk {
  /** Per-series id, stable across rewrites: what checkpoints key chunks by. */
  readonly id: number;
  readonly minTime: number;
  private readonly span: number;
  /** The chunk's size in bytes. */
  readonly byteLength: number;
  /** Its slab while in memory, else where checkpoints are read from. */
  private src: Uint8Array | DiskChunks;
  /** Offset in the slab, or in the checkpoint row once evicted. */
  private start: number;
  private rowId = 0;

  constructor(id: number, minTime: number, maxTime: number, src: Uint8Array | DiskChunks, start: number, byteLength: number) {
    this.id = id;
    this.minTime = minTime;
    this.span = maxTime - minTime;
    this.src = src;
    this.start = start;
    this.byteLength = byteLength;
  }

  get maxTime(): number {
    return this.minTime + this.span;
  }

  /** True once written to the chunk checkpoint. */
  get persisted(): boolean {
    return this.rowId !== 0;
  }

  /** The checkpoint row holding the chunk, or 0 before it is written. */
  get row(): number {
    return this.rowId;
  }

  /** Where the bytes are read from when they are only in the checkpoint, else null. */
  get disk(): DiskChunks | null {
    return this.src instanceof Uint8Array ? null : this.src;
  }

  /** The chunk's bytes: a fresh view to be read, not kept (it may be into a cached row). */
  get data(): Uint8Array {
    const src = this.src;
    if (src instanceof Uint8Array) return src.subarray(this.start, this.start + this.byteLength);
    return src.read(this.rowId, this.start, this.byteLength);
  }

  /** The bytes of an evicted chunk within its checkpoint row's contents. */
  inRow(row: Uint8Array): Uint8Array {
    return row.subarray(this.start, this.start + this.byteLength);
  }

  /** Records that a checkpoint wrote the chunk to `row`; its bytes stay in memory. */
  persist(row: number): void {
    this.rowId = row;
  }

  /**
   * Lets go of the bytes in memory (and so of the slab): from now on they
   * are read from `disk`, at `offset` in the chunk's row.
   */
  evict(disk: DiskChunks, offset: number): void {
    if (this.rowId === 0) throw new Error("a chunk not yet in the checkpoint cannot leave memory");
    this.src = disk;
    this.start = offset;
  }
}

export class ChunkSlab {
  private slab = new Uint8Array(0);
  private used = 0;
  /** Bytes stored since the caller last reset it: what a checkpoint would move out of memory. */
  storedBytes = 0;

  /** Copies `data` into a slab and returns the completed chunk that refers to it. */
  store(id: number, minTime: number, maxTime: number, data: Uint8Array): HeadChunk {
    const n = data.length;
    this.storedBytes += n;
    if (n > SLAB_BYTES / 4) return new HeadChunk(id, minTime, maxTime, data.slice(), 0, n);
    if (this.used + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    this.slab.set(data, start);
    this.used += n;
    return new HeadChunk(id, minTime, maxTime, this.slab, start, n);
  }
}
