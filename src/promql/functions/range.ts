/**
 * The table of range-vector functions the evaluator dispatches on.
 * absent_over_time is not here: it depends on whether any series matched,
 * which only the evaluator knows.
 */
import type { RangeBatchKernel, RangeKernel } from "./context";
import {
  avgOverTime,
  changes,
  countOverTime,
  firstOverTime,
  lastOverTime,
  madOverTime,
  maxOverTime,
  minOverTime,
  presentOverTime,
  quantileOverTime,
  resets,
  stddevOverTime,
  stdvarOverTime,
  sumOverTime,
  tsOfFirstOverTime,
  tsOfLastOverTime,
  tsOfMaxOverTime,
  tsOfMinOverTime,
} from "./overtime";
import { delta, deltaBatch, idelta, increase, increaseBatch, irate, rate, rateBatch } from "./rate";
import { deriv, predictLinear } from "./regression";
import { doubleExponentialSmoothing } from "./smoothing";

export type { RangeBatchKernel, RangeContext, RangeKernel, RangeWindows } from "./context";
export { validateSmoothingFactors } from "./smoothing";
export { hasCounterName } from "./rate";

/** Functions with a kernel that evaluates all windows of a series in one loop. */
export const RANGE_BATCH_FUNCTIONS: ReadonlyMap<string, RangeBatchKernel> = new Map<string, RangeBatchKernel>([
  ["rate", rateBatch],
  ["increase", increaseBatch],
  ["delta", deltaBatch],
]);

export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeKernel> = new Map<string, RangeKernel>([
  ["rate", rate],
  ["increase", increase],
  ["delta", delta],
  ["irate", irate],
  ["idelta", idelta],
  ["deriv", deriv],
  ["predict_linear", predictLinear],
  ["double_exponential_smoothing", doubleExponentialSmoothing],
  ["resets", resets],
  ["changes", changes],
  ["avg_over_time", avgOverTime],
  ["sum_over_time", sumOverTime],
  ["min_over_time", minOverTime],
  ["max_over_time", maxOverTime],
  ["count_over_time", countOverTime],
  ["stddev_over_time", stddevOverTime],
  ["stdvar_over_time", stdvarOverTime],
  ["last_over_time", lastOverTime],
  ["first_over_time", firstOverTime],
  ["mad_over_time", madOverTime],
  ["present_over_time", presentOverTime],
  ["quantile_over_time", quantileOverTime],
  ["ts_of_min_over_time", tsOfMinOverTime],
  ["ts_of_max_over_time", tsOfMaxOverTime],
  ["ts_of_first_over_time", tsOfFirstOverTime],
  ["ts_of_last_over_time", tsOfLastOverTime],
]);
