/**
 * Quantiles and fractions over classic histograms: one cumulative count per
 * `le` upper bound, as collected from the `_bucket` series of one histogram.
 */

export interface ClassicBucket {
  upperBound: number;
  count: number;
}

export interface BucketQuantileResult {
  value: number;
  /** Some cumulative count was lower than a previous one and was raised. */
  forcedMonotonic: boolean;
  /** Tiny float differences between counts were flattened. */
  fixedPrecision: boolean;
  /** Lowest and highest upper bound whose count had to be raised, and the largest raise. */
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
}

/**
 * Relative difference below which neighbouring cumulative counts are taken
 * as equal: sums of many float rates differ in the last bits, and treating
 * that as a real (tiny) bucket population skews interpolation.
 */
const SMALL_DELTA_TOLERANCE = 1e-12;

const MIN_NORMAL = 2.2250738585072014e-308;

/** Whether a and b are equal up to a relative `epsilon`, NaN equal to NaN. */
function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Sorted copy with duplicate upper bounds merged by adding their counts. */
function sortAndCoalesce(buckets: readonly ClassicBucket[]): ClassicBucket[] {
  const sorted = buckets.map((b) => ({ upperBound: b.upperBound, count: b.count }));
  sorted.sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  const out: ClassicBucket[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upperBound === b.upperBound) last.count += b.count;
    else out.push(b);
  }
  return out;
}

/**
 * Quantile `q` of a classic histogram with linear interpolation inside the
 * bucket that holds the rank.
 *
 * - q < 0 gives -Inf, q > 1 gives +Inf, NaN q gives NaN;
 * - no +Inf bucket, fewer than two buckets or zero observations give NaN;
 * - a rank in the +Inf bucket gives the highest finite upper bound;
 * - the first bucket is assumed to start at 0 if its upper bound is
 *   positive, otherwise its upper bound is returned;
 * - cumulative counts that decrease (e.g. from scraping buckets at slightly
 *   different times) are raised to the previous count, reported via
 *   `forcedMonotonic`.
 */
export function bucketQuantile(q: number, buckets: readonly ClassicBucket[]): BucketQuantileResult {
  const result: BucketQuantileResult = {
    value: NaN,
    forcedMonotonic: false,
    fixedPrecision: false,
    minBucket: Infinity,
    maxBucket: -Infinity,
    maxDiff: 0,
  };
  if (Number.isNaN(q)) return result;
  if (q < 0) {
    result.value = -Infinity;
    return result;
  }
  if (q > 1) {
    result.value = Infinity;
    return result;
  }
  if (buckets.length === 0) return result;
  const bs = sortAndCoalesce(buckets);
  if (bs[bs.length - 1]!.upperBound !== Infinity) return result;
  ensureMonotonic(bs, result);
  if (bs.length < 2) return result;
  const observations = bs[bs.length - 1]!.count;
  if (observations === 0) return result;

  let rank = q * observations;
  // First bucket (the +Inf one excluded) whose cumulative count reaches the
  // rank. A binary search, like Prometheus, so NaN counts land identically.
  let b = 0;
  let hi = bs.length - 1;
  while (b < hi) {
    const mid = (b + hi) >>> 1;
    if (bs[mid]!.count >= rank) hi = mid;
    else b = mid + 1;
  }

  if (b === bs.length - 1) {
    result.value = bs[bs.length - 2]!.upperBound;
  } else if (b === 0 && bs[0]!.upperBound <= 0) {
    result.value = bs[0]!.upperBound;
  } else {
    let bucketStart = 0;
    const bucketEnd = bs[b]!.upperBound;
    let count = bs[b]!.count;
    if (b > 0) {
      bucketStart = bs[b - 1]!.upperBound;
      count -= bs[b - 1]!.count;
      rank -= bs[b - 1]!.count;
    }
    result.value = bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }
  return result;
}

function ensureMonotonic(bs: ClassicBucket[], result: BucketQuantileResult): void {
  let prev = bs[0]!.count;
  for (let i = 1; i < bs.length; i++) {
    const bucket = bs[i]!;
    const curr = bucket.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      bucket.count = prev;
      result.fixedPrecision = true;
      continue;
    }
    if (curr < prev) {
      bucket.count = prev;
      result.forcedMonotonic = true;
      result.minBucket = Math.min(result.minBucket, bucket.upperBound);
      result.maxBucket = Math.max(result.maxBucket, bucket.upperBound);
      result.maxDiff = Math.max(result.maxDiff, prev - curr);
      continue;
    }
    prev = curr;
  }
}

/**
 * Estimated fraction of observations in [lower, upper] for a classic
 * histogram (`histogram_fraction` on `_bucket` series), interpolating
 * linearly inside buckets. The lowest bucket is taken to start at 0 when its
 * upper bound is positive, else at -Inf (and then holds no interpolable
 * range). NaN without a +Inf bucket, without observations or with a NaN
 * bound; 0 when lower >= upper.
 */
export function bucketFraction(lower: number, upper: number, buckets: readonly ClassicBucket[]): number {
  if (buckets.length === 0) return NaN;
  const bs = sortAndCoalesce(buckets);
  if (bs[bs.length - 1]!.upperBound !== Infinity) return NaN;
  const count = bs[bs.length - 1]!.count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;

  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = bs[0]!.upperBound <= 0 ? -Infinity : 0;

  for (let i = 0; i < bs.length; i++) {
    if (i > 0) lowerBound = bs[i - 1]!.upperBound;
    const { upperBound, count: cumulative } = bs[i]!;
    const rankAt = (v: number): number =>
      lowerBound === -Infinity ? cumulative : rank + ((cumulative - rank) * (v - lowerBound)) / (upperBound - lowerBound);

    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = rankAt(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = rankAt(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = cumulative;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}
