import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import type { Series } from "../storage/storage";
import { INITIAL_PENALTY_MS, dedupSeries, mergeReplicas } from "./dedup";

const S = 1000;

function series(labels: Record<string, string>, samples: [tSeconds: number, v: number][]): Series {
  return {
    labels: labelsFromRecord(labels),
    timestamps: Float64Array.from(samples, ([t]) => t * S),
    values: Float64Array.from(samples, ([, v]) => v),
  };
}

/** Samples every `step` seconds from `from` to `to` inclusive, value = f(t). */
function scrape(from: number, to: number, step: number, f: (t: number) => number = (t) => t): [number, number][] {
  const out: [number, number][] = [];
  for (let t = from; t <= to; t += step) out.push([t, f(t)]);
  return out;
}

const seconds = (s: Series) => Array.from(s.timestamps, (t) => t / S);

describe("dedupSeries", () => {
  it("collapses identical replicas into one series without the replica label", () => {
    const samples = scrape(0, 300, 15);
    const out = dedupSeries(
      [series({ __name__: "up", job: "x", replica: "a" }, samples), series({ __name__: "up", job: "x", replica: "b" }, samples)],
      ["replica"],
    );
    expect(out).toHaveLength(1);
    expect(out[0]!.labels).toEqual(labelsFromRecord({ __name__: "up", job: "x" }));
    expect(seconds(out[0]!)).toEqual(samples.map(([t]) => t));
  });

  it("settles on one replica when the other scrapes at a different offset", () => {
    // Interleaving would give a sample every 7.5s; dedup must keep the 15s rhythm of one replica.
    const a = series({ m: "1", replica: "a" }, scrape(0, 300, 15, () => 1));
    const b = series({ m: "1", replica: "b" }, scrape(7.5, 307.5, 15, () => 2));
    const [out] = dedupSeries([b, a], ["replica"]);
    // The 5s initial penalty does not cover b's 7.5s offset, so the merge moves to b
    // once; from then on a is held back 2×15s and never interleaves.
    expect(seconds(out!)).toEqual([0, ...scrape(7.5, 307.5, 15).map(([t]) => t)]);
    expect(Array.from(out!.values)).toEqual([1, ...scrape(7.5, 307.5, 15).map(() => 2)]);
  });

  it("switches replica only across a gap longer than twice the scrape interval", () => {
    // a scrapes until 60s, is down until 150s; b scrapes every 15s at a 1s offset.
    const a = series({ m: "1", replica: "a" }, [...scrape(0, 60, 15), ...scrape(150, 210, 15)]);
    const b = series({ m: "1", replica: "b" }, scrape(1, 211, 15));
    const [out] = dedupSeries([a, b], ["replica"]);
    // After a's 60s, b is held back 2×15s, so its 76s sample is skipped; from 91s on
    // the merge stays on b even when a comes back.
    expect(seconds(out!)).toEqual([0, 15, 30, 45, 60, ...scrape(91, 211, 15).map(([t]) => t)]);
  });

  it("fills a replica's gap from the other and returns to no duplicates", () => {
    const a = series({ m: "1", replica: "a" }, [...scrape(0, 60, 15), ...scrape(200, 300, 15)]);
    const b = series({ m: "1", replica: "b" }, scrape(3, 123, 15));
    const [out] = dedupSeries([a, b], ["replica"]);
    const ts = seconds(out!);
    // a until 60, b from 93 (first b sample ≥ 60+30+ε) to its end at 123, then a again from 200.
    expect(ts).toEqual([0, 15, 30, 45, 60, 93, 108, 123, ...scrape(200, 300, 15).map(([t]) => t)]);
  });

  it("produces strictly increasing timestamps with fully overlapping replicas", () => {
    const a = series({ m: "1", replica: "a" }, scrape(0, 600, 10));
    const b = series({ m: "1", replica: "b" }, scrape(0, 600, 10));
    const c = series({ m: "1", replica: "c" }, scrape(5, 605, 10));
    const [out] = dedupSeries([a, b, c], ["replica"]);
    const ts = seconds(out!);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
    expect(ts).toEqual(scrape(0, 600, 10).map(([t]) => t));
  });

  it("hands over along three replicas as each one stops", () => {
    const a = series({ m: "1", replica: "a" }, scrape(0, 60, 15));
    const b = series({ m: "1", replica: "b" }, scrape(1, 121, 15));
    const c = series({ m: "1", replica: "c" }, scrape(2, 302, 15));
    const [out] = dedupSeries([c, b, a], ["replica"]);
    // While b is used after its 91s sample, c is held back 2×31s (past 153s); seeks
    // never go back, so c resumes at 167s rather than 152s.
    expect(seconds(out!)).toEqual([0, 15, 30, 45, 60, 91, 106, 121, ...scrape(167, 302, 15).map(([t]) => t)]);
  });

  it("lifts a lagging counter replica at a switch when the selector feeds rate()", () => {
    // a counts 100..140 then dies; b restarted earlier, so its counter is far lower.
    const a = series({ m: "c", replica: "a" }, scrape(0, 60, 15, (t) => 100 + (t / 15) * 10));
    const b = series({ m: "c", replica: "b" }, [[91, 5], [106, 15], [121, 25]]);
    const [gauge] = dedupSeries([a, b], ["replica"]);
    expect(Array.from(gauge!.values)).toEqual([100, 110, 120, 130, 140, 5, 15, 25]);
    const [counter] = dedupSeries([a, b], ["replica"], { func: "rate" });
    // 5 < 140 at the switch: b is lifted by 135 and keeps its own increments.
    expect(Array.from(counter!.values)).toEqual([100, 110, 120, 130, 140, 140, 150, 160]);
    expect(seconds(counter!)).toEqual(seconds(gauge!));
  });

  it("keeps a real counter reset that happens inside one replica", () => {
    const a = series({ m: "c", replica: "a" }, [[0, 10], [15, 20], [30, 1], [45, 11]]);
    const b = series({ m: "c", replica: "b" }, [[1, 10], [16, 20], [31, 1], [46, 11]]);
    const [out] = dedupSeries([a, b], ["replica"], { func: "increase" });
    expect(Array.from(out!.values)).toEqual([10, 20, 1, 11]);
  });

  it("passes a lone series through without copying its samples", () => {
    const only = series({ m: "1", replica: "a" }, scrape(0, 60, 15));
    const [out] = dedupSeries([only], ["replica"]);
    expect(out!.labels).toEqual(labelsFromRecord({ m: "1" }));
    expect(out!.timestamps).toBe(only.timestamps);
    expect(out!.values).toBe(only.values);
  });

  it("groups by the remaining labels, strips every replica label, and sorts the result", () => {
    const s = (m: string, r: Record<string, string>, off: number) => series({ __name__: m, ...r }, scrape(off, 60, 15));
    const out = dedupSeries(
      [
        s("up", { replica: "b" }, 1),
        s("down", { rule_replica: "x" }, 0),
        s("up", { replica: "a" }, 0),
        s("down", { rule_replica: "y" }, 2),
        s("up", { replica: "a", job: "j" }, 0),
      ],
      ["replica", "rule_replica"],
    );
    expect(out.map((x) => x.labels)).toEqual([
      labelsFromRecord({ __name__: "down" }),
      labelsFromRecord({ __name__: "up" }),
      labelsFromRecord({ __name__: "up", job: "j" }),
    ]);
    expect(seconds(out[1]!)).toEqual([0, 15, 30, 45, 60]); // replica "a" sorts first and wins
  });

  it("leaves everything alone, but sorted, without replica labels", () => {
    const x = series({ m: "2" }, [[0, 1]]);
    const y = series({ m: "1" }, [[0, 1]]);
    expect(dedupSeries([x, y], [])).toEqual([y, x]);
  });
});

describe("mergeReplicas", () => {
  it("handles empty replicas", () => {
    const empty = { timestamps: new Float64Array(0), values: new Float64Array(0) };
    const one = { timestamps: Float64Array.of(1, 2), values: Float64Array.of(3, 4) };
    expect(Array.from(mergeReplicas([empty, one]).timestamps)).toEqual([1, 2]);
    expect(Array.from(mergeReplicas([one, empty]).values)).toEqual([3, 4]);
    expect(mergeReplicas([empty, empty]).timestamps.length).toBe(0);
  });

  it("holds the other replica back by the initial penalty before an interval is known", () => {
    const a = { timestamps: Float64Array.of(0, 20_000), values: Float64Array.of(1, 1) };
    const b = { timestamps: Float64Array.of(INITIAL_PENALTY_MS, INITIAL_PENALTY_MS + 1), values: Float64Array.of(2, 2) };
    // b@5000 is inside the penalty (≤ 0+1+5000 is allowed: seek target is 5001), b@5001 is not.
    expect(Array.from(mergeReplicas([a, b]).timestamps)).toEqual([0, 5001, 20_000]);
  });
});
