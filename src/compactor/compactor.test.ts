import { describe, expect, it } from "vitest";
import { XORIterator, encodeXOR } from "../tsdb/chunkenc/xor";
import { commonLabels } from "./compact";
import { mergeChunks } from "./merge";
import { expiredBlocks, planCompaction, validateBlockRanges, type PlannedBlock } from "./plan";

const H = 3600_000;
const b = (ulid: string, minTime: number, maxTime: number, uploadedAt = 0): PlannedBlock => ({ ulid, minTime, maxTime, level: 1, uploadedAt });

describe("planCompaction", () => {
  const ranges = [2 * H, 12 * H];
  it("merges blocks of one closed 2h window before larger windows", () => {
    const blocks = [b("A", 0, 2 * H), b("B", 0, 2 * H), b("C", 2 * H, 4 * H)];
    const p = planCompaction(blocks, ranges, 100 * H, 0);
    expect(p?.range).toBe(2 * H);
    expect(p?.blocks.map((x) => x.ulid)).toEqual(["A", "B"]);
  });
  it("waits for an open window and for recent uploads", () => {
    const blocks = [b("A", 0, 2 * H, 10 * H), b("B", 0, 2 * H, 10 * H)];
    expect(planCompaction(blocks, ranges, 2 * H + 5 * 60_000, 10 * 60_000)).toBeNull();
    expect(planCompaction(blocks, ranges, 10 * H + 5 * 60_000, 10 * 60_000)).toBeNull();
    expect(planCompaction(blocks, ranges, 10 * H + 10 * 60_000, 10 * 60_000)).not.toBeNull();
  });
  it("goes to 12h once each 2h window holds one block; single blocks are left alone", () => {
    expect(planCompaction([b("A", 0, 2 * H)], ranges, 100 * H, 0)).toBeNull();
    const p = planCompaction([b("A", 0, 2 * H), b("C", 2 * H, 4 * H), b("D", 12 * H, 14 * H)], ranges, 100 * H, 0);
    expect(p).toMatchObject({ range: 12 * H, windowStart: 0 });
    expect(p!.blocks.map((x) => x.ulid)).toEqual(["A", "C"]);
  });
});

describe("retention and ranges", () => {
  it("expires only blocks entirely older than the period; 0 keeps all", () => {
    const blocks = [b("A", 0, 2 * H), b("B", 2 * H, 4 * H)];
    expect(expiredBlocks(blocks, 24 * H, 27 * H).map((x) => x.ulid)).toEqual(["A"]);
    expect(expiredBlocks(blocks, 0, 1000 * H)).toEqual([]);
  });
  it("validates ranges", () => {
    expect(validateBlockRanges([2 * H, 12 * H, 24 * H])).toBeNull();
    expect(validateBlockRanges([2 * H, 5 * H])).toMatch(/multiple/);
    expect(validateBlockRanges([])).not.toBeNull();
  });
  it("keeps external labels every source shares", () => {
    expect(commonLabels([{ t: "a", s: "0" }, { t: "a", s: "1" }])).toEqual({ t: "a" });
  });
});

describe("mergeChunks", () => {
  const chunk = (ts: number[], vs: number[]) => ({ minTime: ts[0]!, maxTime: ts[ts.length - 1]!, data: encodeXOR(ts, vs) });
  const samples = (cs: { data: Uint8Array }[]) => {
    const it = new XORIterator();
    const out: [number, number][] = [];
    for (const c of cs) {
      it.reset(c.data);
      while (it.next()) out.push([it.t, it.v]);
    }
    return out;
  };
  it("passes non-overlapping chunks through untouched, in time order", () => {
    const a = chunk([1, 2], [1, 2]);
    const c = chunk([5, 6], [5, 6]);
    const out = mergeChunks([[c], [a]]);
    expect(out[0]).toBe(a);
    expect(out[1]).toBe(c);
  });
  it("merges overlapping chunks with one sample per timestamp", () => {
    const out = mergeChunks([[chunk([1, 3, 5], [1, 3, 5])], [chunk([2, 3, 4], [2, 3, 4])]]);
    expect(samples(out)).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    expect(out[0]).toMatchObject({ minTime: 1, maxTime: 5 });
  });
});
