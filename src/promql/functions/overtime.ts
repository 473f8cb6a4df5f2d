/**
 * The `<aggregation>_over_time` family plus resets/changes: reductions of
 * each series' samples in the window to one value.
 */
import { invalidQuantileWarning } from "./annotations";
import type { RangeKernel } from "./context";
import { kahanSumInc, newKahanState } from "./kahan";
import { quantileOfSorted, sortNaNFirst } from "./quantile";

const kahan = newKahanState();

export const sumOverTime: RangeKernel = (_ts, vs, lo, hi) => {
  if (hi <= lo) return undefined;
  kahan.fill(0);
  for (let i = lo; i < hi; i++) kahanSumInc(vs[i]!, kahan);
  const sum = kahan[0]!;
  // An overflowed sum stays infinite; adding the compensation could only
  // turn it into NaN.
  return sum === Infinity || sum === -Infinity ? sum : sum + kahan[1]!;
};

/**
 * Mean via a compensated sum while that stays finite; once it would
 * overflow, switches to an incremental mean (scaling the running mean by
 * (n-1)/n and adding v/n) so that large but finite inputs still give a
 * finite average.
 */
export const avgOverTime: RangeKernel = (_ts, vs, lo, hi) => {
  if (hi <= lo) return undefined;
  let sum = vs[lo]!;
  let c = 0;
  let mean = 0;
  let count = 1;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const v = vs[i]!;
    count = i - lo + 1;
    if (!incremental) {
      kahan[0] = sum;
      kahan[1] = c;
      kahanSumInc(v, kahan);
      const newSum = kahan[0]!;
      if (newSum !== Infinity && newSum !== -Infinity) {
        sum = newSum;
        c = kahan[1]!;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    kahan[0] = q * mean;
    kahan[1] = q * c;
    kahanSumInc(v / count, kahan);
    mean = kahan[0]!;
    c = kahan[1]!;
  }
  return incremental ? mean + c : sum / count + c / count;
};

export const countOverTime: RangeKernel = (_ts, _vs, lo, hi) => (hi > lo ? hi - lo : undefined);

export const presentOverTime: RangeKernel = (_ts, _vs, lo, hi) => (hi > lo ? 1 : undefined);

export const lastOverTime: RangeKernel = (_ts, vs, lo, hi) => (hi > lo ? vs[hi - 1] : undefined);

export const firstOverTime: RangeKernel = (_ts, vs, lo, hi) => (hi > lo ? vs[lo] : undefined);

export const tsOfFirstOverTime: RangeKernel = (ts, _vs, lo, hi) => (hi > lo ? ts[lo]! / 1000 : undefined);

export const tsOfLastOverTime: RangeKernel = (ts, _vs, lo, hi) => (hi > lo ? ts[hi - 1]! / 1000 : undefined);

/**
 * Index of the sample that wins `better(candidate, best)`. A NaN best is
 * always replaced, so NaNs only win when every sample is NaN.
 */
function selectIndex(vs: Float64Array, lo: number, hi: number, better: (cur: number, best: number) => boolean): number {
  let best = lo;
  for (let i = lo; i < hi; i++) {
    const b = vs[best]!;
    if (better(vs[i]!, b) || b !== b) best = i;
  }
  return best;
}

const greater = (cur: number, best: number): boolean => cur > best;
const less = (cur: number, best: number): boolean => cur < best;
// The ts_of_ variants take the latest of equal extremes.
const greaterOrEqual = (cur: number, best: number): boolean => cur >= best;
const lessOrEqual = (cur: number, best: number): boolean => cur <= best;

export const maxOverTime: RangeKernel = (_ts, vs, lo, hi) => (hi > lo ? vs[selectIndex(vs, lo, hi, greater)] : undefined);

export const minOverTime: RangeKernel = (_ts, vs, lo, hi) => (hi > lo ? vs[selectIndex(vs, lo, hi, less)] : undefined);

export const tsOfMaxOverTime: RangeKernel = (ts, vs, lo, hi) =>
  hi > lo ? ts[selectIndex(vs, lo, hi, greaterOrEqual)]! / 1000 : undefined;

export const tsOfMinOverTime: RangeKernel = (ts, vs, lo, hi) =>
  hi > lo ? ts[selectIndex(vs, lo, hi, lessOrEqual)]! / 1000 : undefined;

const welfordMean = newKahanState();
const welfordAux = newKahanState();

/**
 * Population variance by Welford's online method, with both running sums
 * compensated: numerically stable for series with a large offset.
 */
function variance(vs: Float64Array, lo: number, hi: number): number {
  welfordMean.fill(0);
  welfordAux.fill(0);
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const v = vs[i]!;
    count++;
    const d = v - (welfordMean[0]! + welfordMean[1]!);
    kahanSumInc(d / count, welfordMean);
    kahanSumInc(d * (v - (welfordMean[0]! + welfordMean[1]!)), welfordAux);
  }
  return (welfordAux[0]! + welfordAux[1]!) / count;
}

export const stdvarOverTime: RangeKernel = (_ts, vs, lo, hi) => (hi > lo ? variance(vs, lo, hi) : undefined);

export const stddevOverTime: RangeKernel = (_ts, vs, lo, hi) => (hi > lo ? Math.sqrt(variance(vs, lo, hi)) : undefined);

/** quantile_over_time(φ, v[range]); warns once for φ outside [0, 1]. */
export const quantileOverTime: RangeKernel = (_ts, vs, lo, hi, ctx) => {
  if (hi <= lo) return undefined;
  const q = ctx.params[0]!;
  if (Number.isNaN(q) || q < 0 || q > 1) {
    ctx.annotations.warn(invalidQuantileWarning(q), ctx.positionRange);
    return Number.isNaN(q) ? NaN : q < 0 ? -Infinity : Infinity;
  }
  return quantileOfSorted(q, sortNaNFirst(vs.slice(lo, hi)));
};

/** Median absolute deviation from the median; NaN if any sample is NaN. */
export const madOverTime: RangeKernel = (_ts, vs, lo, hi) => {
  if (hi <= lo) return undefined;
  const values = vs.slice(lo, hi);
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return NaN;
  const median = quantileOfSorted(0.5, values.sort());
  for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]! - median);
  return quantileOfSorted(0.5, values.sort());
};

/** Number of drops in value, each read as a counter reset. */
export const resets: RangeKernel = (_ts, vs, lo, hi) => {
  if (hi <= lo) return undefined;
  let n = 0;
  for (let i = lo + 1; i < hi; i++) if (vs[i]! < vs[i - 1]!) n++;
  return n;
};

/** Number of value changes; NaN followed by NaN is no change. */
export const changes: RangeKernel = (_ts, vs, lo, hi) => {
  if (hi <= lo) return undefined;
  let n = 0;
  for (let i = lo + 1; i < hi; i++) {
    const prev = vs[i - 1]!;
    const cur = vs[i]!;
    if (cur !== prev && !(cur !== cur && prev !== prev)) n++;
  }
  return n;
};
