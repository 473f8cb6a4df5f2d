/**
 * The PromQL syntax tree. The parser produces it, the engine evaluates it and
 * the printer turns it back into canonical text (`format_query`). Node kinds
 * and field names follow Prometheus's `promql/parser` so that its docs and
 * code read across.
 *
 * Times and durations are in milliseconds.
 */
import type { Matcher } from "../model/matchers";

export type ValueType = "scalar" | "vector" | "matrix" | "string";

/** Byte offsets into the query text, for error messages. */
export interface PositionRange {
  readonly start: number;
  readonly end: number;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr
  | StepInvariantExpr;

/** `@ start()` / `@ end()`: resolved by the engine to the query's bounds. */
export type AtModifier = "start" | "end";

interface Node {
  readonly pos: PositionRange;
}

export interface NumberLiteral extends Node {
  readonly type: "NumberLiteral";
  readonly value: number;
  /** Written as a duration (`5m`, value in seconds), so it prints back as one. */
  readonly duration?: boolean;
}

export interface StringLiteral extends Node {
  readonly type: "StringLiteral";
  readonly value: string;
  /**
   * Present only when the literal's `\x`/octal escapes spell bytes that are
   * not valid UTF-8: its exact bytes, which Prometheus keeps (and then
   * rejects as a label name). `value` has U+FFFD in their place.
   */
  readonly invalidUtf8?: Uint8Array;
}

export interface VectorSelector extends Node {
  readonly type: "VectorSelector";
  /** The metric name as written before the braces, or "" if none. */
  readonly name: string;
  /** All matchers, including the `__name__` one implied by `name`. */
  readonly matchers: readonly Matcher[];
  /** `offset` in ms (negative for `offset -5m`), 0 if absent. */
  readonly offset: number;
  /** `@ <timestamp>` in ms, or null. */
  readonly timestamp: number | null;
  /** `@ start()` / `@ end()`, or null. */
  readonly startOrEnd: AtModifier | null;
  /** `offset <duration expression>`; see DurationExpr for how it relates to `offset`. */
  readonly offsetExpr?: DurationExpr;
  /** The experimental `anchored` / `smoothed` range modifiers (also written on instant selectors). */
  readonly anchored?: boolean;
  readonly smoothed?: boolean;
}

export interface MatrixSelector extends Node {
  readonly type: "MatrixSelector";
  readonly vectorSelector: VectorSelector;
  /** The range in ms. */
  readonly range: number;
  /** The range as a duration expression (`[5m+1m]`, `[step()]`); see DurationExpr. */
  readonly rangeExpr?: DurationExpr;
}

export interface SubqueryExpr extends Node {
  readonly type: "SubqueryExpr";
  readonly expr: Expr;
  readonly range: number;
  /** The resolution in ms, 0 when omitted (the engine uses the default). */
  readonly step: number;
  readonly offset: number;
  readonly timestamp: number | null;
  readonly startOrEnd: AtModifier | null;
  readonly rangeExpr?: DurationExpr;
  readonly stepExpr?: DurationExpr;
  readonly offsetExpr?: DurationExpr;
}

/**
 * An experimental duration expression in a range, subquery step or offset
 * position (`[5m + 1m]`, `offset -step()`, `[min_of(range(), 1h)]`). Values
 * are in seconds, as in PromQL. When the expression does not use `step()` or
 * `range()`, the parser also folds it into the node's plain ms field
 * (`range`, `step`, `offset`); otherwise that field is 0 and the engine must
 * evaluate the expression per query (see `evalDurationExpr` in the parser).
 * `wrapped` records parentheses so the expression prints back as written.
 */
export type DurationExpr =
  | { readonly kind: "number"; readonly value: number; readonly duration: boolean; readonly pos: PositionRange; readonly wrapped: boolean }
  | { readonly kind: "step" | "range"; readonly pos: PositionRange; readonly wrapped: boolean }
  | {
      readonly kind: "binary";
      readonly op: "+" | "-" | "*" | "/" | "%" | "^" | "min_of" | "max_of";
      readonly lhs: DurationExpr;
      readonly rhs: DurationExpr;
      readonly pos: PositionRange;
      readonly wrapped: boolean;
    }
  | { readonly kind: "unary"; readonly op: "+" | "-"; readonly expr: DurationExpr; readonly pos: PositionRange; readonly wrapped: boolean };

export interface Call extends Node {
  readonly type: "Call";
  readonly func: FunctionSignature;
  readonly args: readonly Expr[];
}

/** What the parser knows of a function: enough to type-check a call. */
export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  /**
   * As in Prometheus: 0 for a fixed arity; otherwise the call takes at least
   * `argTypes.length - 1` arguments and at most that plus `variadic` (or any
   * number when -1); arguments past `argTypes` have the last type.
   */
  readonly variadic: number;
  readonly returnType: ValueType;
  /** Needs a feature flag in Prometheus (e.g. experimental functions). */
  readonly experimental?: boolean;
}

