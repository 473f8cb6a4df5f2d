/**
 * Functions over instant vectors (the numeric kernels live in
 * ../functions; this wires them in and implements the functions that work on
 * labels, ordering and presence).
 */
import type { Call, Expr, PositionRange, StringLiteral } from "../ast";
import { METRIC_NAME, compareLabels, getLabel, labelsKey, type Labels } from "../../model/labels";
import { compileRegex, RegexError } from "../../model/matchers";
import {
  MATH_FUNCTIONS,
  TIME_FUNCTIONS,
  badBucketLabelWarning,
  bucketFraction,
  bucketQuantile,
  invalidQuantileWarning,
  mathFunctionDropsAll,
  type Annotations,
  type ClassicBucket,
} from "../functions";
import { isValidLabelName, withLabel } from "./labels-util";
import { QueryError, type StepMatrix, type StepSeries, type Vector } from "./types";
import type { Evaluator } from "./evaluator";

function stringLiteralArg(e: Expr): StringLiteral {
  while (e.type === "ParenExpr") e = e.expr;
  if (e.type !== "StringLiteral") throw new QueryError("execution", "expected a string literal argument");
  return e;
}

function stringArg(e: Expr): string {
  return stringLiteralArg(e).value;
}

/**
 * Whether a string literal names a valid label: Prometheus accepts any
 * non-empty UTF-8, so a literal whose escapes spell invalid UTF-8 is not one.
 */
export function isValidLabelNameLiteral(e: StringLiteral): boolean {
  return e.invalidUtf8 === undefined && isValidLabelName(e.value);
}

/** One step of a function whose arguments are instant vectors, scalars and strings. */
export function callInstantFunction(e: Call, args: Vector[], t: number, annotations: Annotations): Vector {
  const name = e.func.name;
  const math = MATH_FUNCTIONS.get(name);
  if (math) {
    const params = args.slice(1).map((v) => v[0]?.f ?? NaN);
    if (mathFunctionDropsAll(name, params)) return [];
    return args[0]!.map((s) => ({ metric: s.metric, f: math(s.f, params), dropName: true }));
  }
  const timeFn = TIME_FUNCTIONS.get(name);
  if (timeFn) {
    if (args.length === 0) return [{ metric: [], f: timeFn(t / 1000), dropName: false }];
    return args[0]!.map((s) => ({ metric: s.metric, f: timeFn(s.f), dropName: true }));
  }
  switch (name) {
    case "time":
      return [{ metric: [], f: t / 1000, dropName: false }];
    case "min_of":
      return [{ metric: [], f: Math.min(args[0]![0]!.f, args[1]![0]!.f), dropName: false }];
    case "max_of":
      return [{ metric: [], f: Math.max(args[0]![0]!.f, args[1]![0]!.f), dropName: false }];
    case "pi":
      return [{ metric: [], f: Math.PI, dropName: false }];
    case "vector":
      return [{ metric: [], f: args[0]![0]!.f, dropName: false }];
    case "scalar": {
      const v = args[0]!;
      return [{ metric: [], f: v.length === 1 ? v[0]!.f : NaN, dropName: false }];
    }
    case "timestamp":
      return args[0]!.map((s) => ({ metric: s.metric, f: t / 1000, dropName: true }));
    case "sort":
      return args[0]!.slice().sort((a, b) => sortAsc(a.f, b.f));
    case "sort_desc":
      return args[0]!.slice().sort((a, b) => sortDesc(a.f, b.f));
    case "sort_by_label":
    case "sort_by_label_desc":
      return sortByLabel(args[0]!, e.args.slice(1).map(stringArg), name === "sort_by_label_desc");
    case "absent":
      return args[0]!.length > 0 ? [] : [{ metric: absentLabels(e.args[0]!), f: 1, dropName: false }];
    case "histogram_quantile":
      return histogramQuantile(args[0]![0]!.f, args[1]!, t, annotations, e.args[0]!.pos, e.args[1]!.pos);
    case "histogram_fraction":
      return histogramFraction(args[0]![0]!.f, args[1]![0]!.f, args[2]!, annotations, e.args[2]!.pos);
    case "histogram_count":
    case "histogram_sum":
    case "histogram_avg":
    case "histogram_stddev":
    case "histogram_stdvar":
      // These read native histograms only; float samples yield nothing.
      return [];
    default:
      throw new QueryError("execution", `function "${name}" is not supported`);
  }
}

