/**
 * meta.json: what a block holds and where it came from. The Prometheus part
 * (ulid, time range, stats, compaction, version 1) is what Prometheus and
 * promtool read; the `thanos` part is what Thanos and Mimir tools read to
 * know a block's external labels (our tenant and shard) and resolution.
 */
import { isULID } from "./ulid";

/** Describes a parent block of a compaction. */
export interface BlockDesc {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
}

export interface BlockStats {
  readonly numSamples: number;
  readonly numFloatSamples: number;
  readonly numSeries: number;
  readonly numChunks: number;
}

export interface BlockCompaction {
  /** 1 for a block cut from a head; one more than the highest parent's after a compaction. */
  readonly level: number;
  /** ULIDs of the level-1 blocks whose data this block holds. */
  readonly sources: readonly string[];
  readonly parents?: readonly BlockDesc[];
  readonly deletable?: boolean;
  readonly hints?: readonly string[];
}

/** A file of the block, relative to the block directory, for readers that avoid a HEAD or LIST. */
export interface BlockFileMeta {
  readonly rel_path: string;
  readonly size_bytes: number;
}

/** Which component produced the block (Thanos uses "receive", "compactor", "sidecar", ...). */
export type BlockSource = "receive" | "compactor" | string;

export interface ThanosMeta {
  /** External labels shared by every series of the block (not stored in the index). */
  readonly labels: Readonly<Record<string, string>>;
  readonly downsample: { readonly resolution: number };
  readonly source: BlockSource;
  readonly files?: readonly BlockFileMeta[];
}

export interface BlockMeta {
  readonly ulid: string;
  /** Inclusive lower bound of sample timestamps, in ms. */
  readonly minTime: number;
  /** Exclusive upper bound of sample timestamps, in ms. */
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly compaction: BlockCompaction;
  /** Version of the meta.json format; always 1. */
  readonly version: 1;
  readonly thanos: ThanosMeta;
}

export interface BlockMetaInput {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly compaction?: BlockCompaction;
  readonly source?: BlockSource;
  readonly files?: readonly BlockFileMeta[];
}

export function buildBlockMeta(input: BlockMetaInput): BlockMeta {
  if (!isULID(input.ulid)) throw new Error(`invalid block ULID ${JSON.stringify(input.ulid)}`);
  if (!(input.minTime < input.maxTime)) {
    throw new Error(`block minTime ${input.minTime} must be below maxTime ${input.maxTime}`);
  }
  return {
    ulid: input.ulid,
    minTime: input.minTime,
    maxTime: input.maxTime,
    stats: input.stats,
    compaction: input.compaction ?? { level: 1, sources: [input.ulid] },
    version: 1,
    thanos: {
      labels: { ...input.externalLabels },
      downsample: { resolution: 0 },
      source: input.source ?? "receive",
      ...(input.files ? { files: input.files } : {}),
    },
  };
}

export function encodeBlockMeta(meta: BlockMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta, null, "\t") + "\n");
}

/** Parses and checks a meta.json; throws on anything a reader could not trust. */
export function parseBlockMeta(text: string): BlockMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`meta.json: invalid JSON: ${(e as Error).message}`);
  }
  const m = raw as Partial<BlockMeta> | null;
  if (!m || typeof m !== "object") throw new Error("meta.json: not an object");
  if (m.version !== 1) throw new Error(`meta.json: unsupported version ${String(m.version)}`);
  if (typeof m.ulid !== "string" || !isULID(m.ulid)) throw new Error("meta.json: missing or invalid ulid");
  if (typeof m.minTime !== "number" || typeof m.maxTime !== "number") throw new Error("meta.json: missing time range");
  const stats = (m.stats ?? {}) as Partial<BlockStats>;
  const compaction = m.compaction ?? { level: 1, sources: [m.ulid] };
  const thanos = m.thanos ?? { labels: {}, downsample: { resolution: 0 }, source: "" };
  return {
    ulid: m.ulid,
    minTime: m.minTime,
    maxTime: m.maxTime,
    stats: {
      numSamples: stats.numSamples ?? 0,
      numFloatSamples: stats.numFloatSamples ?? 0,
      numSeries: stats.numSeries ?? 0,
      numChunks: stats.numChunks ?? 0,
    },
    compaction,
    version: 1,
    thanos: {
      labels: thanos.labels ?? {},
      downsample: thanos.downsample ?? { resolution: 0 },
      source: thanos.source ?? "",
      ...(thanos.files ? { files: thanos.files } : {}),
    },
  };
}
