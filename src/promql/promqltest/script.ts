/**
 * Parses a PromQL conformance script (load / clear / eval commands with
 * their expectations) into commands. See ../shared/promqltest/FORMAT.md.
 */
import type { Labels } from "../../model/labels";
import { parseMetric } from "../parser";
import { parseSequence, parseTestDuration, splitSeriesLine, type SequenceValue } from "./values";

export interface LoadCommand {
  readonly kind: "load";
  readonly line: number;
  readonly interval: number;
  readonly series: readonly { labels: Labels; values: SequenceValue[] }[];
}

export interface ClearCommand {
  readonly kind: "clear";
  readonly line: number;
}

export type ExpectKind = "fail" | "warn" | "info" | "no_warn" | "no_info" | "ordered";

export interface Expectation {
  readonly kind: ExpectKind;
  /** Exact text (msg:), a pattern (regex:), or null for "any". */
  readonly message: string | null;
  readonly regex: RegExp | null;
}

export interface ExpectedSeries {
  readonly labels: Labels;
  readonly values: SequenceValue[];
  /** 1-based position among the expected series, for `expect ordered`. */
  readonly pos: number;
}

export interface EvalCommand {
  readonly kind: "eval";
  readonly line: number;
  readonly expr: string;
  readonly isRange: boolean;
  /** Evaluation time of an instant query. */
  evalTime: number;
  /** Range queries (and `expect range vector`): the expected points' times. */
  start: number;
  end: number;
  step: number;
  readonly expectations: Expectation[];
  /** Old-style `eval_fail` etc. */
  fail: boolean;
  warn: boolean;
  info: boolean;
  ordered: boolean;
  failMessage: string | null;
  failRegex: RegExp | null;
  expectScalar: number | null;
  expectString: string | null;
  readonly expected: ExpectedSeries[];
  /** `expect range vector`/`expect string`: not re-run as a range query. */
  excludeFromRangeQuery: boolean;
}

export type Command = LoadCommand | ClearCommand | EvalCommand;

export class ScriptError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

const PAT_LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const PAT_EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const PAT_EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const PAT_EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const PAT_EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

/** Go regexps are RE2; JS is close enough for the scripts' patterns. Go matches unanchored. */
function goRegex(pattern: string): RegExp {
  return new RegExp(pattern.replace(/\(\?s\)/g, ""), pattern.includes("(?s)") ? "s" : "");
}

export function parseScript(input: string): Command[] {
  const lines = input.split("\n").map((l) => {
    const t = l.trim();
    return t.startsWith("#") ? "" : t;
  });
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === "") continue;
    const word = l.split(/[\t ]+/, 1)[0]!.toLowerCase();
    if (word === "clear") cmds.push({ kind: "clear", line: i + 1 });
    else if (word.startsWith("load")) i = parseLoad(lines, i, cmds);
    else if (word.startsWith("eval")) i = parseEval(lines, i, cmds);
    else throw new ScriptError(i + 1, `invalid command ${JSON.stringify(l)}`);
  }
  return cmds;
}

function parseSeriesLine(line: string, lineNo: number): { labels: Labels; values: SequenceValue[] } {
  const [metric, values] = splitSeriesLine(line);
  try {
    return { labels: parseMetric(metric), values: parseSequence(values) };
  } catch (e) {
    throw new ScriptError(lineNo, (e as Error).message);
  }
}

function parseLoad(lines: string[], i: number, cmds: Command[]): number {
  const m = PAT_LOAD.exec(lines[i]!);
  if (!m) throw new ScriptError(i + 1, "invalid load command. (load[_with_nhcb] <step:duration>)");
  const interval = parseTestDuration(m[2]!);
  const series: { labels: Labels; values: SequenceValue[] }[] = [];
  const line = i + 1;
  while (i + 1 < lines.length && lines[i + 1] !== "") {
    i++;
    // Start-timestamp lines (`metric@st …`) only matter to stores that keep start times.
    if (/^\S*@st\s/.test(lines[i]!)) continue;
    series.push(parseSeriesLine(lines[i]!, i + 1));
  }
  cmds.push({ kind: "load", line, interval, series });
  return i;
}

