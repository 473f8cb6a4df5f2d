/**
 * One round of a tenant's block housekeeping, run from the tenant DO's
 * alarm: remove abandoned uploads, delete blocks whose deletion mark is
 * old enough, mark blocks past retention, then compact. Each step changes
 * the catalog first and publishes bucket-index.json before any object a
 * query might still read is deleted.
 */
import type { BlockCatalog, CatalogBlock } from "../catalog/catalog";
import type { BlockMeta } from "../tsdb/block/meta";
import { compactBlocks, type CompactionBucket, deleteBlockFiles } from "./compact";
import { newULID } from "../tsdb/block/ulid";
import { type PlannedBlock, expiredBlocks, planCompaction } from "./plan";

export interface CompactorSettings {
  readonly blockRangesMs: readonly number[];
  readonly waitMs: number;
  readonly deletionDelayMs: number;
  /** 0 = keep forever. */
  readonly retentionMs: number;
  /** Compactions per round; the next alarm continues. */
  readonly maxCompactions?: number;
}

export interface CompactorDeps {
  readonly bucket: CompactionBucket & Pick<R2Bucket, "delete">;
  readonly tenant: string;
  readonly catalog: BlockCatalog;
  /** Runs `fn` as one SQLite transaction. */
  readonly transaction: (fn: () => void) => void;
  /** Writes bucket-index.json from the catalog (serialised by the caller). */
  readonly publish: () => Promise<void>;
  readonly now: () => number;
  /**
   * Uploads this object instance is writing right now, so a round does not
   * take them for abandoned. Owned by the instance, not the module: an
   * object reset mid-upload leaves its promise unsettled forever, and a
   * module-wide set would then protect that abandoned upload for the whole
   * life of the isolate.
   */
  readonly running: Set<string>;
}

export interface RoundResult {
  /** Abandoned uploads whose objects were deleted. */
  readonly cleaned: string[];
  /** Blocks whose objects were deleted after their mark aged. */
  readonly deleted: string[];
  /** Blocks newly marked because of retention. */
  readonly expired: string[];
  /** New blocks and what they replaced. */
  readonly compacted: { readonly ulid: string; readonly sources: readonly string[] }[];
}

export async function compactionRound(deps: CompactorDeps, s: CompactorSettings): Promise<RoundResult> {
  const { catalog, bucket, tenant } = deps;
  const result: RoundResult = { cleaned: [], deleted: [], expired: [], compacted: [] };

  for (const up of catalog.pendingUploads()) {
    if (deps.running.has(up.ulid) || catalog.get(up.ulid) !== null) continue;
    await deleteBlockFiles(bucket, tenant, up.ulid, up.files);
    catalog.endUpload(up.ulid);
    result.cleaned.push(up.ulid);
  }

  // Marked blocks left the published index when they were marked; only their objects remain.
  for (const b of catalog.dueForDeletion(deps.now(), s.deletionDelayMs)) {
    await deleteBlockFiles(bucket, tenant, b.meta.ulid, b.entry.files?.map((f) => f.rel_path) ?? blockPaths(b));
    catalog.remove(b.meta.ulid, deps.now());
    result.deleted.push(b.meta.ulid);
  }
  if (result.deleted.length > 0) await deps.publish();

  const expired = expiredBlocks(catalog.live().map(planned), s.retentionMs, deps.now());
  if (expired.length > 0) {
    deps.transaction(() => catalog.markForDeletion(expired.map((b) => b.ulid), deps.now()));
    result.expired.push(...expired.map((b) => b.ulid));
    await deps.publish();
  }

  const max = s.maxCompactions ?? 4;
  for (let i = 0; i < max; i++) {
    const plan = planCompaction(catalog.live().map(planned), s.blockRangesMs, deps.now(), s.waitMs);
    if (plan === null) break;
    const sources = plan.blocks.map((b) => catalog.get(b.ulid)!.meta);
    const done = await compactAndRegister(deps, sources);
    result.compacted.push({ ulid: done, sources: sources.map((m) => m.ulid) });
  }
  return result;
}

/** Compacts `sources` into a new block, registers it and marks them, atomically in the catalog. */
async function compactAndRegister(deps: CompactorDeps, sources: readonly BlockMeta[]): Promise<string> {
  const { catalog } = deps;
  const ulid = newULID(deps.now());
  catalog.beginUpload(ulid, deps.now());
  deps.running.add(ulid);
  try {
    const written = await compactBlocks(deps.bucket, {
      tenant: deps.tenant,
      sources,
      ulid,
      onFile: (path) => catalog.uploadFile(ulid, path),
    });
    deps.transaction(() => {
      catalog.register(written.meta, deps.now());
      catalog.markForDeletion(sources.map((m) => m.ulid), deps.now());
    });
  } finally {
    deps.running.delete(ulid);
  }
  await deps.publish();
  return ulid;
}

function planned(b: CatalogBlock): PlannedBlock {
  return {
    ulid: b.meta.ulid,
    minTime: b.meta.minTime,
    maxTime: b.meta.maxTime,
    level: b.meta.compaction.level,
    uploadedAt: b.entry.uploaded_at * 1000,
  };
}

/** Files of a block registered without a file list (not ours, but harmless to handle). */
function blockPaths(b: CatalogBlock): string[] {
  const out = ["index"];
  const n = b.entry.segments_num ?? 1;
  for (let i = 1; i <= n; i++) out.push(`chunks/${String(i).padStart(6, "0")}`);
  return out;
}