/** Prometheus's sort: ascending, NaN last. */
function sortAsc(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b || 0;
}

/** Prometheus's sort_desc: descending, NaN last. */
function sortDesc(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return b - a || 0;
}

function sortByLabel(v: Vector, names: string[], desc: boolean): Vector {
  const out = v.slice();
  out.sort((a, b) => {
    for (const n of names) {
      const c = naturalCompare(getLabel(a.metric, n), getLabel(b.metric, n));
      if (c !== 0) return desc ? -c : c;
    }
    // Ties fall back to the full label set so the order is deterministic.
    const c = compareLabels(a.metric, b.metric);
    return desc ? -c : c;
  });
  return out;
}

/** Natural ("version") order: digit runs compare by numeric value. */
function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a[i]!;
    const cb = b[j]!;
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      while (ei < a.length && isDigit(a[ei]!)) ei++;
      let ej = j;
      while (ej < b.length && isDigit(b[ej]!)) ej++;
      const na = a.slice(i, ei).replace(/^0+/, "");
      const nb = b.slice(j, ej).replace(/^0+/, "");
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      if (ei - i !== ej - j) return ei - i - (ej - j);
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/**
 * The labels absent() reports: the equality matchers of a selector argument.
 * A label matched more than once, or not by `=`, is left out.
 */
export function absentLabels(arg: Expr): Labels {
  while (arg.type === "ParenExpr") arg = arg.expr;
  const vs = arg.type === "VectorSelector" ? arg : arg.type === "MatrixSelector" ? arg.vectorSelector : null;
  if (!vs) return [];
  const has = new Set<string>();
  let out: Labels = [];
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === "=" && !has.has(m.name)) {
      out = withLabel(out, m.name, m.value);
      has.add(m.name);
    } else {
      out = withLabel(out, m.name, "");
    }
  }
  return out;
}

function parseBound(s: string): number {
  const t = s.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (t === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return NaN;
  return Number(t);
}

/** Classic histogram buckets grouped by the series' labels without `le` and the name. */
function bucketGroups(v: Vector, annotations: Annotations, pos: PositionRange): Map<string, { labels: Labels; name: string; buckets: ClassicBucket[] }> {
  const groups = new Map<string, { labels: Labels; name: string; buckets: ClassicBucket[] }>();
  for (const s of v) {
    const le = getLabel(s.metric, "le");
    const upperBound = parseBound(le);
    if (Number.isNaN(upperBound)) {
      annotations.warn(badBucketLabelWarning(getLabel(s.metric, METRIC_NAME), le), pos);
      continue;
    }
    const labels = s.metric.filter((l) => l.name !== "le" && l.name !== METRIC_NAME);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, name: getLabel(s.metric, METRIC_NAME), buckets: [] }));
    g.buckets.push({ upperBound, count: s.f });
  }
  return groups;
}

function histogramQuantile(
  q: number,
  v: Vector,
  t: number,
  annotations: Annotations,
  quantilePos: PositionRange,
  vectorPos: PositionRange,
): Vector {
  if (Number.isNaN(q) || q < 0 || q > 1) annotations.warn(invalidQuantileWarning(q), quantilePos);
  const out: Vector = [];
  for (const g of bucketGroups(v, annotations, vectorPos).values()) {
    const r = bucketQuantile(q, g.buckets);
    if (r.forcedMonotonic) annotations.forcedMonotonicity(g.name, vectorPos, t, r.minBucket, r.maxBucket, r.maxDiff);
    out.push({ metric: g.labels, f: r.value, dropName: true });
  }
  return out;
}

function histogramFraction(lower: number, upper: number, v: Vector, annotations: Annotations, pos: PositionRange): Vector {
  const out: Vector = [];
  for (const g of bucketGroups(v, annotations, pos).values()) {
    out.push({ metric: g.labels, f: bucketFraction(lower, upper, g.buckets), dropName: true });
  }
  return out;
}

// ---- label_replace / label_join: whole-series relabelling ----

