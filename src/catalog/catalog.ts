/**
 * A tenant's block catalog, kept in the tenant Durable Object's SQLite: the
 * single source of truth for which blocks in R2 are live, which are marked
 * for deletion, and which uploads are in progress. Every change is followed
 * by a rewrite of `<tenant>/bucket-index.json` (see `publish`), which is
 * what queriers read.
 *
 * Block ids that were ever marked for deletion are remembered ("forgotten"
 * table) so that a late or retried registration of a block that compaction
 * or retention already took cannot bring it back.
 */
import {
  type BucketIndex,
  type BucketIndexBlock,
  type BucketIndexStore,
  BUCKET_INDEX_VERSION,
  blockFromMeta,
  writeBucketIndex,
} from "../storage/bucket-index";
import type { BlockMeta } from "../tsdb/block/meta";

/** A live or marked block as the catalog holds it. */
export interface CatalogBlock {
  readonly meta: BlockMeta;
  readonly entry: BucketIndexBlock;
  /** Unix ms of the deletion mark, or null for a live block. */
  readonly markedAt: number | null;
}

/** What registering a block did. */
export type RegisterOutcome = "registered" | "already-registered" | "refused-deleted";

/** An upload started but not yet registered: its files are removed if it is abandoned. */
export interface PendingUpload {
  readonly ulid: string;
  readonly startedAt: number;
  readonly files: readonly string[];
}

/** How long ids of deleted blocks are remembered (longer than any retry). */
const FORGET_AFTER_MS = 30 * 24 * 3600_000;

