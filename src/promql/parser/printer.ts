/**
 * Prometheus's canonical text form of an expression (`Expr.String()`), as
 * `/api/v1/format_query` returns it: `sum by (job) (rate(x[5m]))`, matchers
 * sorted, durations in `1h30m` form, `@ 123.000`, Go-quoted strings.
 */
import type { AggregateExpr, BinaryExpr, DurationExpr, Expr, MatrixSelector, SubqueryExpr, VectorMatching, VectorSelector } from "../ast";
import type { Matcher } from "../../model/matchers";
import { METRIC_NAME } from "../../model/labels";
import { formatDuration, formatFloat, goQuote, goQuoteBytes } from "./literals";

export function formatExpr(e: Expr): string {
  switch (e.type) {
    case "NumberLiteral":
      if (e.duration === true) return e.value < 0 ? `-${formatDuration(-e.value * 1000)}` : formatDuration(e.value * 1000);
      return formatFloat(e.value);
    case "StringLiteral":
      return e.invalidUtf8 ? goQuoteBytes(e.invalidUtf8) : goQuote(e.value);
    case "VectorSelector":
      return formatVectorSelector(e, true);
    case "MatrixSelector":
      return formatMatrixSelector(e);
    case "SubqueryExpr":
      return formatExpr(e.expr) + subquerySuffix(e);
    case "Call":
      return `${e.func.name}(${e.args.map(formatExpr).join(", ")})`;
    case "AggregateExpr":
      return formatAggregate(e);
    case "BinaryExpr":
      return `${formatExpr(e.lhs)} ${e.op}${e.returnBool ? " bool" : ""}${matchingText(e)} ${formatExpr(e.rhs)}`;
    case "UnaryExpr":
      return e.op + formatExpr(e.expr);
    case "ParenExpr":
      return `(${formatExpr(e.expr)})`;
    case "StepInvariantExpr":
      return formatExpr(e.expr);
  }
}

/** A label name bare if it is a legacy-valid name, else quoted (`"a.b"`). */
export function formatLabelName(name: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) ? name : goQuote(name);
}

function formatMatcher(m: Matcher): string {
  return `${formatLabelName(m.name)}${m.type}${goQuote(m.value)}`;
}

function labelList(names: readonly string[]): string {
  return names.map(formatLabelName).join(", ");
}

function formatAggregate(e: AggregateExpr): string {
  let s: string = e.op;
  if (e.without) s += ` without (${labelList(e.grouping)}) `;
  else if (e.grouping.length > 0) s += ` by (${labelList(e.grouping)}) `;
  s += "(";
  if (e.param !== null) s += `${formatExpr(e.param)}, `;
  return `${s}${formatExpr(e.expr)})`;
}

function matchingText(e: BinaryExpr): string {
  const vm: VectorMatching | null = e.matching;
  if (vm === null) return "";
  let s = "";
  const grouped = vm.card === "many-to-one" || vm.card === "one-to-many";
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += ` ${vm.on ? "on" : "ignoring"} (${labelList(vm.matchingLabels)})`;
  }
  if (grouped) s += ` group_${vm.card === "many-to-one" ? "left" : "right"} (${labelList(vm.include)})`;
  const fill = vm.fillValues;
  if (fill !== undefined && (fill.lhs !== null || fill.rhs !== null)) {
    if (fill.lhs !== null && fill.rhs !== null && Object.is(fill.lhs, fill.rhs)) s += ` fill (${goValue(fill.lhs)})`;
    else {
      if (fill.lhs !== null) s += ` fill_left (${goValue(fill.lhs)})`;
      if (fill.rhs !== null) s += ` fill_right (${goValue(fill.rhs)})`;
    }
  }
  return s;
}

/** Go's `%v` of a float64 (used for fill values): shortest form, exponent for large/small magnitudes. */
function goValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, x] = v.toExponential().split("e") as [string, string];
    const exp = Number(x);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return formatFloat(v);
}

function atText(timestamp: number | null, startOrEnd: "start" | "end" | null): string {
  if (timestamp !== null) return ` @ ${(timestamp / 1000).toFixed(3)}`;
  if (startOrEnd !== null) return ` @ ${startOrEnd}()`;
  return "";
}

function offsetText(offset: number, offsetExpr: DurationExpr | undefined): string {
  if (offsetExpr !== undefined) return ` offset ${formatDurationExpr(offsetExpr)}`;
  if (offset > 0) return ` offset ${formatDuration(offset)}`;
  if (offset < 0) return ` offset -${formatDuration(-offset)}`;
  return "";
}

function formatVectorSelector(vs: VectorSelector, withModifiers: boolean): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME && m.type === "=" && m.value === vs.name && m.value !== "") continue;
    parts.push(formatMatcher(m));
  }
  parts.sort();
  let s = vs.name;
  if (parts.length > 0) s += `{${parts.join(",")}}`;
  if (!withModifiers) return s;
  s += atText(vs.timestamp, vs.startOrEnd);
  if (vs.anchored === true) s += " anchored";
  else if (vs.smoothed === true) s += " smoothed";
  return s + offsetText(vs.offset, vs.offsetExpr);
}

function formatMatrixSelector(m: MatrixSelector): string {
  const vs = m.vectorSelector;
  const range = m.rangeExpr !== undefined ? formatDurationExpr(m.rangeExpr) : formatDuration(m.range);
  const extended = vs.anchored === true ? " anchored" : vs.smoothed === true ? " smoothed" : "";
  return `${formatVectorSelector(vs, false)}[${range}]${extended}${atText(vs.timestamp, vs.startOrEnd)}${offsetText(vs.offset, vs.offsetExpr)}`;
}

function subquerySuffix(e: SubqueryExpr): string {
  const range = e.rangeExpr !== undefined ? formatDurationExpr(e.rangeExpr) : formatDuration(e.range);
  const step = e.stepExpr !== undefined ? formatDurationExpr(e.stepExpr) : e.step !== 0 ? formatDuration(e.step) : "";
  return `[${range}:${step}]${atText(e.timestamp, e.startOrEnd)}${offsetText(e.offset, e.offsetExpr)}`;
}

export function formatDurationExpr(d: DurationExpr): string {
  let s: string;
  switch (d.kind) {
    case "number":
      if (!d.duration) s = formatFloat(d.value);
      else s = d.value < 0 ? `-${formatDuration(-d.value * 1000)}` : formatDuration(d.value * 1000);
      break;
    case "step":
      s = "step()";
      break;
    case "range":
      s = "range()";
      break;
    case "unary":
      s = (d.op === "-" ? "-" : "") + formatDurationExpr(d.expr);
      break;
    case "binary":
      s =
        d.op === "min_of" || d.op === "max_of"
          ? `${d.op}(${formatDurationExpr(d.lhs)}, ${formatDurationExpr(d.rhs)})`
          : `${formatDurationExpr(d.lhs)} ${d.op} ${formatDurationExpr(d.rhs)}`;
      break;
  }
  return d.wrapped ? `(${s})` : s;
}
