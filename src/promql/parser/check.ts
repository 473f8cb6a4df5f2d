/**
 * Prometheus's post-parse type check (`checkAST`): argument and operand
 * types, arity, vector-matching rules and selector sanity. Errors come in the
 * same order as Prometheus finds them (children before the node itself).
 */
import { COMPARISON_OPS, exprType, SET_OPS, type BinaryExpr, type Expr, type PositionRange, type ValueType, type VectorMatching } from "../ast";
import { METRIC_NAME } from "../../model/labels";
import { ParseError } from "./errors";
import { documentedType } from "./functions";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function checkAST(e: Expr, query: string): ValueType {
  const fail = (msg: string, pos: PositionRange): never => {
    throw new ParseError(msg, pos, query);
  };
  const expectType = (node: Expr, want: ValueType, context: string): void => {
    const t = checkAST(node, query);
    if (t !== want) fail(`expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`, node.pos);
  };
  const typ = exprType(e);
  switch (e.type) {
    case "AggregateExpr":
      expectType(e.expr, "vector", "aggregation expression");
      if (e.param !== null) expectType(e.param, e.op === "count_values" ? "string" : "scalar", "aggregation parameter");
      break;
    case "BinaryExpr":
      checkBinary(e, query, fail);
      break;
    case "Call": {
      const f = e.func;
      const nargs = f.argTypes.length;
      if (f.variadic === 0) {
        if (nargs !== e.args.length) fail(`expected ${nargs} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`, e.pos);
      } else {
        const min = nargs - 1;
        if (min > e.args.length) fail(`expected at least ${min} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`, e.pos);
        else if (f.variadic > 0 && min + f.variadic < e.args.length) {
          fail(`expected at most ${min + f.variadic} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`, e.pos);
        }
      }
      let bypassEmptyCheck: Expr | null = null;
      if (f.name === "info" && e.args.length > 1) {
        const sel = e.args[1]!;
        const t = exprType(sel);
        if (t !== "vector") fail(`expected type instant vector in call to function "info", got ${documentedType(t)}`, e.pos);
        if (sel.type === "VectorSelector" && sel.name !== "") fail("expected label selectors only, got vector selector instead", sel.pos);
        else if (sel.type === "VectorSelector") bypassEmptyCheck = sel;
        else fail("expected label selectors only", sel.pos);
      }
      for (let i = 0; i < e.args.length; i++) {
        const arg = e.args[i]!;
        if (i >= nargs && f.variadic === 0) break;
        const want = f.argTypes[Math.min(i, nargs - 1)]!;
        const t = arg === bypassEmptyCheck ? "vector" : checkAST(arg, query);
        if (t !== want) fail(`expected type ${documentedType(want)} in call to function ${JSON.stringify(f.name)}, got ${documentedType(t)}`, arg.pos);
      }
      break;
    }
    case "ParenExpr":
    case "StepInvariantExpr":
      checkAST(e.expr, query);
      break;
    case "UnaryExpr": {
      const t = checkAST(e.expr, query);
      if (t !== "scalar" && t !== "vector") {
        fail(`unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`, e.pos);
      }
      break;
    }
    case "SubqueryExpr": {
      const t = checkAST(e.expr, query);
      if (t !== "vector") fail(`subquery is only allowed on instant vector, got ${t} instead`, e.pos);
      break;
    }
    case "MatrixSelector":
      checkAST(e.vectorSelector, query);
      break;
    case "VectorSelector":
      if (e.name !== "") {
        // The name's own matcher is the last one; any other __name__ matcher conflicts with it.
        for (let i = 0; i < e.matchers.length - 1; i++) {
          const m = e.matchers[i]!;
          if (m.name === METRIC_NAME) fail(`metric name must not be set twice: ${JSON.stringify(e.name)} or ${JSON.stringify(m.value)}`, e.pos);
        }
      } else if (!e.matchers.some((m) => !m.matchesEmpty())) {
        fail("vector selector must contain at least one non-empty matcher", e.pos);
      }
      break;
    case "NumberLiteral":
    case "StringLiteral":
      break;
  }
  return typ;
}

function checkBinary(n: BinaryExpr, query: string, fail: (msg: string, pos: PositionRange) => never): void {
  const lt = checkAST(n.lhs, query);
  const rt = checkAST(n.rhs, query);
  const opRange = (): PositionRange => operatorRange(query, n.lhs.pos.end, n.rhs.pos.start);
  const isComparison = COMPARISON_OPS.has(n.op);
  const isSet = SET_OPS.has(n.op);
  if (n.returnBool && !isComparison) fail("bool modifier can only be used on comparison operators", opRange());
  if (isComparison && !n.returnBool && lt === "scalar" && rt === "scalar") fail("comparisons between scalars must use BOOL modifier", opRange());
  const vm = n.matching as Mutable<VectorMatching> | null;
  if (vm !== null) {
    if (isSet && vm.card === "one-to-one") vm.card = "many-to-many";
    if (vm.on) {
      for (const l of vm.matchingLabels) {
        if (vm.include.includes(l)) fail(`label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`, opRange());
      }
    }
  }
  if (lt !== "scalar" && lt !== "vector") fail("binary expression must contain only scalar and instant vector types", n.lhs.pos);
  if (rt !== "scalar" && rt !== "vector") fail("binary expression must contain only scalar and instant vector types", n.rhs.pos);
  const filling = vm?.fillValues !== undefined && (vm.fillValues.lhs !== null || vm.fillValues.rhs !== null);
  if ((lt !== "vector" || rt !== "vector") && vm !== null) {
    if (vm.matchingLabels.length > 0) fail("vector matching only allowed between instant vectors", n.pos);
    if (filling) fail("filling in missing series only allowed between instant vectors", n.pos);
    (n as Mutable<BinaryExpr>).matching = null;
  } else if (isSet && vm !== null) {
    if (vm.card === "one-to-many" || vm.card === "many-to-one") fail(`no grouping allowed for ${JSON.stringify(n.op)} operation`, n.pos);
    if (vm.card !== "many-to-many") fail("set operations must always be many-to-many", n.pos);
    if (filling) fail("filling in missing series not allowed for set operators", n.pos);
  }
  if ((lt === "scalar" || rt === "scalar") && isSet) fail(`set operator ${JSON.stringify(n.op)} not allowed in binary scalar expression`, n.pos);
}

/** The operator's bytes between two operands, trimmed of spaces, as Prometheus points at it. */
function operatorRange(query: string, lhsEnd: number, rhsStart: number): PositionRange {
  const bytes = new TextEncoder().encode(query);
  const space = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  let start = lhsEnd;
  while (start < bytes.length && space(bytes[start])) start++;
  let end = rhsStart - 1;
  while (end > start && space(bytes[end])) end--;
  return { start, end };
}
