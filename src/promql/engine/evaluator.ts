/**
 * The PromQL evaluator. Like Prometheus, every node is evaluated over all
 * steps of the query at once: vector and scalar nodes yield a StepMatrix
 * (a series with a point per step where it has a value), and operators and
 * functions run step by step over the vectors gathered from their inputs.
 * Selector data is loaded before evaluation starts, so this is synchronous.
 */
import type { AggregateExpr, BinaryExpr, Call, Expr, MatrixSelector, StepInvariantExpr, SubqueryExpr, VectorSelector } from "../ast";
import { SET_OPS, exprType, unwrapParens } from "../ast";
import { METRIC_NAME, compareLabels, getLabel, labelsKey, type Labels } from "../../model/labels";
import type { Series } from "../../storage/storage";
import { SampleBuffers, type SampleViews, samplesOf } from "../../storage/samples";
import { Annotations, invalidRatioWarning, possibleNonCounterInfo, sortInRangeQueryWarning } from "../functions/annotations";
import { RANGE_BATCH_FUNCTIONS, RANGE_FUNCTIONS, hasCounterName, type RangeBatchKernel, type RangeContext, type RangeKernel } from "../functions/range";
import { aggregateSeriesWise } from "./aggregate-series";
import { AggregateState, aggregateStep, checkQuantileParam, countValuesStep, Grouping, selectKStep } from "./aggregate";
import { scalarBinop, VectorMatchState, vectorAnd, vectorBinop, vectorOr, vectorScalarBinop, vectorUnless } from "./binary";
import { absentLabels, callInstantFunction, evalLabelJoin, evalLabelReplace, isValidLabelNameLiteral, mergeSameLabelset } from "./functions";
import { formatExpr } from "../parser/printer";
import { evalInfo } from "./info";
import { extendedMatrix, extendedRangeFunction, isExtended, smoothedSelector } from "./extended-range";
import { dropMetricName, signature } from "./labels-util";
import { resolveAt, subqueryFirstStep, upperBound, withoutStaleMarkers, type QueryBounds, type SelectorData } from "./selectors";
import { isStaleNaN } from "./stale";
import { matrixSamples, type SampleTracker } from "./samples";
import { PointBuffer } from "./points";
import { denseScalarSteps, vectorScalarMatrix } from "./vector-scalar";
import { QueryError, isString, type EvalValue, type Sample, type StepMatrix, type StepSeries, type Vector } from "./types";

/**
 * Evaluation is synchronous and reads one series at a time, so every
 * evaluator of the isolate can decode into the same buffers.
 */
const SHARED_BUFFERS = new SampleBuffers();

/** State shared by an evaluation and its subquery children. */
export interface EvalShared {
  readonly bounds: QueryBounds;
  readonly lookback: number;
  readonly deadline: number;
  readonly data: SelectorData;
  readonly annotations: Annotations;
  readonly defaultSubqueryStep: number;
  readonly samples: SampleTracker;
}

/** A range vector as fed to range functions; windows never see stale markers (see windowSamples). */
interface RangeSeries {
  readonly series: Series;
  readonly dropName: boolean;
}

export class Evaluator {
  readonly numSteps: number;
  /** Where lazily decoded series are decoded, one at a time (see storage/samples.ts). */
  private readonly buffers = SHARED_BUFFERS;
  /** The context one-window range kernels see, refilled per window. */
  private readonly windowCtx: RangeContext;

