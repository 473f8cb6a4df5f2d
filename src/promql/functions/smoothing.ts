/**
 * double_exponential_smoothing (Holt's linear method; formerly holt_winters):
 * a smoothed level that follows the data with a smoothed trend.
 */
import type { RangeKernel } from "./context";
import { formatF } from "./goformat";

/**
 * The error Prometheus raises for factors outside (0, 1), or undefined when
 * both are acceptable. NaN factors are accepted, as in Prometheus (the
 * comparisons are false) and make the result NaN.
 */
export function validateSmoothingFactors(sf: number, tf: number): string | undefined {
  if (sf <= 0 || sf >= 1) return `invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatF(sf)}`;
  if (tf <= 0 || tf >= 1) return `invalid trend factor. Expected: 0 < tf < 1, got: ${formatF(tf)}`;
  return undefined;
}

/**
 * params = [smoothing factor, trend factor], already validated with
 * {@link validateSmoothingFactors}. Needs two samples; the first trend is
 * the first difference.
 */
export const doubleExponentialSmoothing: RangeKernel = (_ts, vs, lo, hi, ctx) => {
  if (hi - lo < 2) return undefined;
  const sf = ctx.params[0]!;
  const tf = ctx.params[1]!;
  let prevLevel = 0;
  let level = vs[lo]!;
  let trend = vs[lo + 1]! - vs[lo]!;
  for (let i = lo + 1; i < hi; i++) {
    // The initial trend is used as-is for the first step, then smoothed.
    if (i > lo + 1) trend = tf * (level - prevLevel) + (1 - tf) * trend;
    const next = sf * vs[i]! + (1 - sf) * (level + trend);
    prevLevel = level;
    level = next;
  }
  return level;
};
