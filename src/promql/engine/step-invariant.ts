/**
 * Marks the parts of a query whose value is the same at every step, as
 * Prometheus's preprocessing does: an `@` modifier fixes a selector's time,
 * and anything built only from such selectors and literals (through
 * functions that do not read the evaluation time) is evaluated once and
 * repeated across the steps. Besides saving work, this is what makes the
 * max-samples accounting match Prometheus for such queries.
 */
import type { Expr, StepInvariantExpr } from "../ast";

/** Functions whose result depends on the evaluation time (or on the samples' own timestamps). */
export const AT_MODIFIER_UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  "days_in_month",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "hour",
  "minute",
  "month",
  "year",
  "predict_linear",
  "time",
  "timestamp",
  "start",
  "end",
  "range",
  "step",
]);

interface Marked {
  readonly expr: Expr;
  /** The whole subtree is step invariant. */
  readonly invariant: boolean;
  /** It is worth wrapping (range vectors and bare literals never are). */
  readonly wrap: boolean;
}

function wrapNode(e: Expr): StepInvariantExpr {
  return { type: "StepInvariantExpr", pos: e.pos, expr: e };
}

/** `e` with its highest step-invariant subtrees wrapped in StepInvariantExpr. */
export function wrapStepInvariant(e: Expr): Expr {
  const m = mark(e);
  return m.wrap ? wrapNode(m.expr) : m.expr;
}

function mark(e: Expr): Marked {
  switch (e.type) {
    case "VectorSelector": {
      const fixed = e.timestamp !== null || e.startOrEnd !== null;
      return { expr: e, invariant: fixed, wrap: fixed };
    }
    case "MatrixSelector":
      // Range functions read matrix selectors directly; only their caller is wrapped.
      return { expr: e, invariant: mark(e.vectorSelector).invariant, wrap: false };
    case "SubqueryExpr": {
      // The inside is evaluated once relative to the subquery's first step.
      const inner = mark(e.expr);
      const expr = inner.invariant ? { ...e, expr: wrapNode(inner.expr) } : inner.expr === e.expr ? e : { ...e, expr: inner.expr };
      return { expr, invariant: e.timestamp !== null || e.startOrEnd !== null, wrap: false };
    }
    case "AggregateExpr": {
      // Like Prometheus, only the aggregated expression decides; the parameter is taken as is.
      const inner = mark(e.expr);
      const expr = inner.expr === e.expr ? e : { ...e, expr: inner.expr };
      return { expr, invariant: inner.invariant, wrap: inner.wrap };
    }
    case "BinaryExpr": {
      const l = mark(e.lhs);
      const r = mark(e.rhs);
      if (l.invariant && r.invariant) return { expr: { ...e, lhs: l.expr, rhs: r.expr }, invariant: true, wrap: true };
      const lhs = l.wrap ? wrapNode(l.expr) : l.expr;
      const rhs = r.wrap ? wrapNode(r.expr) : r.expr;
      return { expr: lhs === e.lhs && rhs === e.rhs ? e : { ...e, lhs, rhs }, invariant: false, wrap: false };
    }
    case "Call": {
      const args = e.args.map(mark);
      const argsInvariant = args.every((a) => a.invariant);
      // timestamp() of a fixed selector is fixed too, though timestamp() is unsafe in general.
      const fixedTimestamp =
        e.func.name === "timestamp" && args.length > 0 && args.every((a) => a.invariant && unwrapParens(a.expr).type === "VectorSelector");
      if ((argsInvariant && !AT_MODIFIER_UNSAFE_FUNCTIONS.has(e.func.name)) || fixedTimestamp) {
        return { expr: { ...e, args: args.map((a) => a.expr) }, invariant: true, wrap: true };
      }
      const wrapped = args.map((a) => (a.wrap ? wrapNode(a.expr) : a.expr));
      const same = wrapped.every((a, i) => a === e.args[i]);
      return { expr: same ? e : { ...e, args: wrapped }, invariant: false, wrap: false };
    }
    case "ParenExpr":
    case "UnaryExpr": {
      const inner = mark(e.expr);
      return { expr: inner.expr === e.expr ? e : { ...e, expr: inner.expr }, invariant: inner.invariant, wrap: inner.wrap };
    }
    case "StepInvariantExpr":
      return { expr: e, invariant: true, wrap: false };
    case "NumberLiteral":
    case "StringLiteral":
      return { expr: e, invariant: true, wrap: false };
  }
}

function unwrapParens(e: Expr): Expr {
  while (e.type === "ParenExpr") e = e.expr;
  return e;
}
