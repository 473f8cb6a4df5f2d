import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import type { AggregateExpr } from "../ast";
import { AggregateState, aggregateStep, Grouping } from "./aggregate";
import { aggregateSeriesWise, MAX_SERIES_WISE_CELLS } from "./aggregate-series";
import type { StepMatrix, Vector } from "./types";

const START = 1000;
const INTERVAL = 10;

/** The step-wise reference: gather each step's vector in input order, aggregate it, collect by group. */
function stepWise(op: AggregateExpr["op"], input: StepMatrix, groups: Grouping, steps: number): StepMatrix {
  const out = new Map<number, StepMatrix[number]>();
  const state = new AggregateState();
  for (let i = 0; i < steps; i++) {
    const t = START + i * INTERVAL;
    const vec: Vector = [];
    for (const s of input) {
      const k = s.ts.indexOf(t);
      if (k >= 0) vec.push({ metric: s.metric, f: s.fs[k]!, dropName: s.dropName });
    }
    for (const r of aggregateStep(op, vec, groups, NaN, state)) {
      const gi = groups.indexOf(r.metric);
      let o = out.get(gi);
      if (!o) out.set(gi, (o = { metric: r.metric, dropName: r.dropName, ts: [], fs: [] }));
      o.ts.push(t);
      o.fs.push(r.f);
    }
  }
  return [...out.values()];
}

function randomInput(seed: number, series: number, steps: number): StepMatrix {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const special = [NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0];
  return Array.from({ length: series }, (_, i) => {
    const ts: number[] = [];
    const fs: number[] = [];
    for (let k = 0; k < steps; k++) {
      if (rand() < 0.3) continue;
      ts.push(START + k * INTERVAL);
      fs.push(rand() < 0.1 ? special[Math.floor(rand() * special.length)]! : (rand() - 0.3) * 10 ** Math.floor(rand() * 6));
    }
    return { metric: labelsFromRecord({ __name__: "m", job: `j${i % 3}`, i: String(i) }), dropName: rand() < 0.3, ts, fs };
  });
}

describe("aggregateSeriesWise", () => {
  const ops: AggregateExpr["op"][] = ["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"];
  for (const op of ops) {
    it(`${op} gives the step-wise answer to the bit, in the same order`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const steps = 1 + (seed % 7) * 5;
        const input = randomInput(seed, 1 + (seed % 9), steps);
        for (const [grouping, without] of [[["job"], false], [[], false], [["i"], true]] as const) {
          const grid = { start: START, interval: steps === 1 ? 0 : INTERVAL, numSteps: steps, deadline: Infinity };
          const got = aggregateSeriesWise(op, input, new Grouping(grouping, without), grid);
          const want = stepWise(op, input, new Grouping(grouping, without), steps);
          expect(got).not.toBeNull();
          expect(got!.map((s) => s.metric)).toEqual(want.map((s) => s.metric));
          expect(got!.map((s) => s.dropName)).toEqual(want.map((s) => s.dropName));
          expect(got!.map((s) => s.ts)).toEqual(want.map((s) => s.ts));
          // toEqual tells -0 from 0 and NaN equals NaN: bit-for-bit for floats.
          expect(got!.map((s) => s.fs)).toEqual(want.map((s) => s.fs));
        }
      }
    });
  }

  it("leaves other operators and oversized groupings to the step-wise path", () => {
    const input = randomInput(3, 4, 5);
    const grid = { start: START, interval: INTERVAL, numSteps: 5, deadline: Infinity };
    expect(aggregateSeriesWise("quantile", input, new Grouping([], false), grid)).toBeNull();
    const huge = { ...grid, numSteps: MAX_SERIES_WISE_CELLS };
    expect(aggregateSeriesWise("sum", input, new Grouping(["i"], false), huge)).toBeNull();
  });
});
