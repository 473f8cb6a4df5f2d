/** PromQL's numeric function kernels, for the evaluator. */
export * from "./annotations";
export { kahanSumInc, kahanTotal, newKahanState, type KahanState } from "./kahan";
export { quantile } from "./quantile";
export { bucketQuantile, bucketFraction, type ClassicBucket, type BucketQuantileResult } from "./histogram";
export { MATH_FUNCTIONS, mathFunctionDropsAll, type MathFunction } from "./math";
export { TIME_FUNCTIONS, type TimeFunction } from "./time";
export { RANGE_FUNCTIONS, validateSmoothingFactors, hasCounterName, type RangeContext, type RangeKernel } from "./range";
export { formatG } from "./goformat";
