/**
 * Aggregation operators over one step's vector. Groups are fixed per node
 * (by the input series' labels), so the evaluator computes them once and
 * calls `aggregateStep` for each step.
 */
import type { AggregateExpr, PositionRange } from "../ast";
import { METRIC_NAME, labelsKey, type Labels } from "../../model/labels";
import { xxhash64 } from "./xxhash";
import { kahanStep } from "../functions/kahan";
import { quantile } from "../functions/quantile";
import { GoHeap } from "./heap";
import { formatFloatPlain, withLabel } from "./labels-util";
import type { Sample, Vector } from "./types";
import { invalidQuantileWarning, type Annotations } from "../functions/annotations";

/** Output labels of the group a series falls in. */
export function groupingLabels(metric: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return metric.filter((l) => l.name !== METRIC_NAME && !grouping.includes(l.name));
  if (grouping.length === 0) return [];
  return metric.filter((l) => grouping.includes(l.name));
}

/** Compensated running sum into `acc` (value, kahanC), as Prometheus's kahansum.Inc. */
function kahanInc(inc: number, acc: { value: number; kahanC: number }): void {
  acc.kahanC = kahanStep(acc.value, inc, acc.kahanC);
  acc.value += inc;
}

/**
 * The groups of one aggregation node: which group each input series falls
 * in (fixed for the node, so computed once per series) and each group's
 * output labels.
 */
export class Grouping {
  readonly labels: Labels[] = [];
  private readonly byRef = new Map<Labels, number>();
  private readonly byKey = new Map<string, number>();

  constructor(
    private readonly grouping: readonly string[],
    private readonly without: boolean,
  ) {}

  /** The group index of a series. */
  indexOf(metric: Labels): number {
    let i = this.byRef.get(metric);
    if (i !== undefined) return i;
    const labels = groupingLabels(metric, this.grouping, this.without);
    const key = labelsKey(labels);
    i = this.byKey.get(key);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push(labels);
      this.byKey.set(key, i);
    }
    this.byRef.set(metric, i);
    return i;
  }
}

interface Group {
  value: number;
  kahanC: number;
  mean: number;
  count: number;
  incrementalMean: boolean;
  dropName: boolean;
  values: number[];
}

/** Per-group accumulators, reused from step to step. */
export class AggregateState {
  private readonly groups: Group[] = [];
  /** The step each group's accumulator was last reset for. */
  private readonly stamp: number[] = [];
  private step = 0;
  /** Groups in order of first appearance in the current step. */
  readonly order: number[] = [];

  nextStep(): void {
    this.step++;
    this.order.length = 0;
  }

  /** The group's accumulator, or undefined (after registering it) when this step has not seen it yet. */
  seen(gi: number): Group | undefined {
    if (this.stamp[gi] === this.step) return this.groups[gi];
    this.stamp[gi] = this.step;
    this.order.push(gi);
    return undefined;
  }

  reset(gi: number, f: number, dropName: boolean): Group {
    let g = this.groups[gi];
    if (g === undefined) {
      g = { value: f, kahanC: 0, mean: f, count: 1, incrementalMean: false, dropName, values: [] };
      this.groups[gi] = g;
    } else {
      g.value = f;
      g.kahanC = 0;
      g.mean = f;
      g.count = 1;
      g.incrementalMean = false;
      g.dropName = dropName;
      g.values.length = 0;
    }
    return g;
  }

  group(gi: number): Group {
    return this.groups[gi]!;
  }
}

/** sum, avg, count, min, max, group, stddev, stdvar, quantile for one step. */
export function aggregateStep(
  op: AggregateExpr["op"],
  input: Vector,
  grouping: Grouping,
  param: number,
  state: AggregateState = new AggregateState(),
): Vector {
  state.nextStep();
  for (let i = 0; i < input.length; i++) {
    const s = input[i]!;
    const gi = grouping.indexOf(s.metric);
    const f = s.f;
    let g = state.seen(gi);
    if (g === undefined) {
      g = state.reset(gi, f, s.dropName);
      if (op === "stddev" || op === "stdvar") g.value = Number.isFinite(f) ? 0 : NaN;
      else if (op === "group") g.value = 1;
      else if (op === "quantile") g.values.push(f);
      continue;
    }
    if (s.dropName) g.dropName = true;
    switch (op) {
      case "sum":
        kahanInc(f, g);
        break;
      case "avg": {
        g.count++;
        if (!g.incrementalMean) {
          const value = g.value;
          const c = g.kahanC;
          kahanInc(f, g);
          if (Number.isFinite(g.value) || Number.isNaN(g.value)) break;
          // The running sum overflowed: continue with an incremental mean.
          g.value = value;
          g.kahanC = c;
          g.incrementalMean = true;
          g.mean = g.value / (g.count - 1);
          g.kahanC /= g.count - 1;
        }
        const q = (g.count - 1) / g.count;
        const sum = g.value;
        g.value = q * g.mean;
        g.kahanC = q * g.kahanC;
        kahanInc(f / g.count, g);
        g.mean = g.value;
        g.value = sum;
        break;
      }
      case "max":
        if (g.value < f || Number.isNaN(g.value)) g.value = f;
        break;
      case "min":
        if (g.value > f || Number.isNaN(g.value)) g.value = f;
        break;
      case "count":
        g.count++;
        break;
      case "stddev":
      case "stdvar": {
        g.count++;
        const delta = f - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (f - g.mean);
        break;
      }
      case "quantile":
        g.values.push(f);
        break;
      case "group":
        break;
    }
  }
  const out: Vector = [];
  for (const gi of state.order) {
    const g = state.group(gi);
    let v = g.value;
    switch (op) {
      case "sum":
        v = g.value + g.kahanC;
        break;
      case "avg":
        v = g.incrementalMean ? g.mean + g.kahanC : g.value / g.count + g.kahanC / g.count;
        break;
      case "count":
        v = g.count;
        break;
      case "stdvar":
        v = g.value / g.count;
        break;
      case "stddev":
        v = Math.sqrt(g.value / g.count);
        break;
      case "quantile":
        v = quantile(param, g.values);
        break;
    }
    out.push({ metric: grouping.labels[gi]!, f: v, dropName: g.dropName });
  }
  return out;
}

