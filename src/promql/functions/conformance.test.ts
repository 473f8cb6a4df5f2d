/**
 * Runs the range-function cases of the shared PromQL conformance scripts
 * directly against the kernels: only evaluations of the plain form
 * `fn([scalar,] selector[range] [offset d] [@ t] [, scalar…])` over float
 * series, with no other operators. The expected values come from
 * Prometheus's own test data, not from this code.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Annotations } from "./annotations";
import { RANGE_FUNCTIONS } from "./range";
import { validateSmoothingFactors } from "./smoothing";

const SCRIPTS_DIR = fileURLToPath(new URL("../../../../shared/promqltest/", import.meta.url));
const FILES = ["functions.test", "range_queries.test", "staleness.test"];

interface LoadedSeries {
  labels: Map<string, string>;
  ts: number[];
  vs: number[];
  hasHistograms: boolean;
}

function parseDuration(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== s.length) throw new Error(`bad duration ${s}`);
  return total;
}

function parseNumber(s: string): number {
  const t = s.toLowerCase().replace(/^\+/, "");
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  if (t === "nan") return NaN;
  return Number(s);
}

function parseLabels(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.set(m[1]!, m[2]!);
  return out;
}

/** Expands the `load` value notation; undefined marks a missing or stale point. */
function expandValues(text: string): { values: (number | undefined)[]; hasHistograms: boolean } {
  const hasHistograms = text.includes("{{");
  const tokens = text.replace(/\{\{[^}]*\}\}(x\d+)?/g, "_").trim().split(/\s+/);
  const values: (number | undefined)[] = [];
  for (const tok of tokens) {
    if (tok === "_" || tok === "stale") {
      values.push(undefined);
      continue;
    }
    let m = /^_x(\d+)$/.exec(tok);
    if (m) {
      for (let i = 0; i < Number(m[1]); i++) values.push(undefined);
      continue;
    }
    m = /^([-+]?[^+\-x]+(?:e[-+]?\d+)?)([+-])([^x]+)x(\d+)$/i.exec(tok);
    if (m) {
      const start = parseNumber(m[1]!);
      const step = parseNumber(m[3]!) * (m[2] === "-" ? -1 : 1);
      for (let i = 0; i <= Number(m[4]); i++) values.push(start + i * step);
      continue;
    }
    m = /^([^x]+)x(\d+)$/.exec(tok);
    if (m) {
      for (let i = 0; i <= Number(m[2]); i++) values.push(parseNumber(m[1]!));
      continue;
    }
    values.push(parseNumber(tok));
  }
  return { values, hasHistograms };
}

interface Case {
  file: string;
  line: number;
  fn: string;
  selector: Map<string, string>;
  name: string;
  range: number;
  offset: number;
  at: number | undefined;
  params: number[];
  times: number[];
  expected: { labels: Map<string, string>; values: (number | undefined)[] }[];
  expectWarn: string | undefined;
  series: LoadedSeries[];
}

const CALL =
  /^([a-z_]+)\((?:\s*([-+.\deE]+|Inf|NaN)\s*,)?\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{[^}]*\})?\[([0-9a-z]+)\](?:\s+offset\s+([0-9a-z]+))?(?:\s+@\s+(\d+))?((?:\s*,\s*[-+.\deE]+[smhd]?)*)\s*\)$/;

