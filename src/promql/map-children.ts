/**
 * One place that knows where an expression's direct subexpressions are, for
 * rewrites that change a few node types and rebuild the rest around them.
 */
import type { Expr } from "./ast";

/** `e` rebuilt with `f` applied to each direct subexpression; leaves come back as they are. */
export function mapChildren(e: Expr, f: (child: Expr) => Expr): Expr {
  switch (e.type) {
    case "Call":
      return { ...e, args: e.args.map(f) };
    case "MatrixSelector":
      return { ...e, vectorSelector: f(e.vectorSelector) as typeof e.vectorSelector };
    case "SubqueryExpr":
      return { ...e, expr: f(e.expr) };
    case "AggregateExpr":
      return { ...e, expr: f(e.expr), param: e.param ? f(e.param) : null };
    case "BinaryExpr":
      return { ...e, lhs: f(e.lhs), rhs: f(e.rhs) };
    case "UnaryExpr":
    case "ParenExpr":
    case "StepInvariantExpr":
      return { ...e, expr: f(e.expr) };
    case "VectorSelector":
    case "NumberLiteral":
    case "StringLiteral":
      return e;
  }
}