const byValueLess = (a: Sample, b: Sample): boolean => Number.isNaN(a.f) || a.f < b.f;
const byReverseValueLess = (a: Sample, b: Sample): boolean => Number.isNaN(a.f) || a.f > b.f;

/** topk, bottomk, limitk, limit_ratio for one step: samples keep their own labels. */
export function selectKStep(
  op: "topk" | "bottomk" | "limitk" | "limit_ratio",
  input: Vector,
  grouping: Grouping,
  param: number,
): Vector {
  const heaps = new Map<number, GoHeap<Sample>>();
  if (op === "limit_ratio") {
    const r = Math.max(-1, Math.min(1, param));
    if (r === 0) return [];
    const lists = new Map<number, Sample[]>();
    for (const s of input) {
      const k = grouping.indexOf(s.metric);
      let l = lists.get(k);
      if (!l) lists.set(k, (l = []));
      if (ratioSampled(r, s.metric)) l.push(s);
    }
    return [...lists.values()].flat();
  }
  const k = Math.min(Math.trunc(param), input.length);
  if (k < 1) return [];
  const less = op === "bottomk" ? byReverseValueLess : byValueLess;
  for (const s of input) {
    const key = grouping.indexOf(s.metric);
    let h = heaps.get(key);
    if (!h) {
      heaps.set(key, (h = new GoHeap(less)));
      h.push(s);
      continue;
    }
    if (op === "limitk") {
      if (h.length < k) h.push(s);
      continue;
    }
    const worst = h.items[0]!;
    if (h.length < k) h.push(s);
    else if ((op === "topk" ? worst.f < s.f : worst.f > s.f) || (Number.isNaN(worst.f) && !Number.isNaN(s.f))) {
      h.items[0] = s;
      if (k > 1) h.fix(0);
    }
  }
  const out: Vector = [];
  for (const h of heaps.values()) {
    const items = h.items.slice();
    if (op === "topk") items.sort((a, b) => descNaNLast(a.f, b.f));
    else if (op === "bottomk") items.sort((a, b) => ascNaNLast(a.f, b.f));
    out.push(...items);
  }
  return out;
}

function descNaNLast(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return b - a || 0;
}

function ascNaNLast(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b || 0;
}

const encoder = new TextEncoder();

/** Prometheus's `labels.Hash()`: XXH64 over name, 0xff, value, 0xff, … */
function labelsHash(metric: Labels): bigint {
  const parts = metric.map((l) => [encoder.encode(l.name), encoder.encode(l.value)] as const);
  const buf = new Uint8Array(parts.reduce((n, [a, b]) => n + a.length + b.length + 2, 0));
  let i = 0;
  for (const [a, b] of parts) {
    buf.set(a, i);
    i += a.length;
    buf[i++] = 0xff;
    buf.set(b, i);
    i += b.length;
    buf[i++] = 0xff;
  }
  return xxhash64(buf);
}

/**
 * Whether limit_ratio keeps a series: a stable position in [0, 1) derived
 * from the labels, so the same series stay selected across steps and ratios.
 */
function ratioSampled(ratio: number, metric: Labels): boolean {
  const offset = Number(labelsHash(metric)) / 2 ** 64;
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio);
}

/** count_values for one step. */
export function countValuesStep(input: Vector, valueLabel: string, grouping: readonly string[], without: boolean): Vector {
  const groups = new Map<string, Sample>();
  for (const s of input) {
    const metric = withLabel(s.metric, valueLabel, formatFloatPlain(s.f));
    const labels = groupingLabels(metric, grouping, without);
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (g) g.f++;
    else groups.set(key, { metric: labels, f: 1, dropName: false });
  }
  return [...groups.values()];
}

export function checkQuantileParam(q: number, annotations: Annotations, pos: PositionRange): void {
  if (Number.isNaN(q) || q < 0 || q > 1) annotations.warn(invalidQuantileWarning(q), pos);
}
