/**
 * Prometheus's experimental `anchored` and `smoothed` selector modifiers.
 *
 * An anchored range `x[5m] anchored` also holds the last sample at or
 * before the window's start (looked up to the lookback delta back), so
 * `increase` and `rate` measure from a real sample instead of
 * extrapolating, and `changes`/`resets` see the step into the window. A
 * smoothed range `x[5m] smoothed` also looks a lookback delta past its end
 * and takes the values at both boundaries by linear interpolation between
 * the samples around them (a counter reset between them counts from 0). A
 * smoothed instant selector `x smoothed` interpolates the value at each
 * step the same way, or carries the last value forward.
 */
import type { Call, MatrixSelector, VectorSelector } from "../ast";
import type { RangeContext } from "../functions/context";
import { changes, resets } from "../functions/overtime";
import type { Evaluator } from "./evaluator";
import { resolveAt, upperBound } from "./selectors";
import { QueryError, type StepMatrix } from "./types";

const ANCHORED_FUNCTIONS = ["changes", "delta", "increase", "rate", "resets"];
const SMOOTHED_FUNCTIONS = ["delta", "increase", "rate"];

/** Whether a range selector carries either modifier. */
export function isExtended(ms: MatrixSelector): boolean {
  return ms.vectorSelector.anchored === true || ms.vectorSelector.smoothed === true;
}

/** One step of a range function over samples [lo, hi) of the extended window; undefined: no output. */
type ExtendedKernel = (ts: Float64Array, vs: Float64Array, lo: number, hi: number, rangeStart: number, rangeEnd: number, rangeSeconds: number) => number | undefined;

function kernelFor(name: string, smoothed: boolean, ctx: RangeContext): ExtendedKernel {
  const allowed = smoothed ? SMOOTHED_FUNCTIONS : ANCHORED_FUNCTIONS;
  if (!allowed.includes(name)) {
    throw new QueryError("execution", `${smoothed ? "smoothed" : "anchored"} modifier can only be used with: ${allowed.join(", ")} - not with ${name}`);
  }
  switch (name) {
    case "rate":
      return (ts, vs, lo, hi, start, end, secs) => extendedRate(ts, vs, lo, hi, start, end, smoothed, true, secs);
    case "increase":
      return (ts, vs, lo, hi, start, end) => extendedRate(ts, vs, lo, hi, start, end, smoothed, true, 0);
    case "delta":
      return (ts, vs, lo, hi, start, end) => extendedRate(ts, vs, lo, hi, start, end, smoothed, false, 0);
    default: {
      const count = name === "changes" ? changes : resets;
      return (ts, vs, lo, hi, start) => {
        // From the last sample at or before the start; nothing without one after it.
        const after = upperBound(ts, start, lo);
        if (after >= hi) return undefined;
        return count(ts, vs, Math.max(lo, after - 1), hi, ctx);
      };
    }
  }
}

interface Boundaries {
  /** The first and last samples strictly inside the window (first > last when none). */
  readonly first: number;
  readonly last: number;
  /** The values at the window's start and end, picked or interpolated. */
  readonly left: number;
  readonly right: number;
}

/**
 * The values at both ends of the window (start, end] over samples [lo, hi)
 * of its extended read, and the samples strictly inside it; undefined when
 * no sample lies after the start (or, smoothed, none before the end).
 */
function boundaries(
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  start: number,
  end: number,
  smoothed: boolean,
  isCounter: boolean,
): Boundaries | undefined {
  let last = hi - 1;
  let k = lo;
  while (k < last && ts[k]! <= start) k++;
  let first = Math.max(lo, k - 1);
  if (smoothed) {
    let m = lo;
    while (m < last && ts[m]! < end) m++;
    last = m;
  }
  if (ts[last]! <= start) return undefined;
  if (smoothed && ts[first]! > end) return undefined;
  const left = smoothed && ts[first]! < start ? interpolate(ts, vs, first, start, isCounter) : vs[first]!;
  const right = smoothed && last > lo && ts[last]! > end ? interpolate(ts, vs, last - 1, end, isCounter) : vs[last]!;
  if (ts[first]! <= start) first++;
  if (ts[last]! >= end) last--;
  return { first, last, left, right };
}

/**
 * rate/increase/delta over an extended window: the difference between the
 * boundary values, plus counter resets in between for counters (the
 * boundary values already account for those at the boundaries); per second
 * when `rateSeconds` is given.
 */
function extendedRate(
  ts: Float64Array,
  vs: Float64Array,
  lo: number,
  hi: number,
  rangeStart: number,
  rangeEnd: number,
  smoothed: boolean,
  isCounter: boolean,
  rateSeconds: number,
): number | undefined {
  const b = boundaries(ts, vs, lo, hi, rangeStart, rangeEnd, smoothed, isCounter);
  if (b === undefined) return undefined;
  let result = b.right - b.left;
  if (isCounter) {
    let prev = b.left;
    for (let i = b.first; i <= b.last; i++) {
      if (vs[i]! < prev) result += prev;
      prev = vs[i]!;
    }
    if (b.right < prev) result += prev;
  }
  return rateSeconds > 0 ? result / rateSeconds : result;
}

/**
 * The samples [lo, hi) an extended window (start, end] reads: back a
 * lookback delta before its start, and past its end too when smoothed.
 */
