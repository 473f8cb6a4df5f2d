import { describe, expect, it } from "vitest";
import {
  type BucketIndexBlock,
  type BucketIndexStore,
  blockFiles,
  blocksForRange,
  bucketIndexKey,
  emptyBucketIndex,
  liveBlocks,
  parseBucketIndex,
  readBucketIndex,
  withBlock,
  withDeletionMark,
  withoutBlock,
  writeBucketIndex,
} from "./bucket-index";

const A = "01HZZZZZZZZZZZZZZZZZZZZZZA";
const B = "01HZZZZZZZZZZZZZZZZZZZZZZB";
const C = "01HZZZZZZZZZZZZZZZZZZZZZZC";

function block(id: string, min: number, max: number): BucketIndexBlock {
  return { block_id: id, min_time: min, max_time: max, uploaded_at: 1, segments_format: "1b6d", segments_num: 2 };
}

class FakeStore implements BucketIndexStore {
  readonly objects = new Map<string, string>();
  async get(key: string) {
    const v = this.objects.get(key);
    return v === undefined ? null : { text: async () => v };
  }
  async put(key: string, value: string) {
    this.objects.set(key, value);
  }
}

describe("bucket index", () => {
  it("reads null before the first write and round-trips after", async () => {
    const store = new FakeStore();
    expect(await readBucketIndex(store, "t1")).toBeNull();
    const idx = withBlock(emptyBucketIndex(), block(A, 0, 7_200_000), 100);
    await writeBucketIndex(store, "t1", idx);
    expect([...store.objects.keys()]).toEqual(["t1/bucket-index.json"]);
    expect(await readBucketIndex(store, "t1")).toEqual(idx);
    expect(await readBucketIndex(store, "t2")).toBeNull();
  });

  it("parses Mimir's field names and ignores unknown fields", () => {
    const text = JSON.stringify({
      version: 1,
      blocks: [{ block_id: A, min_time: 10, max_time: 20, uploaded_at: 5, compactor_shard_id: "1_of_4" }],
      block_deletion_marks: [{ block_id: A, deletion_time: 7 }],
      updated_at: 9,
    });
    const idx = parseBucketIndex(text);
    expect(idx.blocks).toEqual([{ block_id: A, min_time: 10, max_time: 20, uploaded_at: 5 }]);
    expect(idx.block_deletion_marks).toEqual([{ block_id: A, deletion_time: 7 }]);
    expect(idx.updated_at).toBe(9);
  });

  it("rejects other versions, bad ids and escaping file paths", () => {
    expect(() => parseBucketIndex(`{"version":2,"blocks":[]}`)).toThrow(/version 2/);
    expect(() => parseBucketIndex(`{"version":1,"blocks":[{"block_id":"x","min_time":0,"max_time":1}]}`)).toThrow(
      /invalid block_id/,
    );
    const evil = { version: 1, blocks: [{ ...block(A, 0, 1), files: [{ rel_path: "../x", size_bytes: 1 }] }] };
    expect(() => parseBucketIndex(JSON.stringify(evil))).toThrow(/escapes/);
    expect(() => parseBucketIndex("{")).toThrow(/invalid JSON/);
  });

  it("keeps blocks sorted and replaces by id", () => {
    let idx = emptyBucketIndex();
    idx = withBlock(idx, block(B, 100, 200), 1);
    idx = withBlock(idx, block(A, 0, 100), 2);
    idx = withBlock(idx, block(B, 100, 300), 3);
    expect(idx.blocks.map((b) => [b.block_id, b.max_time])).toEqual([
      [A, 100],
      [B, 300],
    ]);
    expect(idx.updated_at).toBe(3);
  });

  it("marked blocks leave live and range results; removal drops block and mark", () => {
    let idx = emptyBucketIndex();
    idx = withBlock(idx, block(A, 0, 100), 1);
    idx = withBlock(idx, block(B, 100, 200), 1);
    idx = withBlock(idx, block(C, 200, 300), 1);
    idx = withDeletionMark(idx, B, 50, 2);
    idx = withDeletionMark(idx, B, 60, 3);
    expect(idx.block_deletion_marks).toEqual([{ block_id: B, deletion_time: 50 }]);
    expect(liveBlocks(idx).map((b) => b.block_id)).toEqual([A, C]);
    // Max time is exclusive: a query starting at 100 does not need block A.
    expect(blocksForRange(idx, 100, 250).map((b) => b.block_id)).toEqual([C]);
    expect(blocksForRange(idx, 99, 99).map((b) => b.block_id)).toEqual([A]);
    expect(blocksForRange(idx, 300, 400)).toEqual([]);
    idx = withoutBlock(idx, B, 4);
    expect(idx.blocks.map((b) => b.block_id)).toEqual([A, C]);
    expect(idx.block_deletion_marks).toEqual([]);
  });

  it("lists block files from segments_num or the files list", () => {
    expect(blockFiles(block(A, 0, 1))).toEqual(["meta.json", "index", "chunks/000001", "chunks/000002"]);
    const withFiles: BucketIndexBlock = {
      ...block(A, 0, 1),
      files: [
        { rel_path: "chunks/000001", size_bytes: 10 },
        { rel_path: "index", size_bytes: 5 },
      ],
    };
    expect(blockFiles(withFiles)).toEqual(["meta.json", "chunks/000001", "index"]);
    expect(blockFiles({ block_id: A, min_time: 0, max_time: 1, uploaded_at: 0 })).toBeNull();
    expect(bucketIndexKey("acme")).toBe("acme/bucket-index.json");
  });
});
