/**
 * bucket-index.json: the per-tenant catalog of blocks in R2, so queriers
 * learn which blocks exist (and which are going away) from one GET instead
 * of listing the bucket. The shape follows Mimir's bucket index
 * (version 1, `blocks`, `block_deletion_marks`, `updated_at`, times of
 * upload/deletion/update in Unix seconds, block time ranges in ms), stored
 * uncompressed at `<tenant>/bucket-index.json`.
 *
 * The tenant Durable Object is the single writer (read-modify-write under
 * its own serialisation); queriers only read. Deleting a block is two
 * steps: mark it (new queries stop picking it) and, after a delay longer
 * than any query, remove it from `blocks` and delete its objects, so
 * queries already in flight can still read a marked block.
 */
import { isULID } from "../tsdb/block/ulid";
import type { BlockMeta } from "../tsdb/block/meta";

export const BUCKET_INDEX_VERSION = 1;
export const BUCKET_INDEX_FILE = "bucket-index.json";

/** Segment files named 000001, 000002, ... (Mimir's "1b6d"). */
export const SEGMENTS_FORMAT_1B6D = "1b6d";

export interface BucketIndexBlock {
  readonly block_id: string;
  /** Inclusive lower bound of sample timestamps, ms (meta.json minTime). */
  readonly min_time: number;
  /** Exclusive upper bound of sample timestamps, ms (meta.json maxTime). */
  readonly max_time: number;
  /** Unix seconds when the block's upload finished. */
  readonly uploaded_at: number;
  /** Always "1b6d" for our blocks; absent means unknown (list `chunks/`). */
  readonly segments_format?: string;
  /** Number of chunk segment files (chunks/000001 .. chunks/<n>). */
  readonly segments_num?: number;
  readonly compaction_level?: number;
  /** Who produced the block: "receive" (ingester cut) or "compactor". */
  readonly source?: string;
  /** Sizes of the block's files, relative to its directory, so readers range-read without a HEAD. */
  readonly files?: readonly BucketIndexFile[];
}

export interface BucketIndexFile {
  readonly rel_path: string;
  readonly size_bytes: number;
}

export interface BlockDeletionMark {
  readonly block_id: string;
  /** Unix seconds when the block was marked. */
  readonly deletion_time: number;
}

export interface BucketIndex {
  readonly version: typeof BUCKET_INDEX_VERSION;
  readonly blocks: readonly BucketIndexBlock[];
  readonly block_deletion_marks: readonly BlockDeletionMark[];
  /** Unix seconds of the last write. */
  readonly updated_at: number;
}

/** The R2 calls used here; `R2Bucket` satisfies it, tests may pass a fake. */
export interface BucketIndexStore {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  put(key: string, value: string, options?: R2PutOptions): Promise<unknown>;
}

export function bucketIndexKey(tenant: string): string {
  return `${tenant}/${BUCKET_INDEX_FILE}`;
}

/** Key of a file of a block, e.g. blockKey("t", id, "chunks/000001"). */
export function blockKey(tenant: string, blockId: string, relPath: string): string {
  return `${tenant}/${blockId}/${relPath}`;
}

export function emptyBucketIndex(updatedAt = 0): BucketIndex {
  return { version: BUCKET_INDEX_VERSION, blocks: [], block_deletion_marks: [], updated_at: updatedAt };
}

/** The tenant's bucket index, or null when none was written yet. */
export async function readBucketIndex(bucket: BucketIndexStore, tenant: string): Promise<BucketIndex | null> {
  const obj = await bucket.get(bucketIndexKey(tenant));
  if (obj === null) return null;
  return parseBucketIndex(await obj.text());
}

export async function writeBucketIndex(bucket: BucketIndexStore, tenant: string, index: BucketIndex): Promise<void> {
  await bucket.put(bucketIndexKey(tenant), encodeBucketIndex(index), {
    httpMetadata: { contentType: "application/json" },
  });
}

export function encodeBucketIndex(index: BucketIndex): string {
  return JSON.stringify(index);
}

/** Parses and checks a bucket index; throws on anything a querier could not trust. */
export function parseBucketIndex(text: string): BucketIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`bucket index: invalid JSON: ${(e as Error).message}`);
  }
  if (!isObject(raw)) throw new Error("bucket index: not an object");
  if (raw.version !== BUCKET_INDEX_VERSION) throw new Error(`bucket index: unsupported version ${String(raw.version)}`);
  const blocks = arrayField(raw, "blocks").map(parseBlock);
  const marks = arrayField(raw, "block_deletion_marks").map(parseMark);
  const updatedAt = raw.updated_at;
  return {
    version: BUCKET_INDEX_VERSION,
    blocks,
    block_deletion_marks: marks,
    updated_at: typeof updatedAt === "number" ? updatedAt : 0,
  };
}

/** The catalog entry for a block from its meta.json. */
export function blockFromMeta(
  meta: BlockMeta,
  uploadedAt: number,
  opts: { segmentsNum?: number; files?: readonly BucketIndexFile[] } = {},
): BucketIndexBlock {
  const files = opts.files ?? meta.thanos.files;
  const segmentsNum = opts.segmentsNum ?? (files ? files.filter((f) => f.rel_path.startsWith("chunks/")).length : undefined);
  return {
    block_id: meta.ulid,
    min_time: meta.minTime,
    max_time: meta.maxTime,
    uploaded_at: uploadedAt,
    segments_format: SEGMENTS_FORMAT_1B6D,
    ...(segmentsNum !== undefined ? { segments_num: segmentsNum } : {}),
    compaction_level: meta.compaction.level,
    ...(meta.thanos.source ? { source: meta.thanos.source } : {}),
    ...(files ? { files: files.map((f) => ({ rel_path: f.rel_path, size_bytes: f.size_bytes })) } : {}),
  };
}

