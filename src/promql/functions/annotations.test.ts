import { describe, expect, it } from "vitest";
import {
  Annotations,
  badBucketLabelWarning,
  formatPosition,
  goQuote,
  histogramQuantileForcedMonotonicityInfo,
  invalidQuantileWarning,
  invalidRatioWarning,
  mixedFloatsHistogramsWarning,
  possibleNonCounterInfo,
  histogramIgnoredInAggregationInfo,
} from "./annotations";
import { formatF, formatG } from "./goformat";

describe("message texts", () => {
  // Expected strings are copied from the shared conformance scripts.
  it("match the conformance scripts", () => {
    expect(invalidQuantileWarning(NaN)).toBe("PromQL warning: quantile value should be between 0 and 1, got NaN");
    expect(badBucketLabelWarning("series", "Hello World")).toBe(
      'PromQL warning: bucket label "le" is missing or has a malformed value of "Hello World" for metric name "series"',
    );
    expect(badBucketLabelWarning("series", "")).toBe(
      'PromQL warning: bucket label "le" is missing or has a malformed value of "" for metric name "series"',
    );
    expect(invalidRatioWarning(1.1, 1)).toBe("PromQL warning: ratio value should be between -1 and 1, got 1.1, capping to 1");
    expect(invalidRatioWarning(-1.1, -1)).toBe(
      "PromQL warning: ratio value should be between -1 and 1, got -1.1, capping to -1",
    );
    expect(mixedFloatsHistogramsWarning("http_requests_histogram")).toBe(
      'PromQL warning: encountered a mix of histograms and floats for metric name "http_requests_histogram"',
    );
    expect(histogramQuantileForcedMonotonicityInfo("nonmonotonic_bucket")).toBe(
      'PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "nonmonotonic_bucket"',
    );
  });

  it("append the position when given", () => {
    expect(possibleNonCounterInfo("foo", "1:6")).toBe(
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "foo" (1:6)',
    );
    expect(histogramIgnoredInAggregationInfo("sum")).toBe("PromQL info: ignored histogram in sum aggregation");
    expect(badBucketLabelWarning("", "x")).toBe('PromQL warning: bucket label "le" is missing or has a malformed value of "x"');
  });

  it("positions are 1-based line:column", () => {
    expect(formatPosition("rate(foo[5m])", 5)).toBe("1:6");
    expect(formatPosition("sum(\n  foo)", 7)).toBe("2:3");
    expect(formatPosition("", 0)).toBe("unknown position");
    expect(formatPosition("foo", 4)).toBe("invalid position");
    // Offsets are UTF-8 bytes: "é" takes two, so the "b" is byte 11, column 12.
    expect(formatPosition('{a="é"} + b', 11)).toBe("1:12");
    expect(formatPosition("é\nb", 3)).toBe("2:1");
  });

  it("quotes like Go's %q", () => {
    expect(goQuote('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(goQuote("\x01ü")).toBe('"\\x01ü"');
  });
});

describe("Go number formatting", () => {
  it("%g picks the shortest form with Go's exponent rules", () => {
    expect(formatG(1)).toBe("1");
    expect(formatG(1.5)).toBe("1.5");
    expect(formatG(123456)).toBe("123456");
    expect(formatG(1e6)).toBe("1e+06");
    expect(formatG(1234567)).toBe("1.234567e+06");
    expect(formatG(0.0001)).toBe("0.0001");
    expect(formatG(0.00001)).toBe("1e-05");
    expect(formatG(-2.5e-300)).toBe("-2.5e-300");
    expect(formatG(0)).toBe("0");
    expect(formatG(Infinity)).toBe("+Inf");
    expect(formatG(-Infinity)).toBe("-Inf");
    expect(formatG(NaN)).toBe("NaN");
  });

  it("%.2g rounds to two significant digits", () => {
    expect(formatG(0.5, 2)).toBe("0.5");
    expect(formatG(1234, 2)).toBe("1.2e+03");
    expect(formatG(0.123, 2)).toBe("0.12");
    expect(formatG(12, 2)).toBe("12");
    expect(formatG(99.9, 2)).toBe("1e+02");
  });

  it("%f has six decimals", () => {
    expect(formatF(0)).toBe("0.000000");
    expect(formatF(1.5)).toBe("1.500000");
    expect(formatF(-0.25)).toBe("-0.250000");
    expect(formatF(1e21)).toBe("1000000000000000000000.000000");
    expect(formatF(Infinity)).toBe("+Inf");
  });
});

describe("Annotations", () => {
  it("dedupes and keeps first-seen order", () => {
    const a = new Annotations();
    a.warn("w2");
    a.warn("w1");
    a.warn("w2");
    a.info("i1");
    a.info("i1");
    expect(a.warnings).toEqual(["w2", "w1"]);
    expect(a.infos).toEqual(["i1"]);
    expect(a.empty).toBe(false);
    expect(new Annotations().empty).toBe(true);
  });

  it("merges another set", () => {
    const a = new Annotations();
    a.warn("w1");
    const b = new Annotations();
    b.warn("w2");
    b.warn("w1");
    b.info("i");
    a.merge(b);
    expect(a.warnings).toEqual(["w1", "w2"]);
    expect(a.infos).toEqual(["i"]);
  });

  it("merges forced-monotonicity infos into one with the details", () => {
    const a = new Annotations();
    const pos = { start: 19, end: 25 };
    a.forcedMonotonicity("x", pos, 60_000, 2, 2, 3);
    a.forcedMonotonicity("x", pos, 0, 1, 1, 0.5);
    const b = new Annotations();
    b.forcedMonotonicity("x", pos, 120_000, 5, 5, 0.25);
    a.merge(b);
    expect(a.infos).toEqual([histogramQuantileForcedMonotonicityInfo("x")]);
    expect(a.asStrings("histogram_quantile(0.5, x)").infos).toEqual([
      `${histogramQuantileForcedMonotonicityInfo("x")}, from buckets 1 to 5, with a max diff of 3, over 3 samples from 1970-01-01T00:00:00Z to 1970-01-01T00:02:00Z (1:20)`,
    ]);
    const bare = new Annotations();
    bare.forcedMonotonicity("x", undefined, 0, 1, 1, 1);
    expect(bare.asStrings("q").infos).toEqual([histogramQuantileForcedMonotonicityInfo("x")]);
  });

  it("appends the line:col of each annotation's expression only when asked", () => {
    const a = new Annotations();
    a.warn("w", { start: 4, end: 7 });
    a.info("i", { start: 0, end: 3 });
    a.info("bare");
    expect(a.warnings).toEqual(["w"]);
    expect(a.infos).toEqual(["i", "bare"]);
    expect(a.asStrings("abc\n def")).toEqual({ warnings: ["w (2:1)"], infos: ["i (1:1)", "bare"] });
    // The same text from another expression is one annotation, at the latest position.
    a.warn("w", { start: 1, end: 2 });
    expect(a.asStrings("abc\n def").warnings).toEqual(["w (1:2)"]);
  });
});
