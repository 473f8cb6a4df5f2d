/**
 * Builds a whole block from series in label order: chunks stream to the
 * sink as series arrive, then the index, then meta.json, last, so that a
 * block directory with a meta.json is complete.
 */
import type { Labels } from "../../model/labels";
import type { ChunkData } from "../../ingester/protocol";
import { ChunkEncoding } from "./chunks-format";
import { ChunksWriter } from "./chunks-writer";
import type { ChunkMeta } from "./index-format";
import { IndexWriter } from "./index-writer";
import { INDEX_PATH, META_PATH } from "./layout";
import {
  type BlockCompaction,
  type BlockFileMeta,
  type BlockMeta,
  type BlockSource,
  buildBlockMeta,
  encodeBlockMeta,
} from "./meta";
import { type BlockSink, MemoryBlockSink } from "./sink";
import { newULID } from "./ulid";

export interface BlockChunk extends ChunkData {
  /** Chunk encoding; XOR when absent. */
  readonly encoding?: number;
}

export interface BlockSeries {
  /** Sorted labels, without the block's external labels. */
  readonly labels: Labels;
  /** Time-ordered, non-overlapping chunks. */
  readonly chunks: readonly BlockChunk[];
}

export interface WriteBlockOptions {
  /** Defaults to a new ULID for the current time. */
  readonly ulid?: string;
  /** Inclusive start of the block's range, ms. */
  readonly minTime: number;
  /** Exclusive end of the block's range, ms. */
  readonly maxTime: number;
  /** Tenant, shard and the like; written to meta.json, not to the index. */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** Defaults to level 1 with the block itself as source. */
  readonly compaction?: BlockCompaction;
  readonly source?: BlockSource;
  /** Largest chunk segment file; 512 MiB by default. */
  readonly segmentSize?: number;
}

export interface WrittenBlock {
  readonly meta: BlockMeta;
  /** Files written, in order, except meta.json. */
  readonly files: readonly BlockFileMeta[];
}

/**
 * Writes a block to `sink`. Series must come in strictly increasing label
 * order (as the index stores them); series without chunks are left out.
 */
export async function writeBlock(
  series: AsyncIterable<BlockSeries> | Iterable<BlockSeries>,
  opts: WriteBlockOptions,
  sink: BlockSink,
): Promise<WrittenBlock> {
  const ulid = opts.ulid ?? newULID();
  if (!(opts.minTime < opts.maxTime)) throw new Error(`block minTime ${opts.minTime} must be below maxTime ${opts.maxTime}`);
  const chunksWriter = new ChunksWriter(sink, opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {});
  const index = new IndexWriter();
  let numSamples = 0;
  let numFloatSamples = 0;
  let numChunks = 0;

  for await (const s of series) {
    if (s.chunks.length === 0) continue;
    const metas: ChunkMeta[] = [];
    for (const c of s.chunks) {
      if (c.minTime < opts.minTime || c.maxTime >= opts.maxTime) {
        throw new Error(
          `chunk [${c.minTime}, ${c.maxTime}] of a series is outside the block range [${opts.minTime}, ${opts.maxTime})`,
        );
      }
      const encoding = c.encoding ?? ChunkEncoding.XOR;
      const ref = await chunksWriter.append(encoding, c.data);
      metas.push({ ref, minTime: c.minTime, maxTime: c.maxTime });
      // XOR and histogram chunks start with a big-endian 16-bit sample count.
      const n = c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0;
      numSamples += n;
      if (encoding === ChunkEncoding.XOR) numFloatSamples += n;
      numChunks++;
    }
    index.addSeries(s.labels, metas);
  }

  const files = [...(await chunksWriter.close())];
  const indexBytes = index.finish();
  const indexFile = await sink.create(INDEX_PATH);
  await indexFile.write(indexBytes);
  await indexFile.close();
  files.push({ rel_path: INDEX_PATH, size_bytes: indexBytes.length });

  const meta = buildBlockMeta({
    ulid,
    minTime: opts.minTime,
    maxTime: opts.maxTime,
    stats: { numSamples, numFloatSamples, numSeries: index.seriesCount, numChunks },
    externalLabels: opts.externalLabels,
    files,
    ...(opts.compaction ? { compaction: opts.compaction } : {}),
    ...(opts.source !== undefined ? { source: opts.source } : {}),
  });
  const metaFile = await sink.create(META_PATH);
  await metaFile.write(encodeBlockMeta(meta));
  await metaFile.close();
  return { meta, files };
}

/** `writeBlock` into memory: every file by its path in the block directory. */
export async function writeBlockToMemory(
  series: AsyncIterable<BlockSeries> | Iterable<BlockSeries>,
  opts: WriteBlockOptions,
): Promise<WrittenBlock & { readonly data: ReadonlyMap<string, Uint8Array> }> {
  const sink = new MemoryBlockSink();
  const written = await writeBlock(series, opts, sink);
  return { ...written, data: sink.files };
}
