import { describe, expect, it } from "vitest";
import type { Label } from "../model/labels";
import { seriesLabels, type DecodedSeries, type DecodedWriteRequest } from "./request";
import {
  DEFAULT_LIMITS,
  LabelChecker,
  normaliseLabels,
  validateExemplar,
  validateLabels,
  validateMetadata,
  validateSeries,
  type SeriesValidation,
  type ValidationLimits,
} from "./validate";
import { decodedRequest, type SeriesSpec } from "./testutil";

const NOW = 1_700_000_000_000;
const L = (name: string, value: string): Label => ({ name, value });

/** A request holding one series with the given labels and sample timestamps. */
function one(labels: Label[], timestamps: number[] = [NOW]): { req: DecodedWriteRequest; s: DecodedSeries } {
  const req = decodedRequest(
    [{ labels, sampleStart: 0, sampleEnd: timestamps.length }],
    Float64Array.from(timestamps),
    Float64Array.from(timestamps, (_, i) => i + 0.5),
  );
  return { req, s: req.series[0]! };
}

function check(labels: Label[], limits: Partial<ValidationLimits> = {}, timestamps?: number[]): SeriesValidation {
  const { req, s } = one(labels, timestamps);
  const all = { ...DEFAULT_LIMITS, ...limits };
  return validateSeries(req, s, all, NOW, new LabelChecker(req.symbols.strings, all));
}

/** The labels an accepted series ends up with. */
function accepted(labels: Label[]): Label[] {
  const { req, s } = one(labels);
  const v = validateSeries(req, s, DEFAULT_LIMITS, NOW, new LabelChecker(req.symbols.strings, DEFAULT_LIMITS));
  if (!v.ok) throw new Error(`expected acceptance: ${v.message}`);
  return seriesLabels(req, s);
}

function rejected(v: SeriesValidation): { id: string; message: string } {
  if (v.ok) throw new Error("expected a rejection");
  expect(v.message).not.toContain("\n");
  expect(v.message.endsWith(`(${v.id})`)).toBe(true);
  return v;
}

describe("DEFAULT_LIMITS", () => {
  it("matches Mimir's defaults", () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      maxLabelNameLength: 1024,
      maxLabelValueLength: 2048,
      maxLabelNamesPerSeries: 30,
      maxLabelNamesPerInfoSeries: 80,
      creationGracePeriodMs: 600_000,
      pastGracePeriodMs: 0,
    });
  });
});

