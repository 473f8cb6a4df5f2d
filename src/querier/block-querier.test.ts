import { beforeEach, describe, expect, it } from "vitest";
import { type Labels, labelsFromRecord } from "../model/labels";
import { Matcher } from "../model/matchers";
import { type BucketIndex, blockFromMeta, emptyBucketIndex, encodeBucketIndex, withBlock, withDeletionMark } from "../storage/bucket-index";
import { type BlockSeries, writeBlockToMemory } from "../tsdb/block/block-writer";
import { blockSeries } from "../../test/support/block-series";
import { newULID } from "../tsdb/block/ulid";
import { BlockIndexCache } from "./block-index-cache";
import { type BlockBucket, BlockQuerier, BucketIndexCache } from "./block-querier";

/** An in-memory bucket that records every call and the peak of concurrent ones. */
class FakeBucket implements BlockBucket {
  readonly objects = new Map<string, Uint8Array>();
  readonly calls: string[] = [];
  inFlight = 0;
  peak = 0;

  private async track<T>(what: string, f: () => T): Promise<T> {
    this.calls.push(what);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight--;
    return f();
  }

  get(key: string, options?: { range: { offset: number; length: number } }) {
    return this.track(`get ${key}`, () => {
      const o = this.objects.get(key);
      if (o === undefined) return null;
      const bytes = options ? o.subarray(options.range.offset, options.range.offset + options.range.length) : o;
      return {
        arrayBuffer: async () => bytes.slice().buffer,
        text: async () => new TextDecoder().decode(bytes),
      };
    });
  }

  head(key: string) {
    return this.track(`head ${key}`, () => {
      const o = this.objects.get(key);
      return o === undefined ? null : { size: o.length };
    });
  }

  async put(key: string, value: string) {
    this.objects.set(key, new TextEncoder().encode(value));
  }
}

const HOUR = 3_600_000;

async function putBlock(
  bucket: FakeBucket,
  tenant: string,
  minTime: number,
  maxTime: number,
  s: BlockSeries[],
  index: BucketIndex,
  opts: { withSizes?: boolean } = {},
): Promise<{ index: BucketIndex; id: string }> {
  const id = newULID(maxTime + 1);
  const sorted = s.slice().sort((a, b) => cmp(a.labels, b.labels));
  const w = await writeBlockToMemory(sorted, { ulid: id, minTime, maxTime, externalLabels: { tenant } });
  for (const [path, bytes] of w.data) bucket.objects.set(`${tenant}/${id}/${path}`, bytes);
  const entry = blockFromMeta(w.meta, 1, opts.withSizes === false ? { segmentsNum: 1, files: [] } : {});
  return { index: withBlock(index, entry, 1), id };
}

