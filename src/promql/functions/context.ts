/**
 * The calling convention shared by all range-vector kernels
 * (`rate(x[5m])`, `avg_over_time(x[1h])`, …), kept apart from the kernel
 * table so kernel modules can depend on it without cycles.
 */
import type { PositionRange } from "../ast";
import type { Annotations } from "./annotations";

export interface RangeContext {
  /** Start of the window in ms, exclusive: (rangeStart, rangeEnd]. */
  rangeStart: number;
  /** End of the window in ms, inclusive: the evaluation time minus any offset. */
  rangeEnd: number;
  /** The call's scalar arguments other than the range vector, in call order. */
  params: readonly number[];
  annotations: Annotations;
  /** `__name__` of the series, "" if none; used in annotation texts. */
  metricName: string;
  /** Where the call's first argument is in the query, for annotations. */
  positionRange?: PositionRange;
  /**
   * The step's evaluation timestamp in ms when it differs from `rangeEnd`
   * (an `offset` on the selector). predict_linear anchors its intercept
   * there. Defaults to `rangeEnd`.
   */
  evalTime?: number;
}

/**
 * Samples [lo, hi) of `ts` (ms) / `vs` are the float samples in the window,
 * in time order, staleness markers removed. Returns the output value, or
 * undefined when the series produces no sample at this step.
 */
export type RangeKernel = (
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  ctx: RangeContext,
) => number | undefined;

/**
 * All windows of one series at once, for the functions range queries
 * spend their time in: window i holds samples [los[i], his[i]) and ends at
 * ends[i] (its start is ends[i] - range, exclusive). Writes out[i] and sets
 * has[i] to 1 where the window yields a value, 0 where it does not.
 * Evaluating every window in one loop, with no call per window, is what
 * makes these fast under every V8 tier.
 */
export type RangeBatchKernel = (
  ts: Float64Array,
  vs: Float64Array,
  windows: RangeWindows,
  out: Float64Array,
  has: Uint8Array,
) => void;

export interface RangeWindows {
  readonly los: Int32Array;
  readonly his: Int32Array;
  readonly ends: Float64Array;
  readonly range: number;
  /** Windows to evaluate: the first `count` entries. */
  readonly count: number;
}