describe("validateSeries", () => {
  it("accepts a valid series and sorts its labels", () => {
    const { req, s } = one([L("job", "node"), L("__name__", "up"), L("instance", "a:9100")]);
    const v = validateSeries(req, s, DEFAULT_LIMITS, NOW, new LabelChecker(req.symbols.strings, DEFAULT_LIMITS));
    expect(v).toMatchObject({ ok: true, droppedSamples: 0, sampleRejection: null });
    expect([s.sampleStart, s.sampleEnd, s.refsStart, s.refsEnd]).toEqual([0, 1, 0, 6]);
    expect(accepted([L("job", "node"), L("__name__", "up"), L("instance", "a:9100")]).map((l) => l.name)).toEqual(["__name__", "instance", "job"]);
  });

  it("normalises a series within its own part of the request's column", () => {
    const first = [L("job", "node"), L("__name__", "up"), L("empty", "")];
    const second = [L("__name__", "down"), L("job", "x")];
    const req = decodedRequest(
      [{ labels: first, sampleStart: 0, sampleEnd: 1 }, { labels: second, sampleStart: 1, sampleEnd: 2 }],
      Float64Array.of(NOW, NOW),
      Float64Array.of(1, 2),
    );
    const checker = new LabelChecker(req.symbols.strings, DEFAULT_LIMITS);
    for (const s of req.series) expect(validateSeries(req, s, DEFAULT_LIMITS, NOW, checker).ok).toBe(true);
    expect(seriesLabels(req, req.series[0]!)).toEqual([L("__name__", "up"), L("job", "node")]);
    expect(req.series[0]!.refsEnd - req.series[0]!.refsStart).toBe(4);
    expect(seriesLabels(req, req.series[1]!)).toEqual(second);
  });

  it("drops empty-valued labels before anything else", () => {
    expect(accepted([L("__name__", "up"), L("empty", ""), L("job", "x")])).toEqual([L("__name__", "up"), L("job", "x")]);
  });

  it("rejects a series without a metric name", () => {
    const r = rejected(check([L("job", "x")]));
    expect(r.id).toBe("err-mimir-missing-metric-name");
    expect(r.message).toBe('received a series without a metric name: {job="x"} (err-mimir-missing-metric-name)');
  });

  it("treats an empty __name__ as missing", () => {
    expect(rejected(check([L("__name__", ""), L("job", "x")])).id).toBe("err-mimir-missing-metric-name");
  });

  it("rejects a series with no labels at all", () => {
    expect(rejected(check([])).id).toBe("err-mimir-missing-metric-name");
  });

  for (const name of ["1up", "up-time", "up time", "ü", "a.b"]) {
    it(`rejects the metric name ${JSON.stringify(name)}`, () => {
      const r = rejected(check([L("__name__", name)]));
      expect(r.id).toBe("err-mimir-metric-name-invalid");
      expect(r.message).toContain(JSON.stringify(name));
    });
  }

  it("accepts colons in metric names (recording rules)", () => {
    expect(check([L("__name__", "job:up:sum")]).ok).toBe(true);
  });

  it("rejects an invalid label name with Mimir's message shape", () => {
    const r = rejected(check([L("__name__", "up"), L("1a", "x")]));
    expect(r.message).toBe('received a series with an invalid label name: "1a" series: up{1a="x"} (err-mimir-label-invalid)');
  });

  it("rejects colons in label names", () => {
    expect(rejected(check([L("__name__", "up"), L("a:b", "x")])).id).toBe("err-mimir-label-invalid");
  });

  it("rejects more labels than allowed, counting __name__", () => {
    const labels = [L("__name__", "up")];
    for (let i = 0; i < 30; i++) labels.push(L(`l${String(i).padStart(2, "0")}`, "v"));
    const r = rejected(check(labels));
    expect(r.id).toBe("err-mimir-max-label-names-per-series");
    expect(r.message).toContain("31 labels, over the limit of 30");
    expect(check(labels.slice(0, 30)).ok).toBe(true);
  });

  it("gives _info series their own, higher limit", () => {
    const labels = [L("__name__", "target_info")];
    for (let i = 0; i < 40; i++) labels.push(L(`l${String(i).padStart(2, "0")}`, "v"));
    expect(check(labels).ok).toBe(true);
    expect(rejected(check(labels, { maxLabelNamesPerInfoSeries: 40 })).id).toBe("err-mimir-max-label-names-per-info-series");
  });

  it("rejects a label name over the length limit", () => {
    const r = rejected(check([L("__name__", "up"), L("a".repeat(11), "x")], { maxLabelNameLength: 10 }));
    expect(r.id).toBe("err-mimir-label-name-too-long");
    expect(check([L("__name__", "up"), L("a".repeat(10), "x")], { maxLabelNameLength: 10 }).ok).toBe(true);
  });

  it("measures label values in UTF-8 bytes", () => {
    // 4 × "é" is 4 characters but 8 bytes.
    const r = rejected(check([L("__name__", "up"), L("a", "éééé")], { maxLabelValueLength: 7 }));
    expect(r.id).toBe("err-mimir-label-value-too-long");
    expect(check([L("__name__", "up"), L("a", "éééé")], { maxLabelValueLength: 8 }).ok).toBe(true);
    // A surrogate pair (one emoji) is 4 bytes.
    expect(check([L("__name__", "up"), L("a", "😀😀")], { maxLabelValueLength: 8 }).ok).toBe(true);
    expect(check([L("__name__", "up"), L("a", "😀😀")], { maxLabelValueLength: 7 }).ok).toBe(false);
  });

  it("applies the value length limit to the metric name", () => {
    expect(rejected(check([L("__name__", "x".repeat(2049))])).id).toBe("err-mimir-label-value-too-long");
  });

  it("rejects duplicate label names, even when sent apart", () => {
    const r = rejected(check([L("job", "a"), L("__name__", "up"), L("instance", "i"), L("job", "b")]));
    expect(r.id).toBe("err-mimir-duplicate-label-names");
    expect(r.message).toContain('"job"');
  });

  it("answers alike with a request-wide LabelChecker, series after series, as with none", () => {
    // Series of one request share symbols; the checker remembers names and metric names across them.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const names = ["__name__", "cpu", "instance", "job", "mode", "1bad", "le", "job"];
    const values = ["up", "node_cpu_seconds_total", "0", "a:9100", "", "idle", "bad-metric", "x".repeat(20)];
    const specs: SeriesSpec[] = [];
    for (let i = 0; i < 400; i++) {
      // Runs of identical name lists, as metric families arrive; sometimes shuffled or broken.
      const n = 1 + rnd(5);
      const labels: Label[] = [];
      for (let k = 0; k < n; k++) labels.push(L(names[rnd(4) === 0 ? rnd(names.length) : k]!, values[rnd(values.length)]!));
      if (rnd(3) > 0) labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const copies = 1 + rnd(4);
      for (let c = 0; c < copies; c++) specs.push({ labels, sampleStart: 0, sampleEnd: 1 });
    }
    // Validation rewrites series in place: each way of validating gets its own copy of the request.
    const copy = () => decodedRequest(specs, Float64Array.of(NOW), Float64Array.of(1), "v2");
    const [req, alone, fresh] = [copy(), copy(), copy()];
    const limits = { ...DEFAULT_LIMITS, maxLabelNamesPerSeries: 4 };
    const checker = new LabelChecker(req.symbols.strings, limits);
    const outcome = (r: DecodedWriteRequest, i: number, v: SeriesValidation) => (v.ok ? seriesLabels(r, r.series[i]!) : v.message);
    let passed = 0;
    for (let i = 0; i < specs.length; i++) {
      const shared = validateSeries(req, req.series[i]!, limits, NOW, checker);
      const single = validateSeries(alone, alone.series[i]!, limits, NOW, new LabelChecker(alone.symbols.strings, limits));
      expect(outcome(req, i, shared)).toEqual(outcome(alone, i, single));
      // and as the label-object path decides on its own
      const labels = normaliseLabels(seriesLabels(fresh, fresh.series[i]!));
      expect(outcome(req, i, shared)).toEqual(validateLabels(labels, limits)?.message ?? labels);
      if (shared.ok) passed++;
    }
    // Both kinds of series are in the mix.
    expect(passed).toBeGreaterThan(50);
    expect(specs.length - passed).toBeGreaterThan(50);
  });

  it("drops samples too far in the future and keeps the rest in place", () => {
    const { req, s } = one([L("__name__", "up")], [NOW - 1000, NOW + 11 * 60_000, NOW + 9 * 60_000, NOW + 20 * 60_000]);
    const v = validateSeries(req, s, DEFAULT_LIMITS, NOW, new LabelChecker(req.symbols.strings, DEFAULT_LIMITS));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.droppedSamples).toBe(2);
    expect([s.sampleStart, s.sampleEnd]).toEqual([0, 2]);
    expect([...req.timestamps.subarray(0, 2)]).toEqual([NOW - 1000, NOW + 9 * 60_000]);
    expect([...req.values.subarray(0, 2)]).toEqual([0.5, 2.5]); // values follow their timestamps
    expect(v.sampleRejection?.id).toBe("err-mimir-too-far-in-future");
    expect(v.sampleRejection?.message).toBe(
      `received a sample whose timestamp is too far in the future, timestamp: ${NOW + 11 * 60_000} series: "up" (err-mimir-too-far-in-future)`,
    );
  });

  it("accepts a sample exactly at the grace period edge", () => {
    const v = check([L("__name__", "up")], {}, [NOW + 600_000]);
    expect(v.ok && v.droppedSamples).toBe(0);
  });

  it("does not check for old samples by default, and does when past_grace_period is set", () => {
    const old = NOW - 365 * 86_400_000;
    expect(check([L("__name__", "up")], {}, [old])).toMatchObject({ ok: true, droppedSamples: 0 });
    const { req, s } = one([L("__name__", "up")], [old, NOW]);
    const limits = { ...DEFAULT_LIMITS, pastGracePeriodMs: 3_600_000 };
    const v = validateSeries(req, s, limits, NOW, new LabelChecker(req.symbols.strings, limits));
    expect(v).toMatchObject({ ok: true, droppedSamples: 1 });
    expect([s.sampleStart, s.sampleEnd]).toEqual([0, 1]);
    expect(v.ok && v.sampleRejection?.id).toBe("err-mimir-too-far-in-past");
  });
});