  constructor(
    readonly shared: EvalShared,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {
    this.numSteps = interval > 0 ? Math.floor((end - start) / interval) + 1 : 1;
    this.windowCtx = { rangeStart: 0, rangeEnd: 0, params: [], annotations: shared.annotations, metricName: "", evalTime: 0 };
  }

  stepTime(i: number): number {
    return this.start + i * this.interval;
  }

  eval(e: Expr): EvalValue {
    if (Date.now() > this.shared.deadline) throw new QueryError("timeout", "query timed out in expression evaluation");
    if (this.end < this.start) return [];
    const tracker = this.shared.samples;
    const base = tracker.current;
    const v = this.evalNode(e);
    // Whatever the node held while working is released; its result stays until its parent is done.
    if (!isString(v)) tracker.settle(base, matrixSamples(v));
    return v;
  }

  private evalNode(e: Expr): EvalValue {
    switch (e.type) {
      case "NumberLiteral": {
        this.shared.samples.add(this.numSteps);
        const fs = new Array<number>(this.numSteps).fill(e.value);
        return [{ metric: [], dropName: false, ts: this.allSteps(), fs }];
      }
      case "StringLiteral":
        return { kind: "string", v: e.value };
      case "ParenExpr":
        return this.eval(e.expr);
      case "StepInvariantExpr":
        return this.stepInvariant(e);
      case "UnaryExpr": {
        const m = this.evalMatrix(e.expr);
        if (e.op === "+") return m;
        return m.map((s) => ({ metric: s.metric, dropName: true, ts: s.ts, fs: s.fs.map((v) => -v) }));
      }
      case "VectorSelector":
        return this.vectorSelector(e);
      case "MatrixSelector":
        if (isExtended(e)) return extendedMatrix(this, e);
        return this.rangeToMatrix(this.matrixSelectorSeries(e), e.vectorSelector, e.range, true);
      case "SubqueryExpr":
        return this.subqueryMatrix(e);
      case "BinaryExpr":
        return this.binary(e);
      case "AggregateExpr":
        return this.aggregate(e);
      case "Call":
        return this.call(e);
    }
  }

  evalMatrix(e: Expr): StepMatrix {
    const v = this.eval(e);
    if (isString(v)) throw new QueryError("execution", "unexpected string value");
    return v;
  }

  /**
   * A subtree with the same value at every step: evaluated at the first
   * step only, then repeated (each repeat is a sample held, as in Prometheus).
   */
  private stepInvariant(e: StepInvariantExpr): EvalValue {
    const inner = e.expr;
    if (this.numSteps === 1 || inner.type === "NumberLiteral" || inner.type === "StringLiteral" || exprType(inner) === "matrix") {
      return this.eval(inner);
    }
    const once = new Evaluator(this.shared, this.start, this.start, this.interval).eval(inner);
    if (isString(once)) return once;
    const tracker = this.shared.samples;
    const steps = this.allSteps();
    return once.map((s) => {
      tracker.add(this.numSteps - 1);
      return { metric: s.metric, dropName: s.dropName, ts: steps.slice(), fs: new Array<number>(this.numSteps).fill(s.fs[0]!) };
    });
  }

  /** The per-step values of a scalar-typed expression. */
  evalScalarSteps(e: Expr): Float64Array {
    const m = this.evalMatrix(e);
    const out = new Float64Array(this.numSteps).fill(NaN);
    const s = m[0];
    if (s) for (let i = 0; i < s.ts.length; i++) out[this.stepIndex(s.ts[i]!)] = s.fs[i]!;
    return out;
  }

  private stepIndex(t: number): number {
    return this.interval > 0 ? Math.round((t - this.start) / this.interval) : 0;
  }

  private allSteps(): number[] {
    const ts = new Array<number>(this.numSteps);
    for (let i = 0; i < this.numSteps; i++) ts[i] = this.stepTime(i);
    return ts;
  }

  // ---- selectors ----

  private vectorSelector(vs: VectorSelector): StepMatrix {
    if (vs.smoothed === true) return smoothedSelector(this, vs);
    const series = this.shared.data.get(vs) ?? [];
    const at = resolveAt(vs.timestamp, vs.startOrEnd, this.shared.bounds);
    const lookback = this.shared.lookback;
    const out: StepMatrix = [];
    let total = 0;
    const points = new PointBuffer(this.numSteps);
    for (const s of series) {
      // Hoisted: the hot loops must not reload them from a Series of any shape.
      const { timestamps: sts, values: svs } = samplesOf(s, this.buffers);
      const n = sts.length;
      let j = 0;
      for (let i = 0; i < this.numSteps; i++) {
        const t = this.stepTime(i);
        const ref = (at ?? t) - vs.offset;
        if (at !== null) j = upperBound(sts, ref);
        else while (j < n && sts[j]! <= ref) j++;
        if (j === 0) continue;
        const st = sts[j - 1]!;
        const v = svs[j - 1]!;
        if (st <= ref - lookback || isStaleNaN(v)) continue;
        points.push(t, v);
      }
      if (points.length > 0) {
        total += points.length;
        const { ts, fs } = points.take();
        out.push({ metric: s.labels, dropName: false, ts, fs });
      }
    }
    this.shared.samples.loaded += total;
    this.shared.samples.add(total);
    return out;
  }

  /** A range vector's samples of one series: stale markers are never part of a window. */
  windowSamples(s: Series): SampleViews {
    return withoutStaleMarkers(samplesOf(s, this.buffers));
  }

  private matrixSelectorSeries(ms: MatrixSelector): RangeSeries[] {
    return (this.shared.data.get(ms.vectorSelector) ?? []).map((s) => ({ series: s, dropName: false }));
  }

  /**
   * An instant query's range vector: the raw samples in the window at the
   * (single) evaluation time. `load` counts them as newly read (a
   * subquery's samples were counted when it ran).
   */
  private rangeToMatrix(
    series: RangeSeries[],
    mod: { offset: number; timestamp: number | null; startOrEnd: VectorSelector["startOrEnd"] },
    range: number,
    load: boolean,
  ): StepMatrix {
    if (this.start !== this.end) throw new QueryError("execution", "cannot do range evaluation of matrix selector");
    const at = resolveAt(mod.timestamp, mod.startOrEnd, this.shared.bounds);
    const ref = (at ?? this.start) - mod.offset;
    const out: StepMatrix = [];
    let total = 0;
    for (const { series: s, dropName } of series) {
      const { timestamps, values } = this.windowSamples(s);
      const lo = upperBound(timestamps, ref - range);
      const hi = upperBound(timestamps, ref, lo);
      if (hi === lo) continue;
      out.push({ metric: s.labels, dropName, ts: Array.from(timestamps.subarray(lo, hi)), fs: Array.from(values.subarray(lo, hi)) });
      total += hi - lo;
    }
    if (load) {
      this.shared.samples.loaded += total;
      this.shared.samples.add(total);
    }
    return out;
  }

  /** Evaluates a subquery's inner expression on its own step grid. */
  private runSubquery(e: SubqueryExpr): StepMatrix {
    const at = resolveAt(e.timestamp, e.startOrEnd, this.shared.bounds);
    const step = e.step || this.shared.defaultSubqueryStep;
    // The parent's last step, not its nominal end, bounds what the subquery must cover.
    const parentEnd = this.interval > 0 ? this.start + Math.floor((this.end - this.start) / this.interval) * this.interval : this.end;
    const from = (at ?? this.start) - e.offset - e.range;
    const child = new Evaluator(this.shared, subqueryFirstStep(from, step), (at ?? parentEnd) - e.offset, step);
    return child.evalMatrix(e.expr);
  }

  private subqueryMatrix(e: SubqueryExpr): StepMatrix {
    if (this.start !== this.end) throw new QueryError("execution", "cannot do range evaluation of matrix selector");
    return this.rangeToMatrix(this.subquerySeries(e), e, e.range, false);
  }

  private subquerySeries(e: SubqueryExpr): RangeSeries[] {
    return this.runSubquery(e).map((s) => ({
      series: { labels: s.metric, timestamps: new Float64Array(s.ts), values: new Float64Array(s.fs) },
      dropName: s.dropName,
    }));
  }

  // ---- step-wise driver ----

  /**
   * Calls `fn` at each step with the inputs' vectors (scalars as a
   * one-sample vector) and assembles the output series. `sigOf`
   * precomputes a matching signature per input series. Like Prometheus,
   * each step holds its gathered inputs and the output so far, unless
   * `countSteps` is false (aggregations count only their input).
   */
  rangeEval(
    inputs: readonly (StepMatrix | null)[],
    fn: (vectors: Vector[], t: number, sigs: string[][]) => Vector,
    sigOf?: (metric: Labels) => string,
    countSteps = true,
  ): StepMatrix {
    const tracker = this.shared.samples;
    let held = tracker.current;
    const cursors = inputs.map((m) => (m ? new Int32Array(m.length) : new Int32Array(0)));
    const seriesSigs = inputs.map((m) => (m && sigOf ? m.map((s) => sigOf(s.metric)) : []));
    // One Sample per input series, refilled at each step: functions consume
    // their input vectors within the step, so nothing holds on to them.
    const inputSamples = inputs.map((m) => (m ? m.map((s): Sample => ({ metric: s.metric, f: 0, dropName: s.dropName })) : []));
    const vectors: Vector[] = inputs.map(() => []);
    const sigs: string[][] = inputs.map(() => []);
    const out = new OutputSeries();
    for (let i = 0; i < this.numSteps; i++) {
      if (Date.now() > this.shared.deadline) throw new QueryError("timeout", "query timed out in expression evaluation");
      const t = this.stepTime(i);
      let gathered = 0;
      for (let k = 0; k < inputs.length; k++) {
        const m = inputs[k];
        const vec = vectors[k]!;
        const sg = sigs[k]!;
        vec.length = 0;
        sg.length = 0;
        if (!m) continue;
        const cur = cursors[k]!;
        const samples = inputSamples[k]!;
        const ssigs = seriesSigs[k]!;
        for (let si = 0; si < m.length; si++) {
          const s = m[si]!;
          const sts = s.ts;
          let c = cur[si]!;
          while (c < sts.length && sts[c]! < t) c++;
          cur[si] = c;
          if (c < sts.length && sts[c] === t) {
            const sample = samples[si]!;
            sample.f = s.fs[c]!;
            vec.push(sample);
            if (sigOf) sg.push(ssigs[si]!);
          }
        }
        gathered += vec.length;
      }
      const result = fn(vectors, t, sigs);
      if (countSteps) {
        tracker.observe(held + gathered + result.length);
        held += result.length;
      }
      for (let r = 0; r < result.length; r++) {
        const s = result[r]!;
        const o = out.get(s.metric, s.dropName, this.numSteps - i);
        if (o.n > 0 && o.series.ts[o.n - 1] === t) {
          throw new QueryError("execution", "vector cannot contain metrics with the same labelset");
        }
        o.series.ts[o.n] = t;
        o.series.fs[o.n++] = s.f;
      }
    }
    return out.finish();
  }

  // ---- operators ----

  private binary(e: BinaryExpr): StepMatrix {
    const lt = exprType(e.lhs);
    const rt = exprType(e.rhs);
    const lhs = this.evalMatrix(e.lhs);
    const rhs = this.evalMatrix(e.rhs);
    if (lt === "scalar" && rt === "scalar") {
      return this.rangeEval([lhs, rhs], (v) => [{ metric: [], f: scalarBinop(e.op, v[0]![0]!.f, v[1]![0]!.f), dropName: false }]);
    }
    if (lt === "vector" && rt === "vector") {
      const matching = e.matching ?? { card: "one-to-one" as const, matchingLabels: [], on: false, include: [] };
      const sigOf = (m: Labels): string => signature(m, matching.on, matching.matchingLabels);
      if (SET_OPS.has(e.op)) {
        const setOp = e.op === "and" ? vectorAnd : e.op === "or" ? vectorOr : vectorUnless;
        return this.rangeEval([lhs, rhs], (v, _t, s) => setOp(v[0]!, v[1]!, s[0]!, s[1]!), sigOf);
      }
      const state = new VectorMatchState();
      return this.rangeEval([lhs, rhs], (v, _t, s) => vectorBinop(e.op, v[0]!, v[1]!, s[0]!, s[1]!, matching, e.returnBool, state), sigOf);
    }
    const swap = lt !== "vector";
    const vec = swap ? rhs : lhs;
    const scalarM = swap ? lhs : rhs;
    const scalars = denseScalarSteps(scalarM, this);
    const fast = scalars && vectorScalarMatrix(e.op, vec, scalars, swap, e.returnBool, this, this.shared.samples, this.shared.deadline);
    if (fast) return fast;
    return this.rangeEval([vec, scalarM], (v) => vectorScalarBinop(e.op, v[0]!, v[1]![0]!.f, swap, e.returnBool));
  }

  private aggregate(e: AggregateExpr): StepMatrix {
    const grouping = [...e.grouping].sort();
    if (e.op === "count_values") {
      const param = e.param ? unwrapParens(e.param) : null;
      if (param?.type !== "StringLiteral") throw new QueryError("execution", "expected a string literal argument");
      // Prometheus prints the literal as written back (Go-quoted, raw bytes as \xNN).
      if (!isValidLabelNameLiteral(param)) throw new QueryError("execution", `invalid label name ${formatExpr(param)}`);
      const label = param.value;
      const g = e.without ? grouping : [...grouping, label].sort();
      const input = this.evalMatrix(e.expr);
      return this.rangeEval([input], (v) => countValuesStep(v[0]!, label, g, e.without));
    }
    const params = e.param ? this.evalScalarSteps(e.param) : null;
    const input = this.evalMatrix(e.expr);
    const groups = new Grouping(grouping, e.without);
    const paramAt = (t: number): number => (params ? params[this.stepIndex(t)]! : NaN);
    switch (e.op) {
      case "topk":
      case "bottomk":
      case "limitk":
      case "limit_ratio": {
        this.checkKParams(e, params!);
        const op = e.op;
        return this.rangeEval([input], (v, t) => selectKStep(op, v[0]!, groups, paramAt(t)), undefined, false);
      }
      case "quantile":
        for (const q of params!) checkQuantileParam(q, this.shared.annotations, e.param!.pos);
        break;
    }
    const op = e.op;
    const grid = { start: this.start, interval: this.interval, numSteps: this.numSteps, deadline: this.shared.deadline };
    const seriesWise = aggregateSeriesWise(op, input, groups, grid);
    if (seriesWise) return seriesWise;
    const state = new AggregateState();
    return this.rangeEval([input], (v, t) => aggregateStep(op, v[0]!, groups, paramAt(t), state), undefined, false);
  }

  private checkKParams(e: AggregateExpr, params: Float64Array): void {
    let min = Infinity;
    let max = -Infinity;
    let nan = false;
    for (const p of params) {
      if (Number.isNaN(p)) nan = true;
      else {
        min = Math.min(min, p);
        max = Math.max(max, p);
      }
    }
    if (e.op === "limit_ratio") {
      if (nan) throw new QueryError("execution", "Ratio value is NaN");
      if (max > 1) this.shared.annotations.warn(invalidRatioWarning(max, 1), e.param!.pos);
      if (min < -1) this.shared.annotations.warn(invalidRatioWarning(min, -1), e.param!.pos);
      return;
    }
    if (max < 1 && !nan) return;
    if (nan) throw new QueryError("execution", "Parameter value is NaN");
    if (min <= -9223372036854775808) throw new QueryError("execution", `Scalar value ${min} underflows int64`);
    if (max >= 9223372036854775807) throw new QueryError("execution", `Scalar value ${max} overflows int64`);
  }

  // ---- functions ----

  private call(e: Call): StepMatrix {
    const name = e.func.name;
    if (name === "label_replace") return evalLabelReplace(this, e);
    if (name === "label_join") return evalLabelJoin(this, e);
    if (name === "info") return evalInfo(this, e);
    const matrixIdx = e.args.findIndex((a) => unwrapParens(a).type === "MatrixSelector" || unwrapParens(a).type === "SubqueryExpr");
    if (matrixIdx < 0) {
      if (name === "timestamp" && unwrapParens(e.args[0]!).type === "VectorSelector") {
        return this.timestampOfSelector(unwrapParens(e.args[0]!) as VectorSelector);
      }
      if ((name === "sort" || name === "sort_desc" || name === "sort_by_label" || name === "sort_by_label_desc") && this.start !== this.end) {
        this.shared.annotations.warn(sortInRangeQueryWarning(), e.pos);
      }
      const inputs = e.args.map((a) => (exprType(a) === "string" ? null : this.evalMatrix(a)));
      return this.rangeEval(inputs, (v, t) => callInstantFunction(e, v, t, this.shared.annotations));
    }
    return this.rangeFunction(e, matrixIdx);
  }

  /** timestamp() of a plain selector reports each sample's own time, not the step's. */
  timestampOfSelector(vs: VectorSelector): StepMatrix {
    const series = this.shared.data.get(vs) ?? [];
    const at = resolveAt(vs.timestamp, vs.startOrEnd, this.shared.bounds);
    const out: StepMatrix = [];
    const perStep = new Int32Array(this.numSteps);
    for (const s of series) {
      const ts: number[] = [];
      const fs: number[] = [];
      const { timestamps, values } = samplesOf(s, this.buffers);
      for (let i = 0; i < this.numSteps; i++) {
        const t = this.stepTime(i);
        const ref = (at ?? t) - vs.offset;
        const j = upperBound(timestamps, ref);
        if (j === 0) continue;
        const st = timestamps[j - 1]!;
        if (st <= ref - this.shared.lookback || isStaleNaN(values[j - 1]!)) continue;
        ts.push(t);
        fs.push(st / 1000);
        perStep[i]!++;
      }
      if (ts.length > 0) out.push({ metric: s.labels, dropName: true, ts, fs });
    }
    // Prometheus reads each step's samples afresh, holding them beside the output so far.
    const tracker = this.shared.samples;
    let held = tracker.current;
    for (let i = 0; i < this.numSteps; i++) {
      tracker.loaded += perStep[i]!;
      tracker.observe(held + 2 * perStep[i]!);
      held += perStep[i]!;
    }
    return out;
  }

  private rangeFunction(e: Call, matrixIdx: number): StepMatrix {
    const name = e.func.name;
    const arg = unwrapParens(e.args[matrixIdx]!) as MatrixSelector | SubqueryExpr;
    const params = e.args.map((a, i) => (i === matrixIdx ? null : this.evalScalarSteps(a)));
    let series: RangeSeries[];
    let mod: { offset: number; timestamp: number | null; startOrEnd: VectorSelector["startOrEnd"] };
    if (arg.type === "MatrixSelector") {
      if (isExtended(arg)) return extendedRangeFunction(this, e, arg);
      series = this.matrixSelectorSeries(arg);
      mod = arg.vectorSelector;
    } else {
      series = this.subquerySeries(arg);
      mod = arg;
    }
    const range = arg.range;
    const at = resolveAt(mod.timestamp, mod.startOrEnd, this.shared.bounds);

    if (name === "absent_over_time") return this.absentOverTime(e, series, at, mod.offset, range);

    const kernel = RANGE_FUNCTIONS.get(name);
    if (!kernel) throw new QueryError("execution", `unsupported function ${name}`);
    const batch = RANGE_BATCH_FUNCTIONS.get(name) ?? this.perWindow(kernel, e, params, matrixIdx);
    const keepName = name === "last_over_time" || name === "first_over_time";
    const steps = this.numSteps;
    const windows = { los: new Int32Array(steps), his: new Int32Array(steps), ends: new Float64Array(steps), range, count: steps };
    const values = new Float64Array(steps);
    const has = new Uint8Array(steps);
    const out: StepMatrix = [];
    // Held while the function runs over one series at a time: the series'
    // window of raw samples (largest at some step, last at the end) and the
    // output so far.
    const tracker = this.shared.samples;
    for (const { series: s, dropName } of series) {
      const metricName = getLabel(s.labels, METRIC_NAME);
      this.windowCtx.metricName = metricName;
      const samples = this.windowSamples(s);
      const { loaded, maxWindow, lastWindow } = this.findWindows(samples.timestamps, at, mod.offset, range, windows);
      tracker.loaded += loaded;
      batch(samples.timestamps, samples.values, windows, values, has);
      let points = 0;
      for (let i = 0; i < steps; i++) points += has[i]!;
      tracker.observe(tracker.current + maxWindow);
      if (points === 0) continue;
      tracker.observe(tracker.current + lastWindow + points);
      tracker.add(points);
      const ts = new Array<number>(points);
      const fs = new Array<number>(points);
      for (let i = 0, k = 0; i < steps; i++) {
        if (has[i] === 0) continue;
        ts[k] = this.start + i * this.interval;
        fs[k++] = values[i]!;
      }
      out.push({ metric: s.labels, dropName: dropName || !keepName, ts, fs });
      if ((name === "rate" || name === "increase") && metricName !== "" && !hasCounterName(metricName)) {
        this.shared.annotations.info(possibleNonCounterInfo(metricName), e.args[0]!.pos);
      }
    }
    return out;
  }

  /**
   * The window of every step over one series' timestamps: (end - range,
   * end], end being the step time (or the @ time) minus the offset. Empty
   * windows get lo === hi. Returns the samples read (all windows together),
   * the largest window, and the last step's.
   */
  private findWindows(
    sts: Float64Array,
    at: number | null,
    offset: number,
    range: number,
    w: { los: Int32Array; his: Int32Array; ends: Float64Array },
  ): { loaded: number; maxWindow: number; lastWindow: number } {
    const n = sts.length;
    const start = this.start;
    const interval = this.interval;
    let lo = 0;
    let hi = 0;
    let loaded = 0;
    let maxWindow = 0;
    let lastWindow = 0;
    for (let i = 0; i < this.numSteps; i++) {
      const ref = (at ?? start + i * interval) - offset;
      if (at !== null) {
        lo = upperBound(sts, ref - range);
        hi = upperBound(sts, ref, lo);
      } else {
        while (lo < n && sts[lo]! <= ref - range) lo++;
        if (hi < lo) hi = lo;
        while (hi < n && sts[hi]! <= ref) hi++;
      }
      w.los[i] = lo;
      w.his[i] = hi;
      w.ends[i] = ref;
      const size = hi - lo;
      lastWindow = size;
      loaded += size;
      if (size > maxWindow) maxWindow = size;
    }
    return { loaded, maxWindow, lastWindow };
  }

  /** Calls a one-window kernel for each non-empty window, with that step's parameters. */
  private perWindow(kernel: RangeKernel, e: Call, params: (Float64Array | null)[], matrixIdx: number): RangeBatchKernel {
    const ctx = this.windowCtx;
    ctx.params = new Array<number>(params.length - 1);
    ctx.positionRange = e.args[0]!.pos;
    const stepParams = ctx.params as number[];
    return (ts, vs, w, out, has) => {
      for (let i = 0; i < w.count; i++) {
        const lo = w.los[i]!;
        const hi = w.his[i]!;
        if (hi === lo) {
          has[i] = 0;
          continue;
        }
        let k = 0;
        for (let p = 0; p < params.length; p++) if (p !== matrixIdx) stepParams[k++] = params[p]![i]!;
        ctx.rangeStart = w.ends[i]! - w.range;
        ctx.rangeEnd = w.ends[i]!;
        ctx.evalTime = this.start + i * this.interval;
        const v = kernel(ts, vs, lo, hi, ctx);
        if (v === undefined) has[i] = 0;
        else {
          out[i] = v;
          has[i] = 1;
        }
      }
    };
  }

  private absentOverTime(e: Call, series: RangeSeries[], at: number | null, offset: number, range: number): StepMatrix {
    const present = new Uint8Array(this.numSteps);
    for (const { series: s } of series) {
      const { timestamps } = this.windowSamples(s);
      for (let i = 0; i < this.numSteps; i++) {
        const ref = (at ?? this.stepTime(i)) - offset;
        if (upperBound(timestamps, ref) > upperBound(timestamps, ref - range)) present[i] = 1;
      }
    }
    const ts: number[] = [];
    const fs: number[] = [];
    for (let i = 0; i < this.numSteps; i++) {
      if (present[i] === 1) continue;
      ts.push(this.stepTime(i));
      fs.push(1);
    }
    if (ts.length === 0) return [];
    return [{ metric: absentLabels(e.args[0]!), dropName: true, ts, fs }];
  }
}

/**
 * A node's output series by label set, in order of first appearance.
 * Results mostly reuse the same Labels objects from step to step (input
 * series, cached group or join labels), so the object is tried before the
 * label set's text key.
 */
const PREALLOCATED_POINTS = 256;

class OutputSeries {
  private readonly list: GrowingSeries[] = [];
  private readonly byRef = new Map<Labels, GrowingSeries>();
  private readonly byKey = new Map<string, GrowingSeries>();

