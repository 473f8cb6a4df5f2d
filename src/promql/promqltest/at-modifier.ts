/**
 * The extra runs Prometheus's promqltest makes of every instant case: with
 * each selector pinned by `@` to the case's evaluation time, the answer
 * must not change when the query is evaluated at quite different times.
 */
import type { Expr } from "../ast";
import { AT_MODIFIER_UNSAFE_FUNCTIONS } from "../engine/step-invariant";
import { mapChildren } from "../map-children";
import { formatExpr, parseExpr } from "../parser";

export interface AtModifierCase {
  readonly expr: string;
  /** Evaluation time in ms. */
  readonly evalTime: number;
}

/**
 * The pinned query and the times to run it at, or none when the query
 * calls a function that reads the evaluation time (its answer may differ).
 */
export function atModifierCases(query: string, evalTime: number): AtModifierCase[] {
  const state = { readsTime: false };
  const pinned = pin(parseExpr(query), evalTime, state);
  if (state.readsTime) return [];
  const expr = formatExpr(pinned);
  // Go's integer division truncates.
  const times = evalTime === 0 ? [-1000, 0, 1000] : [-10 * evalTime, 0, Math.trunc(evalTime / 5), evalTime, 10 * evalTime];
  return times.map((t) => ({ expr, evalTime: t }));
}

/** Selectors and subqueries without an `@` get `@ at`; nothing inside a subquery is touched. */
function pin(e: Expr, at: number, state: { readsTime: boolean }): Expr {
  const walk = (x: Expr): Expr => pin(x, at, state);
  switch (e.type) {
    case "VectorSelector":
    case "SubqueryExpr":
      return e.timestamp === null ? { ...e, timestamp: at, startOrEnd: null } : e;
    case "Call":
      if (AT_MODIFIER_UNSAFE_FUNCTIONS.has(e.func.name)) state.readsTime = true;
      break;
  }
  return mapChildren(e, walk);
}
