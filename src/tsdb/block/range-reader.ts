/**
 * Random access to the bytes of one file, so block readers work the same
 * over R2 (ranged GETs), memory, or local files in tools.
 */
export interface RangeReader {
  /** File size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes at `offset`; both must lie within the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Range requests and bytes fetched; shared by the readers of one block or query. */
export interface IOStats {
  requests: number;
  bytes: number;
}

export function newIOStats(): IOStats {
  return { requests: 0, bytes: 0 };
}

export class MemoryRangeReader implements RangeReader {
  constructor(private readonly data: Uint8Array) {}

  get size(): number {
    return this.data.length;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.size, offset, length);
    return this.data.subarray(offset, offset + length);
  }
}

/** Counts the requests and bytes that pass through to `inner`. */
export class CountingRangeReader implements RangeReader {
  constructor(
    private readonly inner: RangeReader,
    readonly stats: IOStats,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    this.stats.requests++;
    this.stats.bytes += length;
    return this.inner.read(offset, length);
  }
}

/** Reads an R2 object by ranged GETs; `size` comes from the block's meta.json or a HEAD. */
export class R2RangeReader implements RangeReader {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.size, offset, length);
    if (length === 0) return new Uint8Array(0);
    const obj = await this.bucket.get(this.key, { range: { offset, length } });
    if (obj === null) throw new Error(`R2 object ${this.key} not found`);
    const bytes = new Uint8Array(await obj.arrayBuffer());
    if (bytes.length !== length) {
      throw new Error(`R2 object ${this.key}: asked ${length} bytes at ${offset}, got ${bytes.length}`);
    }
    return bytes;
  }
}

export function checkRange(size: number, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`read of ${length} bytes at ${offset} outside file of ${size} bytes`);
  }
}

/** A byte range to read and the indices of the items it serves. */
export interface CoalescedRange {
  start: number;
  end: number;
  items: number[];
}

/**
 * Groups item ranges (sorted by start) into fewer reads: neighbours closer
 * than `maxGap` bytes share a read, since one R2 request costs far more than
 * a few wasted kilobytes.
 */
export function coalesceRanges(starts: ArrayLike<number>, ends: ArrayLike<number>, maxGap: number): CoalescedRange[] {
  const out: CoalescedRange[] = [];
  let cur: CoalescedRange | null = null;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    if (cur !== null && s <= cur.end + maxGap) {
      if (e > cur.end) cur.end = e;
      cur.items.push(i);
    } else {
      cur = { start: s, end: e, items: [i] };
      out.push(cur);
    }
  }
  return out;
}
