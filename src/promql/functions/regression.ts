/**
 * Least-squares line fits over a window: deriv (the slope) and
 * predict_linear (the line's value some seconds after the evaluation time).
 */
import type { RangeKernel } from "./context";
import { kahanSumInc, kahanTotal } from "./kahan";

// Reused accumulators: [sum, compensation] per running sum.
const sumX = new Float64Array(2);
const sumY = new Float64Array(2);
const sumXY = new Float64Array(2);
const sumX2 = new Float64Array(2);

/** Slope and intercept of the last {@link linearRegression} call. */
export const regression = { slope: 0, intercept: 0 };

/**
 * Fits v = slope·x + intercept over samples [lo, hi), where x is seconds
 * since `interceptTime` (ms), so the intercept is the fitted value at that
 * time. Results go to {@link regression} to avoid allocating.
 *
 * x is taken relative to a time inside or near the window rather than the
 * epoch so its squares stay small and the sums keep their precision.
 */
export function linearRegression(ts: Float64Array, vs: Float64Array, lo: number, hi: number, interceptTime: number): void {
  sumX.fill(0);
  sumY.fill(0);
  sumXY.fill(0);
  sumX2.fill(0);
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    const x = (ts[i]! - interceptTime) / 1e3;
    kahanSumInc(x, sumX);
    kahanSumInc(y, sumY);
    kahanSumInc(x * y, sumXY);
    kahanSumInc(x * x, sumX2);
  }
  if (constY) {
    // A flat series has slope 0 exactly; the general formula could give a
    // tiny non-zero slope from rounding, or NaN from Inf - Inf.
    const infinite = initY === Infinity || initY === -Infinity;
    regression.slope = infinite ? NaN : 0;
    regression.intercept = infinite ? NaN : initY;
    return;
  }
  const n = hi - lo;
  const sx = kahanTotal(sumX);
  const sy = kahanTotal(sumY);
  const covXY = kahanTotal(sumXY) - (sx * sy) / n;
  const varX = kahanTotal(sumX2) - (sx * sx) / n;
  regression.slope = covXY / varX;
  regression.intercept = sy / n - (regression.slope * sx) / n;
}

/** deriv: per-second slope of the least-squares fit. */
export const deriv: RangeKernel = (ts, vs, lo, hi) => {
  if (hi - lo < 2) return undefined;
  linearRegression(ts, vs, lo, hi, ts[lo]!);
  return regression.slope;
};

/** predict_linear(v[range], t): the fitted value t seconds after the evaluation time. */
export const predictLinear: RangeKernel = (ts, vs, lo, hi, ctx) => {
  if (hi - lo < 2) return undefined;
  linearRegression(ts, vs, lo, hi, ctx.evalTime ?? ctx.rangeEnd);
  return regression.slope * ctx.params[0]! + regression.intercept;
};