function parseEval(lines: string[], i: number, cmds: Command[]): number {
  const header = lines[i]!;
  const inst = PAT_EVAL_INSTANT.exec(header);
  const rng = inst ? null : PAT_EVAL_RANGE.exec(header);
  if (!inst && !rng) throw new ScriptError(i + 1, "invalid evaluation command");
  const mod = inst ? inst[1] : rng![1];
  const cmd: EvalCommand = {
    kind: "eval",
    line: i + 1,
    expr: inst ? inst[3]! : rng![5]!,
    isRange: !inst,
    evalTime: inst ? parseTestDuration(inst[2] ?? "0") : 0,
    start: inst ? parseTestDuration(inst[2] ?? "0") : parseTestDuration(rng![2]!),
    end: inst ? 0 : parseTestDuration(rng![3]!),
    step: inst ? 0 : parseTestDuration(rng![4]!),
    expectations: [],
    fail: mod === "fail",
    warn: mod === "warn",
    info: mod === "info",
    ordered: mod === "ordered",
    failMessage: null,
    failRegex: null,
    expectScalar: null,
    expectString: null,
    expected: [],
    excludeFromRangeQuery: false,
  };
  if (inst) cmd.end = cmd.start;
  let pos = 0;
  while (i + 1 < lines.length && lines[i + 1] !== "") {
    i++;
    const l = lines[i]!;
    if (cmd.fail && l.startsWith("expected_fail_message")) {
      cmd.failMessage = l.slice("expected_fail_message".length).trim();
      break;
    }
    if (cmd.fail && l.startsWith("expected_fail_regexp")) {
      cmd.failRegex = goRegex(l.slice("expected_fail_regexp".length).trim());
      break;
    }
    const rv = PAT_EXPECT_RANGE.exec(l);
    if (rv) {
      cmd.start = parseTestDuration(rv[1]!);
      cmd.end = parseTestDuration(rv[2]!);
      cmd.step = parseTestDuration(rv[3]!);
      cmd.evalTime = cmd.end;
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (l.startsWith("expect string")) {
      cmd.expectString = unquote(l.slice("expect string".length).trim());
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (l.split(" ")[0] === "expect") {
      const m = PAT_EXPECT.exec(l);
      if (!m) throw new ScriptError(i + 1, "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
      const text = m[3]?.trim() ?? null;
      cmd.expectations.push({
        kind: m[1] as ExpectKind,
        message: m[2] === "msg" ? text : null,
        regex: m[2] === "regex" ? goRegex(text!) : m[2] === undefined ? /^.*$/s : null,
      });
      continue;
    }
    const n = parseNumber(l);
    if (n !== null) {
      cmd.expectScalar = n;
      break;
    }
    pos++;
    const s = parseSeriesLine(l, i + 1);
    cmd.expected.push({ labels: s.labels, values: s.values, pos });
  }
  cmds.push(cmd);
  return i;
}

/** Go's strconv.ParseInt(s, 0, 64) then ParseFloat. */
function parseNumber(s: string): number | null {
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|\d+)$/.test(s)) return Number(s.replace(/^([+-]?)0([0-7]+)$/, "$1$2"));
  if (/^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$/i.test(s)) {
    const body = s.replace(/^[+-]/, "").toLowerCase();
    const v = body === "nan" ? NaN : body.startsWith("inf") ? Infinity : Number(body);
    return s.startsWith("-") ? -v : v;
  }
  return null;
}

/** Go's strconv.Unquote for "..." and `...`. */
function unquote(s: string): string {
  if (s.startsWith("`") && s.endsWith("`") && s.length >= 2) return s.slice(1, -1);
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) return JSON.parse(s) as string;
  throw new Error("expected string literal not valid - check that the string is correctly quoted");
}
