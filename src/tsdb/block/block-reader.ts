/**
 * Queries one block: meta.json, then the index (TOC, symbols, postings
 * table), then postings, series and chunks by range reads. All reads are
 * counted, which is what an R2-backed query costs.
 */
import type { Labels } from "../../model/labels";
import type { Matcher } from "../../model/matchers";
import type { ChunkData } from "../../ingester/protocol";
import { segmentPath } from "./chunks-format";
import { ChunksReader, type ChunksReaderOptions } from "./chunks-reader";
import { decodeUtf8 } from "./decbuf";
import type { ChunkMeta } from "./index-format";
import { IndexReader, type IndexReaderOptions } from "./index-reader";
import { type BlockMeta, parseBlockMeta } from "./meta";
import { INDEX_PATH, META_PATH } from "./layout";
import { CountingRangeReader, type IOStats, MemoryRangeReader, R2RangeReader, type RangeReader, newIOStats } from "./range-reader";

/** Opens the files of one block directory (R2 prefix, memory, disk). */
export interface BlockFiles {
  /** `size` is passed when meta.json knows it, to spare a HEAD. */
  open(path: string, size?: number): Promise<RangeReader>;
}

export interface BlockChunkData extends ChunkData {
  readonly encoding: number;
}

export interface BlockSelectedSeries {
  readonly labels: Labels;
  /** Chunks overlapping the asked range, in time order. */
  readonly chunks: BlockChunkData[];
}

export interface SelectOptions {
  readonly minTime: number;
  readonly maxTime: number;
  /** Labels only: no chunk reads. */
  readonly seriesOnly?: boolean;
}

export class BlockReader {
  private constructor(
    readonly meta: BlockMeta,
    readonly index: IndexReader,
    readonly chunks: ChunksReader,
    /** Range requests and bytes read so far, meta.json included. */
    readonly stats: IOStats,
  ) {}

  static async open(
    files: BlockFiles,
    opts: IndexReaderOptions & { meta?: BlockMeta; stats?: IOStats; chunks?: ChunksReaderOptions } = {},
  ): Promise<BlockReader> {
    const stats = opts.stats ?? newIOStats();
    const counted = async (path: string, size?: number) => new CountingRangeReader(await files.open(path, size), stats);
    let meta = opts.meta;
    if (meta === undefined) {
      const src = await counted(META_PATH);
      meta = parseBlockMeta(decodeUtf8(await src.read(0, src.size)));
    }
    const sizes = new Map<string, number>();
    for (const f of meta.thanos.files ?? []) sizes.set(f.rel_path, f.size_bytes);
    const index = await IndexReader.open(await counted(INDEX_PATH, sizes.get(INDEX_PATH)), opts);
    const chunks = new ChunksReader((i) => counted(segmentPath(i), sizes.get(segmentPath(i))), opts.chunks);
    return new BlockReader(meta, index, chunks, stats);
  }

  /** Series matching all matchers with their chunks overlapping [minTime, maxTime], in label order. */
  async select(matchers: readonly Matcher[], opts: SelectOptions): Promise<BlockSelectedSeries[]> {
    if (opts.maxTime < this.meta.minTime || opts.minTime >= this.meta.maxTime) return [];
    const refs = await this.index.postingsForMatchers(matchers);
    if (refs.length === 0) return [];
    const series = await this.index.seriesMany(refs);
    const kept: { labels: Labels; metas: ChunkMeta[] }[] = [];
    const chunkRefs: number[] = [];
    for (const s of series) {
      const metas = s.chunks.filter((c) => c.maxTime >= opts.minTime && c.minTime <= opts.maxTime);
      if (metas.length === 0) continue;
      kept.push({ labels: s.labels, metas });
      if (!opts.seriesOnly) for (const m of metas) chunkRefs.push(m.ref);
    }
    if (opts.seriesOnly) return kept.map((k) => ({ labels: k.labels, chunks: [] }));
    const raw = await this.chunks.chunks(chunkRefs);
    let i = 0;
    return kept.map((k) => ({
      labels: k.labels,
      chunks: k.metas.map((m) => {
        const c = raw[i++]!;
        return { minTime: m.minTime, maxTime: m.maxTime, encoding: c.encoding, data: c.data };
      }),
    }));
  }
}

/** Block files held in memory, as `writeBlockToMemory` returns them. */
export function memoryBlockFiles(data: ReadonlyMap<string, Uint8Array>): BlockFiles {
  return {
    async open(path) {
      const b = data.get(path);
      if (b === undefined) throw new Error(`block file ${path} not found`);
      return new MemoryRangeReader(b);
    },
  };
}

/** Block files under `prefix` (e.g. "tenant/ULID/") of an R2 bucket. */
export function r2BlockFiles(bucket: R2Bucket, prefix: string): BlockFiles {
  return {
    async open(path, size) {
      const key = prefix + path;
      if (size === undefined) {
        const head = await bucket.head(key);
        if (head === null) throw new Error(`R2 object ${key} not found`);
        size = head.size;
      }
      return new R2RangeReader(bucket, key, size);
    },
  };
}
