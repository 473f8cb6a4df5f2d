/**
 * What the compactor does next for a tenant: pure decisions over the
 * catalog, so they can be tested without R2.
 *
 * Compaction follows Prometheus/Thanos's time-partitioned levels: for each
 * configured range (2h, 12h, 24h by default), blocks that fall inside one
 * aligned window of that range are merged into one block once the window
 * is closed (its end is past by the wait period) and its newest block was
 * uploaded at least the wait period ago, so late shard cuts join the group.
 * Smaller ranges go first: the shards' 2h blocks merge before 12h windows.
 */

export interface PlannedBlock {
  readonly ulid: string;
  readonly minTime: number;
  /** Exclusive. */
  readonly maxTime: number;
  readonly level: number;
  /** Unix ms. */
  readonly uploadedAt: number;
}

export interface CompactionPlan {
  /** The window's range, ms. */
  readonly range: number;
  readonly windowStart: number;
  /** Blocks to merge, oldest first; at least two. */
  readonly blocks: readonly PlannedBlock[];
}

/** Mimir's compactor_first_level_compaction_wait_period default is 25m; shards here cut within minutes of each other. */
export const DEFAULT_COMPACTION_WAIT_MS = 10 * 60_000;

/** The first group worth compacting, smallest range and oldest window first, or null. */
export function planCompaction(
  blocks: readonly PlannedBlock[],
  ranges: readonly number[],
  nowMs: number,
  waitMs: number,
): CompactionPlan | null {
  for (const range of ranges) {
    const windows = new Map<number, PlannedBlock[]>();
    for (const b of blocks) {
      const start = Math.floor(b.minTime / range) * range;
      if (b.maxTime > start + range) continue; // spans windows: not part of this level
      let w = windows.get(start);
      if (w === undefined) windows.set(start, (w = []));
      w.push(b);
    }
    const starts = [...windows.keys()].sort((a, b) => a - b);
    for (const start of starts) {
      const group = windows.get(start)!;
      if (group.length < 2) continue;
      if (start + range + waitMs > nowMs) continue;
      if (Math.max(...group.map((b) => b.uploadedAt)) + waitMs > nowMs) continue;
      group.sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
      return { range, windowStart: start, blocks: group };
    }
  }
  return null;
}

/**
 * Blocks entirely older than the retention period (0 = keep forever), as
 * Mimir's compactor decides: a block goes once its max time is before
 * now - retention.
 */
export function expiredBlocks(blocks: readonly PlannedBlock[], retentionMs: number, nowMs: number): PlannedBlock[] {
  if (!(retentionMs > 0)) return [];
  return blocks.filter((b) => b.maxTime <= nowMs - retentionMs);
}

/** Checks configured ranges: ascending, each a multiple of the one before. */
export function validateBlockRanges(ranges: readonly number[]): string | null {
  if (ranges.length === 0) return "at least one block range is needed";
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (!Number.isSafeInteger(r) || r <= 0) return `block range ${r} must be a positive whole number of ms`;
    if (i > 0 && (r <= ranges[i - 1]! || r % ranges[i - 1]! !== 0)) {
      return `block range ${r} must be greater than and a multiple of ${ranges[i - 1]}`;
    }
  }
  return null;
}
