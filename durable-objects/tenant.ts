/**
 * The tenant Durable Object: one per tenant, named by the tenant id. It owns
 * what must have a single writer per tenant: runtime-config overrides set
 * through the admin API, the HA tracker's elections, and the block catalog
 * (which blocks in R2 are live).
 */
import { DurableObject } from "cloudflare:workers";
import type { Limits } from "../src/config/limits";
import { validatePartialLimits } from "../src/config/limits";
import { ConfigError } from "../src/config/error";
import type { Env } from "../src/env";
import type { ElectionOptions } from "../src/distributor/ha-tracker";
import { electInStore, listElections, SqliteHATrackerStore, type HAElection, type HAVerdict } from "../src/distributor/ha-store";
import { mergeLimits } from "../src/config/limits";
import { limitsFor } from "../src/config/runtime";
import { runtimeConfig } from "../src/tenancy/limits";
import type { RegisterOutcome } from "../src/catalog/catalog";
import { TenantBlocks, type ListedCatalogBlock } from "../src/catalog/tenant-blocks";
import type { CompactorSettings, RoundResult } from "../src/compactor/runner";
import type { BlockMeta } from "../src/tsdb/block/meta";

export class Tenant extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly ha: SqliteHATrackerStore;
  /** Block catalog, compaction, retention. */
  readonly blocks: TenantBlocks;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), overrides TEXT NOT NULL)`);
    this.ha = new SqliteHATrackerStore(this.sql);
    this.blocks = new TenantBlocks(ctx, env, (tenant) => {
      const overrides = this.getOverrides();
      const base = limitsFor(runtimeConfig(env), tenant);
      return overrides ? mergeLimits(base, overrides) : base;
    });
  }

  /** HA tracker: may `replica` of `cluster` write at `now` (ms)? Elects and persists as needed. */
  haCheck(cluster: string, replica: string, now: number, opts: ElectionOptions): Promise<HAVerdict> {
    return electInStore(this.ha, cluster, replica, now, opts);
  }

  /** HA tracker: the current elections, by cluster name. */
  haElections(): HAElection[] {
    return listElections(this.ha.load());
  }

  /** Catalog: adds a block an ingester or compactor uploaded (idempotent) and rewrites bucket-index.json. */
  registerBlock(tenant: string, meta: BlockMeta): Promise<RegisterOutcome> {
    return this.blocks.register(tenant, meta);
  }

  /** Catalog: every block, live and marked for deletion. */
  listBlocks(): ListedCatalogBlock[] {
    return this.blocks.list();
  }

  /** One compaction/retention/deletion round now; `nowMs` shifts the clock (tests, tools). */
  runCompaction(nowMs?: number, settings?: Partial<CompactorSettings>): Promise<RoundResult> {
    const offset = nowMs === undefined ? 0 : nowMs - Date.now();
    return this.blocks.round(() => Date.now() + offset, settings);
  }

  override async alarm(): Promise<void> {
    await this.blocks.alarm();
  }

  /** Overrides set through the admin API, or null when none were set. */
  getOverrides(): Partial<Limits> | null {
    const row = this.sql.exec<{ overrides: string }>(`SELECT overrides FROM config WHERE id = 1`).toArray()[0];
    return row ? (JSON.parse(row.overrides) as Partial<Limits>) : null;
  }

  /**
   * Replaces the overrides after validating them here, so nothing invalid is
   * ever stored whoever calls. A bad config leaves the old one in place.
   */
  setOverrides(raw: unknown): { ok: true; overrides: Partial<Limits> } | { ok: false; error: string } {
    let partial: Partial<Limits>;
    try {
      partial = validatePartialLimits(raw);
    } catch (e) {
      if (e instanceof ConfigError) return { ok: false, error: e.message };
      throw e;
    }
    this.sql.exec(
      `INSERT INTO config (id, overrides) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET overrides = excluded.overrides`,
      JSON.stringify(partial),
    );
    return { ok: true, overrides: partial };
  }
}