function cmp(a: Labels, b: Labels): number {
  const ka = a.map((l) => `${l.name}\u0000${l.value}`).join("\u0001");
  const kb = b.map((l) => `${l.name}\u0000${l.value}`).join("\u0001");
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function writeIndex(bucket: FakeBucket, tenant: string, index: BucketIndex): void {
  bucket.objects.set(`${tenant}/bucket-index.json`, new TextEncoder().encode(encodeBucketIndex(index)));
}

const eq = (n: string, v: string) => new Matcher("=", n, v);

describe("BlockQuerier", () => {
  let bucket: FakeBucket;
  let indexCache: BlockIndexCache;
  const newQuerier = (tenant = "t", maxConcurrency?: number) =>
    new BlockQuerier(bucket, tenant, {
      indexCache,
      bucketIndexCache: new BucketIndexCache(0),
      ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    });

  beforeEach(() => {
    bucket = new FakeBucket();
    indexCache = new BlockIndexCache();
  });

  it("returns nothing for a tenant without a bucket index", async () => {
    const q = newQuerier("nobody");
    expect(await q.select([eq("__name__", "x")], { start: 0, end: HOUR })).toEqual([]);
    expect(await q.labelNames([], { start: 0, end: HOUR })).toEqual([]);
    expect(q.stats.requests).toBe(1);
  });

  it("selects matching series with their samples in range", async () => {
    const { index } = await putBlock(
      bucket,
      "t",
      0,
      2 * HOUR,
      [
        blockSeries({ __name__: "x", job: "a" }, 0, 2 * HOUR, (t) => t / 1000),
        blockSeries({ __name__: "x", job: "b" }, 0, 2 * HOUR, (t) => -t),
        blockSeries({ __name__: "y", job: "a" }, 0, 2 * HOUR, () => 1),
      ],
      emptyBucketIndex(),
    );
    writeIndex(bucket, "t", index);
    const got = await newQuerier().select([eq("__name__", "x")], { start: 30 * 60_000, end: 31 * 60_000 });
    expect(got.map((s) => s.labels.find((l) => l.name === "job")!.value)).toEqual(["a", "b"]);
    // 30:00 .. 31:00 inclusive at 15 s steps: 5 samples.
    expect(Array.from(got[0]!.timestamps)).toEqual([1800, 1815, 1830, 1845, 1860].map((s) => s * 1000));
    expect(Array.from(got[0]!.values)).toEqual([1800, 1815, 1830, 1845, 1860]);
    expect(got[1]!.values[0]).toBe(-1_800_000);
  });

  it("merges a series held by two blocks without repeating timestamps", async () => {
    let r = await putBlock(bucket, "t", 0, 2 * HOUR, [blockSeries({ __name__: "x" }, 0, 2 * HOUR, (t) => t)], emptyBucketIndex());
    // A second block (another shard's copy / compaction overlap) sharing the last 10 minutes.
    r = await putBlock(bucket, "t", 2 * HOUR - 600_000, 4 * HOUR, [blockSeries({ __name__: "x" }, 2 * HOUR - 600_000, 4 * HOUR, (t) => t)], r.index);
    writeIndex(bucket, "t", r.index);
    const [s] = await newQuerier().select([eq("__name__", "x")], { start: 0, end: 4 * HOUR });
    expect(s!.timestamps.length).toBe((4 * HOUR) / 15_000);
    for (let i = 1; i < s!.timestamps.length; i++) expect(s!.timestamps[i]! - s!.timestamps[i - 1]!).toBe(15_000);
    expect(s!.values[s!.values.length - 1]).toBe(4 * HOUR - 15_000);
  });

  it("opens only blocks overlapping the range and skips marked blocks", async () => {
    let r = await putBlock(bucket, "t", 0, 2 * HOUR, [blockSeries({ __name__: "x" }, 0, 2 * HOUR, () => 1)], emptyBucketIndex());
    const first = r.id;
    r = await putBlock(bucket, "t", 2 * HOUR, 4 * HOUR, [blockSeries({ __name__: "x" }, 2 * HOUR, 4 * HOUR, () => 2)], r.index);
    const second = r.id;
    r = await putBlock(bucket, "t", 4 * HOUR, 6 * HOUR, [blockSeries({ __name__: "x" }, 4 * HOUR, 6 * HOUR, () => 3)], r.index);
    const third = r.id;
    writeIndex(bucket, "t", withDeletionMark(r.index, third, 5, 5));

    const q = newQuerier();
    const [s] = await q.select([eq("__name__", "x")], { start: 2 * HOUR + 1, end: 6 * HOUR });
    expect(q.blocksQueried).toEqual([second]);
    expect(bucket.calls.some((c) => c.includes(first) || c.includes(third))).toBe(false);
    expect(new Set(s!.values)).toEqual(new Set([2]));
  });

  it("keeps reading a block marked after the query read the bucket index", async () => {
    const { index, id } = await putBlock(bucket, "t", 0, 2 * HOUR, [blockSeries({ __name__: "x" }, 0, 2 * HOUR, () => 1)], emptyBucketIndex());
    writeIndex(bucket, "t", index);
    const q = newQuerier();
    expect(await q.labelValues("__name__", [], { start: 0, end: HOUR })).toEqual(["x"]);
    writeIndex(bucket, "t", withDeletionMark(index, id, 1, 1));
    // The same query (querier) still sees it; a new one does not.
    expect(await q.select([eq("__name__", "x")], { start: 0, end: HOUR })).toHaveLength(1);
    expect(await newQuerier().select([eq("__name__", "x")], { start: 0, end: HOUR })).toEqual([]);
  });

  it("reopens a cached index without requests and counts every request it makes", async () => {
    const { index } = await putBlock(bucket, "t", 0, 2 * HOUR, [blockSeries({ __name__: "x" }, 0, 2 * HOUR, () => 1)], emptyBucketIndex());
    writeIndex(bucket, "t", index);
    const q1 = newQuerier();
    await q1.select([eq("__name__", "x")], { start: 0, end: HOUR });
    const before = bucket.calls.length;
    const q2 = newQuerier();
    await q2.select([eq("__name__", "x")], { start: 0, end: HOUR });
    const calls = bucket.calls.slice(before);
    expect(q2.stats.requests).toBe(calls.length);
    expect(calls.filter((c) => c.endsWith("/index"))).toEqual([]);
    expect(calls.filter((c) => c.includes("/chunks/")).length).toBeGreaterThan(0);
    expect(indexCache.hits).toBe(1);
    expect(q1.stats.requests).toBeGreaterThan(q2.stats.requests);
  });

  it("finds object sizes by HEAD when the bucket index lacks them", async () => {
    const { index } = await putBlock(bucket, "t", 0, 2 * HOUR, [blockSeries({ __name__: "x" }, 0, 2 * HOUR, () => 7)], emptyBucketIndex(), {
      withSizes: false,
    });
    writeIndex(bucket, "t", index);
    const [s] = await newQuerier().select([eq("__name__", "x")], { start: 0, end: HOUR });
    expect(s!.values[0]).toBe(7);
    expect(bucket.calls.filter((c) => c.startsWith("head ")).length).toBe(2);
  });

  it("reads no chunks for series-only selects", async () => {
    const { index } = await putBlock(bucket, "t", 0, 2 * HOUR, [blockSeries({ __name__: "x", a: "1" }, 0, 2 * HOUR, () => 1)], emptyBucketIndex());
    writeIndex(bucket, "t", index);
    const got = await newQuerier().select([eq("a", "1")], { start: 0, end: HOUR, seriesOnly: true });
    expect(got.map((s) => s.labels)).toEqual([labelsFromRecord({ __name__: "x", a: "1" })]);
    expect(bucket.calls.some((c) => c.includes("/chunks/"))).toBe(false);
  });

  it("answers label names and values, with and without matchers", async () => {
    const { index } = await putBlock(
      bucket,
      "t",
      0,
      2 * HOUR,
      [
        blockSeries({ __name__: "x", job: "a", zone: "eu" }, 0, HOUR, () => 1),
        blockSeries({ __name__: "y", job: "b" }, 0, HOUR, () => 1),
      ],
      emptyBucketIndex(),
    );
    writeIndex(bucket, "t", index);
    const q = newQuerier();
    const h = { start: 0, end: HOUR };
    expect(await q.labelNames([], h)).toEqual(["__name__", "job", "zone"]);
    expect(await q.labelNames([eq("__name__", "y")], h)).toEqual(["__name__", "job"]);
    expect(await q.labelValues("job", [], h)).toEqual(["a", "b"]);
    expect(await q.labelValues("job", [new Matcher("=~", "zone", "e.*")], h)).toEqual(["a"]);
    expect(await q.labelValues("job", [], { start: 3 * HOUR, end: 4 * HOUR })).toEqual([]);
  });

  it("keeps at most maxConcurrency requests in flight", async () => {
    let idx = emptyBucketIndex();
    for (let b = 0; b < 8; b++) {
      idx = (await putBlock(bucket, "t", b * 2 * HOUR, (b + 1) * 2 * HOUR, [blockSeries({ __name__: "x" }, b * 2 * HOUR, (b + 1) * 2 * HOUR, () => b)], idx)).index;
    }
    writeIndex(bucket, "t", idx);
    const got = await newQuerier("t", 3).select([eq("__name__", "x")], { start: 0, end: 16 * HOUR });
    expect(got[0]!.timestamps.length).toBe((16 * HOUR) / 15_000);
    expect(bucket.peak).toBe(3);
  });
});

describe("BlockIndexCache", () => {
  it("evicts least recently used indexes past its byte budget", async () => {
    const bucket = new FakeBucket();
    let idx = emptyBucketIndex();
    const ids: string[] = [];
    for (let b = 0; b < 3; b++) {
      const r = await putBlock(bucket, "t", b * HOUR, (b + 1) * HOUR, [blockSeries({ __name__: `m${b}` }, b * HOUR, (b + 1) * HOUR, () => b)], idx);
      idx = r.index;
      ids.push(r.id);
    }
    writeIndex(bucket, "t", idx);
    const sizes = ids.map((id) => bucket.objects.get(`t/${id}/index`)!.length);
    // Room for two small indexes (each is read, and kept, whole), not three.
    const cache = new BlockIndexCache(sizes[0]! + sizes[1]! + 1);
    const q = (start: number) =>
      new BlockQuerier(bucket, "t", { indexCache: cache, bucketIndexCache: new BucketIndexCache(0) }).labelNames([], { start, end: start + 1 });
    await q(0);
    await q(HOUR);
    expect(cache.size).toBe(2);
    await q(0); // block 0 is now the most recent
    await q(2 * HOUR); // evicts block 1
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    const misses = cache.misses;
    await q(0);
    expect(cache.misses).toBe(misses);
    await q(HOUR);
    expect(cache.misses).toBe(misses + 1);
  });
});

describe("BucketIndexCache", () => {
  it("serves an index until its TTL passes", async () => {
    const bucket = new FakeBucket();
    const cache = new BucketIndexCache(10_000);
    let now = 1000;
    const { index } = await putBlock(bucket, "t", 0, HOUR, [blockSeries({ __name__: "x" }, 0, HOUR, () => 1)], emptyBucketIndex());
    const opts = { bucketIndexCache: cache, indexCache: new BlockIndexCache(), now: () => now };
    expect(await new BlockQuerier(bucket, "t", opts).labelNames([], { start: 0, end: HOUR })).toEqual([]);
    writeIndex(bucket, "t", index);
    now += 9_999;
    expect(await new BlockQuerier(bucket, "t", opts).labelNames([], { start: 0, end: HOUR })).toEqual([]);
    now += 1;
    expect(await new BlockQuerier(bucket, "t", opts).labelNames([], { start: 0, end: HOUR })).toEqual(["__name__"]);
  });
});
