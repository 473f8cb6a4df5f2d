/**
 * Completed chunks are copied into shared 1 MiB slabs. A chunk records its
 * slab, offset and size rather than holding a view: a typed-array view is
 * an object of about 70 bytes, which outweighs a well-compressed chunk of
 * 120 samples (~50 bytes), so views are made only when the bytes are read.
 * A slab is freed by the garbage collector once no chunk refers to it,
 * which happens naturally as old chunks leave the head in time order. Views
 * must be copied before crossing an RPC boundary, or the whole slab would
 * be cloned.
 */
const SLAB_BYTES = 1 << 20;

/** A completed chunk. Replaced (never mutated) when an out-of-order sample lands in it. */
export class HeadChunk {
  /** Per-series id, stable across rewrites: what checkpoints key chunks by. */
  readonly id: number;
  readonly minTime: number;
  readonly maxTime: number;
  /** True once written to the chunk checkpoint. */
  persisted: boolean;
  private readonly slab: Uint8Array;
  private readonly start: number;
  /** The chunk's size in bytes. */
  readonly byteLength: number;

  constructor(id: number, minTime: number, maxTime: number, persisted: boolean, slab: Uint8Array, start: number, byteLength: number) {
    this.id = id;
    this.minTime = minTime;
    this.maxTime = maxTime;
    this.persisted = persisted;
    this.slab = slab;
    this.start = start;
    this.byteLength = byteLength;
  }

  /** The chunk's bytes: a fresh view into its slab, to be read, not kept. */
  get data(): Uint8Array {
    return this.slab.subarray(this.start, this.start + this.byteLength);
  }
}

export class ChunkSlab {
  private slab = new Uint8Array(0);
  private used = 0;

  /** Copies `data` into a slab and returns the completed chunk that refers to it. */
  store(id: number, minTime: number, maxTime: number, data: Uint8Array, persisted: boolean): HeadChunk {
    const n = data.length;
    if (n > SLAB_BYTES / 4) return new HeadChunk(id, minTime, maxTime, persisted, data.slice(), 0, n);
    if (this.used + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    this.slab.set(data, start);
    this.used += n;
    return new HeadChunk(id, minTime, maxTime, persisted, this.slab, start, n);
  }
}
