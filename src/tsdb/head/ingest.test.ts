import { describe, expect, it } from "vitest";
import { hashLabels, labelsFromRecord } from "../../model/labels";
import type { PushRequest, PushSeries } from "../../ingester/protocol";
import { LabelStrings } from "../../ingester/push-codec";
import { packLabeled } from "../../../test/support/packed-push";
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

/** Lays the series out in shared columns, as the distributor gets them, and packs them for one shard. */
function pack(series: readonly PushSeries[]): Uint8Array {
  const ts = Float64Array.from(series.flatMap((s) => Array.from(s.timestamps)));
  const vs = Float64Array.from(series.flatMap((s) => Array.from(s.values)));
  let at = 0;
  const packable = series.map((s) => {
    at += s.timestamps.length;
    return { labels: s.labels, sampleStart: at - s.timestamps.length, sampleEnd: at, exemplars: [] };
  });
  return packLabeled(packable, ts, vs, 1)[0]!;
}

/** One series with one sample, packed as if its sender had hashed its labels to `hash`. */
function packWithHash(s: PushSeries, hash: number): Uint8Array {
  const packed = pack([s]);
  // header 16 bytes, timestamp and value 16, the sample count 1: then the hash
  new DataView(packed.buffer, packed.byteOffset).setUint32(16 + 16 + 1, hash, true);
  return packed;
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
      const rb = ingestPush(packed, { ...base, packed: pack(p) }, b, strings);
      expect(rb.result).toEqual(ra.result);
      expect(walEntries(b)).toEqual(walEntries(a));
    }
    expect(packed.select([], 0, 100)).toEqual(plain.select([], 0, 100));
    // 2 + 1 new + 1 repeat; the conflicting and the out-of-order sample are refused
    const last = ingestPush(packed, { outOfOrderWindowMs: 0, packed: pack([pushes[1]![1]!]) }, null, strings);
    expect(last.result.rejections.map((r) => [r.reason, r.count])).toEqual([
      ["sample-duplicate-timestamp", 1],
      ["sample-out-of-order", 1],
    ]);
  });

  it("never mixes up series when the sender's hash is wrong or collides", () => {
    const head = new Head();
    const strings = new LabelStrings();
    const a = series({ __name__: "m", i: "a" }, [10], [1]);
    const b = series({ __name__: "m", i: "b" }, [10], [2]);
    const push = (s: PushSeries, hash: number) => ingestPush(head, { outOfOrderWindowMs: 0, packed: packWithHash(s, hash) }, null, strings).result;
    // Both sent under one made-up hash: each is found (not) by its labels and created once.
    expect(push(a, 7).samplesWritten).toBe(1);
    expect(push(b, 7).samplesWritten).toBe(1);
    // Known series sent under a colliding and under a wrong hash: found by labels, not by hash.
    expect(push(series({ __name__: "m", i: "b" }, [20], [3]), hashLabels(a.labels)).rejections).toEqual([]);
    expect(push(series({ __name__: "m", i: "a" }, [20], [4]), 12345).rejections).toEqual([]);
    expect(head.numSeries).toBe(2);
    const got = head.select([], 0, 100).map((s) => s.labels.map((l) => l.value).join(","));
    expect(got).toEqual(["m,a", "m,b"]);
    expect(head.find(a.labels)!.maxTime).toBe(20);
    expect(head.find(b.labels)!.maxTime).toBe(20);
  });
});
