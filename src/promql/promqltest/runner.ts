/**
 * Runs conformance scripts against the engine over in-memory storage and
 * judges each eval like Prometheus's promqltest package: values equal within
 * a relative 1e-6 (NaN equals NaN), label sets exact, order only when asked.
 */
import { compareLabels, labelsKey, type Labels } from "../../model/labels";
import { MemoryStorage } from "../../storage/memory";
import { Engine, type QueryResult, type QueryValue } from "../engine";
import { labelsString } from "../engine/labels-util";
import { atModifierCases, type AtModifierCase } from "./at-modifier";
import { parseScript, type Command, type EvalCommand, type Expectation } from "./script";

export interface CaseResult {
  readonly line: number;
  readonly expr: string;
  readonly passed: boolean;
  /** Why it failed. */
  readonly error?: string;
}

const EPSILON = 0.000001;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus's util/almost.Equal. */
export function almostEqual(a: number, b: number, epsilon = EPSILON): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

class CaseFailure extends Error {}

function fail(msg: string): never {
  throw new CaseFailure(msg);
}

const QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

export async function runScript(text: string, engine = new Engine({ enableExperimental: true })): Promise<CaseResult[]> {
  const cmds: Command[] = parseScript(text);
  const storage = new MemoryStorage();
  const results: CaseResult[] = [];
  for (const cmd of cmds) {
    if (cmd.kind === "clear") storage.clear();
    else if (cmd.kind === "load") {
      for (const s of cmd.series) {
        const ts: number[] = [];
        const vs = new Float64Array(s.values.length);
        s.values.forEach((v, i) => {
          if (v.kind !== "float") return;
          vs[ts.length] = v.value;
          ts.push(i * cmd.interval);
        });
        storage.append(s.labels, ts, vs.subarray(0, ts.length));
      }
    } else {
      try {
        await runEval(cmd, engine, storage);
        results.push({ line: cmd.line, expr: cmd.expr, passed: true });
      } catch (e) {
        const msg = e instanceof CaseFailure ? e.message : `unexpected: ${(e as Error).stack ?? String(e)}`;
        results.push({ line: cmd.line, expr: cmd.expr, passed: false, error: msg });
      }
    }
  }
  return results;
}

function isFail(cmd: EvalCommand): boolean {
  return cmd.fail || cmd.expectations.some((e) => e.kind === "fail");
}

function isOrdered(cmd: EvalCommand): boolean {
  return cmd.ordered || cmd.expectations.some((e) => e.kind === "ordered");
}

async function runEval(cmd: EvalCommand, engine: Engine, storage: MemoryStorage): Promise<void> {
  if (cmd.isRange) return runQuery(cmd, engine, storage, cmd.expr, 0);
  // Like Prometheus, an instant case also runs with its selectors pinned by
  // `@` to its time and evaluated at other times, and must answer the same.
  let pinned: AtModifierCase[];
  try {
    pinned = atModifierCases(cmd.expr, cmd.evalTime);
  } catch {
    pinned = []; // a parse error: the plain run reports it
  }
  await runQuery(cmd, engine, storage, cmd.expr, cmd.evalTime);
  for (const p of pinned) {
    try {
      await runQuery(cmd, engine, storage, p.expr, p.evalTime);
    } catch (e) {
      if (e instanceof CaseFailure) fail(`${p.expr} at ${p.evalTime / 1000}s: ${e.message}`);
      throw e;
    }
  }
}

