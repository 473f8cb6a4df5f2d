/**
 * Cutting blocks from an ingester's head into R2.
 *
 * The head keeps every chunk inside one aligned block range (2h), so a cut
 * takes whole chunks: the completed ones and, for series that went quiet,
 * the open one. A cut is a small state machine persisted in the ingester's
 * SQLite, so a crash at any step loses nothing and duplicates nothing:
 *
 *   1. plan: pick the range and a ULID, persist them, and raise the head's
 *      min valid time to the range end (no sample can land in it anymore);
 *   2. upload the block (meta.json last) under `<tenant>/<ULID>/`;
 *   3. register it in the tenant's catalog (idempotent by ULID);
 *   4. once queriers have had time to see the new bucket index (their
 *      cached copy lives a few seconds), drop the range from the head and
 *      rewrite the checkpoint, clearing the persisted cut in the same
 *      transaction. Until then the head keeps answering for the range.
 *
 * A retry after a crash resumes with the persisted ULID and range: the
 * re-upload overwrites identical objects and registration is a no-op.
 * Until step 4 the data is in both head and block; the querier returns a
 * sample present in both once. Readers go by the bucket index only, so a
 * block whose upload died before meta.json is never read.
 */
import type { Labels } from "../model/labels";
import type { BlockChunk, BlockSeries, WrittenBlock } from "../tsdb/block/block-writer";
import { writeBlock } from "../tsdb/block/block-writer";
import type { BlockMeta } from "../tsdb/block/meta";
import { compareLabelsUtf8 } from "../tsdb/block/order";
import { R2BlockSink, type R2UploadTarget } from "../tsdb/block/r2-sink";
import { newULID } from "../tsdb/block/ulid";
import { readChunks } from "../tsdb/head/disk-chunks";
import type { HeadChunk } from "../tsdb/head/slab";
import type { Head } from "../tsdb/head/head";

/** External label naming the tenant in meta.json (Mimir's name for it). */
export const TENANT_EXTERNAL_LABEL = "__org_id__";
/** External label naming the ingester shard that cut the block; compaction drops it. */
export const SHARD_EXTERNAL_LABEL = "__ingester_shard__";

/** A cut in progress, as persisted. */
export interface PendingCut {
  readonly ulid: string;
  readonly minTime: number;
  /** Exclusive. */
  readonly maxTime: number;
  /** Unix ms when the catalog accepted the block; null while uploading. */
  readonly registeredAt: number | null;
}

/** When a range is old enough to cut. */
export interface CutPolicy {
  /**
   * Head data must reach this far past a range's end before it is cut, so
   * that out-of-order and late samples still find the range in the head.
   */
  readonly marginMs: number;
  /** A range whose end is this far behind the wall clock is cut even if no newer data arrived (idle series). */
  readonly idleMs: number;
}

export function defaultCutPolicy(rangeMs: number, outOfOrderWindowMs = 0): CutPolicy {
  return { marginMs: rangeMs / 2 + outOfOrderWindowMs, idleMs: rangeMs + outOfOrderWindowMs };
}

/**
 * The next range to cut: the oldest aligned range in the head, once its
 * end is `marginMs` behind the head's newest sample or `idleMs` behind the
 * wall clock. With `flush`, the oldest range regardless of age, ending just
 * after the newest sample if that is inside it.
 */
export function nextCutRange(head: Head, nowMs: number, policy: CutPolicy, flush = false): { minTime: number; maxTime: number } | null {
  // Ranges below the min valid time are cut already (maybe awaiting truncation).
  const r = head.timeRange(head.minValidTime);
  if (r === null) return null;
  const range = head.chunkRangeMs;
  const start = Math.floor(r.minTime / range) * range;
  const end = start + range;
  if (flush) return { minTime: start, maxTime: Math.min(end, r.maxTime + 1) };
  if (end + policy.marginMs <= r.maxTime || end + policy.idleMs <= nowMs) return { minTime: start, maxTime: end };
  return null;
}

/**
 * Series with data in [minTime, maxTime), in the index's label order, with
 * their chunks fully inside the range (chunks never straddle a range end).
 * Chunks held only in the checkpoint are read back row by row.
 */
export function headBlockSeries(head: Head, minTime: number, maxTime: number): BlockSeries[] {
  const out: { labels: Labels; chunks: BlockChunk[] }[] = [];
  const completed: HeadChunk[] = [];
  const slots: { chunks: BlockChunk[]; at: number }[] = [];
  head.forEachSeries((s) => {
    if (s.empty || s.maxTime < minTime || s.minTime >= maxTime) return;
    const chunks: BlockChunk[] = [];
    for (const c of s.chunks ?? []) {
      if (c.minTime < minTime || c.maxTime >= maxTime) continue;
      completed.push(c);
      slots.push({ chunks, at: chunks.length });
      chunks.push({ minTime: c.minTime, maxTime: c.maxTime, data: EMPTY });
    }
    if (s.head !== null && s.headMinTime >= minTime && s.head.lastTimestamp < maxTime) {
      chunks.push({ minTime: s.headMinTime, maxTime: s.head.lastTimestamp, data: s.head.copyBytes() });
    }
    if (chunks.length > 0) out.push({ labels: head.labelsOf(s), chunks });
  });
  // Completed chunks' bytes, from memory or row by row from the checkpoint.
  readChunks(completed, (i, data) => {
    const { chunks, at } = slots[i]!;
    chunks[at] = { ...chunks[at]!, data: data.slice() };
  });
  out.sort((a, b) => compareLabelsUtf8(a.labels, b.labels));
  return out;
}

const EMPTY = new Uint8Array(0);

