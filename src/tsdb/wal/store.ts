/**
 * The ingester's durable state in Durable Object SQLite.
 *
 * - `wal`: one row per push record, in a ring of slots. Writing a record
 *   upserts slot `seq % slots`, so a push costs one row write and truncating
 *   the WAL costs nothing: rows at or below the checkpoint sequence are
 *   simply dead and get overwritten later.
 * - `head_chunks`: batches of completed chunks, appended at checkpoints,
 *   each with the newest sample time in it. Once written, a chunk's bytes
 *   are read back from here rather than kept in memory (DiskChunks), and a
 *   row is deleted once a block holds everything in it.
 * - `head_snapshot`: the series, open chunks and exemplars at the last
 *   checkpoint, split into parts that fit a row.
 * - `metadata`: one row per metric family, written when it changes.
 * - `wal_state`: the checkpoint sequence.
 *
 * A checkpoint covers everything in memory, which may already include the
 * record about to be written; replay is idempotent (a stored identical
 * sample is a no-op), so re-applying such a record is harmless.
 *
 * Callers run writes inside `transactionSync` so a push's record and any
 * checkpoint commit together.
 */
import type { MetricMetadata, MetricType } from "../../write/request";
import { concatBytes } from "../block/sink";
import { float64Bits } from "../chunkenc/xor";
import type { Head } from "../head/head";
import { DiskChunks } from "../head/disk-chunks";
import type { ChunkRowSource } from "../head/disk-chunks";
import { ChunkBatchWriter, encodeSnapshot, loadChunkBatch, loadSnapshot } from "./checkpoint";
import { MAX_RECORD_BYTES, WalRecordReader } from "./record";

export interface WalOptions {
  /** Ring size; must exceed checkpointEvery plus the records of one push. */
  readonly slots?: number;
  /** Checkpoint after this many records. */
  readonly checkpointEvery?: number;
  /** Checkpoint once chunks of this many bytes were completed. */
  readonly checkpointChunkBytes?: number;
  /** Bytes of checkpointed chunks the head keeps in memory (DiskChunks). */
  readonly residentChunkBytes?: number;
}

export interface ReplayStats {
  readonly series: number;
  readonly chunks: number;
  readonly records: number;
  readonly samples: number;
  /** Samples for series whose labels were missing (should be 0). */
  readonly orphanSamples: number;
}

/**
 * Chunk rows are read whole when a chunk in them is needed, so they are
 * kept small: a query for one series over the head reads a few of them.
 * On data that compresses to ~5 bytes per sample that is ~80 rows written
 * per million samples, ~20 for typical data.
 */
const CHUNK_ROW_BYTES = 64 * 1024;
const DEFAULT_SLOTS = 1024;
const DEFAULT_CHECKPOINT_EVERY = 256;
/**
 * Completed chunks can leave memory only once checkpointed; this bounds
 * those waiting to a few percent of a Durable Object's 128 MB whatever the
 * push rate.
 */
const DEFAULT_CHECKPOINT_CHUNK_BYTES = 4 << 20;

export class WalStore implements ChunkRowSource {
  private readonly sql: SqlStorage;
  private readonly slots: number;
  private readonly checkpointEvery: number;
  private readonly checkpointChunkBytes: number;
  private readonly residentChunkBytes: number | undefined;
  private lastSeq = 0;
  private checkpointSeq = 0;
  private snapshotParts = 0;
  /** Chunks wholly before this were dropped from the head. */
  private droppedBefore = -Infinity;
  /** Rows written through this store, as SQLite reports them. */
  rowsWritten = 0;

  constructor(sql: SqlStorage, opts: WalOptions = {}) {
    this.sql = sql;
    this.slots = opts.slots ?? DEFAULT_SLOTS;
    this.checkpointEvery = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    this.checkpointChunkBytes = opts.checkpointChunkBytes ?? DEFAULT_CHECKPOINT_CHUNK_BYTES;
    this.residentChunkBytes = opts.residentChunkBytes;
    if (this.checkpointEvery + 64 > this.slots) throw new RangeError("WAL ring too small for the checkpoint interval");
  }

  private exec(query: string, ...args: SqlStorageValue[]): SqlStorageCursor<Record<string, SqlStorageValue>> {
    const cur = this.sql.exec(query, ...args);
    return cur;
  }

  /** Runs a statement that writes, counting its rows written; returns what it returns (RETURNING). */
  private write(query: string, ...args: SqlStorageValue[]): Record<string, SqlStorageValue>[] {
    const cur = this.sql.exec(query, ...args);
    const out = cur.toArray();
    this.rowsWritten += cur.rowsWritten;
    return out;
  }

