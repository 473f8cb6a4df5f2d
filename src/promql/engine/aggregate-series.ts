/**
 * Aggregation series by series. Step-wise evaluation gathers every input
 * series at every step into a vector; for the plain accumulating operators
 * the same answer comes from walking each input series once and adding
 * each point into its group's cell for that step. Per cell the additions
 * still happen in input-series order, so results (Kahan sums included)
 * are the step-wise ones to the bit.
 */
import type { AggregateExpr } from "../ast";
import { kahanStep } from "../functions/kahan";
import type { Grouping } from "./aggregate";
import { QueryError, type StepMatrix } from "./types";

/** Operators this path computes; the others (quantile, topk, …) go step by step. */
const SERIES_WISE = new Set<AggregateExpr["op"]>(["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"]);

/** Cells (groups × steps) above which the accumulators would cost too much memory. */
export const MAX_SERIES_WISE_CELLS = 1 << 19;

const SEEN = 1;
const INCREMENTAL_MEAN = 2;

export interface StepGrid {
  readonly start: number;
  /** 0 for an instant evaluation. */
  readonly interval: number;
  readonly numSteps: number;
  readonly deadline: number;
}

/** The aggregation, or null when this operator or size is left to the step-wise path. */
export function aggregateSeriesWise(op: AggregateExpr["op"], input: StepMatrix, groups: Grouping, grid: StepGrid): StepMatrix | null {
  if (!SERIES_WISE.has(op)) return null;
  const groupOf = new Int32Array(input.length);
  for (let i = 0; i < input.length; i++) groupOf[i] = groups.indexOf(input[i]!.metric);
  const numGroups = groups.labels.length;
  const steps = grid.numSteps;
  if (numGroups * steps > MAX_SERIES_WISE_CELLS) return null;

  const cells = numGroups * steps;
  const value = new Float64Array(cells);
  const kahanC = new Float64Array(cells);
  // Operators that keep no count or mean get `value` in their place rather
  // than arrays they never read; a cell's first point therefore writes
  // `value` last.
  const needsCount = op === "avg" || op === "count" || op === "stddev" || op === "stdvar";
  const count = needsCount ? new Float64Array(cells) : value;
  const mean = op === "avg" || op === "stddev" || op === "stdvar" ? new Float64Array(cells) : value;
  const flags = new Uint8Array(cells);
  // Output order is first appearance: by step, then by input order within it.
  const firstStep = new Int32Array(numGroups).fill(steps);
  const firstSeries = new Int32Array(numGroups);
  const dropName = new Uint8Array(numGroups);

  for (let si = 0; si < input.length; si++) {
    if ((si & 1023) === 1023 && Date.now() > grid.deadline) throw new QueryError("timeout", "query timed out in expression evaluation");
    const s = input[si]!;
    const g = groupOf[si]!;
    const ts = s.ts;
    const fs = s.fs;
    const base = g * steps;
    for (let k = 0; k < ts.length; k++) {
      const idx = grid.interval > 0 ? Math.round((ts[k]! - grid.start) / grid.interval) : 0;
      if (idx < firstStep[g]!) {
        firstStep[g] = idx;
        firstSeries[g] = si;
        dropName[g] = s.dropName ? 1 : 0;
      } else if (idx === firstStep[g] && s.dropName) dropName[g] = 1;
      const c = base + idx;
      const f = fs[k]!;
      if ((flags[c]! & SEEN) === 0) {
        flags[c] = SEEN;
        count[c] = 1;
        mean[c] = f;
        kahanC[c] = 0;
        value[c] = op === "stddev" || op === "stdvar" ? (Number.isFinite(f) ? 0 : NaN) : op === "group" ? 1 : f;
        continue;
      }
      switch (op) {
        case "sum":
          kahanAdd(value, kahanC, c, f);
          break;
        case "avg":
          avgAdd(value, kahanC, mean, count, flags, c, f);
          break;
        case "max":
          if (value[c]! < f || Number.isNaN(value[c]!)) value[c] = f;
          break;
        case "min":
          if (value[c]! > f || Number.isNaN(value[c]!)) value[c] = f;
          break;
        case "count":
          count[c]!++;
          break;
        case "stddev":
        case "stdvar": {
          const n = ++count[c]!;
          const delta = f - mean[c]!;
          mean[c]! += delta / n;
          value[c]! += delta * (f - mean[c]!);
          break;
        }
      }
    }
  }

  const order = Array.from({ length: numGroups }, (_, g) => g).filter((g) => firstStep[g]! < steps);
  order.sort((a, b) => firstStep[a]! - firstStep[b]! || firstSeries[a]! - firstSeries[b]!);
  const out: StepMatrix = [];
  for (const g of order) {
    const ts: number[] = [];
    const fs: number[] = [];
    for (let idx = firstStep[g]!; idx < steps; idx++) {
      const c = g * steps + idx;
      if (flags[c] === 0) continue;
      ts.push(grid.start + idx * grid.interval);
      fs.push(finalValue(op, c, value, kahanC, mean, count, flags));
    }
    out.push({ metric: groups.labels[g]!, dropName: dropName[g] === 1, ts, fs });
  }
  return out;
}

/** Compensated add into cell `c`, as Prometheus's kahansum.Inc. */
function kahanAdd(value: Float64Array, kahanC: Float64Array, c: number, inc: number): void {
  kahanC[c] = kahanStep(value[c]!, inc, kahanC[c]!);
  value[c]! += inc;
}

/** avg's running sum, switching to an incremental mean once the sum overflows (as Prometheus does). */
function avgAdd(value: Float64Array, kahanC: Float64Array, mean: Float64Array, count: Float64Array, flags: Uint8Array, c: number, f: number): void {
  const n = ++count[c]!;
  if ((flags[c]! & INCREMENTAL_MEAN) === 0) {
    const v = value[c]!;
    const k = kahanC[c]!;
    kahanAdd(value, kahanC, c, f);
    if (Number.isFinite(value[c]!) || Number.isNaN(value[c]!)) return;
    value[c] = v;
    kahanC[c] = k;
    flags[c]! |= INCREMENTAL_MEAN;
    mean[c] = v / (n - 1);
    kahanC[c] = k / (n - 1);
  }
  const q = (n - 1) / n;
  const sum = value[c]!;
  value[c] = q * mean[c]!;
  kahanC[c] = q * kahanC[c]!;
  kahanAdd(value, kahanC, c, f / n);
  mean[c] = value[c]!;
  value[c] = sum;
}

function finalValue(
  op: AggregateExpr["op"],
  c: number,
  value: Float64Array,
  kahanC: Float64Array,
  mean: Float64Array,
  count: Float64Array,
  flags: Uint8Array,
): number {
  switch (op) {
    case "sum":
      return value[c]! + kahanC[c]!;
    case "avg":
      return (flags[c]! & INCREMENTAL_MEAN) !== 0 ? mean[c]! + kahanC[c]! : value[c]! / count[c]! + kahanC[c]! / count[c]!;
    case "count":
      return count[c]!;
    case "stdvar":
      return value[c]! / count[c]!;
    case "stddev":
      return Math.sqrt(value[c]! / count[c]!);
    default:
      return value[c]!;
  }
}
