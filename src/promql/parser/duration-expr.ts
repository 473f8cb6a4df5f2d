/**
 * Evaluation of duration expressions (`[5m + step()]`, `offset -min_of(range(), 1h)`).
 * The engine resolves them per query, since `step()` and `range()` are the
 * query's resolution and time range; the parser folds the constant ones.
 */
import type { DurationExpr } from "../ast";

export interface DurationContext {
  /** The query's step in ms (0 for an instant query). */
  readonly stepMs: number;
  /** The query's end minus start in ms (0 for an instant query). */
  readonly rangeMs: number;
}

export class DurationExprError extends Error {}

/** Prometheus's limit: what Go's time.Duration holds, in seconds. */
const MAX_SECONDS = 2 ** 63 / 1e9;

/**
 * Resolves a duration expression to ms, with Prometheus's checks: the value
 * must be finite, in range, and (unless `allowNegative`, as for offsets)
 * greater than zero. Messages carry the byte range like Prometheus's.
 */
export function evalDurationExpr(d: DurationExpr, ctx: DurationContext, allowNegative: boolean): number {
  const seconds = evalSeconds(d, ctx);
  const where = `${d.pos.start}:${d.pos.end}`;
  if (!Number.isFinite(seconds)) throw new DurationExprError(`${where}: duration is NaN or infinite`);
  if (seconds <= 0 && !allowNegative) throw new DurationExprError(`${where}: duration must be greater than 0`);
  if (seconds > MAX_SECONDS || seconds < -MAX_SECONDS) throw new DurationExprError(`${where}: duration is out of range`);
  return Math.trunc(seconds * 1000);
}

/** The ms value of an expression without step()/range() that evaluates cleanly, else null. */
export function foldDurationExpr(d: DurationExpr, allowNegative = false): number | null {
  if (usesQueryParams(d)) return null;
  try {
    return evalDurationExpr(d, { stepMs: 0, rangeMs: 0 }, allowNegative);
  } catch (e) {
    if (e instanceof DurationExprError) return null;
    throw e;
  }
}

export function usesQueryParams(d: DurationExpr): boolean {
  switch (d.kind) {
    case "number":
      return false;
    case "step":
    case "range":
      return true;
    case "unary":
      return usesQueryParams(d.expr);
    case "binary":
      return usesQueryParams(d.lhs) || usesQueryParams(d.rhs);
  }
}

function evalSeconds(d: DurationExpr, ctx: DurationContext): number {
  switch (d.kind) {
    case "number":
      return d.value;
    case "step":
      return ctx.stepMs / 1000;
    case "range":
      return ctx.rangeMs / 1000;
    case "unary":
      return d.op === "-" ? -evalSeconds(d.expr, ctx) : evalSeconds(d.expr, ctx);
    case "binary": {
      const a = evalSeconds(d.lhs, ctx);
      const b = evalSeconds(d.rhs, ctx);
      switch (d.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          if (b === 0) throw new DurationExprError(`${d.pos.start}:${d.pos.end}: division by zero`);
          return a / b;
        case "%":
          if (b === 0) throw new DurationExprError(`${d.pos.start}:${d.pos.end}: modulo by zero`);
          return a % b;
        case "^":
          return Math.pow(a, b);
        case "min_of":
          return Math.min(a, b);
        case "max_of":
          return Math.max(a, b);
      }
    }
  }
}