function extendedWindow(ts: Float64Array, start: number, end: number, lookback: number, smoothed: boolean): [number, number] {
  const lo = upperBound(ts, start - lookback);
  return [lo, upperBound(ts, smoothed ? end + lookback : end, lo)];
}

/** The value at `t` on the line between samples i and i+1; a counter reset between them starts the line at 0. */
function interpolate(ts: Float64Array, vs: Float64Array, i: number, t: number, isCounter: boolean): number {
  const y2 = vs[i + 1]!;
  const y1 = isCounter && y2 < vs[i]! ? 0 : vs[i]!;
  return y1 + ((y2 - y1) * (t - ts[i]!)) / (ts[i + 1]! - ts[i]!);
}

/**
 * One value per series and step from `valueAt`, given the series' samples
 * (without stale markers) and the step's reference time (step or `@` time,
 * less the offset); undefined leaves the step empty.
 */
function perStep(
  ev: Evaluator,
  vs: VectorSelector,
  dropName: boolean,
  valueAt: (ts: Float64Array, values: Float64Array, ref: number) => number | undefined,
): StepMatrix {
  const at = resolveAt(vs.timestamp, vs.startOrEnd, ev.shared.bounds);
  const out: StepMatrix = [];
  for (const s of ev.shared.data.get(vs) ?? []) {
    const { timestamps, values } = ev.windowSamples(s);
    const ts: number[] = [];
    const fs: number[] = [];
    for (let i = 0; i < ev.numSteps; i++) {
      const t = ev.stepTime(i);
      const v = valueAt(timestamps, values, (at ?? t) - vs.offset);
      if (v === undefined) continue;
      ts.push(t);
      fs.push(v);
    }
    if (ts.length === 0) continue;
    ev.shared.samples.add(ts.length);
    out.push({ metric: s.labels, dropName, ts, fs });
  }
  return out;
}

/** A range function whose selector is anchored or smoothed, over every series and step. */
export function extendedRangeFunction(ev: Evaluator, e: Call, ms: MatrixSelector): StepMatrix {
  const vs = ms.vectorSelector;
  const smoothed = vs.smoothed === true;
  const ctx: RangeContext = { rangeStart: 0, rangeEnd: 0, params: [], annotations: ev.shared.annotations, metricName: "", evalTime: 0 };
  const kernel = kernelFor(e.func.name, smoothed, ctx);
  const lookback = ev.shared.lookback;
  const rangeSeconds = e.func.name === "rate" ? ms.range / 1000 : 0;
  return perStep(ev, vs, true, (ts, values, end) => {
    const start = end - ms.range;
    const [lo, hi] = extendedWindow(ts, start, end, lookback, smoothed);
    if (hi <= lo) return undefined;
    ev.shared.samples.loaded += hi - lo;
    return kernel(ts, values, lo, hi, start, end, rangeSeconds);
  });
}

/**
 * An instant query's anchored or smoothed range vector: the samples inside
 * the window framed by the values at its two boundaries, stamped with the
 * boundary times.
 */
export function extendedMatrix(ev: Evaluator, ms: MatrixSelector): StepMatrix {
  if (ev.numSteps !== 1) throw new QueryError("execution", "cannot do range evaluation of matrix selector");
  const vs = ms.vectorSelector;
  const smoothed = vs.smoothed === true;
  const lookback = ev.shared.lookback;
  const at = resolveAt(vs.timestamp, vs.startOrEnd, ev.shared.bounds);
  const maxt = (at ?? ev.stepTime(0)) - vs.offset;
  const mint = maxt - ms.range;
  const out: StepMatrix = [];
  let total = 0;
  for (const s of ev.shared.data.get(vs) ?? []) {
    const { timestamps: ts, values } = ev.windowSamples(s);
    const [lo, hi] = extendedWindow(ts, mint, maxt, lookback, smoothed);
    if (hi <= lo) continue;
    const b = boundaries(ts, values, lo, hi, mint, maxt, smoothed, false);
    if (b === undefined) continue;
    const { first, last, left, right } = b;
    const inner = Math.max(last - first + 1, 0);
    const pts = [mint, ...Array.from(ts.subarray(first, first + inner)), maxt];
    const vals = [left, ...Array.from(values.subarray(first, first + inner)), right];
    out.push({ metric: s.labels, dropName: false, ts: pts, fs: vals });
    total += pts.length;
  }
  ev.shared.samples.loaded += total;
  ev.shared.samples.add(total);
  return out;
}

/** `x smoothed`: at each step the value interpolated at that time, or the last one carried forward. */
export function smoothedSelector(ev: Evaluator, vs: VectorSelector): StepMatrix {
  const lookback = ev.shared.lookback;
  return perStep(ev, vs, false, (ts, values, ref) => {
    const lo = upperBound(ts, ref - lookback);
    const hi = upperBound(ts, ref + lookback, lo);
    // The first sample at or after ref within the window.
    let k = lo;
    while (k < hi && ts[k]! < ref) k++;
    if (k < hi && ts[k] === ref) return values[k]!;
    if (k > lo && k < hi) return interpolate(ts, values, k - 1, ref, false);
    return k > lo ? values[k - 1]! : undefined;
  });
}
