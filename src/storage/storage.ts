/**
 * The storage interface the PromQL engine and the query API read through.
 * The engine never knows where data lives: ingester heads, R2 blocks and
 * federated stores each implement `Querier`, and `merge` combines them.
 *
 * Times are Unix milliseconds; ranges are inclusive at both ends.
 */
import type { Labels } from "../model/labels";
import type { Matcher } from "../model/matchers";

/** What a select is for; implementations may use it to read less. */
export interface SelectHints {
  /** Earliest sample time wanted (inclusive). */
  readonly start: number;
  /** Latest sample time wanted (inclusive). */
  readonly end: number;
  /** Resolution of a range query, when known. */
  readonly step?: number;
  /** The PromQL function the selector feeds, when known (e.g. "rate"). */
  readonly func?: string;
  /** Only labels are needed, no samples (the /series API). */
  readonly seriesOnly?: boolean;
  /** Stop after this many series (0 = no limit). */
  readonly limit?: number;
}

/**
 * One series with its float samples in time order. Samples live in typed
 * arrays so evaluation allocates nothing per sample.
 */
export interface Series {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/** An XOR chunk: bytes [from, to) of `data`, its samples within [minTime, maxTime]. */
export interface ChunkRef {
  readonly minTime: number;
  readonly maxTime: number;
  readonly data: Uint8Array;
  readonly from: number;
  readonly to: number;
}

/** A series as a source stores it: its chunks, not yet decoded. */
export interface ChunkSeries {
  readonly labels: Labels;
  readonly chunks: ChunkRef[];
}

export interface LabelHints {
  readonly start: number;
  readonly end: number;
  readonly limit?: number;
}

export interface Querier {
  /** Series matching every matcher, sorted by labels (Prometheus's order). */
  select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]>;
  /** Sorted label names of series matching every matcher (all series if none). */
  labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]>;
  /** Sorted values of one label over series matching every matcher. */
  labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]>;
}

/**
 * A source that holds XOR chunks (ingester heads, blocks). A caller merging
 * several of them joins their chunks per series and decodes each sample
 * once, instead of decoding per source and copying again to merge.
 */
export interface ChunkQuerier extends Querier {
  /** Lists of chunk series, each sorted by labels; a series may appear in several lists. */
  selectChunks(matchers: readonly Matcher[], hints: SelectHints): Promise<ChunkSeries[][]>;
}

export function isChunkQuerier(q: Querier): q is ChunkQuerier {
  return typeof (q as Partial<ChunkQuerier>).selectChunks === "function";
}

/** Non-fatal problems met while reading (a store that failed in partial-response mode). */
export interface Warnings {
  readonly warnings: string[];
}
