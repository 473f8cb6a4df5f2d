/**
 * Range reads of R2 objects for one query: every GET goes through a budget
 * that counts requests and bytes and caps how many are in flight, because
 * a Worker invocation may hold only six outgoing connections at once (R2
 * binding calls included) and the rest would queue anyway, less fairly.
 */
import { type IOStats, type RangeReader, checkRange, newIOStats } from "../tsdb/block/range-reader";
import { ConcurrencyLimit } from "./concurrency";

/** The R2 calls block reads make; `R2Bucket` has them. */
export interface R2RangeSource {
  get(key: string, options: { range: { offset: number; length: number } }): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  head(key: string): Promise<{ size: number } | null>;
}

/** Outgoing connections a Worker invocation may have open at once. */
export const WORKER_MAX_CONNECTIONS = 6;

/** Counts and throttles the R2 requests of one query. */
export class R2ReadBudget {
  readonly stats: IOStats = newIOStats();
  private readonly limit: ConcurrencyLimit;

  constructor(readonly maxConcurrent: number = WORKER_MAX_CONNECTIONS) {
    this.limit = new ConcurrencyLimit(maxConcurrent);
  }

  /** Runs `call` when a slot is free; `bytes` is what it will transfer. */
  run<T>(bytes: number, call: () => Promise<T>): Promise<T> {
    this.stats.requests++;
    this.stats.bytes += bytes;
    return this.limit.run(call);
  }
}

/** Reads one R2 object by ranged GETs, through a query's budget. */
export class R2ObjectReader implements RangeReader {
  constructor(
    private readonly bucket: R2RangeSource,
    readonly key: string,
    readonly size: number,
    private readonly budget: R2ReadBudget,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.size, offset, length);
    if (length === 0) return new Uint8Array(0);
    const buf = await this.budget.run(length, async () => {
      const obj = await this.bucket.get(this.key, { range: { offset, length } });
      if (obj === null) throw new Error(`R2 object ${this.key} not found`);
      return obj.arrayBuffer();
    });
    if (buf.byteLength !== length) {
      throw new Error(`R2 object ${this.key}: asked ${length} bytes at ${offset}, got ${buf.byteLength}`);
    }
    return new Uint8Array(buf);
  }
}

/** Size of an R2 object by HEAD (counted as a request of no bytes), or null if absent. */
export async function r2ObjectSize(bucket: R2RangeSource, key: string, budget: R2ReadBudget): Promise<number | null> {
  const head = await budget.run(0, () => bucket.head(key));
  return head === null ? null : head.size;
}
