import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import { SampleTracker } from "./samples";
import type { StepMatrix, StepSeries } from "./types";
import { denseScalarSteps, vectorScalarMatrix, type StepGrid } from "./vector-scalar";

/** Three steps: 0, 10 and 20 ms. */
const grid: StepGrid = { start: 0, interval: 10, numSteps: 3 };

function series(name: string, points: [t: number, f: number][], dropName = false): StepSeries {
  return { metric: labelsFromRecord({ __name__: name }), dropName, ts: points.map((p) => p[0]), fs: points.map((p) => p[1]) };
}

function run(op: Parameters<typeof vectorScalarMatrix>[0], vec: StepMatrix, scalar: number, swap = false, returnBool = false) {
  const tracker = new SampleTracker(1e9);
  const out = vectorScalarMatrix(op, vec, new Float64Array(grid.numSteps).fill(scalar), swap, returnBool, grid, tracker, Infinity);
  return { out, tracker };
}

function simple(m: StepMatrix | null) {
  return m?.map((s) => ({ name: s.metric[0]!.value, dropName: s.dropName, ts: s.ts, fs: s.fs }));
}

describe("vectorScalarMatrix", () => {
  it("applies arithmetic at every point and marks the name for removal", () => {
    const { out } = run("*", [series("a", [[0, 1], [20, 3]])], 60);
    expect(simple(out)).toEqual([{ name: "a", dropName: true, ts: [0, 20], fs: [60, 180] }]);
  });

  it("keeps operand order when the scalar is on the left", () => {
    expect(simple(run("-", [series("a", [[0, 4]])], 10, true).out)![0]!.fs).toEqual([6]);
    expect(simple(run("-", [series("a", [[0, 4]])], 10, false).out)![0]!.fs).toEqual([-6]);
  });

  it("follows Go's float semantics for % and ^", () => {
    // math.Mod takes the dividend's sign; math.Pow(1, NaN) is 1.
    expect(run("%", [series("a", [[0, -7]])], 3).out![0]!.fs).toEqual([-1]);
    expect(run("^", [series("a", [[0, NaN]])], 1, true).out![0]!.fs).toEqual([1]);
  });

  it("filters comparisons, keeping the vector's value and name", () => {
    const vec = [series("a", [[0, 1], [10, 6], [20, NaN]]), series("b", [[0, 2]])];
    expect(simple(run(">", vec, 5).out)).toEqual([{ name: "a", dropName: false, ts: [10], fs: [6] }]);
    // With the scalar on the left the value kept is still the vector's.
    expect(simple(run("<", vec, 5, true).out)).toEqual([{ name: "a", dropName: false, ts: [10], fs: [6] }]);
    // NaN differs from everything; b is met first (step 0).
    expect(simple(run("!=", vec, 1).out)!.map((s) => s.ts)).toEqual([[0], [10, 20]]);
  });

  it("turns comparisons with bool into 0/1 and drops the name", () => {
    const vec = [series("a", [[0, 1], [10, 6], [20, NaN]])];
    expect(simple(run(">", vec, 5, false, true).out)).toEqual([{ name: "a", dropName: true, ts: [0, 10, 20], fs: [0, 1, 0] }]);
  });

  it("orders series by their first output step, then input order", () => {
    const vec = [series("a", [[0, 1], [10, 6]]), series("b", [[0, 7]]), series("c", [[10, 8]])];
    expect(simple(run(">", vec, 5).out)!.map((s) => s.name)).toEqual(["b", "a", "c"]);
  });

  it("ignores points off the step grid and repeated steps", () => {
    const vec = [series("a", [[0, 1], [5, 2], [10, 3], [10, 4], [30, 5]])];
    expect(simple(run("+", vec, 0).out)![0]).toMatchObject({ ts: [0, 10], fs: [1, 3] });
  });

  it("counts each step's inputs, the scalar and the output so far toward the peak", () => {
    const vec = [series("a", [[0, 1], [10, 6], [20, 9]]), series("b", [[10, 7], [20, 2]])];
    // Steps hold 1+1+0, then 2+1+2, then 2 earlier outputs + 2+1+1.
    expect(run(">", vec, 5).tracker.peak).toBe(6);
  });

  it("leaves input series with equal label sets to the step-wise driver", () => {
    const vec = [series("a", [[0, 1]]), series("a", [[10, 2]])];
    expect(run("+", vec, 1).out).toBeNull();
  });
});

describe("denseScalarSteps", () => {
  it("reads a scalar with a value at every step", () => {
    const m = [series("", [[0, 1], [10, 2], [20, 3]])];
    expect(Array.from(denseScalarSteps(m, grid)!)).toEqual([1, 2, 3]);
  });

  it("declines a scalar missing a step", () => {
    expect(denseScalarSteps([series("", [[0, 1], [20, 3]])], grid)).toBeNull();
    expect(denseScalarSteps([], grid)).toBeNull();
  });
});
