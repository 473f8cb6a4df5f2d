/**
 * Vector/scalar operators evaluated series by series instead of step by
 * step: each input series' points are combined with the scalar's value at
 * their step in one pass over typed scratch arrays, so no Sample object is
 * made per series per step. The result is the one the step-wise driver
 * would build: the same points, series order (by first output step, then
 * input order), `__name__` marking and max-samples accounting.
 */
import type { BinaryOp } from "../ast";
import { COMPARISON_OPS } from "../ast";
import { labelsKey } from "../../model/labels";
import { changesMetricSchema, scalarBinop } from "./binary";
import type { SampleTracker } from "./samples";
import { QueryError, type StepMatrix, type StepSeries } from "./types";

/** The evaluator's step grid. */
export interface StepGrid {
  readonly start: number;
  readonly interval: number;
  readonly numSteps: number;
}

/**
 * The scalar's value at every step, or null when it lacks a point at some
 * step (the step-wise driver then decides what happens).
 */
export function denseScalarSteps(m: StepMatrix, grid: StepGrid): Float64Array | null {
  const s = m[0];
  if (m.length !== 1 || s === undefined || s.ts.length !== grid.numSteps) return null;
  const out = new Float64Array(grid.numSteps);
  for (let i = 0; i < grid.numSteps; i++) {
    if (s.ts[i] !== grid.start + i * grid.interval) return null;
    out[i] = s.fs[i]!;
  }
  return out;
}

/**
 * `vec op scalar` (or `scalar op vec` when `swap`) over all steps. Returns
 * null when input series share a label set, a case left to the step-wise
 * driver, which merges or rejects them.
 */
export function vectorScalarMatrix(
  op: BinaryOp,
  vec: StepMatrix,
  scalars: Float64Array,
  swap: boolean,
  returnBool: boolean,
  grid: StepGrid,
  tracker: SampleTracker,
  deadline: number,
): StepMatrix | null {
  const numSteps = grid.numSteps;
  const isCmp = COMPARISON_OPS.has(op);
  const dropsName = changesMetricSchema(op) || returnBool;
  const inPerStep = new Int32Array(numSteps);
  const outPerStep = new Int32Array(numSteps);
  const outSteps = new Int32Array(numSteps);
  const outFs = new Float64Array(numSteps);
  const results: StepSeries[] = [];
  const firstSteps: number[] = [];
  const seen = new Set<string>();

  for (let si = 0; si < vec.length; si++) {
    if ((si & 255) === 0 && Date.now() > deadline) throw new QueryError("timeout", "query timed out in expression evaluation");
    const s = vec[si]!;
    const ts = s.ts;
    const fs = s.fs;
    let n = 0;
    let last = -1;
    for (let c = 0; c < ts.length; c++) {
      const t = ts[c]!;
      // Only points on the step grid take part, the first one where a step repeats.
      const i = grid.interval > 0 ? Math.round((t - grid.start) / grid.interval) : 0;
      if (i <= last || i >= numSteps || grid.start + i * grid.interval !== t) continue;
      last = i;
      inPerStep[i]!++;
      const v = fs[c]!;
      const sc = scalars[i]!;
      const l = swap ? sc : v;
      const r = swap ? v : sc;
      let f: number;
      if (isCmp) {
        const keep = scalarBinop(op, l, r) === 1;
        if (returnBool) f = keep ? 1 : 0;
        else if (keep) f = v;
        else continue;
      } else {
        f = scalarBinop(op, l, r);
      }
      outSteps[n] = i;
      outFs[n++] = f;
      outPerStep[i]!++;
    }
    if (n === 0) continue;
    const key = labelsKey(s.metric);
    if (seen.has(key)) return null;
    seen.add(key);
    const ots = new Array<number>(n);
    const ofs = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      ots[k] = grid.start + outSteps[k]! * grid.interval;
      ofs[k] = outFs[k]!;
    }
    results.push({ metric: s.metric, dropName: s.dropName || dropsName, ts: ots, fs: ofs });
    firstSteps.push(outSteps[0]!);
  }

  // As the step-wise driver does, each step holds its inputs (the vector's
  // samples and the scalar) beside everything output so far.
  let held = tracker.current;
  for (let i = 0; i < numSteps; i++) {
    tracker.observe(held + inPerStep[i]! + 1 + outPerStep[i]!);
    held += outPerStep[i]!;
  }
  return orderByFirstStep(results, firstSteps, numSteps);
}

/** Stable counting sort by first output step: the order in which a step-wise pass first meets each series. */
function orderByFirstStep(results: StepSeries[], firstSteps: readonly number[], numSteps: number): StepMatrix {
  let sorted = true;
  for (let k = 1; k < firstSteps.length && sorted; k++) sorted = firstSteps[k - 1]! <= firstSteps[k]!;
  if (sorted) return results;
  const starts = new Int32Array(numSteps + 1);
  for (const f of firstSteps) starts[f + 1]!++;
  for (let i = 0; i < numSteps; i++) starts[i + 1]! += starts[i]!;
  const out = new Array<StepSeries>(results.length);
  for (let k = 0; k < results.length; k++) out[starts[firstSteps[k]!]!++] = results[k]!;
  return out;
}
