/**
 * The store-gateway role: answers queries from a tenant's blocks in R2.
 *
 * For each query: the bucket index (cached per isolate for a few seconds)
 * names the live blocks; only blocks overlapping the range are opened; an
 * index opens from cached bytes after its first use; matchers resolve via
 * postings; only matching series entries and their chunks in range are
 * read. Every R2 request of the query goes through one budget that counts
 * and throttles them (a Worker may hold six connections at once).
 *
 * Blocks marked for deletion are left out of new bucket-index reads only:
 * a query that already holds an older index may still read them, which is
 * why their objects are deleted later than they are marked.
 */
import type { Label, Labels } from "../model/labels";
import type { Matcher } from "../model/matchers";
import {
  type BucketIndex,
  type BucketIndexBlock,
  type BucketIndexStore,
  blockKey,
  blocksForRange,
  readBucketIndex,
} from "../storage/bucket-index";
import { R2ObjectReader, type R2RangeSource, R2ReadBudget, r2ObjectSize } from "../storage/r2-range-reader";
import type { ChunkQuerier, ChunkRef, ChunkSeries, LabelHints, SelectHints, Series } from "../storage/storage";
import { ChunkEncoding, segmentPath } from "../tsdb/block/chunks-format";
import { ChunksReader } from "../tsdb/block/chunks-reader";
import type { ChunkMeta } from "../tsdb/block/index-format";
import type { IndexReader, IndexReaderOptions } from "../tsdb/block/index-reader";
import { INDEX_PATH } from "../tsdb/block/layout";
import type { IOStats } from "../tsdb/block/range-reader";
import { BlockIndexCache } from "./block-index-cache";
import { selectedSeries, sortedByLabels } from "./chunks";
import { mergeSortedStrings } from "./merge";

/** What the querier needs of the bucket; `R2Bucket` has it. */
export type BlockBucket = R2RangeSource & BucketIndexStore;

export const DEFAULT_BUCKET_INDEX_TTL_MS = 10_000;

/** Bucket indexes read recently, per tenant, so a dashboard's queries share one GET. */
export class BucketIndexCache {
  private readonly entries = new Map<string, { at: number; index: BucketIndex | null }>();

  constructor(readonly ttlMs: number = DEFAULT_BUCKET_INDEX_TTL_MS) {}

  get(tenant: string, now: number): BucketIndex | null | undefined {
    const e = this.entries.get(tenant);
    if (e === undefined || now - e.at >= this.ttlMs) return undefined;
    return e.index;
  }

  set(tenant: string, index: BucketIndex | null, now: number): void {
    this.entries.set(tenant, { at: now, index });
  }

  /** Forgets a tenant's index (after this isolate wrote a new one). */
  invalidate(tenant: string): void {
    this.entries.delete(tenant);
  }
}

/** Per-isolate caches; they outlive requests, so only bytes and plain data go in them. */
const isolateIndexCache = new BlockIndexCache();
const isolateBucketIndexCache = new BucketIndexCache();
/** Sizes of objects in immutable blocks, learnt by HEAD when the bucket index lacks them. */
const isolateSizes = new Map<string, number>();
const MAX_CACHED_SIZES = 100_000;

/** Drops this isolate's cached bucket index of a tenant, e.g. after writing a new one from this isolate. */
export function forgetBucketIndex(tenant: string): void {
  isolateBucketIndexCache.invalidate(tenant);
}

export interface BlockQuerierOptions {
  readonly indexCache?: BlockIndexCache;
  readonly bucketIndexCache?: BucketIndexCache;
  /** Concurrent R2 requests of this querier. */
  readonly maxConcurrency?: number;
  readonly indexReader?: IndexReaderOptions;
  /** Clock for the bucket-index cache. */
  readonly now?: () => number;
}

export class BlockQuerier implements ChunkQuerier {
  private readonly budget: R2ReadBudget;
  private readonly indexCache: BlockIndexCache;
  private readonly bucketIndexCache: BucketIndexCache;
  private readonly now: () => number;
  private index: Promise<BucketIndex | null> | undefined;
  /** Blocks this querier opened (ids), in the order it opened them. */
  readonly blocksQueried: string[] = [];

  constructor(
    private readonly bucket: BlockBucket,
    private readonly tenant: string,
    private readonly opts: BlockQuerierOptions = {},
  ) {
    this.budget = new R2ReadBudget(opts.maxConcurrency);
    this.indexCache = opts.indexCache ?? isolateIndexCache;
    this.bucketIndexCache = opts.bucketIndexCache ?? isolateBucketIndexCache;
    this.now = opts.now ?? Date.now;
  }

