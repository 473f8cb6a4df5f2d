/**
 * Block input for tests: a series sampled at a fixed interval, cut into
 * 120-sample XOR chunks as a head cuts them. Plain TypeScript, so tests in
 * Node and in workerd can both use it.
 */
import { labelsFromRecord } from "../../src/model/labels";
import type { BlockSeries } from "../../src/tsdb/block/block-writer";
import { encodeXOR } from "../../src/tsdb/chunkenc/xor";

/** Samples every `step` ms in [from, to) with value f(t). */
export function blockSeries(rec: Record<string, string>, from: number, to: number, f: (t: number) => number, step = 15_000): BlockSeries {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = from; t < to; t += step) {
    ts.push(t);
    vs.push(f(t));
  }
  const chunks = [];
  for (let i = 0; i < ts.length; i += 120) {
    const j = Math.min(i + 120, ts.length);
    chunks.push({ minTime: ts[i]!, maxTime: ts[j - 1]!, data: encodeXOR(ts, vs, i, j) });
  }
  return { labels: labelsFromRecord(rec), chunks };
}
