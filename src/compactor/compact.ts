/**
 * Runs one compaction: streams the source blocks' series from R2 in label
 * order, merges them and writes one new block under the tenant's prefix.
 * Registering the result and marking the sources is the caller's job (the
 * tenant DO does both in one SQLite transaction), so a crash before that
 * leaves only an unregistered upload, which readers never see.
 */
import { type BlockSeries, type WrittenBlock, writeBlock } from "../tsdb/block/block-writer";
import { BlockReader, r2BlockFiles } from "../tsdb/block/block-reader";
import type { BlockDesc, BlockMeta } from "../tsdb/block/meta";
import { R2BlockSink, type R2UploadTarget } from "../tsdb/block/r2-sink";
import type { BlockSink, FileSink } from "../tsdb/block/sink";
import { newULID } from "../tsdb/block/ulid";
import { blockSeries, mergeBlockSeries } from "./merge";

/** What compaction needs of the bucket; `R2Bucket` has it. */
export type CompactionBucket = R2UploadTarget & Pick<R2Bucket, "get" | "head">;

export interface CompactOptions {
  readonly tenant: string;
  /** The sources' meta.json contents, as the catalog holds them. */
  readonly sources: readonly BlockMeta[];
  /** Defaults to a new ULID. */
  readonly ulid?: string;
  /** Called with each file's path before it is created, so an abandoned upload can be cleaned up without a LIST. */
  readonly onFile?: (path: string) => void | Promise<void>;
  readonly partSize?: number;
}

export async function compactBlocks(bucket: CompactionBucket, opts: CompactOptions): Promise<WrittenBlock> {
  if (opts.sources.length < 2) throw new Error("compaction needs at least two blocks");
  const ulid = opts.ulid ?? newULID();
  const readers = await Promise.all(
    opts.sources.map((meta) => BlockReader.open(r2BlockFiles(bucket as R2Bucket, `${opts.tenant}/${meta.ulid}/`), { meta })),
  );
  const streams = readers.map((r) => blockSeries(r)[Symbol.asyncIterator]());
  const merged: AsyncIterable<BlockSeries> = mergeBlockSeries(streams);
  const sink = recordingSink(new R2BlockSink(bucket, `${opts.tenant}/${ulid}/`, opts.partSize !== undefined ? { partSize: opts.partSize } : {}), opts.onFile);
  return writeBlock(merged, compactedBlockOptions(ulid, opts.sources), sink);
}

/** Range, lineage and external labels of the block merged from `sources`. */
export function compactedBlockOptions(ulid: string, sources: readonly BlockMeta[]) {
  const minTime = Math.min(...sources.map((m) => m.minTime));
  const maxTime = Math.max(...sources.map((m) => m.maxTime));
  const level = Math.max(...sources.map((m) => m.compaction.level)) + 1;
  const ids = new Set<string>();
  for (const m of sources) for (const s of m.compaction.sources) ids.add(s);
  const parents: BlockDesc[] = sources.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime }));
  return {
    ulid,
    minTime,
    maxTime,
    externalLabels: commonLabels(sources.map((m) => m.thanos.labels)),
    compaction: { level, sources: [...ids].sort(), parents },
    source: "compactor",
  } as const;
}

/** External labels every source has with the same value: the tenant stays, the shard goes. */
export function commonLabels(all: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const out: Record<string, string> = {};
  const first = all[0] ?? {};
  for (const [k, v] of Object.entries(first)) if (all.every((l) => l[k] === v)) out[k] = v;
  return out;
}

/** A sink that reports each file before creating it. */
export function recordingSink(inner: BlockSink, onFile?: (path: string) => void | Promise<void>): BlockSink {
  if (onFile === undefined) return inner;
  return {
    async create(path: string): Promise<FileSink> {
      await onFile(path);
      return inner.create(path);
    },
  };
}

/** Deletes every object of a block (or abandoned upload) by its file paths; meta.json first, so a half-deleted block is never mistaken for a complete one. */
export async function deleteBlockFiles(bucket: Pick<R2Bucket, "delete">, tenant: string, ulid: string, files: readonly string[]): Promise<void> {
  const keys = [...new Set(["meta.json", ...files])].map((f) => `${tenant}/${ulid}/${f}`);
  await bucket.delete(keys[0]!);
  if (keys.length > 1) await bucket.delete(keys.slice(1));
}
