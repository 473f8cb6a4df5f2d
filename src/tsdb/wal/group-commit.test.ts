import { describe, expect, it } from "vitest";
import { float64Bits } from "../chunkenc/xor";
import type { MetricMetadata } from "../../write/request";
import { DEFAULT_GROUP_COMMIT_MS, groupCommitWindowMs, WalGroupCommit } from "./group-commit";
import { WalRecordReader } from "./record";

/** A turn that ends only when the test says so. */
function manualTurn(): { yieldTurn: () => Promise<void>; end: () => void } {
  let release: (() => void) | null = null;
  return {
    yieldTurn: () => new Promise<void>((r) => (release = r)),
    end: () => release?.(),
  };
}

function addSamples(g: WalGroupCommit, ref: number, ts: number[]): void {
  const t = Float64Array.from(ts);
  g.records.add(ref, null, t, float64Bits(t), Uint32Array.from(ts.keys()), ts.length, []);
}

function refsIn(records: Uint8Array[]): number[] {
  const refs: number[] = [];
  for (const r of records) new WalRecordReader().read(r, { entry: (ref) => refs.push(ref) });
  return refs;
}

describe("WAL group commit", () => {
  it("writes the pushes of one turn in one write and resolves them only after it", async () => {
    const writes: Uint8Array[][] = [];
    const turn = manualTurn();
    const g = new WalGroupCommit((recs) => void writes.push(recs), turn.yieldTurn);
    const done: number[] = [];
    addSamples(g, 1, [10]);
    const a = g.commit().then(() => done.push(1));
    addSamples(g, 2, [10, 20]);
    const b = g.commit().then(() => done.push(2));
    await Promise.resolve();
    expect(writes).toHaveLength(0);
    expect(done).toEqual([]);
    turn.end();
    await Promise.all([a, b]);
    expect(writes).toHaveLength(1);
    expect(refsIn(writes[0]!)).toEqual([1, 2]);
    expect(g.writes).toBe(1);
  });

  it("starts a new group for pushes after the write and skips writes with nothing to say", async () => {
    const writes: { refs: number[]; metadata: MetricMetadata[] }[] = [];
    const g = new WalGroupCommit((recs, metadata) => void writes.push({ refs: refsIn(recs), metadata }), () => Promise.resolve());
    await g.commit();
    expect(writes).toHaveLength(0);
    addSamples(g, 1, [10]);
    await g.commit();
    const md: MetricMetadata = { metricFamilyName: "up", type: "gauge", help: "h", unit: "" };
    g.addMetadata([md]);
    await g.commit();
    expect(writes).toEqual([
      { refs: [1], metadata: [] },
      { refs: [], metadata: [md] },
    ]);
  });

  it("fails every push of a group when its write fails", async () => {
    const turn = manualTurn();
    const g = new WalGroupCommit(() => {
      throw new Error("disk full");
    }, turn.yieldTurn);
    addSamples(g, 1, [10]);
    const a = g.commit();
    const b = g.commit();
    turn.end();
    await expect(a).rejects.toThrow("disk full");
    await expect(b).rejects.toThrow("disk full");
  });

  it("makes a push that stored nothing wait for a pending write", async () => {
    const turn = manualTurn();
    let written = false;
    const g = new WalGroupCommit(() => void (written = true), turn.yieldTurn);
    addSamples(g, 1, [10]);
    void g.commit();
    const retry = g.commit().then(() => written);
    turn.end();
    expect(await retry).toBe(true);
  });

  it("takes its window from the setting, the default for anything unusable", () => {
    expect(groupCommitWindowMs("0")).toBe(0);
    expect(groupCommitWindowMs("12.5")).toBe(12.5);
    expect(groupCommitWindowMs(undefined)).toBe(DEFAULT_GROUP_COMMIT_MS);
    for (const bad of ["", " ", "-1", "abc", "1001", "Infinity"]) expect(groupCommitWindowMs(bad)).toBe(DEFAULT_GROUP_COMMIT_MS);
  });
});
