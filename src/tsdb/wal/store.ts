/**
 * The ingester's durable state in Durable Object SQLite.
 *
 * - `wal`: one row per push record, in a ring of slots. Writing a record
 *   upserts slot `seq % slots`, so a push costs one row write and truncating
 *   the WAL costs nothing: rows at or below the checkpoint sequence are
 *   simply dead and get overwritten later.
 * - `head_chunks`: batches of completed chunks, appended at checkpoints.
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
import { ChunkBatchWriter, encodeSnapshot, loadChunkBatch, loadSnapshot } from "./checkpoint";
import { MAX_RECORD_BYTES, WalRecordReader } from "./record";

export interface WalOptions {
  /** Ring size; must exceed checkpointEvery plus the records of one push. */
  readonly slots?: number;
  /** Checkpoint after this many records. */
  readonly checkpointEvery?: number;
}

export interface ReplayStats {
  readonly series: number;
  readonly chunks: number;
  readonly records: number;
  readonly samples: number;
  /** Samples for series whose labels were missing (should be 0). */
  readonly orphanSamples: number;
}

const DEFAULT_SLOTS = 1024;
const DEFAULT_CHECKPOINT_EVERY = 256;

export class WalStore {
  private readonly sql: SqlStorage;
  private readonly slots: number;
  private readonly checkpointEvery: number;
  private lastSeq = 0;
  private checkpointSeq = 0;
  private snapshotParts = 0;
  /** Rows written through this store, as SQLite reports them. */
  rowsWritten = 0;

  constructor(sql: SqlStorage, opts: WalOptions = {}) {
    this.sql = sql;
    this.slots = opts.slots ?? DEFAULT_SLOTS;
    this.checkpointEvery = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (this.checkpointEvery + 64 > this.slots) throw new RangeError("WAL ring too small for the checkpoint interval");
  }

  private exec(query: string, ...args: SqlStorageValue[]): SqlStorageCursor<Record<string, SqlStorageValue>> {
    const cur = this.sql.exec(query, ...args);
    return cur;
  }

  private write(query: string, ...args: SqlStorageValue[]): void {
    const cur = this.sql.exec(query, ...args);
    cur.toArray();
    this.rowsWritten += cur.rowsWritten;
  }

  init(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS wal (slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, rec BLOB NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS head_chunks (id INTEGER PRIMARY KEY, data BLOB NOT NULL)`);
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

  get shouldCheckpoint(): boolean {
    return this.lastSeq - this.checkpointSeq >= this.checkpointEvery;
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
   */
  checkpoint(head: Head): void {
    const batch = new ChunkBatchWriter(MAX_RECORD_BYTES);
    const written: { persisted: boolean }[] = [];
    for (const s of head.dirty) {
      if (s.chunks !== null) {
        for (const c of s.chunks) {
          if (c.persisted) continue;
          batch.add(s.ref, c);
          written.push(c);
        }
      }
    }
    for (const row of batch.finish()) this.write(`INSERT INTO head_chunks (data) VALUES (?)`, toArrayBuffer(row));
    this.writeSnapshot(head);
    this.checkpointSeq = this.lastSeq;
    this.setState("checkpoint_seq", this.checkpointSeq);
    if (Number.isFinite(head.minValidTime)) this.setState("min_valid_time", head.minValidTime);
    for (const c of written) c.persisted = true;
    for (const s of head.dirty) s.hasUnpersistedChunks = false;
    head.dirty.clear();
    head.forEachSeries((s) => {
      if (!s.empty) s.logged = true;
    });
  }

  /**
   * Rewrites the chunk table from the head's completed chunks, for use after
   * chunks were dropped from the head (e.g. once a block holds them).
   */
  rewriteChunks(head: Head): void {
    this.write(`DELETE FROM head_chunks`);
    const batch = new ChunkBatchWriter(MAX_RECORD_BYTES);
    head.forEachSeries((s) => {
      s.chunks?.forEach((c) => {
        batch.add(s.ref, c);
        c.persisted = true;
      });
      s.hasUnpersistedChunks = false;
    });
    head.dirty.clear();
    for (const row of batch.finish()) this.write(`INSERT INTO head_chunks (data) VALUES (?)`, toArrayBuffer(row));
    this.checkpoint(head);
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

  private state(key: string): number {
    const row = this.exec(`SELECT value FROM wal_state WHERE key = ?`, key).toArray()[0];
    return row === undefined ? 0 : Number(row["value"]);
  }

  /** Rebuilds an empty head: metadata, snapshot, chunk batches, then live WAL records in order. */
  replay(head: Head): ReplayStats {
    this.checkpointSeq = this.state("checkpoint_seq");
    this.snapshotParts = this.state("snapshot_parts");
    const minValid = this.exec(`SELECT value FROM wal_state WHERE key = 'min_valid_time'`).toArray()[0];
    if (minValid !== undefined) head.minValidTime = Number(minValid["value"]);
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
    let chunks = 0;
    for (const row of this.exec(`SELECT data FROM head_chunks ORDER BY id`)) chunks += loadChunkBatch(head, new Uint8Array(row["data"] as ArrayBuffer));

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

