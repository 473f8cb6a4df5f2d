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

/** Non-fatal problems met while reading (a store that failed in partial-response mode). */
export interface Warnings {
  readonly warnings: string[];
}
