/**
 * The tenant DO's block duties: the catalog RPCs ingesters call after a
 * cut, and the alarm that compacts, applies retention and deletes marked
 * blocks. Kept out of the DO class so the class stays a thin RPC surface.
 */
import type { Limits } from "../config/limits";
import type { Env } from "../env";
import type { CompactionBucket } from "../compactor/compact";
import { type CompactorSettings, compactionRound, type RoundResult } from "../compactor/runner";
import { DEFAULT_COMPACTION_WAIT_MS } from "../compactor/plan";
import type { BucketIndex } from "../storage/bucket-index";
import type { BlockMeta } from "../tsdb/block/meta";
import { BlockCatalog, type RegisterOutcome } from "./catalog";
import { IndexPublisher } from "./publisher";

/** How soon after a registration the compactor looks at the catalog. */
export const COMPACTION_CHECK_DELAY_MS = 60_000;
/** How often it looks again while blocks exist (deletions, retention). */
export const COMPACTION_INTERVAL_MS = 15 * 60_000;

/** A catalog entry as listed over RPC. */
export interface ListedCatalogBlock {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly level: number;
  readonly sources: readonly string[];
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly numSamples: number;
  readonly markedAt: number | null;
}

export class TenantBlocks {
  readonly catalog: BlockCatalog;
  /** R2 target of compaction reads, writes and deletions; tests swap in a stalling or failing one. */
  bucket: CompactionBucket & Pick<R2Bucket, "delete">;
  private readonly publisher: IndexPublisher;
  /** Compaction uploads in progress in this instance (see CompactorDeps.running). */
  private readonly runningUploads = new Set<string>();
  /** The round in progress or last finished; the next one waits for it. */
  private lastRound: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    /** The tenant's effective limits, computed inside the DO (no RPC to itself). */
    private readonly limits: (tenant: string) => Limits,
  ) {
    this.catalog = new BlockCatalog(ctx.storage.sql);
    this.bucket = env.BLOCKS;
    this.publisher = new IndexPublisher(async () => {
      await this.catalog.publish(this.env.BLOCKS, Date.now());
    });
  }

  /** Adds a block an ingester uploaded; idempotent. The bucket index is rewritten before this returns. */
  async register(tenant: string, meta: BlockMeta): Promise<RegisterOutcome> {
    this.catalog.setTenant(tenant);
    const outcome = this.catalog.register(meta, Date.now());
    // Also on a repeat: the earlier call may have died before its publish finished.
    if (outcome !== "refused-deleted") await this.publisher.publish();
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + COMPACTION_CHECK_DELAY_MS);
    return outcome;
  }

  list(): ListedCatalogBlock[] {
    return this.catalog.all().map((b) => ({
      ulid: b.meta.ulid,
      minTime: b.meta.minTime,
      maxTime: b.meta.maxTime,
      level: b.meta.compaction.level,
      sources: b.meta.compaction.sources,
      externalLabels: b.meta.thanos.labels,
      numSamples: b.meta.stats.numSamples,
      markedAt: b.markedAt,
    }));
  }

  bucketIndex(): BucketIndex {
    return this.catalog.bucketIndex(Date.now());
  }

  /**
   * One housekeeping round; `now` lets tests move the clock forward. Rounds
   * run one at a time: the alarm and an RPC-started round would otherwise
   * plan the same compaction and upload it twice.
   */
  round(now: () => number = Date.now, settings?: Partial<CompactorSettings>): Promise<RoundResult> {
    const next = this.lastRound.then(() => this.runRound(now, settings));
    this.lastRound = next.catch(() => undefined);
    return next;
  }

  private async runRound(now: () => number, settings?: Partial<CompactorSettings>): Promise<RoundResult> {
    const tenant = this.catalog.tenant;
    if (tenant === null) return { cleaned: [], deleted: [], expired: [], compacted: [] };
    const limits = this.limits(tenant);
    return compactionRound(
      {
        bucket: this.bucket,
        tenant,
        catalog: this.catalog,
        transaction: (fn) => this.ctx.storage.transactionSync(fn),
        publish: () => this.publisher.publish(),
        now,
        running: this.runningUploads,
      },
      {
        blockRangesMs: limits.compactor_block_ranges,
        waitMs: DEFAULT_COMPACTION_WAIT_MS,
        deletionDelayMs: limits.compactor_deletion_delay,
        retentionMs: limits.compactor_blocks_retention_period,
        ...settings,
      },
    );
  }

  /** The alarm: a round, then the next one while there are blocks to look after. */
  async alarm(): Promise<void> {
    const r = await this.round();
    const more = r.compacted.length > 0 && r.compacted.length >= 4;
    if (this.catalog.all().length > 0 || this.catalog.pendingUploads().length > 0) {
      await this.ctx.storage.setAlarm(Date.now() + (more ? 1000 : COMPACTION_INTERVAL_MS));
    }
  }
}
