/**
 * `info(v [, data-label-selector])`, Prometheus's experimental join of
 * series with the data labels of info metrics (`target_info` by default)
 * that share their identifying labels, `instance` and `job`.
 *
 * The info series are read through a selector of their own, made here
 * from the call: the second argument's `__name__` matchers pick the info
 * metrics (`target_info` without any; `.+_info` added when all of them are
 * negative, so a negated name cannot select every other series), its other
 * matchers pick and limit the data labels. That selector takes the `@` and
 * offset of the first selector inside `v`, as Prometheus's does, so an info
 * sample is looked up back from the same time as the data.
 *
 * At each step, among info series of one metric and identifying labels,
 * the one with the newest sample wins (two at the same time are an error);
 * its data labels are added to the base series' labels, never replacing
 * one the base series has. A base series no info series matches keeps its
 * labels, unless a data matcher refuses the empty string: then it is
 * dropped at that step. Series of the info metrics themselves are left as
 * they are.
 */
import { findExpr, unwrapParens, type Call, type VectorSelector } from "../ast";
import { METRIC_NAME, formatLabels, getLabel, sortLabels, type Label, type Labels } from "../../model/labels";
import { Matcher } from "../../model/matchers";
import type { Evaluator } from "./evaluator";
import { QueryError, type Sample, type StepMatrix, type Vector } from "./types";

const TARGET_INFO = "target_info";
const IDENTIFYING_LABELS = ["instance", "job"] as const;

interface InfoSpec {
  /** Reads the info series: name matchers and data matchers together. */
  readonly selector: VectorSelector;
  /** Which metrics are info metrics (all must match). */
  readonly nameMatchers: readonly Matcher[];
  /** Data label name → its matchers; empty: every data label is taken. */
  readonly dataMatchers: ReadonlyMap<string, readonly Matcher[]>;
}

const specs = new WeakMap<Call, InfoSpec>();

/** The selector that reads the info series of an `info` call (one object per call, so loading and evaluation agree). */
export function infoSelector(call: Call): VectorSelector {
  return infoSpec(call).selector;
}

function infoSpec(call: Call): InfoSpec {
  let spec = specs.get(call);
  if (spec !== undefined) return spec;
  const given = call.args.length > 1 ? unwrapParens(call.args[1]!) : undefined;
  const matchers = given?.type === "VectorSelector" ? given.matchers : [];
  const nameMatchers = matchers.filter((m) => m.name === METRIC_NAME);
  if (!nameMatchers.some((m) => m.type === "=" || m.type === "=~")) {
    nameMatchers.push(new Matcher(nameMatchers.length === 0 ? "=" : "=~", METRIC_NAME, nameMatchers.length === 0 ? TARGET_INFO : ".+_info"));
  }
  const dataMatchers = new Map<string, Matcher[]>();
  for (const m of matchers) {
    if (m.name === METRIC_NAME) continue;
    const list = dataMatchers.get(m.name);
    if (list === undefined) dataMatchers.set(m.name, [m]);
    else list.push(m);
  }
  // The first vector selector in the data argument, in the order Prometheus walks it.
  const timing = findExpr(call.args[0]!, (n): n is VectorSelector => n.type === "VectorSelector");
  const selector: VectorSelector = {
    type: "VectorSelector",
    pos: call.pos,
    name: "",
    matchers: [...nameMatchers, ...[...dataMatchers.values()].flat()],
    offset: timing?.offset ?? 0,
    timestamp: timing?.timestamp ?? null,
    startOrEnd: timing?.startOrEnd ?? null,
  };
  spec = { selector, nameMatchers, dataMatchers };
  specs.set(call, spec);
  return spec;
}

