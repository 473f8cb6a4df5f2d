import { describe, expect, it } from "vitest";
import type { BinaryExpr, Expr, MatrixSelector, NumberLiteral, SubqueryExpr, VectorSelector } from "../ast";
import { evalDurationExpr, formatExpr, FUNCTIONS, parseExpr, parseMetric, parseMetricSelector, ParseError } from "./index";
import { PROMETHEUS_ERROR_CASES, PROMETHEUS_PRINT_CASES } from "./testdata";

function errorOf(q: string): ParseError {
  try {
    parseExpr(q);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(q)} to fail`);
}

const canonical = (q: string): string => formatExpr(parseExpr(q));

describe("Prometheus's parser test expectations", () => {
  it.each(PROMETHEUS_ERROR_CASES)("rejects %j at byte %i: %s", (q, pos, msg) => {
    const err = errorOf(q);
    expect(err.detail).toBe(msg);
    expect(err.positionRange?.start).toBe(pos);
  });

  it.each(PROMETHEUS_PRINT_CASES)("prints %s as %s", (q, want) => {
    expect(canonical(q)).toBe(want);
  });
});

describe("canonical printing", () => {
  // Expected forms follow printer.go's rules: single spaces around binary
  // operators, `by (…)` before the argument list, matchers sorted and joined
  // with "," and durations in model.Duration form.
  const cases: [string, string][] = [
    ["sum(rate(x[5m])) by (job)", "sum by (job) (rate(x[5m]))"],
    ["sum by(job)(rate(x[300s]))", "sum by (job) (rate(x[5m]))"],
    ["rate(x[90m])", "rate(x[1h30m])"],
    ["rate(x[1h30m])", "rate(x[1h30m])"],
    ["x[8d]", "x[8d]"],
    ["x[14d]", "x[2w]"],
    ["x[365d]", "x[1y]"],
    ["x[1500ms]", "x[1s500ms]"],
    ["x[1]", "x[1s]"],
    ["x[1.5]", "x[1s500ms]"],
    ["x{b='c',a=\"d\"}", 'x{a="d",b="c"}'],
    ['{__name__="x",job="a"}', '{__name__="x",job="a"}'],
    ['{"my.metric", "a.b"="c"}', '{"a.b"="c",__name__="my.metric"}'],
    ["x offset -5m", "x offset -5m"],
    ["x @ 123.4567", "x @ 123.457"],
    ["x @ 1h", "x @ 3600.000"],
    ["x @ -10", "x @ -10.000"],
    ["x offset 5m @ 100", "x @ 100.000 offset 5m"],
    ["x @ 100 offset 5m", "x @ 100.000 offset 5m"],
    ["x[5m] offset 1m @ end()", "x[5m] @ end() offset 1m"],
    ["rate(x[5m:])", "rate(x[5m:])"],
    ["rate(x[5m:30s] offset 1h)", "rate(x[5m:30s] offset 1h)"],
    ["max_over_time(rate(x[1m])[1h:1m] @ start())", "max_over_time(rate(x[1m])[1h:1m] @ start())"],
    ["1 + 2 * 3", "1 + 2 * 3"],
    ["(1 + 2) * 3", "(1 + 2) * 3"],
    ["-x", "-x"],
    ["- 5", "-5"],
    ["+5", "5"],
    ["-(x)", "-(x)"],
    ["0x1F", "31"],
    ["0755", "493"],
    ["1e3", "1000"],
    ["1e-7", "0.0000001"],
    ["1e21", "1000000000000000000000"],
    [".5", "0.5"],
    ["5.", "5"],
    ["Inf", "+Inf"],
    ["-inf", "-Inf"],
    ["NaN", "NaN"],
    ["nAn", "NaN"],
    ["1_000", "1000"],
    ["5m", "5m"],
    ["-5m", "-5m"],
    ["time() - 1h", "time() - 1h"],
    ['"a\\tb"', '"a\\tb"'],
    ["'single'", '"single"'],
    ["`raw\\n`", '"raw\\\\n"'],
    ['"\\x41\\101\\u00e9\\U0001F600"', '"Aaé😀"'.replace("a", "A")],
    ['"\\a\\b\\f\\v"', '"\\a\\b\\f\\v"'],
    ['"quote\\"d"', '"quote\\"d"'],
    ["'it\\'s'", '"it\'s"'],
    ["a and b or c unless d", "a and b or c unless d"],
    ["a == bool b", "a == bool b"],
    ["a > on(job) group_left(x) b", "a > on (job) group_left (x) b"],
    ["a + ignoring(x) group_right b", "a + ignoring (x) group_right () b"],
    ["a and on() b", "a and on () b"],
    ["a atan2 b", "a atan2 b"],
    ["topk(3, x)", "topk(3, x)"],
    ["quantile without(a) (0.9, x)", "quantile without (a) (0.9, x)"],
    ['count_values("v", x)', 'count_values("v", x)'],
    ["limitk(2, x)", "limitk(2, x)"],
    ["limit_ratio(0.5, x)", "limit_ratio(0.5, x)"],
    ["SUM(x) BY (a)", "sum by (a) (x)"],
    ["sum by (a,) (x)", "sum by (a) (x)"],
    ["sum without (x) (y)", "sum without (x) (y)"],
    ["sum by (sum, offset, on) (x)", "sum by (sum, offset, on) (x)"],
    ["label_join(x, \"d\", \",\", \"a\", \"b\", \"c\")", 'label_join(x, "d", ",", "a", "b", "c")'],
    ["round(x)", "round(x)"],
    ["round(x, 5)", "round(x, 5)"],
    ["hour()", "hour()"],
    ["sort_by_label(x, \"a\", \"b\")", 'sort_by_label(x, "a", "b")'],
    ["info(x, {k=\"v\"})", 'info(x, {k="v"})'],
    ["histogram_quantiles(x, \"q\", 0.5, 0.9)", 'histogram_quantiles(x, "q", 0.5, 0.9)'],
    ["double_exponential_smoothing(x[5m], 0.5, 0.5)", "double_exponential_smoothing(x[5m], 0.5, 0.5)"],
    ["x # trailing comment", "x"],
    ["# leading\nx", "x"],
    ["sum # in the middle\n(x)", "sum(x)"],
    ["sum", "sum"],
    ["by", "by"],
    ["offset offset 1m", "offset offset 1m"],
    ["job:rate:sum", "job:rate:sum"],
    ["x[5m+1m]", "x[5m + 1m]"],
    ["x[2m*(10+5)]", "x[2m * (10 + 5)]"],
    ["x offset (100 + 2)", "x offset (100 + 2)"],
    ["x offset 100 + 2", "x offset 1m40s + 2"],
    ["x offset -2 ^ 2", "x offset -2s ^ 2"],
    ["x[step()]", "x[step()]"],
    ["x offset -step()*2", "x offset -step() * 2"],
    ["x[1m] anchored", "x[1m] anchored"],
    ["x smoothed", "x smoothed"],
    ["a + fill(0) b", "a + fill (0) b"],
    ["a + fill_right(1) fill_left(2) b", "a + fill_left (2) fill_right (1) b"],
    ["a </ b", "a </ b"],
    ["a >/ b", "a >/ b"],
    ["step()", "step()"],
  ];
  it.each(cases)("%j → %s", (q, want) => {
    expect(canonical(q)).toBe(want);
  });

  it("round-trips every canonical form", () => {
    for (const [, want] of cases) expect(canonical(want)).toBe(want);
  });
});

describe("precedence and structure", () => {
  const bin = (q: string) => parseExpr(q) as BinaryExpr;

  it("binds ^ tighter than unary minus: -2^2 is -(2^2)", () => {
    const e = parseExpr("-2^2");
    expect(e.type).toBe("UnaryExpr");
    expect(e.type === "UnaryExpr" && e.expr.type).toBe("BinaryExpr");
  });

  it("makes ^ right-associative", () => {
    const e = bin("2 ^ 3 ^ 2");
    expect(e.lhs.type).toBe("NumberLiteral");
    expect(e.rhs.type).toBe("BinaryExpr");
  });

  it("makes * left-associative and above +", () => {
    const e = bin("1 - 2 * 3 - 4");
    expect(e.op).toBe("-");
    expect((e.lhs as BinaryExpr).op).toBe("-");
    expect(((e.lhs as BinaryExpr).rhs as BinaryExpr).op).toBe("*");
  });

  it("orders or < and/unless < comparisons < + < *", () => {
    const e = bin("a or b and c == d + e * f");
    expect(e.op).toBe("or");
    const and = e.rhs as BinaryExpr;
    expect(and.op).toBe("and");
    const eq = and.rhs as BinaryExpr;
    expect(eq.op).toBe("==");
    expect((eq.rhs as BinaryExpr).op).toBe("+");
  });

  it("applies unary minus before * (same precedence, left to right)", () => {
    const e = bin("-a * b");
    expect(e.op).toBe("*");
    expect(e.lhs.type).toBe("UnaryExpr");
  });

  it("folds signs into number literals", () => {
    const e = parseExpr("--1") as NumberLiteral;
    expect(e).toMatchObject({ type: "NumberLiteral", value: 1 });
    expect(e.pos).toEqual({ start: 0, end: 3 });
  });

  it("turns set operators into many-to-many matching and drops matching for scalars", () => {
    expect(bin("a and b").matching?.card).toBe("many-to-many");
    expect(bin("a + 1").matching).toBeNull();
    expect(bin("a + b").matching).toMatchObject({ card: "one-to-one", on: false, matchingLabels: [] });
  });

  it("records group modifiers and include labels", () => {
    expect(bin("a * on(x, y) group_right(z) b").matching).toEqual({ card: "one-to-many", on: true, matchingLabels: ["x", "y"], include: ["z"] });
  });

  it("builds selectors with the name matcher last and modifiers in ms", () => {
    const vs = parseExpr('foo{a=~"b.*"} offset 1m @ 10') as VectorSelector;
    expect(vs.name).toBe("foo");
    expect(vs.matchers.map((m) => m.toSpec())).toEqual([
      { type: "=~", name: "a", value: "b.*" },
      { type: "=", name: "__name__", value: "foo" },
    ]);
    expect(vs.offset).toBe(60_000);
    expect(vs.timestamp).toBe(10_000);
  });

  it("puts offset and @ of a range selector on its vector selector", () => {
    const m = parseExpr("x[5m] @ end() offset -1h") as MatrixSelector;
    expect(m.range).toBe(300_000);
    expect(m.vectorSelector.startOrEnd).toBe("end");
    expect(m.vectorSelector.offset).toBe(-3_600_000);
  });

  it("builds subqueries with an optional step", () => {
    const s = parseExpr("rate(x[1m])[1h:] offset 5m") as SubqueryExpr;
    expect(s).toMatchObject({ type: "SubqueryExpr", range: 3_600_000, step: 0, offset: 300_000 });
    expect((parseExpr("x[1h:10s]") as SubqueryExpr).step).toBe(10_000);
  });

  it("folds constant duration expressions and keeps step()/range() ones for the engine", () => {
    const m = parseExpr("x[2m*(10+5)]") as MatrixSelector;
    expect(m.range).toBe(1_800_000);
    const s = parseExpr("x[step()+1m]") as MatrixSelector;
    expect(s.range).toBe(0);
    expect(evalDurationExpr(s.rangeExpr!, { stepMs: 15_000, rangeMs: 0 }, false)).toBe(75_000);
    const o = parseExpr("x offset -min_of(step(), 1s)") as VectorSelector;
    expect(evalDurationExpr(o.offsetExpr!, { stepMs: 5_000, rangeMs: 0 }, true)).toBe(-1_000);
    expect(() => evalDurationExpr(s.rangeExpr!, { stepMs: -120_000, rangeMs: 0 }, false)).toThrow(/duration must be greater than 0/);
  });

  it("records fill values per side", () => {
    expect(bin("a + fill_left(-1) b").matching?.fillValues).toEqual({ lhs: -1, rhs: null });
    expect(bin("a + fill(NaN) b").matching?.fillValues?.rhs).toBeNaN();
  });

  it("marks anchored/smoothed on the vector selector", () => {
    const m = parseExpr("rate(x[5m] smoothed)") as Expr;
    expect(m.type === "Call" && (m.args[0] as MatrixSelector).vectorSelector.smoothed).toBe(true);
  });

  it("reports byte positions for non-ASCII input", () => {
    const err = errorOf('{"é"="x"} + *');
    expect(err.positionRange?.start).toBe(13);
    expect(err.message).toBe("1:14: parse error: unexpected <op:*>");
  });

  it("counts lines and columns in multi-line queries", () => {
    expect(errorOf("sum(\n  rate(x[5m])\n) by (job) *").message).toBe("3:13: parse error: unexpected end of input");
  });
});

describe("errors", () => {
  const cases: [string, string][] = [
    ["sum by (job) * x", '1:14: parse error: unexpected <op:*> in aggregation'],
    ["sum(*)", "1:5: parse error: unexpected <op:*> in aggregation"],
    ["rate(x[5m]) +", "1:14: parse error: unexpected end of input"],
    ["foo bar", '1:5: parse error: unexpected identifier "bar"'],
    ["rate(x)", '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
    ["abs(x[5m])", '1:5: parse error: expected type instant vector in call to function "abs", got range vector'],
    ['rate("x")', '1:6: parse error: expected type range vector in call to function "rate", got string'],
    ["x[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types"],
    ['"a" + 1', "1:1: parse error: binary expression must contain only scalar and instant vector types"],
    ["{a=~\".*\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"],
    ["x offset 5m [1m]", "1:13: parse error: no offset modifiers allowed before range"],
    ["x @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"],
    ["1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"],
    ["x + bool y", "1:3: parse error: bool modifier can only be used on comparison operators"],
    ["1 and x", '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
    ["x or on(a) group_left y", '1:1: parse error: no grouping allowed for "or" operation'],
    ["x * on(a) group_left(a) y", '1:3: parse error: label "a" must not occur in ON and GROUP clause at once'],
    ["label_join(x)", '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1'],
    ["round(x, 1, 2)", '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
    ["histogram_quantiles(x, \"q\")", '1:1: parse error: expected at least 3 argument(s) in call to "histogram_quantiles", got 2'],
    ["quantile(x, y)", "1:10: parse error: expected type scalar in aggregation parameter, got instant vector"],
    ["sum(1)", "1:5: parse error: expected type instant vector in aggregation expression, got scalar"],
    ["-\"a\"", '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"'],
    ["x[1m][5m:]", "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"],
    ["x[5m 1m]", '1:6: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"'],
    ["x[5m:1m:]", "1:8: parse error: unexpected colon ':'"],
    ["x[5m::]", "1:6: parse error: unexpected colon ':'"],
    ["x[:5m]", "1:4: parse error: unexpected colon before duration in duration expression"],
    ["x[5m", "1:5: parse error: unclosed left bracket"],
    ["x]", "1:2: parse error: unexpected right bracket ']'"],
    ["x{a=\"b\"", "1:8: parse error: unexpected end of input inside braces"],
    ["x @ foo", '1:5: parse error: unexpected identifier "foo" in @, expected timestamp'],
    ["x offset foo", '1:10: parse error: unexpected identifier "foo" in offset, expected number, duration, step(), or range()'],
    ["x[5m] anchored smoothed", "1:1: parse error: anchored and smoothed modifiers cannot be used together"],
    ["rate(x[1m])[5m:] anchored", "1:1: parse error: anchored modifier is not supported for subqueries"],
    ["x + fill(0) 1", "1:1: parse error: filling in missing series only allowed between instant vectors"],
    ["x and fill(0) y", "1:1: parse error: filling in missing series not allowed for set operators"],
    ["sum by (\"\") (x)", '1:9: parse error: invalid label name for grouping: ""'],
    ["x{a=~\"(\"}", "1:3: parse error: invalid regular expression \"(\": "],
    ["'unterminated", "1:1: parse error: unterminated quoted string"],
    ['"\\u12"', "1:1: parse error: illegal character U+0022 '\"' in escape sequence"],
    ['"\\ud800"', "1:1: parse error: escape sequence is an invalid Unicode code point"],
    ["x[1d1w]", '1:3: parse error: not a valid duration string: "1d1w"'],
    ["x[1y1y]", '1:3: parse error: bad number or duration syntax: "1y1"'],
  ];
  it.each(cases)("%j", (q, msg) => {
    const err = errorOf(q);
    if (msg.endsWith(": ")) expect(err.message.startsWith(msg)).toBe(true);
    else expect(err.message).toBe(msg);
  });

  it("rejects experimental functions and aggregations when disabled", () => {
    expect(() => parseExpr("mad_over_time(x[5m])", { enableExperimentalFunctions: false })).toThrow('1:1: parse error: function "mad_over_time" is not enabled');
    expect(() => parseExpr("limitk(1, x)", { enableExperimentalFunctions: false })).toThrow("limitk() is experimental");
    expect(() => parseExpr("rate(x[5m])", { enableExperimentalFunctions: false })).not.toThrow();
  });

  it("is a ParseError with a byte range", () => {
    const err = errorOf("sum(x) +");
    expect(err).toBeInstanceOf(ParseError);
    expect(err.positionRange).toEqual({ start: 8, end: 8 });
  });
});

describe("parseMetricSelector", () => {
  it("parses names, quoted names and matchers", () => {
    expect(parseMetricSelector('up{job="a"}').map((m) => m.toSpec())).toEqual([
      { type: "=", name: "job", value: "a" },
      { type: "=", name: "__name__", value: "up" },
    ]);
    expect(parseMetricSelector('{"a.b"}').map((m) => m.toSpec())).toEqual([{ type: "=", name: "__name__", value: "a.b" }]);
  });

  it("rejects selectors that match everything, with the API's message", () => {
    expect(() => parseMetricSelector('{a=""}')).toThrow(/^match\[\] must contain at least one non-empty matcher$/);
  });

  it("rejects anything but a bare selector", () => {
    expect(() => parseMetricSelector("up offset 5m")).toThrow("1:4: parse error: unexpected <offset>");
    expect(() => parseMetricSelector("rate(x[5m])")).toThrow('1:5: parse error: unexpected "("');
  });
});

describe("parseMetric", () => {
  it("returns sorted labels including the name", () => {
    expect(parseMetric('http_requests{job="api", instance="1"}')).toEqual([
      { name: "__name__", value: "http_requests" },
      { name: "instance", value: "1" },
      { name: "job", value: "api" },
    ]);
    expect(parseMetric('{__name__="a", "b.c"="d"}')).toEqual([
      { name: "__name__", value: "a" },
      { name: "b.c", value: "d" },
    ]);
  });

  it("rejects matchers other than =", () => {
    expect(() => parseMetric('x{a!="b"}')).toThrow('1:4: parse error: unexpected <op:!=> in label set, expected "="');
  });
});

describe("FUNCTIONS", () => {
  it("matches Prometheus's signatures for a sample", () => {
    expect(FUNCTIONS.get("histogram_quantile")).toMatchObject({ argTypes: ["scalar", "vector"], variadic: 0, returnType: "vector" });
    expect(FUNCTIONS.get("label_join")).toMatchObject({ variadic: -1 });
    expect(FUNCTIONS.get("round")).toMatchObject({ argTypes: ["vector", "scalar"], variadic: 1 });
    expect(FUNCTIONS.get("info")?.experimental).toBe(true);
    expect(FUNCTIONS.get("rate")?.experimental).toBeUndefined();
    expect(FUNCTIONS.get("scalar")?.returnType).toBe("scalar");
  });

  it("includes every function Prometheus 3.5 documents", () => {
    for (const name of ["abs", "absent_over_time", "clamp", "day_of_week", "deriv", "histogram_avg", "histogram_fraction", "histogram_stddev", "idelta", "irate", "label_replace", "mad_over_time", "predict_linear", "present_over_time", "quantile_over_time", "sgn", "sort_by_label_desc", "timestamp", "ts_of_max_over_time", "ts_of_last_over_time", "vector", "year", "pi"]) {
      expect(FUNCTIONS.has(name), name).toBe(true);
    }
  });
});
