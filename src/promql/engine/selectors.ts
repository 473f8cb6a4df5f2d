/**
 * Selector data: which time range each selector needs (so all storage reads
 * can run in parallel before evaluation) and the lookups over loaded series.
 */
import type { AtModifier, Expr, VectorSelector } from "../ast";
import type { Querier, Series } from "../../storage/storage";
import type { SampleViews } from "../../storage/samples";
import { infoSelector } from "./info";
import { isStaleNaN } from "./stale";

/** Query-wide times that `@ start()` / `@ end()` resolve to. */
export interface QueryBounds {
  readonly start: number;
  readonly end: number;
}

export function resolveAt(timestamp: number | null, startOrEnd: AtModifier | null, q: QueryBounds): number | null {
  if (timestamp !== null) return timestamp;
  if (startOrEnd === "start") return q.start;
  if (startOrEnd === "end") return q.end;
  return null;
}

/**
 * The first step of a subquery: the first multiple of `interval` after
 * `from` (Go's truncating division, so negative times align like Prometheus).
 */
export function subqueryFirstStep(from: number, interval: number): number {
  let start = interval * Math.trunc(from / interval);
  if (start <= from) start += interval;
  return start;
}

export type SelectorData = Map<VectorSelector, Series[]>;

interface Need {
  start: number;
  end: number;
}

/**
 * Walks the tree and records, per selector, the sample range evaluation will
 * read between `start` and `end` (evaluation times of the enclosing node).
 */
function collectNeeds(
  e: Expr,
  start: number,
  end: number,
  lookback: number,
  bounds: QueryBounds,
  defaultSubqueryStep: number,
  out: Map<VectorSelector, Need>,
): void {
  const add = (vs: VectorSelector, range: number, ahead = 0): void => {
    const at = resolveAt(vs.timestamp, vs.startOrEnd, bounds);
    const s = (at ?? start) - vs.offset - range;
    const t = (at ?? end) - vs.offset + ahead;
    const prev = out.get(vs);
    out.set(vs, prev ? { start: Math.min(prev.start, s), end: Math.max(prev.end, t) } : { start: s, end: t });
  };
  switch (e.type) {
    case "VectorSelector":
      add(e, lookback, e.smoothed === true ? lookback : 0);
      return;
    case "MatrixSelector": {
      // anchored looks a lookback delta before the window, smoothed after it too.
      const vs = e.vectorSelector;
      const extended = vs.anchored === true || vs.smoothed === true;
      add(vs, e.range + (extended ? lookback : 0), vs.smoothed === true ? lookback : 0);
      return;
    }
    case "SubqueryExpr": {
      const at = resolveAt(e.timestamp, e.startOrEnd, bounds);
      const step = e.step || defaultSubqueryStep;
      const from = (at ?? start) - e.offset - e.range;
      collectNeeds(e.expr, subqueryFirstStep(from, step), (at ?? end) - e.offset, lookback, bounds, defaultSubqueryStep, out);
      return;
    }
    case "Call":
      if (e.func.name === "info") {
        // The second argument only describes the info series; they are read through a selector of their own.
        collectNeeds(e.args[0]!, start, end, lookback, bounds, defaultSubqueryStep, out);
        add(infoSelector(e), lookback);
        return;
      }
      for (const a of e.args) collectNeeds(a, start, end, lookback, bounds, defaultSubqueryStep, out);
      return;
    case "AggregateExpr":
      if (e.param) collectNeeds(e.param, start, end, lookback, bounds, defaultSubqueryStep, out);
      collectNeeds(e.expr, start, end, lookback, bounds, defaultSubqueryStep, out);
      return;
    case "BinaryExpr":
      collectNeeds(e.lhs, start, end, lookback, bounds, defaultSubqueryStep, out);
      collectNeeds(e.rhs, start, end, lookback, bounds, defaultSubqueryStep, out);
      return;
    case "UnaryExpr":
    case "ParenExpr":
    case "StepInvariantExpr":
      collectNeeds(e.expr, start, end, lookback, bounds, defaultSubqueryStep, out);
      return;
    case "NumberLiteral":
    case "StringLiteral":
      return;
  }
}

/** Reads every selector's series in parallel. */
export async function loadSelectors(
  querier: Querier,
  expr: Expr,
  bounds: QueryBounds,
  step: number,
  lookback: number,
  defaultSubqueryStep: number,
): Promise<SelectorData> {
  const needs = new Map<VectorSelector, Need>();
  collectNeeds(expr, bounds.start, bounds.end, lookback, bounds, defaultSubqueryStep, needs);
  const entries = [...needs];
  const results = await Promise.all(
    entries.map(([vs, n]) => querier.select(vs.matchers, { start: n.start, end: n.end, step: step || undefined })),
  );
  const data: SelectorData = new Map();
  entries.forEach(([vs], i) => data.set(vs, results[i]!));
  return data;
}

/** First index with `ts[i] > t`, searching from `from`. */
export function upperBound(ts: Float64Array, t: number, from = 0): number {
  let lo = from;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The series without stale markers, as range windows see it (a stale marker
 * is never a sample of a range vector). Returns the input when it has none.
 */
export function withoutStaleMarkers<S extends SampleViews>(s: S): S | SampleViews {
  const vs = s.values;
  let stale = 0;
  for (let i = 0; i < vs.length; i++) if (isStaleNaN(vs[i]!)) stale++;
  if (stale === 0) return s;
  const n = vs.length - stale;
  const ts = new Float64Array(n);
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < vs.length; i++) {
    if (isStaleNaN(vs[i]!)) continue;
    ts[j] = s.timestamps[i]!;
    out[j++] = vs[i]!;
  }
  return { timestamps: ts, values: out };
}