export function evalInfo(ev: Evaluator, call: Call): StepMatrix {
  const spec = infoSpec(call);
  const base = ev.evalMatrix(call.args[0]!);
  const isInfoMetric = (metric: Labels): boolean => {
    const name = getLabel(metric, METRIC_NAME);
    return spec.nameMatchers.every((m) => m.matches(name));
  };
  const ignored = new Set<Labels>();
  const wanted = new Map<string, Set<string>>();
  for (const s of base) {
    if (isInfoMetric(s.metric)) {
      ignored.add(s.metric);
      continue;
    }
    for (const name of IDENTIFYING_LABELS) {
      const v = getLabel(s.metric, name);
      if (v === "") continue;
      let values = wanted.get(name);
      if (values === undefined) wanted.set(name, (values = new Set()));
      values.add(v);
    }
  }
  // Info series whose identifying labels some base series has; each step's value is its sample's own time.
  const info =
    wanted.size === 0
      ? []
      : ev.timestampOfSelector(spec.selector).filter((s) => [...wanted].every(([name, values]) => values.has(getLabel(s.metric, name))));
  const infoNames = [...new Set(info.map((s) => getLabel(s.metric, METRIC_NAME)))];
  const infoSig = new Map<Labels, string>();
  for (const s of info) infoSig.set(s.metric, signature(getLabel(s.metric, METRIC_NAME), s.metric));
  const baseSigs = new Map<Labels, string[]>();
  const sigsOf = (metric: Labels): string[] => {
    let sigs = baseSigs.get(metric);
    if (sigs === undefined) baseSigs.set(metric, (sigs = infoNames.map((name) => signature(name, metric))));
    return sigs;
  };
  const emptyDropsSeries = [...spec.dataMatchers.values()].some((ms) => ms.some((m) => !m.matches("")));
  const enriched = new Map<string, Labels>();

  return ev.rangeEval([base, info], (vectors) => {
    const newest = newestInfo(vectors[1]!, infoSig);
    const out: Vector = [];
    for (const b of vectors[0]!) {
      if (ignored.has(b.metric)) {
        out.push({ metric: b.metric, f: b.f, dropName: b.dropName });
        continue;
      }
      const data = new Map<string, string>();
      let matched = 0;
      for (const sig of sigsOf(b.metric)) {
        const is = newest.get(sig);
        if (is === undefined) continue;
        matched++;
        addDataLabels(data, is.metric, b.metric, spec.dataMatchers);
      }
      if (matched === 0 && emptyDropsSeries) continue;
      out.push({ metric: data.size === 0 ? b.metric : withData(b.metric, data, enriched), f: b.f, dropName: b.dropName });
    }
    return out;
  });
}

/** The info sample with the newest own time per signature. */
function newestInfo(info: Vector, sigOf: ReadonlyMap<Labels, string>): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const s of info) {
    const sig = sigOf.get(s.metric)!;
    const existing = out.get(sig);
    if (existing === undefined || existing.f < s.f) out.set(sig, s);
    else if (existing.f === s.f) {
      throw new QueryError(
        "execution",
        `found duplicate series for info metric: existing ${formatLabels(existing.metric)} @ ${existing.f * 1000}, new ${formatLabels(s.metric)} @ ${s.f * 1000}`,
      );
    }
  }
  return out;
}

function addDataLabels(data: Map<string, string>, info: Labels, base: Labels, dataMatchers: ReadonlyMap<string, readonly Matcher[]>): void {
  for (const l of info) {
    if (l.name === METRIC_NAME) continue;
    if (dataMatchers.size > 0 && !dataMatchers.has(l.name)) continue;
    const prev = data.get(l.name);
    if (prev !== undefined && prev !== l.value) throw new QueryError("execution", `conflicting label: ${l.name}`);
    if (getLabel(base, l.name) !== "") continue;
    data.set(l.name, l.value);
  }
}

/** The base labels plus the data labels, one object per distinct result so the output keys series by reference. */
function withData(base: Labels, data: ReadonlyMap<string, string>, cache: Map<string, Labels>): Labels {
  const labels: Label[] = [...base];
  for (const [name, value] of data) labels.push({ name, value });
  const sorted = sortLabels(labels);
  const key = formatLabels(sorted);
  const known = cache.get(key);
  if (known !== undefined) return known;
  cache.set(key, sorted);
  return sorted;
}

/** An info metric's name and the identifying labels of `metric` ("" where absent). */
function signature(name: string, metric: Labels): string {
  return JSON.stringify([name, ...IDENTIFYING_LABELS.map((l) => getLabel(metric, l))]);
}
