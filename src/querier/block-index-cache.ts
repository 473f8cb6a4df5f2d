/**
 * Keeps, per isolate, the index bytes a block needs before it can answer
 * anything (TOC, symbol table, postings offset table), so that after a
 * block's first query opening it again costs no R2 request. Blocks are
 * immutable, so entries never go stale; they leave by LRU once the cache
 * holds more than its byte budget.
 *
 * What is kept is bytes, not the parsed reader: a reader holds the I/O
 * source of the query that opened it, and each query must do its own
 * (counted, throttled) reads. Re-parsing the tables is CPU only.
 */
import { IndexReader, type IndexReaderOptions } from "../tsdb/block/index-reader";
import { type RangeReader, checkRange } from "../tsdb/block/range-reader";

export const DEFAULT_INDEX_CACHE_BYTES = 16 * 1024 * 1024;

/** Bytes of a file at an offset. */
export interface ByteSpan {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

interface Entry {
  readonly size: number;
  readonly spans: readonly ByteSpan[];
  readonly weight: number;
}

/** How to reach an index file that is not (fully) cached. */
export interface IndexSource {
  /** File size, when known without a request. */
  readonly size?: number;
  /** Finds the size (a HEAD) when it is not known. */
  sizeOf(): Promise<number>;
  /** A reader over the file for this query. */
  reader(size: number): RangeReader;
}

export class BlockIndexCache {
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number = DEFAULT_INDEX_CACHE_BYTES) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Opens the index of block `key` (e.g. "tenant/ULID"), from cached bytes when it can. */
  async open(key: string, src: IndexSource, opts: IndexReaderOptions = {}): Promise<IndexReader> {
    const e = this.entries.get(key);
    if (e !== undefined) {
      // Re-insert: Map iteration order is our recency order.
      this.entries.delete(key);
      this.entries.set(key, e);
      this.hits++;
      return IndexReader.open(new SpanReader(e.spans, src.reader(e.size)), opts);
    }
    this.misses++;
    const size = src.size ?? (await src.sizeOf());
    const rec = new RecordingReader(src.reader(size));
    const reader = await IndexReader.open(rec, opts);
    this.put(key, size, rec.stop());
    return reader;
  }

  private put(key: string, size: number, spans: ByteSpan[]): void {
    let weight = 0;
    for (const s of spans) weight += s.bytes.length;
    if (weight > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.used -= old.weight;
    }
    this.entries.set(key, { size, spans, weight });
    this.used += weight;
    for (const [k, v] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= v.weight;
    }
  }
}

/** Serves reads that fall inside a cached span from memory, others from `inner`. */
export class SpanReader implements RangeReader {
  constructor(
    protected readonly spans: readonly ByteSpan[],
    private readonly inner: RangeReader,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.size, offset, length);
    for (const s of this.spans) {
      if (offset >= s.offset && offset + length <= s.offset + s.bytes.length) {
        return Promise.resolve(s.bytes.subarray(offset - s.offset, offset - s.offset + length));
      }
    }
    return this.fetch(offset, length);
  }

  protected fetch(offset: number, length: number): Promise<Uint8Array> {
    return this.inner.read(offset, length);
  }
}

/**
 * Keeps what reads returned until `stop`, and serves later reads of the
 * same query from it too (a small index is read whole when opened).
 */
class RecordingReader extends SpanReader {
  private recording = true;

  constructor(inner: RangeReader) {
    super([], inner);
  }

  protected override async fetch(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await super.fetch(offset, length);
    // Copy: the bytes may be a view of a larger buffer we must not pin.
    if (this.recording) (this.spans as ByteSpan[]).push({ offset, bytes: bytes.slice() });
    return bytes;
  }

  stop(): ByteSpan[] {
    this.recording = false;
    return this.spans.slice();
  }
}
