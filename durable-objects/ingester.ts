/**
 * The ingester Durable Object: one per tenant × shard. Holds the head in
 * memory and its WAL and checkpoints in the object's SQLite storage.
 *
 * A push is applied to the head at once; its WAL record is written to
 * SQLite together with those of the other pushes that arrive within a few
 * milliseconds (group commit), and the reply waits for that write. The DO's output
 * gate also holds it until SQLite committed, so an acknowledged sample is
 * always durable. After an eviction or restart the constructor rebuilds the
 * head before serving.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import type {
  ExemplarSeries,
  HeadStatus,
  IngesterRPC,
  LabelRequest,
  PushRequest,
  PushResult,
  SelectRequest,
  SelectResult,
} from "../src/ingester/protocol";
import { Matcher } from "../src/model/matchers";
import type { MatcherSpec } from "../src/model/matchers";
import type { MetricMetadata } from "../src/write/request";
import { Head } from "../src/tsdb/head/head";
import { ingestPush } from "../src/tsdb/head/ingest";
import { groupCommitWindowMs, WalGroupCommit } from "../src/tsdb/wal/group-commit";
import { LabelStrings } from "../src/ingester/push-codec";
import { WalStore } from "../src/tsdb/wal/store";
import type { ReplayStats } from "../src/tsdb/wal/store";
import { BlockCutter, type FlushResult } from "../src/ingester/block-cutter";

/** Figures about the head and its storage, for tests, benchmarks and the admin API. */
export interface IngesterStats {
  readonly series: number;
  readonly completedChunks: number;
  /** Completed chunks held in memory; the others are read back from the checkpoint. */
  readonly chunksInMemory: number;
  /** Checkpoint rows read back for chunks since the object started. */
  readonly chunkRowsRead: number;
  readonly walSequence: number;
  readonly checkpointSequence: number;
  readonly rowsWritten: number;
  readonly replay: ReplayStats | null;
}

export class Ingester extends DurableObject<Env> implements IngesterRPC {
  private readonly head = new Head();
  private readonly wal: WalStore;
  private replayStats: ReplayStats | null = null;
  /** Label strings of packed pushes, decoded once. */
  private readonly labelStrings = new LabelStrings();
  /** Pushes that arrive within the group-commit window share a WAL row. */
  private readonly group: WalGroupCommit;
  /** Cuts head ranges into blocks in R2 (alarm and flush). */
  readonly cutter: BlockCutter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const windowMs = groupCommitWindowMs(env.WAL_GROUP_COMMIT_MS);
    this.group = new WalGroupCommit((records, metadata) => this.writeWal(records, metadata), () => wait(windowMs));
    this.wal = new WalStore(ctx.storage.sql);
    this.cutter = new BlockCutter(ctx, env, this.head, this.wal);
    void ctx.blockConcurrencyWhile(async () => {
      this.wal.init();
      this.replayStats = this.wal.replay(this.head);
      this.cutter.restore();
    });
  }

  async push(req: PushRequest): Promise<PushResult> {
    const { result, changedMetadata } = ingestPush(this.head, req, this.group.records, this.labelStrings);
    this.group.addMetadata(changedMetadata);
    await this.group.commit();
    await this.cutter.afterPush(req.outOfOrderWindowMs);
    return result;
  }

  /** One SQLite transaction for the records of every push in a group. */
  private writeWal(records: Uint8Array[], metadata: MetricMetadata[]): void {
    try {
      this.ctx.storage.transactionSync(() => {
        this.wal.append(this.head, records);
        this.wal.saveMetadata(metadata);
        if (this.wal.checkpointDue(this.head)) this.wal.checkpoint(this.head);
      });
    } catch (e) {
      // The head already holds samples that are not durable: start over from storage.
      this.ctx.abort(`WAL write failed: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Looks for head ranges old enough to cut into blocks. */
  override async alarm(): Promise<void> {
    await this.cutter.alarm();
  }

  /** Cuts everything in the head into blocks now (tests, shutdown, demos). */
  async flush(tenant: string, shard: number, holdMs?: number): Promise<FlushResult> {
    return this.cutter.flush(tenant, shard, holdMs);
  }

  async select(req: SelectRequest): Promise<SelectResult> {
    return this.head.selectPacked(matchers(req.matchers), req.start, req.end, { seriesOnly: req.seriesOnly, limit: req.limit });
  }

  async labelNames(req: LabelRequest): Promise<string[]> {
    return this.head.labelNames(matchers(req.matchers), req.start, req.end, req.limit ?? 0);
  }

  async labelValues(name: string, req: LabelRequest): Promise<string[]> {
    return this.head.labelValues(name, matchers(req.matchers), req.start, req.end, req.limit ?? 0);
  }

  async metadata(metric: string, limit: number): Promise<MetricMetadata[]> {
    return this.head.metadata(metric, limit);
  }

  async headStatus(): Promise<HeadStatus> {
    return this.head.status();
  }

  async exemplars(req: SelectRequest): Promise<ExemplarSeries[]> {
    const out = this.head.exemplars(matchers(req.matchers), req.start, req.end);
    return req.limit !== undefined && req.limit > 0 ? out.slice(0, req.limit) : out;
  }

  /** Writes a checkpoint now (also what a block cutter runs after truncating the head). */
  async checkpoint(): Promise<void> {
    this.ctx.storage.transactionSync(() => this.wal.checkpoint(this.head));
  }

  /**
   * Drops head data before `mint` (once a block in R2 holds it) and its
   * chunk rows, and checkpoints so a restart does not bring it back.
   */
  async truncate(mint: number): Promise<number> {
    const removed = this.head.truncateBefore(mint);
    this.ctx.storage.transactionSync(() => this.wal.dropChunksBefore(this.head, mint));
    return removed;
  }

  async stats(): Promise<IngesterStats> {
    const h = this.head.stats();
    return {
      series: h.series,
      completedChunks: h.completedChunks,
      chunksInMemory: h.chunksInMemory,
      chunkRowsRead: this.head.disk?.rowsRead ?? 0,
      walSequence: this.wal.sequence,
      checkpointSequence: this.wal.checkpointSequence,
      rowsWritten: this.wal.rowsWritten,
      replay: this.replayStats,
    };
  }
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function matchers(specs: readonly MatcherSpec[]): Matcher[] {
  return specs.map((m) => Matcher.from(m));
}
