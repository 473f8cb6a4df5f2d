/**
 * Least-squares line fits over a window: deriv (the slope) and
 * predict_linear (the line's value some seconds after the evaluation time).
 */
import type { RangeKernel } from "./context";

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
  // Four compensated sums (value, compensation), inlined: this loop is the
  // whole cost of deriv/predict_linear and a shared-state helper per term
  // was several times slower.
  let sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sxx = 0, cxx = 0;
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    const x = (ts[i]! - interceptTime) / 1e3;
    let t = sx + x;
    cx = isInfinite(t) ? 0 : cx + (Math.abs(sx) >= Math.abs(x) ? sx - t + x : x - t + sx);
    sx = t;
    t = sy + y;
    cy = isInfinite(t) ? 0 : cy + (Math.abs(sy) >= Math.abs(y) ? sy - t + y : y - t + sy);
    sy = t;
    const xy = x * y;
    t = sxy + xy;
    cxy = isInfinite(t) ? 0 : cxy + (Math.abs(sxy) >= Math.abs(xy) ? sxy - t + xy : xy - t + sxy);
    sxy = t;
    const xx = x * x;
    t = sxx + xx;
    cxx = isInfinite(t) ? 0 : cxx + (Math.abs(sxx) >= Math.abs(xx) ? sxx - t + xx : xx - t + sxx);
    sxx = t;
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
  sx += cx;
  sy += cy;
  const covXY = sxy + cxy - (sx * sy) / n;
  const varX = sxx + cxx - (sx * sx) / n;
  regression.slope = covXY / varX;
  regression.intercept = sy / n - (regression.slope * sx) / n;
}

function isInfinite(v: number): boolean {
  return v === Infinity || v === -Infinity;
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
