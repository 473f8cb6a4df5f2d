import { describe, expect, it } from "vitest";
import type { AggregateExpr, BinaryExpr, Call, Expr, MatrixSelector, NumberLiteral, VectorSelector } from "../ast";
import { Matcher } from "../../model/matchers";
import { labelsFromRecord } from "../../model/labels";
import { MemoryStorage } from "../../storage/memory";
import { execQuery } from "./query";
import { staleMarkerArray } from "./stale";

const pos = { start: 0, end: 0 };
const opts = { lookbackDelta: 300_000, maxSamples: 1e6, deadline: Infinity };

function sel(name: string, extra: Record<string, string> = {}, offset = 0): VectorSelector {
  const matchers = [new Matcher("=", "__name__", name), ...Object.entries(extra).map(([k, v]) => new Matcher("=", k, v))];
  return { type: "VectorSelector", pos, name, matchers, offset, timestamp: null, startOrEnd: null };
}
function range(vs: VectorSelector, ms: number): MatrixSelector {
  return { type: "MatrixSelector", pos, vectorSelector: vs, range: ms };
}
function num(value: number): NumberLiteral {
  return { type: "NumberLiteral", pos, value };
}
function call(name: string, returnType: "vector" | "scalar", ...args: Expr[]): Call {
  return { type: "Call", pos, func: { name, argTypes: [], variadic: 0, returnType }, args };
}

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  // Counter rising 10 per minute for 10 minutes, two instances.
  for (const inst of ["a", "b"]) {
    const ts = Array.from({ length: 11 }, (_, i) => i * 60_000);
    const vs = ts.map((_, i) => i * (inst === "a" ? 10 : 20));
    s.append(labelsFromRecord({ __name__: "reqs_total", job: "api", instance: inst }), ts, vs);
  }
  return s;
}

describe("execQuery", () => {
  it("looks back at most 5m for an instant selector (left-open)", async () => {
    const s = new MemoryStorage();
    s.append(labelsFromRecord({ __name__: "x" }), [0], [1]);
    const at = async (t: number) => (await execQuery(s, sel("x"), t, t, 0, opts)).value;
    expect(await at(299_999)).toMatchObject({ type: "vector", samples: [{ v: 1 }] });
    // A sample exactly lookback old is out of the (t-5m, t] window.
    expect(await at(300_000)).toEqual({ type: "vector", samples: [] });
  });

  it("ends a series at a staleness marker", async () => {
    const s = new MemoryStorage();
    const stale = staleMarkerArray();
    s.append(labelsFromRecord({ __name__: "x" }), [0, 60_000], Float64Array.of(5, stale[0]!));
    const r = await execQuery(s, sel("x"), 0, 120_000, 60_000, opts);
    expect(r.value.type).toBe("matrix");
    if (r.value.type !== "matrix") return;
    expect(Array.from(r.value.series[0]!.timestamps)).toEqual([0]);
  });

  it("sums rates by job and drops the metric name", async () => {
    const agg: AggregateExpr = {
      type: "AggregateExpr",
      pos,
      op: "sum",
      expr: call("rate", "vector", range(sel("reqs_total"), 300_000)),
      param: null,
      grouping: ["job"],
      without: false,
    };
    const r = await execQuery(storage(), agg, 600_000, 600_000, 0, opts);
    // a: 10/min, b: 20/min → 0.5/s together; the window holds a full 5m of increase.
    expect(r.value).toEqual({ type: "vector", samples: [{ labels: [{ name: "job", value: "api" }], t: 600_000, v: 0.5 }] });
  });

  it("matches one-to-one on shared labels and rejects duplicates on the one side", async () => {
    const div: BinaryExpr = {
      type: "BinaryExpr",
      pos,
      op: "/",
      lhs: sel("reqs_total", { instance: "b" }),
      rhs: sel("reqs_total", { instance: "a" }),
      matching: { card: "one-to-one", matchingLabels: ["job"], on: true, include: [] },
      returnBool: false,
    };
    const r = await execQuery(storage(), div, 600_000, 600_000, 0, opts);
    expect(r.value).toEqual({ type: "vector", samples: [{ labels: [{ name: "job", value: "api" }], t: 600_000, v: 2 }] });

    const dup: BinaryExpr = { ...div, lhs: num(1), rhs: sel("reqs_total") };
    const many: BinaryExpr = { ...div, lhs: sel("reqs_total", { instance: "a" }), rhs: sel("reqs_total"), matching: { card: "many-to-one", matchingLabels: ["job"], on: true, include: [] } };
    await expect(execQuery(storage(), many, 600_000, 600_000, 0, opts)).rejects.toThrow(
      'found duplicate series for the match group {job="api"} on the right hand-side of the operation: [{__name__="reqs_total", instance="a", job="api"}, {__name__="reqs_total", instance="b", job="api"}];many-to-many matching not allowed: matching labels must be unique on one side',
    );
    // Scalar/vector arithmetic keeps every series, nameless.
    const r2 = await execQuery(storage(), dup, 600_000, 600_000, 0, opts);
    expect(r2.value.type === "vector" && r2.value.samples.every((s) => !s.labels.some((l) => l.name === "__name__"))).toBe(true);
  });

  it("orders topk results by value, largest first", async () => {
    const topk: AggregateExpr = { type: "AggregateExpr", pos, op: "topk", expr: sel("reqs_total"), param: num(2), grouping: [], without: false };
    const r = await execQuery(storage(), topk, 600_000, 600_000, 0, opts);
    expect(r.value.type === "vector" && r.value.samples.map((s) => s.v)).toEqual([200, 100]);
  });

  it("evaluates a range query per step", async () => {
    const r = await execQuery(storage(), sel("reqs_total", { instance: "a" }), 0, 120_000, 60_000, opts);
    expect(r.value.type === "matrix" && Array.from(r.value.series[0]!.values)).toEqual([0, 10, 20]);
  });

  it("stops at the max samples limit", async () => {
    await expect(execQuery(storage(), sel("reqs_total"), 0, 600_000, 60_000, { ...opts, maxSamples: 5 })).rejects.toThrow(
      "query processing would load too many samples into memory in query execution",
    );
  });
});