function collectCases(file: string): Case[] {
  const lines = readFileSync(SCRIPTS_DIR + file, "utf8").split("\n");
  let series: LoadedSeries[] = [];
  const cases: Case[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "clear") {
      series = [];
      continue;
    }
    let m = /^load\s+(\S+)/.exec(line);
    if (m) {
      const interval = parseDuration(m[1]!);
      for (i++; i < lines.length && lines[i]!.trim() !== "" && !lines[i]!.trim().startsWith("#"); i++) {
        const sm = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{[^}]*\})?\s+(.*)$/.exec(lines[i]!);
        if (!sm) continue;
        const labels = parseLabels(sm[2] ?? "");
        if (sm[1]) labels.set("__name__", sm[1]);
        const { values, hasHistograms } = expandValues(sm[3]!);
        const s: LoadedSeries = { labels, ts: [], vs: [], hasHistograms };
        values.forEach((v, k) => {
          if (v !== undefined) {
            s.ts.push(k * interval);
            s.vs.push(v);
          }
        });
        series.push(s);
      }
      continue;
    }
    m = /^eval(?:_ordered)?\s+(instant at (\S+)|range from (\S+) to (\S+) step (\S+))\s+(.*)$/.exec(line);
    if (!m) continue;
    const call = CALL.exec(m[6]!.trim());
    const startLine = i + 1;
    const times: number[] = [];
    if (m[2] !== undefined) times.push(parseDuration(m[2]));
    else for (let t = parseDuration(m[3]!); t <= parseDuration(m[4]!); t += parseDuration(m[5]!)) times.push(t);
    const expected: Case["expected"] = [];
    let expectWarn: string | undefined;
    let unsupported = false;
    for (i++; i < lines.length && lines[i]!.trim() !== "" && !/^(eval|load|clear)/.test(lines[i]!.trim()); i++) {
      const body = lines[i]!.trim();
      if (body.startsWith("#")) continue;
      const em = /^expect\s+(\S+)(?:\s+msg:\s*(.*))?/.exec(body);
      if (em) {
        if (em[1] === "warn" && em[2] !== undefined) expectWarn = em[2];
        else if (!["no_warn", "no_info", "info", "ordered", "range"].includes(em[1]!)) unsupported = true;
        continue;
      }
      const rm = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{[^}]*\})?\s+(.*)$/.exec(body);
      if (!rm || body.includes("{{")) {
        unsupported = true;
        continue;
      }
      const labels = parseLabels(rm[2] ?? "");
      const vals = expandValues(rm[3]!).values;
      expected.push({ labels, values: vals });
    }
    i--;
    if (!call || unsupported || !RANGE_FUNCTIONS.has(call[1]!)) continue;
    const selector = parseLabels(call[4] ?? "");
    const params: number[] = [];
    if (call[2] !== undefined) params.push(parseNumber(call[2]));
    for (const p of (call[8] ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "")) {
      params.push(/[smhd]$/.test(p) ? parseDuration(p) / 1000 : parseNumber(p));
    }
    const selected = series.filter(
      (s) => (call[3] === undefined || s.labels.get("__name__") === call[3]) && [...selector].every(([k, v]) => s.labels.get(k) === v),
    );
    if (selected.some((s) => s.hasHistograms)) continue;
    cases.push({
      file,
      line: startLine,
      fn: call[1]!,
      selector,
      name: call[3] ?? "",
      range: parseDuration(call[5]!),
      offset: call[6] ? parseDuration(call[6]) : 0,
      at: call[7] ? Number(call[7]) * 1000 : undefined,
      params,
      times,
      expected,
      expectWarn,
      series: selected,
    });
  }
  return cases;
}

function sameLabels(a: Map<string, string>, b: Map<string, string>): boolean {
  const strip = (m: Map<string, string>) => [...m].filter(([k]) => k !== "__name__").sort().join(",");
  return strip(a) === strip(b);
}

function close(expected: number, actual: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (expected === actual) return true;
  return Math.abs(expected - actual) / Math.max(Math.abs(expected), Math.abs(actual)) < 1e-6;
}

/** Functions that keep __name__ in the output series. */
const KEEPS_NAME = new Set(["last_over_time", "first_over_time"]);

describe("conformance scripts: range functions", () => {
  const all = FILES.flatMap(collectCases);
  it("found a useful number of cases", () => {
    expect(all.length).toBeGreaterThan(60);
  });
  for (const c of all) {
    it(`${c.file}:${c.line} ${c.fn}`, () => {
      const kernel = RANGE_FUNCTIONS.get(c.fn)!;
      const annotations = new Annotations();
      if (c.fn === "double_exponential_smoothing") {
        expect(validateSmoothingFactors(c.params[0]!, c.params[1]!)).toBeUndefined();
      }
      const got: { labels: Map<string, string>; values: (number | undefined)[] }[] = [];
      for (const s of c.series) {
        const ts = Float64Array.from(s.ts);
        const vs = Float64Array.from(s.vs);
        const values = c.times.map((t) => {
          const rangeEnd = (c.at ?? t) - c.offset;
          const rangeStart = rangeEnd - c.range;
          let lo = 0;
          while (lo < ts.length && ts[lo]! <= rangeStart) lo++;
          let hi = lo;
          while (hi < ts.length && ts[hi]! <= rangeEnd) hi++;
          if (hi === lo) return undefined;
          return kernel(ts, vs, lo, hi, {
            rangeStart,
            rangeEnd,
            params: c.params,
            annotations,
            metricName: s.labels.get("__name__") ?? "",
            evalTime: t,
          });
        });
        if (values.some((v) => v !== undefined)) {
          const labels = new Map(s.labels);
          if (!KEEPS_NAME.has(c.fn)) labels.delete("__name__");
          got.push({ labels, values });
        }
      }
      expect(got.length, "number of output series").toBe(c.expected.length);
      for (const e of c.expected) {
        const g = got.find((x) => sameLabels(x.labels, e.labels));
        expect(g, `series ${[...e.labels].join(",")}`).toBeDefined();
        e.values.forEach((ev, k) => {
          const gv = g!.values[k];
          if (ev === undefined) expect(gv, `step ${k}`).toBeUndefined();
          else expect(close(ev, gv!), `step ${k}: expected ${ev}, got ${gv}`).toBe(true);
        });
      }
      if (c.expectWarn !== undefined) expect(annotations.warnings).toContain(c.expectWarn);
    });
  }
});
