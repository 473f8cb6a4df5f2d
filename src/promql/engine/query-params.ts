/**
 * Resolves what depends on the query's own parameters before evaluation, as
 * Prometheus does: `step()`, `range()`, `start()` and `end()` calls become
 * numbers, and duration expressions using step()/range() (`[step()+1m]`,
 * `offset -range()`) become plain ranges, steps and offsets.
 */
import type { DurationExpr, Expr } from "../ast";
import { mapChildren } from "../map-children";
import { DurationExprError, evalDurationExpr, usesQueryParams, type DurationContext } from "../parser";
import { QueryError } from "./types";

export interface QueryParams {
  readonly start: number;
  readonly end: number;
  /** 0 for an instant query. */
  readonly step: number;
}

export function resolveQueryParams(e: Expr, p: QueryParams): Expr {
  const ctx: DurationContext = { stepMs: p.step, rangeMs: p.end - p.start };
  const dur = (d: DurationExpr | undefined, folded: number, allowNegative: boolean): number => {
    if (!d || !usesQueryParams(d)) return folded;
    try {
      return evalDurationExpr(d, ctx, allowNegative);
    } catch (err) {
      if (err instanceof DurationExprError) throw new QueryError("bad_data", err.message);
      throw err;
    }
  };
  const walk = (e: Expr): Expr => {
    switch (e.type) {
      case "Call": {
        const n = e.func.name;
        if (e.args.length === 0 && (n === "step" || n === "range" || n === "start" || n === "end")) {
          const v = n === "step" ? p.step : n === "range" ? p.end - p.start : n === "start" ? p.start : p.end;
          return { type: "NumberLiteral", pos: e.pos, value: v / 1000 };
        }
        return mapChildren(e, walk);
      }
      case "VectorSelector":
        return e.offsetExpr && usesQueryParams(e.offsetExpr) ? { ...e, offset: dur(e.offsetExpr, e.offset, true) } : e;
      case "MatrixSelector": {
        const vs = walk(e.vectorSelector);
        const range = dur(e.rangeExpr, e.range, false);
        return vs === e.vectorSelector && range === e.range ? e : { ...e, vectorSelector: vs as typeof e.vectorSelector, range };
      }
      case "SubqueryExpr":
        return {
          ...e,
          expr: walk(e.expr),
          range: dur(e.rangeExpr, e.range, false),
          step: dur(e.stepExpr, e.step, false),
          offset: dur(e.offsetExpr, e.offset, true),
        };
      default:
        return mapChildren(e, walk);
    }
  };
  return walk(e);
}