  /** R2 requests and bytes of this querier so far (bucket index included). */
  get stats(): IOStats {
    return this.budget.stats;
  }

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    return selectedSeries(await this.selectChunks(matchers, hints), hints);
  }

  /** One sorted list per block overlapping the range. */
  async selectChunks(matchers: readonly Matcher[], hints: SelectHints): Promise<ChunkSeries[][]> {
    const blocks = await this.blocks(hints.start, hints.end);
    return Promise.all(blocks.map((b) => this.selectBlock(b, matchers, hints)));
  }

  async labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const blocks = await this.blocks(hints.start, hints.end);
    const lists = await Promise.all(
      blocks.map(async (b) => {
        const ix = await this.openIndex(b);
        if (matchers.length === 0) return ix.labelNames();
        const names = new Set<string>();
        for (const s of await this.matchingLabels(ix, matchers)) for (const l of s) names.add(l.name);
        return [...names].sort();
      }),
    );
    return mergeSortedStrings(lists, hints.limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const blocks = await this.blocks(hints.start, hints.end);
    const lists = await Promise.all(
      blocks.map(async (b) => {
        const ix = await this.openIndex(b);
        if (matchers.length === 0) return ix.labelValues(name);
        const values = new Set<string>();
        for (const s of await this.matchingLabels(ix, matchers)) {
          const l = s.find((x: Label) => x.name === name);
          if (l !== undefined && l.value !== "") values.add(l.value);
        }
        return [...values].sort();
      }),
    );
    return mergeSortedStrings(lists, hints.limit);
  }

  /** Live blocks overlapping [start, end], from the (briefly cached) bucket index. */
  private async blocks(start: number, end: number): Promise<BucketIndexBlock[]> {
    // One view of the catalog per querier: the selects of one query agree.
    this.index ??= this.loadBucketIndex();
    const index = await this.index;
    return index === null ? [] : blocksForRange(index, start, end);
  }

  private async loadBucketIndex(): Promise<BucketIndex | null> {
    const now = this.now();
    const cached = this.bucketIndexCache.get(this.tenant, now);
    if (cached !== undefined) return cached;
    const index = await this.budget.run(0, () => readBucketIndex(this.bucket, this.tenant));
    this.bucketIndexCache.set(this.tenant, index, now);
    return index;
  }

  private openIndex(b: BucketIndexBlock): Promise<IndexReader> {
    this.blocksQueried.push(b.block_id);
    const key = blockKey(this.tenant, b.block_id, INDEX_PATH);
    const known = knownSize(b, INDEX_PATH);
    return this.indexCache.open(
      `${this.tenant}/${b.block_id}`,
      {
        ...(known !== undefined ? { size: known } : {}),
        sizeOf: () => this.sizeOf(key),
        reader: (size) => new R2ObjectReader(this.bucket, key, size, this.budget),
      },
      this.opts.indexReader,
    );
  }

  private async sizeOf(key: string): Promise<number> {
    const cached = isolateSizes.get(key);
    if (cached !== undefined) return cached;
    const size = await r2ObjectSize(this.bucket, key, this.budget);
    if (size === null) throw new Error(`block object ${key} not found`);
    if (isolateSizes.size >= MAX_CACHED_SIZES) isolateSizes.clear();
    isolateSizes.set(key, size);
    return size;
  }

  private async matchingLabels(ix: IndexReader, matchers: readonly Matcher[]): Promise<Labels[]> {
    const refs = await ix.postingsForMatchers(matchers);
    if (refs.length === 0) return [];
    return (await ix.seriesMany(refs)).map((s) => s.labels);
  }

  private async selectBlock(b: BucketIndexBlock, matchers: readonly Matcher[], hints: SelectHints): Promise<ChunkSeries[]> {
    const ix = await this.openIndex(b);
    const refs = await ix.postingsForMatchers(matchers);
    if (refs.length === 0) return [];
    const entries = await ix.seriesMany(refs);

    const kept: { labels: Labels; metas: ChunkMeta[] }[] = [];
    const chunkRefs: number[] = [];
    for (const s of entries) {
      const metas = s.chunks.filter((c) => c.maxTime >= hints.start && c.minTime <= hints.end);
      if (metas.length === 0) continue;
      kept.push({ labels: s.labels, metas });
      if (!hints.seriesOnly) for (const m of metas) chunkRefs.push(m.ref);
    }
    if (hints.seriesOnly) return sortedByLabels(kept.map((k) => ({ labels: k.labels, chunks: [] })));

    const chunks = new ChunksReader((seg) => this.openSegment(b, seg));
    const raw = await chunks.chunks(chunkRefs);
    const out: ChunkSeries[] = [];
    let i = 0;
    for (const k of kept) {
      const refs: ChunkRef[] = [];
      for (const m of k.metas) {
        const c = raw[i++]!;
        // Native histogram chunks are not queryable yet; their float-only
        // view would be wrong, so they are skipped rather than misread.
        if (c.encoding !== ChunkEncoding.XOR) continue;
        refs.push({ minTime: m.minTime, maxTime: m.maxTime, data: c.data, from: 0, to: c.data.length });
      }
      if (refs.length > 0) out.push({ labels: k.labels, chunks: refs });
    }
    return sortedByLabels(out);
  }

  private async openSegment(b: BucketIndexBlock, seg: number): Promise<R2ObjectReader> {
    const rel = segmentPath(seg);
    const key = blockKey(this.tenant, b.block_id, rel);
    const size = knownSize(b, rel) ?? (await this.sizeOf(key));
    return new R2ObjectReader(this.bucket, key, size, this.budget);
  }
}

function knownSize(b: BucketIndexBlock, rel: string): number | undefined {
  return b.files?.find((f) => f.rel_path === rel)?.size_bytes;
}