export type AggregateOp =
  | "sum"
  | "avg"
  | "count"
  | "min"
  | "max"
  | "group"
  | "stddev"
  | "stdvar"
  | "topk"
  | "bottomk"
  | "count_values"
  | "quantile"
  | "limitk"
  | "limit_ratio";

export interface AggregateExpr extends Node {
  readonly type: "AggregateExpr";
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio. */
  readonly param: Expr | null;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "atan2"
  | "=="
  | "!="
  | ">"
  | "<"
  | ">="
  | "<="
  | "and"
  | "or"
  | "unless"
  /** Native-histogram trim operators: `</` (trim_upper) and `>/` (trim_lower). */
  | "</"
  | ">/";

export type VectorMatchCardinality = "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";

export interface VectorMatching {
  readonly card: VectorMatchCardinality;
  /** The label list of `on(...)` or `ignoring(...)`. */
  readonly matchingLabels: readonly string[];
  /** True for `on`, false for `ignoring` (or no clause). */
  readonly on: boolean;
  /** The extra labels of `group_left(...)` / `group_right(...)`. */
  readonly include: readonly string[];
  /**
   * Experimental `fill(v)` / `fill_left(v)` / `fill_right(v)`: the value used
   * for a series missing on that side (null: no filling on that side).
   */
  readonly fillValues?: { readonly lhs: number | null; readonly rhs: number | null };
}

export interface BinaryExpr extends Node {
  readonly type: "BinaryExpr";
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** Set when both sides are vectors (and for set operators, always many-to-many). */
  readonly matching: VectorMatching | null;
  /** The `bool` modifier of a comparison. */
  readonly returnBool: boolean;
}

export interface UnaryExpr extends Node {
  readonly type: "UnaryExpr";
  readonly op: "+" | "-";
  readonly expr: Expr;
}

export interface ParenExpr extends Node {
  readonly type: "ParenExpr";
  readonly expr: Expr;
}

/**
 * Wraps a subtree whose value is the same at every step (an `@` modifier
 * fixes its time); the engine may evaluate it once. Inserted by the parser's
 * `preprocess` step, never written by users.
 */
export interface StepInvariantExpr extends Node {
  readonly type: "StepInvariantExpr";
  readonly expr: Expr;
}

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(["==", "!=", ">", "<", ">=", "<="]);
export const SET_OPS: ReadonlySet<BinaryOp> = new Set(["and", "or", "unless"]);

/** The type an expression evaluates to. */
export function exprType(e: Expr): ValueType {
  switch (e.type) {
    case "NumberLiteral":
      return "scalar";
    case "StringLiteral":
      return "string";
    case "VectorSelector":
    case "AggregateExpr":
      return "vector";
    case "MatrixSelector":
    case "SubqueryExpr":
      return "matrix";
    case "Call":
      return e.func.returnType;
    case "BinaryExpr":
      return exprType(e.lhs) === "scalar" && exprType(e.rhs) === "scalar" ? "scalar" : "vector";
    case "UnaryExpr":
    case "ParenExpr":
    case "StepInvariantExpr":
      return exprType(e.expr);
  }
}

/** `e` without the parentheses and step-invariance wrappers around it. */
export function unwrapParens(e: Expr): Expr {
  while (e.type === "ParenExpr" || e.type === "StepInvariantExpr") e = e.expr;
  return e;
}

/** The direct subexpressions of `e`, in the order they are written. */
export function childExprs(e: Expr): readonly Expr[] {
  switch (e.type) {
    case "NumberLiteral":
    case "StringLiteral":
    case "VectorSelector":
      return [];
    case "MatrixSelector":
      return [e.vectorSelector];
    case "Call":
      return e.args;
    case "AggregateExpr":
      return e.param ? [e.param, e.expr] : [e.expr];
    case "BinaryExpr":
      return [e.lhs, e.rhs];
    case "SubqueryExpr":
    case "UnaryExpr":
    case "ParenExpr":
    case "StepInvariantExpr":
      return [e.expr];
  }
}

/** The first node of `e` (itself included, parents before children) that `pred` accepts. */
export function findExpr<T extends Expr>(e: Expr, pred: (n: Expr) => n is T): T | undefined {
  if (pred(e)) return e;
  for (const c of childExprs(e)) {
    const found = findExpr(c, pred);
    if (found !== undefined) return found;
  }
  return undefined;
}
