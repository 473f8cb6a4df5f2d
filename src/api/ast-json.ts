/**
 * The JSON form of a PromQL syntax tree that /api/v1/parse_query returns,
 * in the shape Prometheus's own UI reads (its tree view and explain pane).
 */
import type { Expr, VectorSelector } from "../promql/ast";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function selector(v: VectorSelector): { [k: string]: Json } {
  return {
    type: "vectorSelector",
    name: v.name,
    matchers: v.matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })),
    offset: v.offset,
    timestamp: v.timestamp,
    startOrEnd: v.startOrEnd,
  };
}

export function astToJson(e: Expr): Json {
  switch (e.type) {
    case "NumberLiteral":
      return { type: "numberLiteral", val: String(e.value) };
    case "StringLiteral":
      return { type: "stringLiteral", val: e.value };
    case "VectorSelector":
      return selector(e);
    case "MatrixSelector":
      return { type: "matrixSelector", range: e.range, ...withoutType(selector(e.vectorSelector)) };
    case "SubqueryExpr":
      return {
        type: "subquery",
        expr: astToJson(e.expr),
        range: e.range,
        offset: e.offset,
        step: e.step,
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
      };
    case "Call":
      return {
        type: "call",
        func: { name: e.func.name, argTypes: [...e.func.argTypes], variadic: e.func.variadic, returnType: e.func.returnType },
        args: e.args.map(astToJson),
      };
    case "AggregateExpr":
      return {
        type: "aggregation",
        op: e.op,
        expr: astToJson(e.expr),
        param: e.param ? astToJson(e.param) : null,
        grouping: [...e.grouping],
        without: e.without,
      };
    case "BinaryExpr":
      return {
        type: "binaryExpr",
        op: e.op,
        lhs: astToJson(e.lhs),
        rhs: astToJson(e.rhs),
        matching: e.matching
          ? {
              card: e.matching.card,
              labels: [...e.matching.matchingLabels],
              on: e.matching.on,
              include: [...e.matching.include],
            }
          : null,
        bool: e.returnBool,
      };
    case "UnaryExpr":
      return { type: "unaryExpr", op: e.op, expr: astToJson(e.expr) };
    case "ParenExpr":
      return { type: "parenExpr", expr: astToJson(e.expr) };
    case "StepInvariantExpr":
      return astToJson(e.expr);
  }
}

function withoutType(o: { [k: string]: Json }): { [k: string]: Json } {
  const { type: _drop, ...rest } = o;
  return rest;
}
