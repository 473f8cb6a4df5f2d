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