  init(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS wal (slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, rec BLOB NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS head_chunks (id INTEGER PRIMARY KEY, data BLOB NOT NULL, max_time INTEGER)`);
    // Rows written before max_time existed get it on the next replay.
    const columns = this.exec(`SELECT name FROM pragma_table_info('head_chunks')`).toArray();
    if (!columns.some((c) => c["name"] === "max_time")) this.sql.exec(`ALTER TABLE head_chunks ADD COLUMN max_time INTEGER`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS head_snapshot (part INTEGER PRIMARY KEY, data BLOB NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, type TEXT NOT NULL, help TEXT NOT NULL, unit TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS wal_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  get sequence(): number {
    return this.lastSeq;
  }

  get checkpointSequence(): number {
    return this.checkpointSeq;
  }

  /** Writes a push's records; checkpoints first if the ring would wrap onto live records. */
  append(head: Head, records: readonly Uint8Array[]): void {
    if (records.length === 0) return;
    if (this.lastSeq + records.length - this.checkpointSeq > this.slots) this.checkpoint(head);
    for (const rec of records) {
      const seq = ++this.lastSeq;
      this.write(
        `INSERT INTO wal (slot, seq, rec) VALUES (?, ?, ?) ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq, rec = excluded.rec`,
        seq % this.slots,
        seq,
        toArrayBuffer(rec),
      );
    }
  }

  /** True once enough records or completed chunk bytes have gathered since the last checkpoint. */
  checkpointDue(head: Head): boolean {
    return this.lastSeq - this.checkpointSeq >= this.checkpointEvery || head.slab.storedBytes >= this.checkpointChunkBytes;
  }

  saveMetadata(mds: readonly MetricMetadata[]): void {
    for (const md of mds) {
      this.write(
        `INSERT INTO metadata (name, type, help, unit) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET type = excluded.type, help = excluded.help, unit = excluded.unit`,
        md.metricFamilyName,
        md.type,
        md.help,
        md.unit,
      );
    }
  }

  /**
   * Persists new and rewritten completed chunks and a snapshot of the head,
   * then moves the checkpoint to the newest record: older records are dead.
   * The chunks written may then leave memory (DiskChunks).
   */
  checkpoint(head: Head): void {
    const disk = this.attach(head);
    const batch = new ChunkBatchWriter(CHUNK_ROW_BYTES);
    for (const s of head.dirty) {
      if (s.chunks === null) continue;
      for (const c of s.chunks) if (!c.persisted) batch.add(s.ref, c);
    }
    const rows = batch.finish().map((b) => this.insertChunkRow(b.data, b.maxTime));
    head.slab.storedBytes = 0;
    this.writeSnapshot(head);
    this.checkpointSeq = this.lastSeq;
    this.setState("checkpoint_seq", this.checkpointSeq);
    if (Number.isFinite(head.minValidTime)) this.setState("min_valid_time", head.minValidTime);
    // Last, once nothing above can throw: the chunks may let go of their bytes in memory.
    batch.forEachPlaced((c, i, offset) => disk.written(c, rows[i]!, offset));
    for (const s of head.dirty) s.hasUnpersistedChunks = false;
    head.dirty.clear();
    head.forEachSeries((s) => {
      if (!s.empty) s.logged = true;
    });
  }

  /**
   * Deletes chunk rows whose samples are all before `mint`, for after the
   * head dropped them (Head.truncateBefore, once a block holds them), and
   * writes a checkpoint so that a replay refuses what remains before `mint`.
   */
  dropChunksBefore(head: Head, mint: number): void {
    this.write(`DELETE FROM head_chunks WHERE max_time < ?`, mint);
    // Rows left may still hold chunks before `mint`; a replay skips them by this.
    // (Not the head's min valid time: a block cut raises that before the
    // head lets the range go, and until then a replay must restore it.)
    this.droppedBefore = Math.max(this.droppedBefore, mint);
    this.setState("chunks_dropped_before", this.droppedBefore);
    // Deleted ids can be handed out again.
    head.disk?.clearCache();
    head.disk?.forget((c) => c.maxTime >= mint);
    this.checkpoint(head);
  }

  readChunkRow(row: number): Uint8Array {
    const found = this.exec(`SELECT data FROM head_chunks WHERE id = ?`, row).toArray()[0];
    if (found === undefined) throw new Error(`chunk row ${row} is missing from the checkpoint`);
    return new Uint8Array(found["data"] as ArrayBuffer);
  }

  private insertChunkRow(data: Uint8Array, maxTime: number): number {
    return Number(this.write(`INSERT INTO head_chunks (data, max_time) VALUES (?, ?) RETURNING id`, toArrayBuffer(data), maxTime)[0]!["id"]);
  }

  /** The head reads its written chunks back through this store. */
  private attach(head: Head): DiskChunks {
    return (head.disk ??= new DiskChunks(this, { residentBytes: this.residentChunkBytes }));
  }

  private writeSnapshot(head: Head): void {
    const snap = encodeSnapshot(head);
    let parts = 0;
    for (let off = 0; off < snap.length; off += MAX_RECORD_BYTES) {
      this.write(
        `INSERT INTO head_snapshot (part, data) VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET data = excluded.data`,
        parts++,
        toArrayBuffer(snap.subarray(off, Math.min(snap.length, off + MAX_RECORD_BYTES))),
      );
    }
    if (parts < this.snapshotParts) this.write(`DELETE FROM head_snapshot WHERE part >= ?`, parts);
    this.snapshotParts = parts;
    this.setState("snapshot_parts", parts);
  }

  private setState(key: string, value: number): void {
    this.write(`INSERT INTO wal_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }

  /** A saved state value, or `absent` when it was never saved. */
  private state(key: string, absent = 0): number {
    const row = this.exec(`SELECT value FROM wal_state WHERE key = ?`, key).toArray()[0];
    return row === undefined ? absent : Number(row["value"]);
  }

  /** Rebuilds an empty head: metadata, snapshot, chunk batches, then live WAL records in order. */
  replay(head: Head): ReplayStats {
    this.checkpointSeq = this.state("checkpoint_seq");
    this.snapshotParts = this.state("snapshot_parts");
    this.droppedBefore = this.state("chunks_dropped_before", -Infinity);
    head.minValidTime = this.state("min_valid_time", -Infinity);
    for (const row of this.exec(`SELECT name, type, help, unit FROM metadata`)) {
      head.setMetadata({ metricFamilyName: String(row["name"]), type: String(row["type"]) as MetricType, help: String(row["help"]), unit: String(row["unit"]) });
    }
    let series = 0;
    if (this.snapshotParts > 0) {
      const parts = this.exec(`SELECT data FROM head_snapshot WHERE part < ? ORDER BY part`, this.snapshotParts)
        .toArray()
        .map((r) => new Uint8Array(r["data"] as ArrayBuffer));
      series = loadSnapshot(head, concatBytes(parts));
    }
    this.attach(head);
    let chunks = 0;
    const unknownMaxTime: [number, number][] = [];
    // Row by row: the table can be far larger than the head's memory.
    for (const row of this.exec(`SELECT id, data, max_time FROM head_chunks ORDER BY id`)) {
      const id = Number(row["id"]);
      const loaded = loadChunkBatch(head, new Uint8Array(row["data"] as ArrayBuffer), id, this.droppedBefore);
      chunks += loaded.chunks;
      if (row["max_time"] === null) unknownMaxTime.push([id, loaded.maxTime]);
    }
    for (const [id, maxTime] of unknownMaxTime) this.write(`UPDATE head_chunks SET max_time = ? WHERE id = ?`, maxTime, id);

    let records = 0;
    let samples = 0;
    let orphanSamples = 0;
    this.lastSeq = this.checkpointSeq;
    const reader = new WalRecordReader();
    for (const row of this.exec(`SELECT seq, rec FROM wal WHERE seq > ? ORDER BY seq`, this.checkpointSeq)) {
      records++;
      this.lastSeq = Number(row["seq"]);
      reader.read(new Uint8Array(row["rec"] as ArrayBuffer), {
        entry(ref, labels, ts, vs, n, exemplars) {
          const s = labels !== null ? head.createWithRef(ref, labels) : head.get(ref);
          if (s === undefined) {
            orphanSamples += n;
            return;
          }
          s.logged = true;
          // Every logged sample was accepted once: accept it again wherever it falls.
          const bits = float64Bits(vs);
          for (let i = 0; i < n; i++) head.append(s, ts[i]!, bits[2 * i + 1]!, bits[2 * i]!, Infinity);
          for (const e of exemplars) head.appendExemplar(s, e);
          samples += n;
        },
      });
    }
    return { series, chunks, records, samples, orphanSamples };
  }
}

/** SQLite takes BLOBs as ArrayBuffers; copy only when the view is partial. */
function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.slice().buffer as ArrayBuffer;
}