/** The persisted cut state in the ingester's SQLite. */
export class CutStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS block_cuts (ulid TEXT PRIMARY KEY, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL, registered_at INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ingester_identity (id INTEGER PRIMARY KEY CHECK (id = 1), tenant TEXT NOT NULL, shard INTEGER NOT NULL)`);
  }

  /** Cuts not yet truncated from the head, oldest range first. */
  all(): PendingCut[] {
    return this.sql
      .exec<{ ulid: string; min_time: number; max_time: number; registered_at: number | null }>(
        `SELECT ulid, min_time, max_time, registered_at FROM block_cuts ORDER BY max_time`,
      )
      .toArray()
      .map((r) => ({ ulid: r.ulid, minTime: Number(r.min_time), maxTime: Number(r.max_time), registeredAt: r.registered_at === null ? null : Number(r.registered_at) }));
  }

  /** The cut whose upload or registration has not finished, if any. */
  unregistered(): PendingCut | null {
    return this.all().find((c) => c.registeredAt === null) ?? null;
  }

  begin(cut: PendingCut): void {
    this.sql.exec(`INSERT INTO block_cuts (ulid, min_time, max_time, registered_at) VALUES (?, ?, ?, NULL)`, cut.ulid, cut.minTime, cut.maxTime);
  }

  markRegistered(ulid: string, atMs: number): void {
    this.sql.exec(`UPDATE block_cuts SET registered_at = ? WHERE ulid = ?`, atMs, ulid);
  }

  /** Forgets cuts whose range ends at or before `maxTime` (they left the head). */
  clearUpTo(maxTime: number): void {
    this.sql.exec(`DELETE FROM block_cuts WHERE max_time <= ? AND registered_at IS NOT NULL`, maxTime);
  }

  identity(): { tenant: string; shard: number } | null {
    const row = this.sql.exec<{ tenant: string; shard: number }>(`SELECT tenant, shard FROM ingester_identity WHERE id = 1`).toArray()[0];
    return row === undefined ? null : { tenant: row.tenant, shard: Number(row.shard) };
  }

  setIdentity(tenant: string, shard: number): void {
    this.sql.exec(
      `INSERT INTO ingester_identity (id, tenant, shard) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, shard = excluded.shard`,
      tenant,
      shard,
    );
  }
}

/** What registering a block in the tenant catalog answered. */
export type Registration = "registered" | "already-registered" | "refused-deleted";

export interface CutDeps {
  readonly head: Head;
  readonly store: CutStore;
  readonly bucket: R2UploadTarget & Pick<R2Bucket, "delete">;
  readonly tenant: string;
  readonly shard: number;
  readonly register: (meta: BlockMeta) => Promise<Registration>;
  /** Drops head data before `maxTime`, makes that durable and clears the cuts up to it, in one transaction. */
  readonly truncate: (maxTime: number) => void;
  /** Runs `fn` as one SQLite transaction. */
  readonly transaction: (fn: () => void) => void;
  readonly now: () => number;
}

export interface CutResult {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly registeredAt: number | null;
  readonly registration: Registration | "empty";
  readonly series: number;
  readonly block: WrittenBlock | null;
}

/**
 * Runs the pending cut, if any, else plans and runs the next one. Returns
 * null when nothing is due. Throws on upload or registration failure; the
 * pending cut stays and the next call retries it.
 */
export async function cutOnce(deps: CutDeps, policy: CutPolicy, flush = false): Promise<CutResult | null> {
  const { head, store } = deps;
  let cut = store.unregistered();
  if (cut === null) {
    const range = nextCutRange(head, deps.now(), policy, flush);
    if (range === null) return null;
    const planned: PendingCut = { ulid: newULID(deps.now()), ...range, registeredAt: null };
    deps.transaction(() => store.begin(planned));
    cut = planned;
  }
  // Nothing may enter the range while it is being uploaded.
  head.minValidTime = Math.max(head.minValidTime, cut.maxTime);

  const series = headBlockSeries(head, cut.minTime, cut.maxTime);
  if (series.length === 0) {
    deps.transaction(() => store.markRegistered(cut.ulid, 0));
    return { ...cut, registration: "empty", series: 0, block: null };
  }
  const block = await writeBlock(
    series,
    {
      ulid: cut.ulid,
      minTime: cut.minTime,
      maxTime: cut.maxTime,
      externalLabels: { [TENANT_EXTERNAL_LABEL]: deps.tenant, [SHARD_EXTERNAL_LABEL]: String(deps.shard) },
      source: "receive",
    },
    new R2BlockSink(deps.bucket, `${deps.tenant}/${cut.ulid}/`),
  );
  const registration = await deps.register(block.meta);
  if (registration === "refused-deleted") {
    // The catalog already compacted or deleted this block's data: this re-upload is an orphan.
    const keys = ["meta.json", ...block.files.map((f) => f.rel_path)].map((p) => `${deps.tenant}/${cut.ulid}/${p}`);
    await deps.bucket.delete(keys);
  }
  const at = deps.now();
  deps.transaction(() => store.markRegistered(cut.ulid, at));
  return { ...cut, registeredAt: at, registration, series: series.length, block };
}

/**
 * Drops from the head every registered cut at least `delayMs` old (and the
 * ranges before it). Returns when the next one is due, or null if none waits.
 */
export function truncateDue(deps: CutDeps, delayMs: number): number | null {
  const now = deps.now();
  let upTo = -Infinity;
  let next: number | null = null;
  for (const c of deps.store.all()) {
    if (c.registeredAt === null) break;
    if (c.registeredAt + delayMs <= now) upTo = c.maxTime;
    else {
      next = c.registeredAt + delayMs;
      break;
    }
  }
  if (upTo > -Infinity) deps.truncate(upTo);
  return next;
}
