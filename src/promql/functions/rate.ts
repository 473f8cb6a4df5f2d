/**
 * rate, increase and delta (extrapolated over the window) and their
 * two-sample cousins irate and idelta.
 */
import type { RangeContext, RangeKernel } from "./context";

/**
 * How far past the average sample spacing the first/last sample may sit
 * from the window edge and still be extrapolated all the way to the edge.
 */
const EXTRAPOLATION_THRESHOLD_FACTOR = 1.1;

/**
 * Counter drops per series, as a running count: drops[i] is the number of
 * j <= i with vs[j] < vs[j-1]. A range query evaluates the same series at
 * every step, and most windows hold no reset; this tells so without
 * scanning the window (which then sums corrections exactly as before).
 */
let dropsOf: Float64Array | null = null;
let drops = new Int32Array(0);

function dropsBetween(vs: Float64Array, lo: number, hi: number): boolean {
  if (dropsOf !== vs) {
    if (drops.length < vs.length) drops = new Int32Array(vs.length);
    let n = 0;
    drops[0] = 0;
    for (let i = 1; i < vs.length; i++) {
      if (vs[i]! < vs[i - 1]!) n++;
      drops[i] = n;
    }
    dropsOf = vs;
  }
  return drops[hi - 1]! - drops[lo]! > 0;
}

/**
 * The change over the window, extrapolated to its edges.
 *
 * The raw change between the first and last sample covers less time than
 * the window. If the outer samples are within 1.1× the average spacing of an
 * edge, the series is assumed to continue to that edge and the change is
 * scaled up accordingly; otherwise the series is assumed to start or end
 * inside the window and is only extrapolated by half a spacing. For
 * counters, resets are compensated for, and extrapolation towards the start
 * never goes below zero (the counter's likely creation point).
 */
function extrapolatedRate(
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  ctx: RangeContext,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const samplesMinusOne = hi - lo - 1;
  if (samplesMinusOne < 1) return undefined;
  const first = vs[lo]!;
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;

  let result = vs[hi - 1]! - first;
  if (isCounter && dropsBetween(vs, lo, hi)) {
    // A drop means the counter restarted from zero: the value before the
    // drop was lost from the plain last-first difference.
    for (let i = lo + 1; i < hi; i++) {
      const prev = vs[i - 1]!;
      if (vs[i]! < prev) result += prev;
    }
  }

  let durationToStart = (firstT - ctx.rangeStart) / 1000;
  let durationToEnd = (ctx.rangeEnd - lastT) / 1000;
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
  if (isRate) factor /= (ctx.rangeEnd - ctx.rangeStart) / 1000;
  return result * factor;
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

export const rate: RangeKernel = (ts, vs, lo, hi, ctx) => extrapolatedRate(ts, vs, lo, hi, ctx, true, true);
export const increase: RangeKernel = (ts, vs, lo, hi, ctx) => extrapolatedRate(ts, vs, lo, hi, ctx, true, false);
export const delta: RangeKernel = (ts, vs, lo, hi, ctx) => extrapolatedRate(ts, vs, lo, hi, ctx, false, false);
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
