/**
 * The ingester DO's side of block cutting: its alarm, the flush RPC, and
 * the glue between the head, the WAL and the tenant catalog. The decisions
 * and the crash-safe steps are in `cut.ts`.
 */
import type { Env } from "../env";
import type { BlockMeta } from "../tsdb/block/meta";
import type { R2UploadTarget } from "../tsdb/block/r2-sink";
import type { Head } from "../tsdb/head/head";
import type { WalStore } from "../tsdb/wal/store";
import { DEFAULT_BUCKET_INDEX_TTL_MS } from "../querier/block-querier";
import { type CutResult, CutStore, cutOnce, defaultCutPolicy, type Registration, truncateDue } from "./cut";

/** How often an ingester with data looks for a range to cut. */
export const CUT_CHECK_INTERVAL_MS = 5 * 60_000;
/**
 * How long the head keeps a range after its block is registered: queriers
 * cache the bucket index for a few seconds and must not find the range in
 * neither place.
 */
export const HEAD_RETENTION_AFTER_CUT_MS = DEFAULT_BUCKET_INDEX_TTL_MS + 5_000;
/** Cuts per alarm; a backlog continues at the next alarm. */
const MAX_CUTS_PER_ALARM = 4;
/** Guards a flush against a stream of pushes that keeps extending the head. */
const MAX_CUTS_PER_FLUSH = 256;

export interface FlushResult {
  readonly blocks: { readonly ulid: string; readonly minTime: number; readonly maxTime: number; readonly series: number; readonly registration: string }[];
}

/** Catalog registration as the tenant DO offers it. */
export interface CatalogRegistrar {
  registerBlock(tenant: string, meta: BlockMeta): Promise<Registration>;
}

export class BlockCutter {
  readonly store: CutStore;
  /** R2 target of uploads; tests swap in a failing one. */
  bucket: R2UploadTarget & Pick<R2Bucket, "delete">;
  private outOfOrderWindowMs = 0;
  private alarmChecked = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly head: Head,
    private readonly wal: WalStore,
  ) {
    this.store = new CutStore(ctx.storage.sql);
    this.bucket = env.BLOCKS;
  }

  /** After replay: a cut interrupted by a restart still owns its range. */
  restore(): void {
    for (const cut of this.store.all()) this.head.minValidTime = Math.max(this.head.minValidTime, cut.maxTime);
    this.identify();
  }

  /** Remembers the push's out-of-order window and makes sure an alarm will look for cuts. */
  async afterPush(outOfOrderWindowMs: number): Promise<void> {
    if (outOfOrderWindowMs > this.outOfOrderWindowMs) this.outOfOrderWindowMs = outOfOrderWindowMs;
    if (this.alarmChecked) return;
    this.alarmChecked = true;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + CUT_CHECK_INTERVAL_MS);
  }

  /** The alarm: cut what is due, then look again later while the head holds data. */
  async alarm(): Promise<CutResult[]> {
    const { done, nextTruncation } = await this.serialised(async () => {
      const out: CutResult[] = [];
      if (this.identify() === null) return { done: out, nextTruncation: null };
      const deps = this.deps();
      truncateDue(deps, HEAD_RETENTION_AFTER_CUT_MS);
      const policy = defaultCutPolicy(this.head.chunkRangeMs, this.outOfOrderWindowMs);
      for (let i = 0; i < MAX_CUTS_PER_ALARM; i++) {
        const r = await cutOnce(deps, policy);
        if (r === null) break;
        out.push(r);
      }
      return { done: out, nextTruncation: truncateDue(deps, HEAD_RETENTION_AFTER_CUT_MS) };
    });
    if (this.head.numSeries > 0 || this.store.all().length > 0) {
      let at = Date.now() + (done.length === MAX_CUTS_PER_ALARM ? 1000 : CUT_CHECK_INTERVAL_MS);
      if (nextTruncation !== null) at = Math.min(at, nextTruncation);
      await this.ctx.storage.setAlarm(at);
    } else {
      this.alarmChecked = false;
    }
    return done;
  }

  /**
   * Cuts everything in the head now, open chunks included, then drops it
   * from the head after `holdMs` (queriers' bucket-index cache lifetime).
   */
  flush(tenant: string, shard: number, holdMs = HEAD_RETENTION_AFTER_CUT_MS): Promise<FlushResult> {
    return this.serialised(async () => {
      this.store.setIdentity(tenant, shard);
      const policy = defaultCutPolicy(this.head.chunkRangeMs, this.outOfOrderWindowMs);
      const blocks: FlushResult["blocks"][number][] = [];
      for (let i = 0; i < MAX_CUTS_PER_FLUSH; i++) {
        const r = await cutOnce(this.deps(), policy, true);
        if (r === null) break;
        if (r.registration !== "empty") {
          blocks.push({ ulid: r.ulid, minTime: r.minTime, maxTime: r.maxTime, series: r.series, registration: r.registration });
        }
      }
      const deps = this.deps();
      for (let next = truncateDue(deps, holdMs); next !== null; next = truncateDue(deps, holdMs)) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next! - Date.now())));
      }
      return { blocks };
    });
  }

  /** Tenant and shard: from storage, else from the object's name `<tenant>/<shard>`. */
  private identify(): { tenant: string; shard: number } | null {
    const known = this.store.identity();
    if (known !== null) return known;
    const name = this.ctx.id.name;
    const at = name?.lastIndexOf("/") ?? -1;
    if (name === undefined || at <= 0) return null;
    const shard = Number(name.slice(at + 1));
    if (!Number.isSafeInteger(shard) || shard < 0) return null;
    this.store.setIdentity(name.slice(0, at), shard);
    return { tenant: name.slice(0, at), shard };
  }

  private deps() {
    const id = this.store.identity();
    if (id === null) throw new Error("ingester does not know its tenant and shard yet");
    const catalog = this.env.TENANT.get(this.env.TENANT.idFromName(id.tenant)) as unknown as CatalogRegistrar;
    return {
      head: this.head,
      store: this.store,
      bucket: this.bucket,
      tenant: id.tenant,
      shard: id.shard,
      register: (meta: BlockMeta) => catalog.registerBlock(id.tenant, meta),
      truncate: (maxTime: number) => {
        this.head.truncateBefore(maxTime);
        this.ctx.storage.transactionSync(() => {
          this.wal.dropChunksBefore(this.head, maxTime);
          this.store.clearUpTo(maxTime);
        });
      },
      transaction: (fn: () => void) => this.ctx.storage.transactionSync(fn),
      now: () => Date.now(),
    };
  }

  /** Alarm and flush never cut at the same time. */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
