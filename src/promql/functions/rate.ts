/**
 * rate, increase and delta (extrapolated over the window) and their
 * two-sample cousins irate and idelta.
 */
import type { RangeBatchKernel, RangeKernel, RangeWindows } from "./context";

/**
 * How far past the average sample spacing the first/last sample may sit
 * from the window edge and still be extrapolated all the way to the edge.
 */
const EXTRAPOLATION_THRESHOLD_FACTOR = 1.1;

/** Running count of counter drops of the series being evaluated: drops[i] = #{j <= i : vs[j] < vs[j-1]}. */
let drops = new Int32Array(0);

function countDrops(vs: Float64Array): Int32Array {
  if (drops.length < vs.length) drops = new Int32Array(vs.length);
  let n = 0;
  if (vs.length > 0) drops[0] = 0;
  for (let i = 1; i < vs.length; i++) {
    if (vs[i]! < vs[i - 1]!) n++;
    drops[i] = n;
  }
  return drops;
}

/**
 * The change over each window, extrapolated to its edges.
 *
 * The raw change between the first and last sample covers less time than
 * the window. If the outer samples are within 1.1× the average spacing of an
 * edge, the series is assumed to continue to that edge and the change is
 * scaled up accordingly; otherwise the series is assumed to start or end
 * inside the window and is only extrapolated by half a spacing. For
 * counters, resets are compensated for, and extrapolation towards the start
 * never goes below zero (the counter's likely creation point).
 */
function extrapolatedRates(
  ts: Float64Array,
  vs: Float64Array,
  w: RangeWindows,
  out: Float64Array,
  has: Uint8Array,
  isCounter: boolean,
  isRate: boolean,
): void {
  // Most windows hold no reset: the running drop count says so without a scan.
  const dropCount = isCounter ? countDrops(vs) : drops;
  const rangeSeconds = w.range / 1000;
  for (let k = 0; k < w.count; k++) {
    const lo = w.los[k]!;
    const hi = w.his[k]!;
    const samplesMinusOne = hi - lo - 1;
    if (samplesMinusOne < 1) {
      has[k] = 0;
      continue;
    }
    const first = vs[lo]!;
    const firstT = ts[lo]!;
    const lastT = ts[hi - 1]!;
    const rangeEnd = w.ends[k]!;

    let result = vs[hi - 1]! - first;
    if (isCounter && dropCount[hi - 1]! - dropCount[lo]! > 0) {
      // A drop means the counter restarted from zero: the value before the
      // drop was lost from the plain last-first difference.
      for (let i = lo + 1; i < hi; i++) {
        const prev = vs[i - 1]!;
        if (vs[i]! < prev) result += prev;
      }
    }

    let durationToStart = (firstT - (rangeEnd - w.range)) / 1000;
    let durationToEnd = (rangeEnd - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const averageInterval = sampledInterval / samplesMinusOne;
    const threshold = averageInterval * EXTRAPOLATION_THRESHOLD_FACTOR;

    if (durationToStart >= threshold) durationToStart = averageInterval / 2;
    if (isCounter && result > 0 && first >= 0) {
      // Linear extrapolation back to where the counter would have been 0.
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;

    let factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
    if (isRate) factor /= rangeSeconds;
    out[k] = result * factor;
    has[k] = 1;
  }
}

export const rateBatch: RangeBatchKernel = (ts, vs, w, out, has) => extrapolatedRates(ts, vs, w, out, has, true, true);
export const increaseBatch: RangeBatchKernel = (ts, vs, w, out, has) => extrapolatedRates(ts, vs, w, out, has, true, false);
export const deltaBatch: RangeBatchKernel = (ts, vs, w, out, has) => extrapolatedRates(ts, vs, w, out, has, false, false);

/** One window through a batch kernel (instant evaluations). */
const one = { los: new Int32Array(1), his: new Int32Array(1), ends: new Float64Array(1), range: 0, count: 1 };
const oneOut = new Float64Array(1);
const oneHas = new Uint8Array(1);

function singleWindow(batch: RangeBatchKernel): RangeKernel {
  return (ts, vs, lo, hi, ctx) => {
    one.los[0] = lo;
    one.his[0] = hi;
    one.ends[0] = ctx.rangeEnd;
    one.range = ctx.rangeEnd - ctx.rangeStart;
    batch(ts, vs, one, oneOut, oneHas);
    return oneHas[0] === 1 ? oneOut[0]! : undefined;
  };
}

/**
 * Change between the last two samples; for irate, per second and with a
 * drop read as a reset (the last value is then the increase).
 */
function instantValue(ts: Float64Array, vs: Float64Array, lo: number, hi: number, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const prev = vs[hi - 2]!;
  const last = vs[hi - 1]!;
  const intervalMs = ts[hi - 1]! - ts[hi - 2]!;
  if (intervalMs === 0) return undefined;
  const change = isRate && last < prev ? last : last - prev;
  return isRate ? change / (intervalMs / 1000) : change;
}

export const rate = singleWindow(rateBatch);
export const increase = singleWindow(increaseBatch);
export const delta = singleWindow(deltaBatch);
export const irate: RangeKernel = (ts, vs, lo, hi) => instantValue(ts, vs, lo, hi, true);
export const idelta: RangeKernel = (ts, vs, lo, hi) => instantValue(ts, vs, lo, hi, false);

const COUNTER_SUFFIXES = ["_total", "_sum", "_count", "_bucket"];

/**
 * Whether a metric name follows counter naming. rate/increase over a named
 * metric that does not get the `possibleNonCounterInfo` annotation.
 */
export function hasCounterName(metricName: string): boolean {
  return COUNTER_SUFFIXES.some((s) => metricName.endsWith(s));
}
