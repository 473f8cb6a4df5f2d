import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import { MemoryStorage } from "../../storage/memory";
import { Engine } from "./engine";

/** 1,2,3,4,5 every 15s from 0s, then 9.. from 75s: one counter reset. */
function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const ts = Array.from({ length: 10 }, (_, i) => i * 15_000);
  s.append(labelsFromRecord({ __name__: "metric" }), ts, [1, 2, 3, 4, 5, 9, 10, 11, 12, 13]);
  return s;
}

async function points(query: string, at: number): Promise<[number, number][]> {
  const r = await new Engine({ enableExperimental: true }).instantQuery(storage(), query, at);
  if (r.value.type !== "matrix") throw new Error(`got ${r.value.type}`);
  const s = r.value.series[0]!;
  return Array.from(s.timestamps, (t, i) => [t / 1000, s.values[i]!]);
}

describe("anchored and smoothed range vectors of an instant query", () => {
  it("frames an anchored window with the value at or before its start and the last value at its end", async () => {
    expect(await points("metric[1m] anchored", 50_000)).toEqual([[-10, 1], [0, 1], [15, 2], [30, 3], [45, 4], [50, 4]]);
  });

  it("interpolates a smoothed window's end from the samples around it", async () => {
    const got = await points("metric[1m] smoothed", 50_000);
    expect(got.slice(0, -1)).toEqual([[-10, 1], [0, 1], [15, 2], [30, 3], [45, 4]]);
    expect(got.at(-1)![0]).toBe(50);
    expect(got.at(-1)![1]).toBeCloseTo(4 + 1 / 3, 12);
  });

  it("keeps a plain window as the raw samples", async () => {
    expect(await points("metric[1m]", 50_000)).toEqual([[0, 1], [15, 2], [30, 3], [45, 4]]);
  });
});