/** One run of the case: `expr` at `evalTime` (ms) for an instant case. */
async function runQuery(cmd: EvalCommand, engine: Engine, storage: MemoryStorage, expr: string, evalTime: number): Promise<void> {
  let res: QueryResult;
  try {
    res = cmd.isRange
      ? await engine.rangeQuery(storage, expr, cmd.start, cmd.end, cmd.step)
      : await engine.instantQuery(storage, expr, evalTime);
  } catch (e) {
    if (!isFail(cmd)) fail(`error evaluating query: ${(e as Error).message}`);
    checkExpectedFailure(cmd, (e as Error).message);
    return;
  }
  if (isFail(cmd)) fail("expected error evaluating query but got none");
  checkAnnotations(cmd, res);
  compareResult(cmd, res.value);
  if (cmd.isRange || cmd.excludeFromRangeQuery || QUERY_CONTEXT_FUNCS.test(expr)) return;

  // The same query in range mode must give the same result at the instant's step.
  const t = evalTime;
  let rr: QueryResult;
  try {
    rr = await engine.rangeQuery(storage, expr, t - 60_000, t + 60_000, 60_000);
  } catch (e) {
    fail(`error evaluating query in range mode: ${(e as Error).message}`);
  }
  if (isOrdered(cmd)) return;
  if (rr.value.type !== "matrix") fail(`range mode returned ${rr.value.type}`);
  assertSorted(rr.value.series.map((s) => s.labels));
  const samples: { labels: Labels; t: number; v: number }[] = [];
  for (const s of rr.value.series) {
    const i = s.timestamps.indexOf(t);
    if (i >= 0) samples.push({ labels: s.labels, t, v: s.values[i]! });
  }
  try {
    if (res.value.type === "scalar") compareResult(cmd, { type: "scalar", t, v: samples[0]?.v ?? NaN });
    else compareResult(cmd, { type: "vector", samples });
  } catch (e) {
    if (e instanceof CaseFailure) fail(`range mode: ${e.message}`);
    throw e;
  }
}

function matches(e: Expectation, s: string): boolean {
  return e.regex ? e.regex.test(s) : e.message === s;
}

function checkExpectedFailure(cmd: EvalCommand, msg: string): void {
  if (cmd.failMessage !== null && cmd.failMessage !== msg) fail(`expected error ${JSON.stringify(cmd.failMessage)}, got ${JSON.stringify(msg)}`);
  if (cmd.failRegex && !cmd.failRegex.test(msg)) fail(`expected error matching ${cmd.failRegex}, got ${JSON.stringify(msg)}`);
  const f = cmd.expectations.find((e) => e.kind === "fail");
  if (f && !matches(f, msg)) fail(`expected error matching ${JSON.stringify(f.message ?? f.regex?.source)}, got ${JSON.stringify(msg)}`);
}

function checkAnnotations(cmd: EvalCommand, res: QueryResult): void {
  if (cmd.warn && res.warnings.length === 0) fail("expected warnings but got none");
  if (cmd.info && res.infos.length === 0) fail("expected info annotations but got none");
  checkAnnotationsOfType(cmd.expectations.filter((e) => e.kind === "warn"), res.warnings, "warn");
  checkAnnotationsOfType(cmd.expectations.filter((e) => e.kind === "info"), res.infos, "info");
  if (cmd.expectations.some((e) => e.kind === "no_warn") && res.warnings.length > 0) fail(`unexpected warnings: ${res.warnings.join("; ")}`);
  if (cmd.expectations.some((e) => e.kind === "no_info") && res.infos.length > 0) fail(`unexpected infos: ${res.infos.join("; ")}`);
}

function checkAnnotationsOfType(expected: Expectation[], actual: string[], type: string): void {
  if (expected.length === 0) return;
  if (actual.length === 0) fail(`expected ${type} annotations but none were found`);
  for (const e of expected) {
    if (!actual.some((a) => matches(e, a))) fail(`expected ${type} annotation ${JSON.stringify(e.message ?? e.regex?.source)}, found: ${JSON.stringify(actual)}`);
  }
  for (const a of actual) {
    if (!expected.some((e) => matches(e, a))) fail(`unexpected ${type} annotation ${JSON.stringify(a)}`);
  }
}

function assertSorted(ls: Labels[]): void {
  for (let i = 1; i < ls.length; i++) {
    if (compareLabels(ls[i - 1]!, ls[i]!) > 0) fail(`matrix results should always be sorted by labels: ${labelsString(ls[i]!)} after ${labelsString(ls[i - 1]!)}`);
  }
}

