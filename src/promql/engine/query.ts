/**
 * Executes a parsed query: loads every selector's data in parallel, then
 * evaluates synchronously and shapes the result like Prometheus's API.
 */
import type { Expr } from "../ast";
import { exprType } from "../ast";
import type { Querier } from "../../storage/storage";
import { Annotations } from "../functions/annotations";
import { Evaluator, finalizeMatrix, sortMatrix, type EvalShared } from "./evaluator";
import { loadSelectors } from "./selectors";
import { SampleTracker } from "./samples";
import { isString, type QueryResult, type QueryValue, type StepMatrix } from "./types";

/** Subqueries without a step use this resolution (Prometheus: the global evaluation interval). */
export const DEFAULT_SUBQUERY_STEP = 60_000;

export interface ExecOptions {
  readonly lookbackDelta: number;
  readonly maxSamples: number;
  /** Absolute time (Date.now() scale) after which evaluation stops; Infinity for none. */
  readonly deadline: number;
  /** The query text, which annotation positions refer to ("unknown position" without it). */
  readonly query?: string;
}

/** Evaluates `expr` at `start` (step 0: an instant query) or over [start, end] every `step` ms. */
export async function execQuery(q: Querier, expr: Expr, start: number, end: number, step: number, opts: ExecOptions): Promise<QueryResult> {
  const lookback = opts.lookbackDelta;
  const bounds = { start, end };
  const data = await loadSelectors(q, expr, bounds, step, lookback, DEFAULT_SUBQUERY_STEP);
  const shared: EvalShared = {
    bounds,
    lookback,
    deadline: opts.deadline,
    data,
    annotations: new Annotations(),
    defaultSubqueryStep: DEFAULT_SUBQUERY_STEP,
    samples: new SampleTracker(opts.maxSamples),
  };
  const ev = new Evaluator(shared, start, end, step);
  const raw = ev.eval(expr);
  const stats = { samplesLoaded: shared.samples.loaded, peakSamples: shared.samples.peak };
  const done = (value: QueryValue): QueryResult => ({
    value,
    warnings: shared.annotations.warnings,
    infos: shared.annotations.infos,
    positioned: shared.annotations.asStrings(opts.query ?? ""),
    stats,
  });
  if (isString(raw)) return done({ type: "string", t: start, v: raw.v });
  const type = exprType(expr);
  if (step === 0) {
    if (type === "scalar") return done({ type: "scalar", t: start, v: raw[0]?.fs[0] ?? NaN });
    if (type === "matrix") return done(matrixValue(finalizeMatrix(raw)));
    return done({
      type: "vector",
      samples: finalizeMatrix(raw).map((s) => ({ labels: s.metric, t: start, v: s.fs[0]! })),
    });
  }
  return done(matrixValue(sortMatrix(finalizeMatrix(raw))));
}

function matrixValue(m: StepMatrix): QueryValue {
  return {
    type: "matrix",
    series: m.map((s) => ({ labels: s.metric, timestamps: new Float64Array(s.ts), values: new Float64Array(s.fs) })),
  };
}
