/**
 * Engine values: the public query result shapes and the internal step-wise
 * representation the evaluator passes between nodes.
 */
import type { Labels } from "../../model/labels";

export interface EngineOptions {
  /** How far back an instant selector looks for a sample, in ms (default 5m). */
  lookbackDelta?: number;
  /** Most samples a query may hold in memory at once (default 50e6). */
  maxSamples?: number;
  /** Wall-clock budget for one query, in ms (default: none). */
  timeoutMs?: number;
  /** Allow functions Prometheus keeps behind a feature flag. */
  enableExperimental?: boolean;
}

export interface QuerySample {
  labels: Labels;
  t: number;
  v: number;
}

export interface QuerySeries {
  labels: Labels;
  timestamps: Float64Array;
  values: Float64Array;
}

export type QueryValue =
  | { type: "scalar"; t: number; v: number }
  | { type: "string"; t: number; v: string }
  | { type: "vector"; samples: QuerySample[] }
  | { type: "matrix"; series: QuerySeries[] };

export interface QueryResult {
  value: QueryValue;
  /** Annotation texts without positions (as the conformance scripts compare them). */
  warnings: string[];
  infos: string[];
  /**
   * The same annotations as Prometheus's HTTP API words them: each with the
   * ` (line:col)` of the expression it refers to.
   */
  positioned: { warnings: string[]; infos: string[] };
  stats: { samplesLoaded: number; peakSamples: number };
}

export type QueryErrorKind = "bad_data" | "execution" | "timeout" | "canceled" | "too_many_samples";

export class QueryError extends Error {
  readonly kind: QueryErrorKind;
  constructor(kind: QueryErrorKind, message: string) {
    super(message);
    this.name = "QueryError";
    this.kind = kind;
  }
}

export const TOO_MANY_SAMPLES = "query processing would load too many samples into memory in query execution";

/** One element of an instant vector at the step being evaluated. */
export interface Sample {
  metric: Labels;
  f: number;
  /**
   * Prometheus 3 delays dropping `__name__`: an operation that changes a
   * value's meaning only marks the sample, and the name goes when the query
   * result is assembled. Until then `by (__name__)` and matching still see it.
   */
  dropName: boolean;
}

export type Vector = Sample[];

/** One output series of a node, with a point for each step where it had a value. */
export interface StepSeries {
  metric: Labels;
  dropName: boolean;
  ts: number[];
  fs: number[];
}

/** What every vector- or scalar-typed node evaluates to over the steps (a scalar is one series with no labels). */
export type StepMatrix = StepSeries[];

export interface StringResult {
  readonly kind: "string";
  readonly v: string;
}

export type EvalValue = StepMatrix | StringResult;

export function isString(v: EvalValue): v is StringResult {
  return !Array.isArray(v);
}