describe("validateExemplar", () => {
  const series = [L("__name__", "http_requests_total")];
  it("accepts a normal exemplar", () => {
    expect(validateExemplar(series, { labels: [L("trace_id", "abc")], value: 1, timestamp: NOW })).toBeNull();
  });
  it("rejects missing labels, zero timestamps, blank labels and over-long label sets", () => {
    expect(validateExemplar(series, { labels: [], value: 1, timestamp: NOW })?.id).toBe("err-mimir-exemplar-labels-missing");
    expect(validateExemplar(series, { labels: [L("trace_id", "a")], value: 1, timestamp: 0 })?.id).toBe("err-mimir-exemplar-timestamp-invalid");
    expect(validateExemplar(series, { labels: [L("trace_id", "")], value: 1, timestamp: NOW })?.id).toBe("err-mimir-exemplar-labels-missing");
    expect(validateExemplar(series, { labels: [L("t", "x".repeat(128))], value: 1, timestamp: NOW })?.id).toBe("err-mimir-exemplar-labels-too-long");
    expect(validateExemplar(series, { labels: [L("t", "x".repeat(127))], value: 1, timestamp: NOW })).toBeNull();
  });
});

describe("validateMetadata", () => {
  const m = { metricFamilyName: "up", type: "gauge" as const, help: "Up.", unit: "" };
  it("passes valid metadata through", () => {
    expect(validateMetadata(m, DEFAULT_LIMITS)).toEqual({ ok: true, metadata: m });
  });
  it("rejects a missing name, a long name and a long unit", () => {
    expect(validateMetadata({ ...m, metricFamilyName: "" }, DEFAULT_LIMITS)).toMatchObject({ ok: false, id: "err-mimir-metadata-missing-metric-name" });
    expect(validateMetadata({ ...m, metricFamilyName: "a".repeat(1025) }, DEFAULT_LIMITS)).toMatchObject({ ok: false, id: "err-mimir-metric-name-too-long" });
    expect(validateMetadata({ ...m, unit: "s".repeat(1025) }, DEFAULT_LIMITS)).toMatchObject({ ok: false, id: "err-mimir-unit-too-long" });
  });
  it("truncates long help on a character boundary", () => {
    const v = validateMetadata({ ...m, help: "é".repeat(10) }, { ...DEFAULT_LIMITS, maxMetadataLength: 5 });
    expect(v.ok && v.metadata.help).toBe("éé");
  });
});