export class BlockCatalog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS catalog_blocks (
      id TEXT PRIMARY KEY, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL,
      meta TEXT NOT NULL, entry TEXT NOT NULL, marked_at INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS catalog_forgotten (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS catalog_uploads (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, files TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS catalog_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }

  /** The tenant this catalog belongs to, once a caller told it. */
  get tenant(): string | null {
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM catalog_state WHERE key = 'tenant'`).toArray()[0];
    return row?.value ?? null;
  }

  setTenant(tenant: string): void {
    const known = this.tenant;
    if (known === tenant) return;
    if (known !== null) throw new Error(`catalog belongs to tenant ${JSON.stringify(known)}, not ${JSON.stringify(tenant)}`);
    this.sql.exec(`INSERT INTO catalog_state (key, value) VALUES ('tenant', ?)`, tenant);
  }

  /**
   * Adds a complete block (its meta.json is in R2). Idempotent; refuses
   * blocks deleted before, and blocks whose data a live block already holds.
   */
  register(meta: BlockMeta, nowMs: number): RegisterOutcome {
    if (this.get(meta.ulid) !== null) return "already-registered";
    if (this.isForgotten(meta.ulid) || this.coveredBy(meta) !== null) return "refused-deleted";
    const entry = blockFromMeta(meta, Math.floor(nowMs / 1000));
    this.sql.exec(
      `INSERT INTO catalog_blocks (id, min_time, max_time, meta, entry, marked_at) VALUES (?, ?, ?, ?, ?, NULL)`,
      meta.ulid,
      meta.minTime,
      meta.maxTime,
      JSON.stringify(meta),
      JSON.stringify(entry),
    );
    this.sql.exec(`DELETE FROM catalog_uploads WHERE id = ?`, meta.ulid);
    return "registered";
  }

  /** A live block whose sources include all of `meta`'s sources (the data is already compacted). */
  private coveredBy(meta: BlockMeta): string | null {
    const want = meta.compaction.sources;
    for (const b of this.live()) {
      if (b.meta.compaction.level <= meta.compaction.level) continue;
      const have = new Set(b.meta.compaction.sources);
      if (want.every((s) => have.has(s))) return b.meta.ulid;
    }
    return null;
  }

  get(ulid: string): CatalogBlock | null {
    const row = this.sql
      .exec<{ meta: string; entry: string; marked_at: number | null }>(`SELECT meta, entry, marked_at FROM catalog_blocks WHERE id = ?`, ulid)
      .toArray()[0];
    return row === undefined ? null : toBlock(row);
  }

  /** Every block, live and marked, by min time then id. */
  all(): CatalogBlock[] {
    return this.sql
      .exec<{ meta: string; entry: string; marked_at: number | null }>(`SELECT meta, entry, marked_at FROM catalog_blocks ORDER BY min_time, id`)
      .toArray()
      .map(toBlock);
  }

  live(): CatalogBlock[] {
    return this.all().filter((b) => b.markedAt === null);
  }

  /** Marks blocks for deletion; queriers stop picking them at their next bucket-index read. */
  markForDeletion(ids: readonly string[], nowMs: number): void {
    for (const id of ids) {
      this.sql.exec(`UPDATE catalog_blocks SET marked_at = ? WHERE id = ? AND marked_at IS NULL`, nowMs, id);
      this.sql.exec(`INSERT INTO catalog_forgotten (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, nowMs);
    }
  }

  /** Marked blocks whose mark is at least `delayMs` old: safe to delete now. */
  dueForDeletion(nowMs: number, delayMs: number): CatalogBlock[] {
    return this.all().filter((b) => b.markedAt !== null && b.markedAt + delayMs <= nowMs);
  }

  /** Drops a block from the catalog (after its objects were deleted). */
  remove(ulid: string, nowMs: number): void {
    this.sql.exec(`DELETE FROM catalog_blocks WHERE id = ?`, ulid);
    this.sql.exec(`DELETE FROM catalog_forgotten WHERE at < ?`, nowMs - FORGET_AFTER_MS);
  }

  private isForgotten(ulid: string): boolean {
    return this.sql.exec(`SELECT 1 FROM catalog_forgotten WHERE id = ?`, ulid).toArray().length > 0;
  }

  /** Records an upload about to start, before its first byte reaches R2. */
  beginUpload(ulid: string, nowMs: number): void {
    this.sql.exec(`INSERT INTO catalog_uploads (id, started_at, files) VALUES (?, ?, '[]') ON CONFLICT (id) DO NOTHING`, ulid, nowMs);
  }

  /** Records a file of an upload before it is created, so cleanup knows every key without a LIST. */
  uploadFile(ulid: string, path: string): void {
    const row = this.sql.exec<{ files: string }>(`SELECT files FROM catalog_uploads WHERE id = ?`, ulid).toArray()[0];
    if (row === undefined) return;
    const files = JSON.parse(row.files) as string[];
    if (files.includes(path)) return;
    files.push(path);
    this.sql.exec(`UPDATE catalog_uploads SET files = ? WHERE id = ?`, JSON.stringify(files), ulid);
  }

  pendingUploads(): PendingUpload[] {
    return this.sql
      .exec<{ id: string; started_at: number; files: string }>(`SELECT id, started_at, files FROM catalog_uploads ORDER BY id`)
      .toArray()
      .map((r) => ({ ulid: r.id, startedAt: r.started_at, files: JSON.parse(r.files) as string[] }));
  }

  endUpload(ulid: string): void {
    this.sql.exec(`DELETE FROM catalog_uploads WHERE id = ?`, ulid);
  }

  /** The catalog in bucket-index.json's shape. */
  bucketIndex(nowMs: number): BucketIndex {
    const blocks = this.all();
    return {
      version: BUCKET_INDEX_VERSION,
      blocks: blocks.map((b) => b.entry),
      block_deletion_marks: blocks
        .filter((b) => b.markedAt !== null)
        .map((b) => ({ block_id: b.meta.ulid, deletion_time: Math.floor(b.markedAt! / 1000) })),
      updated_at: Math.floor(nowMs / 1000),
    };
  }

  /** Writes bucket-index.json from the catalog. */
  async publish(bucket: BucketIndexStore, nowMs: number): Promise<BucketIndex> {
    const tenant = this.tenant;
    if (tenant === null) throw new Error("catalog has no tenant yet");
    const index = this.bucketIndex(nowMs);
    await writeBucketIndex(bucket, tenant, index);
    return index;
  }
}

function toBlock(row: { meta: string; entry: string; marked_at: number | null }): CatalogBlock {
  return {
    meta: JSON.parse(row.meta) as BlockMeta,
    entry: JSON.parse(row.entry) as BucketIndexBlock,
    markedAt: row.marked_at === null ? null : Number(row.marked_at),
  };
}