function fmtPoints(ts: ArrayLike<number>, vs: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < ts.length; i++) out.push(`${vs[i]} @[${ts[i]}]`);
  return `[${out.join(" ")}]`;
}

function compareResult(cmd: EvalCommand, value: QueryValue): void {
  const expected = new Map(cmd.expected.map((e) => [labelsKey(e.labels), e]));
  switch (value.type) {
    case "matrix": {
      if (isOrdered(cmd)) fail("expected ordered result, but query returned a matrix");
      if (cmd.expectScalar !== null) fail("expected scalar result, but got matrix");
      assertSorted(value.series.map((s) => s.labels));
      const seen = new Set<string>();
      for (const s of value.series) {
        const key = labelsKey(s.labels);
        const exp = expected.get(key);
        if (!exp) fail(`unexpected metric ${labelsString(s.labels)} in result, has ${fmtPoints(s.timestamps, s.values)}`);
        seen.add(key);
        const ets: number[] = [];
        const evs: number[] = [];
        let histograms = 0;
        exp.values.forEach((v, i) => {
          const t = cmd.start + i * cmd.step;
          if (t > cmd.end) fail(`expected ${exp.values.length} points for ${labelsString(exp.labels)}, but query time range cannot return this many points`);
          if (v.kind === "float") {
            ets.push(t);
            evs.push(v.value);
          } else if (v.kind === "histogram") histograms++;
        });
        if (histograms > 0) fail(`expected native histogram points for ${labelsString(exp.labels)} (native histograms are not supported)`);
        if (ets.length !== s.timestamps.length) {
          fail(`expected ${ets.length} float points for ${labelsString(exp.labels)}, but got ${fmtPoints(s.timestamps, s.values)}; expected ${fmtPoints(ets, evs)}`);
        }
        for (let i = 0; i < ets.length; i++) {
          if (ets[i] !== s.timestamps[i]) fail(`expected point ${i} of ${labelsString(exp.labels)} at ${ets[i]}, got ${fmtPoints(s.timestamps, s.values)}`);
          if (!almostEqual(evs[i]!, s.values[i]!)) fail(`expected ${evs[i]} at t=${ets[i]} for ${labelsString(exp.labels)}, got ${s.values[i]}`);
        }
      }
      for (const [k, e] of expected) if (!seen.has(k)) fail(`expected metric ${labelsString(e.labels)} not found`);
      return;
    }
    case "vector": {
      if (cmd.expectScalar !== null) fail("expected scalar result, but got vector");
      const seen = new Set<string>();
      value.samples.forEach((s, i) => {
        const key = labelsKey(s.labels);
        const exp = expected.get(key);
        if (!exp) fail(`unexpected metric ${labelsString(s.labels)} in result, has value ${s.v}`);
        if (isOrdered(cmd) && exp.pos !== i + 1) fail(`expected metric ${labelsString(s.labels)} at position ${exp.pos} but was at ${i + 1}`);
        const e0 = exp.values[0];
        if (!e0 || e0.kind === "histogram") fail(`expected native histogram for ${labelsString(s.labels)} (native histograms are not supported)`);
        if (e0.kind === "float" && !almostEqual(e0.value, s.v)) fail(`expected ${e0.value} for ${labelsString(s.labels)} but got ${s.v}`);
        seen.add(key);
      });
      for (const [k, e] of expected) if (!seen.has(k)) fail(`expected metric ${labelsString(e.labels)} not found`);
      return;
    }
    case "scalar":
      if (cmd.expectScalar === null) fail(`expected vector or matrix result, but got scalar ${value.v}`);
      if (!almostEqual(cmd.expectScalar, value.v)) fail(`expected scalar ${cmd.expectScalar} but got ${value.v}`);
      return;
    case "string":
      if (cmd.expectString !== value.v) fail(`expected string ${JSON.stringify(cmd.expectString)} but got ${JSON.stringify(value.v)}`);
      return;
  }
}
