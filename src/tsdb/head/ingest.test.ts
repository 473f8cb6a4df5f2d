import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import type { PushRequest, PushSeries } from "../../ingester/protocol";
import { LabelStrings, packSeries } from "../../ingester/push-codec";
import { WalRecordBuilder, WalRecordReader } from "../wal/record";
import { Head } from "./head";
import { ingestPush } from "./ingest";

function series(labels: Record<string, string>, ts: number[], vs: number[]): PushSeries {
  return { labels: [...labelsFromRecord(labels)], timestamps: Float64Array.from(ts), values: Float64Array.from(vs), exemplars: [] };
}

function walEntries(b: WalRecordBuilder): string[] {
  const out: string[] = [];
  for (const rec of b.finish()) {
    new WalRecordReader().read(rec, {
      entry: (ref, labels, ts, vs, n) => out.push(JSON.stringify([ref, labels, Array.from(ts.subarray(0, n)), Array.from(vs.subarray(0, n))])),
    });
  }
  return out;
}

describe("ingestPush", () => {
  it("treats a packed push exactly like the same series as objects", () => {
    const pushes: PushSeries[][] = [
      [series({ __name__: "up", job: "a" }, [10, 20], [1, 1]), series({ __name__: "up", job: "b" }, [10], [0])],
      // one new sample, one identical repeat, one conflicting duplicate, one out of order
      [series({ __name__: "up", job: "a" }, [20, 30], [1, 2]), series({ __name__: "up", job: "b" }, [10, 5], [7, 1])],
    ];
    const plain = new Head();
    const packed = new Head();
    const strings = new LabelStrings();
    for (const p of pushes) {
      const base = { outOfOrderWindowMs: 0, metadata: [] };
      const a = new WalRecordBuilder();
      const b = new WalRecordBuilder();
      const ra = ingestPush(plain, { ...base, series: p } satisfies PushRequest, a);
      const rb = ingestPush(packed, { ...base, packed: packSeries(p.map((s) => ({ ...s, exemplars: [] }))) }, b, strings);
      expect(rb.result).toEqual(ra.result);
      expect(walEntries(b)).toEqual(walEntries(a));
    }
    expect(packed.select([], 0, 100)).toEqual(plain.select([], 0, 100));
    // 2 + 1 new + 1 repeat; the conflicting and the out-of-order sample are refused
    const last = ingestPush(packed, { outOfOrderWindowMs: 0, packed: packSeries([{ ...pushes[1]![1]!, exemplars: [] }]) }, null, strings);
    expect(last.result.rejections.map((r) => [r.reason, r.count])).toEqual([
      ["sample-duplicate-timestamp", 1],
      ["sample-out-of-order", 1],
    ]);
  });
});
