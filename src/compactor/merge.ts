/**
 * Streams series out of blocks in index (label) order and merges several
 * such streams into one, for compaction. Memory stays bounded by the batch
 * size: a block's series entries and chunks are read a batch at a time.
 *
 * A series normally lives in one shard, so its chunks from different blocks
 * do not overlap and are passed through untouched. After a shard-count
 * change the same series can sit in two blocks of one range; overlapping
 * chunks are then decoded, merged (one sample per timestamp) and re-encoded.
 */
import type { Labels } from "../model/labels";
import type { BlockChunk, BlockSeries } from "../tsdb/block/block-writer";
import type { BlockReader } from "../tsdb/block/block-reader";
import { ChunkEncoding } from "../tsdb/block/chunks-format";
import { compareLabelsUtf8 } from "../tsdb/block/order";
import { SAMPLES_PER_CHUNK } from "../tsdb/head/series";
import { XORIterator, encodeXOR, float64Bits } from "../tsdb/chunkenc/xor";

/** Series entries read per round trip; bounds memory per source block. */
export const DEFAULT_SERIES_BATCH = 1024;

/** Every series of a block with all its chunks, in index order. */
export async function* blockSeries(reader: BlockReader, batch = DEFAULT_SERIES_BATCH): AsyncGenerator<BlockSeries> {
  const refs = await reader.index.allPostings();
  for (let i = 0; i < refs.length; i += batch) {
    const entries = await reader.index.seriesMany(refs.subarray(i, Math.min(refs.length, i + batch)));
    const chunkRefs: number[] = [];
    for (const e of entries) for (const c of e.chunks) chunkRefs.push(c.ref);
    const raw = await reader.chunks.chunks(chunkRefs);
    let k = 0;
    for (const e of entries) {
      const chunks: BlockChunk[] = new Array<BlockChunk>(e.chunks.length);
      for (let j = 0; j < e.chunks.length; j++) {
        const m = e.chunks[j]!;
        const c = raw[k++]!;
        chunks[j] = { minTime: m.minTime, maxTime: m.maxTime, data: c.data, encoding: c.encoding };
      }
      yield { labels: e.labels, chunks };
    }
  }
}

/**
 * Merges streams that are each in strictly increasing label order (UTF-8
 * byte order, as the index wants) into one such stream.
 */
export async function* mergeBlockSeries(streams: readonly AsyncIterator<BlockSeries>[]): AsyncGenerator<BlockSeries> {
  // Few sources (shards × blocks per range): a linear scan for the minimum beats a heap's bookkeeping.
  const heads: (BlockSeries | null)[] = await Promise.all(streams.map(async (s) => next(s)));
  for (;;) {
    let min: Labels | null = null;
    for (const h of heads) if (h !== null && (min === null || compareLabelsUtf8(h.labels, min) < 0)) min = h.labels;
    if (min === null) return;
    const same: BlockSeries[] = [];
    const advancing: Promise<void>[] = [];
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === null || h === undefined || compareLabelsUtf8(h.labels, min) !== 0) continue;
      same.push(h);
      advancing.push(next(streams[i]!).then((n) => void (heads[i] = n)));
    }
    await Promise.all(advancing);
    yield same.length === 1 ? same[0]! : { labels: min, chunks: mergeChunks(same.map((s) => s.chunks)) };
  }
}

async function next(it: AsyncIterator<BlockSeries>): Promise<BlockSeries | null> {
  const r = await it.next();
  return r.done ? null : r.value;
}

/** Chunks of one series from several blocks, as one time-ordered, non-overlapping list. */
export function mergeChunks(lists: readonly (readonly BlockChunk[])[]): BlockChunk[] {
  const all = lists.flat().sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  const out: BlockChunk[] = [];
  let i = 0;
  while (i < all.length) {
    // Gather a run of chunks that overlap each other transitively.
    let j = i + 1;
    let runMax = all[i]!.maxTime;
    while (j < all.length && all[j]!.minTime <= runMax) runMax = Math.max(runMax, all[j++]!.maxTime);
    if (j === i + 1) out.push(all[i]!);
    else out.push(...mergeOverlapping(all.slice(i, j)));
    i = j;
  }
  return out;
}

const it = new XORIterator();

/**
 * Re-encodes overlapping XOR chunks; where two hold the same timestamp the
 * first chunk's sample wins (they are the same sample written twice).
 * Histogram chunks cannot be merged sample-wise here: the first is kept.
 */
function mergeOverlapping(chunks: readonly BlockChunk[]): BlockChunk[] {
  if (chunks.some((c) => (c.encoding ?? ChunkEncoding.XOR) !== ChunkEncoding.XOR)) return [chunks[0]!];
  let n = 0;
  for (const c of chunks) n += (c.data[0]! << 8) | c.data[1]!;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const vsBits = float64Bits(vs);
  const order = new Uint32Array(n);
  let k = 0;
  for (const c of chunks) {
    it.reset(c.data);
    while (it.next()) {
      ts[k] = it.t;
      // As bits: a staleness marker must keep its NaN payload.
      vsBits[2 * k] = it.valueLo;
      vsBits[2 * k + 1] = it.valueHi;
      order[k] = k;
      k++;
    }
  }
  // Stable by position on ties, so the earlier chunk's sample comes first and wins.
  const idx = Array.from(order).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const outT = new Float64Array(n);
  const outV = new Float64Array(n);
  const outBits = float64Bits(outV);
  let m = 0;
  for (const i of idx) {
    if (m > 0 && outT[m - 1] === ts[i]) continue;
    outT[m] = ts[i]!;
    outBits[2 * m] = vsBits[2 * i]!;
    outBits[2 * m + 1] = vsBits[2 * i + 1]!;
    m++;
  }
  const out: BlockChunk[] = [];
  for (let a = 0; a < m; a += SAMPLES_PER_CHUNK) {
    const b = Math.min(m, a + SAMPLES_PER_CHUNK);
    out.push({ minTime: outT[a]!, maxTime: outT[b - 1]!, data: encodeXOR(outT, outV, a, b) });
  }
  return out;
}
