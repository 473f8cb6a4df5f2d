/**
 * The PromQL parser: text → AST (type-checked), AST → canonical text, and the
 * smaller grammars the HTTP API and test scripts need.
 */
import type { Expr } from "../ast";
import type { Labels } from "../../model/labels";
import type { Matcher } from "../../model/matchers";
import { ParseError } from "./errors";
import { Parser, type ParseOptions } from "./parser";

export { ParseError } from "./errors";
export type { ParseOptions } from "./parser";
export { FUNCTIONS, documentedType } from "./functions";
export { formatExpr, formatDurationExpr, formatLabelName } from "./printer";
export { parseDuration, formatDuration, parseNumberOrDuration, DurationError } from "./literals";
export { evalDurationExpr, usesQueryParams, DurationExprError, type DurationContext } from "./duration-expr";

/** Parses and type-checks a PromQL expression. Throws ParseError. */
export function parseExpr(input: string, options?: ParseOptions): Expr {
  return new Parser(input, options).parseExpr();
}

/**
 * Parses a `match[]` series selector (`up`, `{job="x"}`, `{"a.b"="c"}`).
 * Like the Prometheus API, rejects selectors whose matchers all match the
 * empty string. Throws ParseError.
 */
export function parseMetricSelector(input: string): Matcher[] {
  const matchers = new Parser(input).parseMetricSelector();
  if (!matchers.some((m) => !m.matchesEmpty())) {
    throw new ParseError("match[] must contain at least one non-empty matcher", null, input);
  }
  return [...matchers];
}

/** Parses a series' labels, `metric{a="b"}`, into a sorted label set (empty values dropped). Throws ParseError. */
export function parseMetric(input: string): Labels {
  return new Parser(input).parseMetric();
}
