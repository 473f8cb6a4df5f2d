/**
 * The signatures of PromQL's functions, as Prometheus's parser declares them
 * (promql/parser/functions.go): argument types, variadic counts, return type
 * and whether the function needs `--enable-feature=promql-experimental-functions`.
 * Prometheus 3.5's set plus the later additions the conformance scripts use
 * (first_over_time, ts_of_first_over_time, histogram_quantiles,
 * start_timestamp, and step/range/start/end/min_of/max_of, which also serve
 * duration expressions).
 */
import type { FunctionSignature, ValueType } from "../ast";

const V: ValueType = "vector";
const M: ValueType = "matrix";
const S: ValueType = "scalar";
const Str: ValueType = "string";

function fn(name: string, argTypes: ValueType[], returnType: ValueType, variadic: number, experimental = false): [string, FunctionSignature] {
  const sig: FunctionSignature = experimental ? { name, argTypes, variadic, returnType, experimental } : { name, argTypes, variadic, returnType };
  return [name, Object.freeze(sig)];
}

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map([
  fn("abs", [V], V, 0),
  fn("absent", [V], V, 0),
  fn("absent_over_time", [M], V, 0),
  fn("acos", [V], V, 0),
  fn("acosh", [V], V, 0),
  fn("asin", [V], V, 0),
  fn("asinh", [V], V, 0),
  fn("atan", [V], V, 0),
  fn("atanh", [V], V, 0),
  fn("avg_over_time", [M], V, 0),
  fn("ceil", [V], V, 0),
  fn("changes", [M], V, 0),
  fn("clamp", [V, S, S], V, 0),
  fn("clamp_max", [V, S], V, 0),
  fn("clamp_min", [V, S], V, 0),
  fn("cos", [V], V, 0),
  fn("cosh", [V], V, 0),
  fn("count_over_time", [M], V, 0),
  fn("day_of_month", [V], V, 1),
  fn("day_of_week", [V], V, 1),
  fn("day_of_year", [V], V, 1),
  fn("days_in_month", [V], V, 1),
  fn("deg", [V], V, 0),
  fn("delta", [M], V, 0),
  fn("deriv", [M], V, 0),
  fn("double_exponential_smoothing", [M, S, S], V, 0, true),
  fn("end", [], S, 0, true),
  fn("exp", [V], V, 0),
  fn("first_over_time", [M], V, 0),
  fn("floor", [V], V, 0),
  fn("histogram_avg", [V], V, 0),
  fn("histogram_count", [V], V, 0),
  fn("histogram_fraction", [S, S, V], V, 0),
  fn("histogram_quantile", [S, V], V, 0),
  fn("histogram_quantiles", [V, Str, S, S], V, 9, true),
  fn("histogram_stddev", [V], V, 0),
  fn("histogram_stdvar", [V], V, 0),
  fn("histogram_sum", [V], V, 0),
  fn("hour", [V], V, 1),
  fn("idelta", [M], V, 0),
  fn("increase", [M], V, 0),
  fn("info", [V, V], V, 1, true),
  fn("irate", [M], V, 0),
  fn("label_join", [V, Str, Str, Str], V, -1),
  fn("label_replace", [V, Str, Str, Str, Str], V, 0),
  fn("last_over_time", [M], V, 0),
  fn("ln", [V], V, 0),
  fn("log10", [V], V, 0),
  fn("log2", [V], V, 0),
  fn("mad_over_time", [M], V, 0, true),
  fn("max_of", [S, S], S, 0, true),
  fn("max_over_time", [M], V, 0),
  fn("min_of", [S, S], S, 0, true),
  fn("min_over_time", [M], V, 0),
  fn("minute", [V], V, 1),
  fn("month", [V], V, 1),
  fn("pi", [], S, 0),
  fn("predict_linear", [M, S], V, 0),
  fn("present_over_time", [M], V, 0),
  fn("quantile_over_time", [S, M], V, 0),
  fn("rad", [V], V, 0),
  fn("range", [], S, 0, true),
  fn("rate", [M], V, 0),
  fn("resets", [M], V, 0),
  fn("round", [V, S], V, 1),
  fn("scalar", [V], S, 0),
  fn("sgn", [V], V, 0),
  fn("sin", [V], V, 0),
  fn("sinh", [V], V, 0),
  fn("sort", [V], V, 0),
  fn("sort_by_label", [V, Str], V, -1, true),
  fn("sort_by_label_desc", [V, Str], V, -1, true),
  fn("sort_desc", [V], V, 0),
  fn("sqrt", [V], V, 0),
  fn("start", [], S, 0, true),
  fn("start_timestamp", [V], V, 0, true),
  fn("stddev_over_time", [M], V, 0),
  fn("stdvar_over_time", [M], V, 0),
  fn("step", [], S, 0, true),
  fn("sum_over_time", [M], V, 0),
  fn("tan", [V], V, 0),
  fn("tanh", [V], V, 0),
  fn("time", [], S, 0),
  fn("timestamp", [V], V, 0),
  fn("ts_of_first_over_time", [M], V, 0, true),
  fn("ts_of_last_over_time", [M], V, 0, true),
  fn("ts_of_max_over_time", [M], V, 0, true),
  fn("ts_of_min_over_time", [M], V, 0, true),
  fn("vector", [S], V, 0),
  fn("year", [V], V, 1),
]);

/** Prometheus's names for value types in messages ("instant vector", "range vector"). */
export function documentedType(t: ValueType): string {
  switch (t) {
    case "vector":
      return "instant vector";
    case "matrix":
      return "range vector";
    default:
      return t;
  }
}