  /**
   * The series for `metric`, created with room for the steps left (up to
   * PREALLOCATED_POINTS, so short-lived series of long queries do not hold
   * much) so that typical dashboard queries never regrow its arrays.
   */
  get(metric: Labels, dropName: boolean, stepsLeft: number): GrowingSeries {
    let o = this.byRef.get(metric);
    if (o !== undefined) return o;
    const key = labelsKey(metric);
    o = this.byKey.get(key);
    if (o === undefined) {
      const room = Math.min(stepsLeft, PREALLOCATED_POINTS);
      o = { series: { metric, dropName, ts: new Array<number>(room), fs: new Array<number>(room) }, n: 0 };
      this.byKey.set(key, o);
      this.list.push(o);
    }
    this.byRef.set(metric, o);
    return o;
  }

  /** The series, trimmed to their points, in order of first appearance. */
  finish(): StepSeries[] {
    return this.list.map((o) => {
      o.series.ts.length = o.n;
      o.series.fs.length = o.n;
      return o.series;
    });
  }
}

interface GrowingSeries {
  readonly series: StepSeries;
  /** Points written so far. */
  n: number;
}

/**
 * Drops the metric name where it is marked for removal; series that become
 * identical are merged or rejected as by label_replace.
 */
export function finalizeMatrix(m: StepMatrix): StepMatrix {
  return mergeSameLabelset(m.map((s) => ({ metric: s.dropName ? dropMetricName(s.metric) : s.metric, dropName: false, ts: s.ts, fs: s.fs })));
}

export function sortMatrix(m: StepMatrix): StepMatrix {
  return m.sort((a, b) => compareLabels(a.metric, b.metric));
}