/** Adds (or replaces, by id) a block; keeps blocks ordered by min_time, then id. */
export function withBlock(index: BucketIndex, block: BucketIndexBlock, updatedAt: number): BucketIndex {
  const blocks = index.blocks.filter((b) => b.block_id !== block.block_id);
  blocks.push(block);
  blocks.sort((a, b) => a.min_time - b.min_time || (a.block_id < b.block_id ? -1 : a.block_id > b.block_id ? 1 : 0));
  return { ...index, blocks, updated_at: updatedAt };
}

/** Marks a block for deletion; a no-op for an already-marked block. */
export function withDeletionMark(index: BucketIndex, blockId: string, deletionTime: number, updatedAt: number): BucketIndex {
  if (index.block_deletion_marks.some((m) => m.block_id === blockId)) return { ...index, updated_at: updatedAt };
  return {
    ...index,
    block_deletion_marks: [...index.block_deletion_marks, { block_id: blockId, deletion_time: deletionTime }],
    updated_at: updatedAt,
  };
}

/** Drops a block and its deletion mark (once its objects are gone). */
export function withoutBlock(index: BucketIndex, blockId: string, updatedAt: number): BucketIndex {
  return {
    ...index,
    blocks: index.blocks.filter((b) => b.block_id !== blockId),
    block_deletion_marks: index.block_deletion_marks.filter((m) => m.block_id !== blockId),
    updated_at: updatedAt,
  };
}

/** Blocks not marked for deletion: what a new query should read. */
export function liveBlocks(index: BucketIndex): BucketIndexBlock[] {
  if (index.block_deletion_marks.length === 0) return [...index.blocks];
  const marked = new Set(index.block_deletion_marks.map((m) => m.block_id));
  return index.blocks.filter((b) => !marked.has(b.block_id));
}

/**
 * Live blocks with samples in [start, end] (inclusive, ms). A block's
 * max_time is exclusive, so a block ending exactly at `start` is skipped.
 */
export function blocksForRange(index: BucketIndex, start: number, end: number): BucketIndexBlock[] {
  return liveBlocks(index).filter((b) => b.min_time <= end && b.max_time > start);
}

/** Relative paths of a block's files: meta.json, index, then its segments. */
export function blockFiles(block: BucketIndexBlock): string[] | null {
  if (block.files) {
    const paths = block.files.map((f) => f.rel_path);
    return paths.includes("meta.json") ? paths : ["meta.json", ...paths];
  }
  if (block.segments_num === undefined || (block.segments_format ?? SEGMENTS_FORMAT_1B6D) !== SEGMENTS_FORMAT_1B6D) {
    return null;
  }
  const out = ["meta.json", "index"];
  for (let i = 1; i <= block.segments_num; i++) out.push(`chunks/${String(i).padStart(6, "0")}`);
  return out;
}

function parseBlock(raw: unknown, i: number): BucketIndexBlock {
  if (!isObject(raw)) throw new Error(`bucket index: blocks[${i}] not an object`);
  const id = raw.block_id;
  if (typeof id !== "string" || !isULID(id)) throw new Error(`bucket index: blocks[${i}] has an invalid block_id`);
  if (typeof raw.min_time !== "number" || typeof raw.max_time !== "number") {
    throw new Error(`bucket index: block ${id} has no time range`);
  }
  const files = raw.files;
  return {
    block_id: id,
    min_time: raw.min_time,
    max_time: raw.max_time,
    uploaded_at: typeof raw.uploaded_at === "number" ? raw.uploaded_at : 0,
    ...(typeof raw.segments_format === "string" ? { segments_format: raw.segments_format } : {}),
    ...(typeof raw.segments_num === "number" ? { segments_num: raw.segments_num } : {}),
    ...(typeof raw.compaction_level === "number" ? { compaction_level: raw.compaction_level } : {}),
    ...(typeof raw.source === "string" ? { source: raw.source } : {}),
    ...(Array.isArray(files) ? { files: files.map((f, j) => parseFile(f, id, j)) } : {}),
  };
}

function parseFile(raw: unknown, id: string, j: number): BucketIndexFile {
  if (!isObject(raw) || typeof raw.rel_path !== "string" || typeof raw.size_bytes !== "number") {
    throw new Error(`bucket index: block ${id} files[${j}] invalid`);
  }
  // Paths come from our own writer, but export writes them to disk: refuse escapes.
  if (raw.rel_path.startsWith("/") || raw.rel_path.split("/").includes("..")) {
    throw new Error(`bucket index: block ${id} file path ${JSON.stringify(raw.rel_path)} escapes the block`);
  }
  return { rel_path: raw.rel_path, size_bytes: raw.size_bytes };
}

function parseMark(raw: unknown, i: number): BlockDeletionMark {
  if (!isObject(raw) || typeof raw.block_id !== "string" || !isULID(raw.block_id)) {
    throw new Error(`bucket index: block_deletion_marks[${i}] invalid`);
  }
  return { block_id: raw.block_id, deletion_time: typeof raw.deletion_time === "number" ? raw.deletion_time : 0 };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arrayField(o: Record<string, unknown>, name: string): unknown[] {
  const v = o[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`bucket index: ${name} is not an array`);
  return v;
}
