/**
 * The φ-quantile of a set of floats as PromQL computes it for `quantile` and
 * `quantile_over_time`: sort, then interpolate linearly between the two
 * closest ranks (rank = φ·(n−1)).
 */

/**
 * Orders NaN before every number, as Prometheus's sort does, so NaNs land at
 * the low end and only affect the lowest quantiles.
 */
function compareNaNFirst(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : -1;
  if (b !== b) return 1;
  return a - b;
}

/**
 * q < 0 gives -Inf, q > 1 gives +Inf, NaN q or no values give NaN.
 * `values` is not modified: a sorted copy is made.
 */
export function quantile(q: number, values: Float64Array | readonly number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = Float64Array.from(values).sort(compareNaNFirst);
  return quantileOfSorted(q, sorted);
}

/**
 * Same as {@link quantile} for a non-empty array already sorted with NaNs
 * first, and q in [0, 1]. Lets callers that sort in place skip the copy.
 */
export function quantileOfSorted(q: number, sorted: Float64Array): number {
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/** Sorts in place with NaNs first, the order {@link quantileOfSorted} expects. */
export function sortNaNFirst(values: Float64Array): Float64Array {
  return values.sort(compareNaNFirst);
}