export function evalLabelReplace(ev: Evaluator, e: Call): StepMatrix {
  const [dstArg, replArg, srcArg, regexArg] = e.args.slice(1).map(stringLiteralArg) as [StringLiteral, StringLiteral, StringLiteral, StringLiteral];
  const [dst, repl, src, regexStr] = [dstArg.value, replArg.value, srcArg.value, regexArg.value];
  let re;
  try {
    re = compileRegex(regexStr);
  } catch (err) {
    if (err instanceof RegexError) throw new QueryError("execution", `invalid regular expression in label_replace(): ${regexStr}`);
    throw err;
  }
  if (!isValidLabelNameLiteral(dstArg)) throw new QueryError("execution", `invalid destination label name in label_replace(): ${dst}`);
  const input = ev.evalMatrix(e.args[0]!);
  const names = re.namedGroups();
  const out = input.map((s): StepSeries => {
    const m = re.matcher(getLabel(s.metric, src));
    if (!m.matches()) return s;
    const value = expandTemplate(repl, (ref) => {
      const idx = /^\d+$/.test(ref) ? Number(ref) : names[ref];
      if (idx === undefined || idx > m.groupCount()) return "";
      return m.group(idx) ?? "";
    });
    return { metric: withLabel(s.metric, dst, value), dropName: dst === METRIC_NAME ? false : s.dropName, ts: s.ts, fs: s.fs };
  });
  return mergeSameLabelset(out);
}

/** Go's regexp Expand: `$name`, `${name}`, `$$`; a name is the longest run of word characters. */
function expandTemplate(tpl: string, group: (ref: string) => string): string {
  let out = "";
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c !== "$" || i + 1 >= tpl.length) {
      out += c;
      continue;
    }
    const next = tpl[i + 1]!;
    if (next === "$") {
      out += "$";
      i++;
      continue;
    }
    if (next === "{") {
      const close = tpl.indexOf("}", i + 2);
      const name = close < 0 ? "" : tpl.slice(i + 2, close);
      if (close < 0 || !/^\w+$/.test(name)) {
        out += c;
        continue;
      }
      out += group(name);
      i = close;
      continue;
    }
    let j = i + 1;
    while (j < tpl.length && /\w/.test(tpl[j]!)) j++;
    if (j === i + 1) {
      out += c;
      continue;
    }
    out += group(tpl.slice(i + 1, j));
    i = j - 1;
  }
  return out;
}

export function evalLabelJoin(ev: Evaluator, e: Call): StepMatrix {
  const [dstArg, sepArg, ...srcArgs] = e.args.slice(1).map(stringLiteralArg) as [StringLiteral, StringLiteral, ...StringLiteral[]];
  for (const s of srcArgs) {
    if (!isValidLabelNameLiteral(s)) throw new QueryError("execution", `invalid source label name in label_join(): ${s.value}`);
  }
  if (!isValidLabelNameLiteral(dstArg)) throw new QueryError("execution", `invalid destination label name in label_join(): ${dstArg.value}`);
  const dst = dstArg.value;
  const sep = sepArg.value;
  const srcs = srcArgs.map((s) => s.value);
  const input = ev.evalMatrix(e.args[0]!);
  const out = input.map((s): StepSeries => {
    const value = srcs.map((n) => getLabel(s.metric, n)).join(sep);
    return { metric: withLabel(s.metric, dst, value), dropName: dst === METRIC_NAME ? false : s.dropName, ts: s.ts, fs: s.fs };
  });
  return mergeSameLabelset(out);
}

/**
 * Series that ended up with equal labels are merged when their points never
 * share a timestamp; otherwise the result would be ambiguous, which is an error.
 */
export function mergeSameLabelset(m: StepMatrix): StepMatrix {
  const byKey = new Map<string, StepSeries>();
  const out: StepMatrix = [];
  for (const s of m) {
    const key = labelsKey(s.metric);
    const prev = byKey.get(key);
    if (!prev) {
      const copy = { ...s };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    const ts: number[] = [];
    const fs: number[] = [];
    let i = 0;
    let j = 0;
    while (i < prev.ts.length || j < s.ts.length) {
      if (j >= s.ts.length || (i < prev.ts.length && prev.ts[i]! < s.ts[j]!)) {
        ts.push(prev.ts[i]!);
        fs.push(prev.fs[i++]!);
      } else if (i >= prev.ts.length || s.ts[j]! < prev.ts[i]!) {
        ts.push(s.ts[j]!);
        fs.push(s.fs[j++]!);
      } else {
        throw new QueryError("execution", "vector cannot contain metrics with the same labelset");
      }
    }
    prev.ts = ts;
    prev.fs = fs;
  }
  return out;
}

