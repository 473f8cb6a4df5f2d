/**
 * The in-memory head of one ingester: series by labels and by ref, the
 * postings index, exemplars and metric metadata. Knows nothing about
 * durability; the WAL and checkpoints are driven from outside.
 */
import type { Label, Labels } from "../../model/labels";
import { compareLabels, hashLabels } from "../../model/labels";
import type { Matcher } from "../../model/matchers";
import type { ExemplarSeries, HeadStatus, SelectedSeries, SelectResult } from "../../ingester/protocol";
import { chunkBytes, SelectionWriter, seriesHeaderBytes } from "../../ingester/select-codec";
import type { Exemplar, MetricMetadata } from "../../write/request";
import { ExemplarRing } from "./exemplars";
import type { ExemplarOutcome } from "./exemplars";
import { MemPostings } from "./postings";
import type { PostingsList } from "./postings";
import { Append, DEFAULT_CHUNK_RANGE_MS, MemSeries, SAMPLES_PER_CHUNK } from "./series";
import type { ChunkContext } from "./series";
import { floatHi, floatLo } from "../chunkenc/xor";
import { ChunkSlab } from "./slab";
import type { HeadChunk } from "./slab";
import { readChunks } from "./disk-chunks";
import type { DiskChunks } from "./disk-chunks";
import { SlotPages } from "../chunkenc/slots";
import { SymbolTable } from "../../model/symbol-table";
import { LabelArena } from "./symbols";
import { HashTable } from "./hash-table";

export interface HeadOptions {
  readonly samplesPerChunk?: number;
  /** Chunks never straddle a multiple of this (the block range). */
  readonly chunkRangeMs?: number;
}

export interface SelectOptions {
  readonly seriesOnly?: boolean;
  /** At most this many series (0 or absent = no limit). */
  readonly limit?: number;
}

export interface HeadStats {
  readonly series: number;
  readonly completedChunks: number;
  /** Completed chunks whose bytes are in memory (not yet checkpointed, or no checkpoint to read from). */
  readonly chunksInMemory: number;
  readonly symbols: number;
  readonly labelArenaBytes: number;
}

export class Head implements ChunkContext {
  readonly samplesPerChunk: number;
  readonly chunkRangeMs: number;
  readonly slab = new ChunkSlab();
  readonly openChunks = new SlotPages();
  readonly symbols = new SymbolTable();
  readonly postings = new MemPostings();
  private readonly arena = new LabelArena();
  private readonly byHash = new HashTable<MemSeries | MemSeries[]>();
  /** Indexed by ref; refs are dense so an array is the smallest map. */
  private readonly byRef: (MemSeries | undefined)[] = [];
  private seriesCount = 0;
  private nextRef = 1;
  private readonly metadataByName = new Map<string, MetricMetadata>();
  /** Series with completed chunks not yet in a checkpoint. */
  readonly dirty = new Set<MemSeries>();
  /** Samples before this are refused as too old (set once blocks cover them). */
  minValidTime = -Infinity;
  /** Where checkpointed chunks are read back from; null while nothing is checkpointed. */
  disk: DiskChunks | null = null;

  constructor(opts: HeadOptions = {}) {
    this.samplesPerChunk = opts.samplesPerChunk ?? SAMPLES_PER_CHUNK;
    this.chunkRangeMs = opts.chunkRangeMs ?? DEFAULT_CHUNK_RANGE_MS;
  }

  get numSeries(): number {
    return this.seriesCount;
  }

  get(ref: number): MemSeries | undefined {
    return this.byRef[ref];
  }

  /** The series with exactly these labels, if the head has it; `hash` is their `hashLabels`. */
  find(labels: Labels, hash = hashLabels(labels)): MemSeries | undefined {
    const found = this.byHash.get(hash);
    if (found === undefined) return undefined;
    if (found instanceof MemSeries) return this.hasLabels(found, labels) ? found : undefined;
    return found.find((s) => this.hasLabels(s, labels));
  }

  /** Series filed under this `hashLabels` value, for callers that check the labels themselves. */
  withHash(hash: number): MemSeries | readonly MemSeries[] | undefined {
    return this.byHash.get(hash);
  }

  /** Every series' label ids: a series' pairs are at [labelsOffset, labelsOffset + 2·labelsCount), names first. */
  get labelIds(): Uint32Array {
    return this.arena.ids;
  }

  /** The series with exactly these (sorted, valid) labels, created if new; `hash` is their `hashLabels`. */
  getOrCreate(labels: Labels, hash = hashLabels(labels)): MemSeries {
    const found = this.byHash.get(hash);
    if (found !== undefined) {
      if (found instanceof MemSeries) {
        if (this.hasLabels(found, labels)) return found;
      } else {
        for (const s of found) if (this.hasLabels(s, labels)) return s;
      }
    }
    return this.create(this.nextRef, labels, hash);
  }

  /** Re-creates a series under a known ref (replay); refs stay unique. */
  createWithRef(ref: number, labels: Labels): MemSeries {
    const existing = this.byRef[ref];
    if (existing !== undefined) return existing;
    return this.create(ref, labels, hashLabels(labels));
  }

  private create(ref: number, labels: Labels, hash: number): MemSeries {
    const ids = new Array<number>(labels.length * 2);
    for (let i = 0; i < labels.length; i++) {
      ids[2 * i] = this.symbols.intern(labels[i]!.name);
      ids[2 * i + 1] = this.symbols.intern(labels[i]!.value);
    }
    const s = new MemSeries(ref, this.arena.add(ids), labels.length);
    const found = this.byHash.get(hash);
    if (found === undefined) this.byHash.set(hash, s);
    else if (found instanceof MemSeries) this.byHash.set(hash, [found, s]);
    else found.push(s);
    this.byRef[ref] = s;
    this.seriesCount++;
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    this.postings.add(ref, this.pairs(s));
    return s;
  }

  private *pairs(s: MemSeries): Generator<readonly [string, string]> {
    for (let i = 0; i < s.labelsCount; i++) {
      const off = s.labelsOffset + 2 * i;
      yield [this.symbols.get(this.arena.at(off)), this.symbols.get(this.arena.at(off + 1))];
    }
  }

  private hasLabels(s: MemSeries, labels: Labels): boolean {
    if (s.labelsCount !== labels.length) return false;
    for (let i = 0; i < labels.length; i++) {
      const off = s.labelsOffset + 2 * i;
      if (this.symbols.get(this.arena.at(off)) !== labels[i]!.name) return false;
      if (this.symbols.get(this.arena.at(off + 1)) !== labels[i]!.value) return false;
    }
    return true;
  }

  labelsOf(s: MemSeries): Label[] {
    const out = new Array<Label>(s.labelsCount);
    for (let i = 0; i < s.labelsCount; i++) {
      const off = s.labelsOffset + 2 * i;
      out[i] = { name: this.symbols.get(this.arena.at(off)), value: this.symbols.get(this.arena.at(off + 1)) };
    }
    return out;
  }

  /** `append` for callers holding a plain number (tests, tools); hot paths pass bits. */
  appendValue(s: MemSeries, t: number, v: number, oooWindowMs: number): Append {
    return this.append(s, t, floatHi(v), floatLo(v), oooWindowMs);
  }

  /**
   * Appends one sample, its value given as IEEE 754 bits (see
   * ProtoReader.doubleBits for why); see MemSeries.append for the rules.
   */
  append(s: MemSeries, t: number, hi: number, lo: number, oooWindowMs: number): Append {
    if (t < this.minValidTime) return Append.TooOld;
    const wasDirty = s.hasUnpersistedChunks;
    const r = s.append(t, hi, lo, oooWindowMs, this);
    // Entered once per checkpoint: a set insert on every append was a hash lookup per sample.
    if (!wasDirty && s.hasUnpersistedChunks) this.dirty.add(s);
    return r;
  }

  /** Re-opens a series' open chunk from a checkpoint. */
  restoreHead(s: MemSeries, id: number, data: Uint8Array): void {
    s.restoreHead(id, data, this.openChunks);
  }

  /**
   * Adds or replaces (by id) a completed chunk read from a checkpoint:
   * `data` sits at `offset` in chunk row `row` (0: not a stored row, as in
   * tests). The bytes are copied; the disk the store attached before replay
   * lets the oldest leave memory again as the budget requires.
   */
  restoreChunk(s: MemSeries, id: number, minTime: number, maxTime: number, data: Uint8Array, row: number, offset: number): void {
    const c = this.slab.store(id, minTime, maxTime, data);
    if (this.disk !== null && row !== 0) this.disk.written(c, row, offset);
    s.restoreChunk(c);
  }

  appendExemplar(s: MemSeries, e: Exemplar): ExemplarOutcome {
    return (s.exemplars ??= new ExemplarRing()).add(e);
  }

  /** Records metric metadata; true when it changed (worth persisting). */
  setMetadata(md: MetricMetadata): boolean {
    const old = this.metadataByName.get(md.metricFamilyName);
    if (old !== undefined && old.type === md.type && old.help === md.help && old.unit === md.unit) return false;
    this.metadataByName.set(md.metricFamilyName, { metricFamilyName: md.metricFamilyName, type: md.type, help: md.help, unit: md.unit });
    return true;
  }

  /** Metadata for one metric family, or all of them (sorted by name, at most `limit` if > 0) when `metric` is "". */
  metadata(metric: string, limit: number): MetricMetadata[] {
    if (metric !== "") {
      const md = this.metadataByName.get(metric);
      return md === undefined ? [] : [md];
    }
    const names = [...this.metadataByName.keys()].sort();
    const n = limit > 0 ? Math.min(limit, names.length) : names.length;
    const out: MetricMetadata[] = [];
    for (let i = 0; i < n; i++) out.push(this.metadataByName.get(names[i]!)!);
    return out;
  }

  allMetadata(): IterableIterator<MetricMetadata> {
    return this.metadataByName.values();
  }

  /** Series matching all matchers with a sample in [start, end], sorted by labels. */
  matching(matchers: readonly Matcher[], start: number, end: number): { series: MemSeries; labels: Label[] }[] {
    const refs: PostingsList = this.postings.forMatchers(matchers);
    const out: { series: MemSeries; labels: Label[] }[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = this.byRef[refs[i]!];
      if (s === undefined || s.empty || s.maxTime < start || s.minTime > end) continue;
      out.push({ series: s, labels: this.labelsOf(s) });
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }

  select(matchers: readonly Matcher[], start: number, end: number, opts: SelectOptions = {}): SelectedSeries[] {
    let found = this.matching(matchers, start, end);
    if (opts.limit !== undefined && opts.limit > 0) found = found.slice(0, opts.limit);
    return found.map(({ series, labels }) => ({ labels, chunks: opts.seriesOnly ? [] : series.chunksInRange(start, end) }));
  }

  /**
   * What select returns, packed for the RPC (see select-codec.ts). Labels
   * come straight from the symbol table and chunk bytes are copied once,
   * into the answer: no object per series or chunk on the way.
   */
  selectPacked(matchers: readonly Matcher[], start: number, end: number, opts: SelectOptions = {}): SelectResult {
    const refs: PostingsList = this.postings.forMatchers(matchers);
    const found: MemSeries[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = this.byRef[refs[i]!];
      if (s === undefined || s.empty || s.maxTime < start || s.minTime > end) continue;
      found.push(s);
    }
    found.sort(this.compareSeriesLabels);
    const n = opts.limit !== undefined && opts.limit > 0 ? Math.min(opts.limit, found.length) : found.length;
    const withChunks = opts.seriesOnly !== true;
    // Sized exactly first: the answer is often tens of MB of chunks.
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const s = found[i]!;
      bytes += seriesHeaderBytes(s.labelsCount);
      if (withChunks) bytes += chunksInRange(s, start, end, null, null);
    }
    const w = new SelectionWriter(bytes);
    const later: DeferredChunks = { chunks: [], at: [] };
    for (let i = 0; i < n; i++) {
      const s = found[i]!;
      w.startSeries(s.labelsCount);
      for (let j = 0; j < s.labelsCount; j++) {
        const off = s.labelsOffset + 2 * j;
        w.label(this.symbols.get(this.arena.at(off)), this.symbols.get(this.arena.at(off + 1)));
      }
      if (withChunks) chunksInRange(s, start, end, w, later);
    }
    // Chunks on disk are read row by row once their places are known.
    readChunks(later.chunks, (i, data) => w.fill(later.at[i]!, data));
    return w.finish();
  }

  /** compareLabels over two series' interned labels, without materialising them. */
  private readonly compareSeriesLabels = (a: MemSeries, b: MemSeries): number => {
    const n = Math.min(a.labelsCount, b.labelsCount);
    for (let i = 0; i < 2 * n; i++) {
      const x = this.arena.at(a.labelsOffset + i);
      const y = this.arena.at(b.labelsOffset + i);
      if (x === y) continue;
      return this.symbols.get(x) < this.symbols.get(y) ? -1 : 1;
    }
    return a.labelsCount - b.labelsCount;
  };

  labelNames(matchers: readonly Matcher[], start: number, end: number, limit = 0): string[] {
    const names = new Set<string>();
    for (const { labels } of this.matching(matchers, start, end)) for (const l of labels) names.add(l.name);
    return sortAndLimit(names, limit);
  }

  labelValues(name: string, matchers: readonly Matcher[], start: number, end: number, limit = 0): string[] {
    const values = new Set<string>();
    if (matchers.length === 0) {
      // Per value, one series with data in range is enough.
      for (const v of this.postings.labelValues(name)) {
        const refs = this.postings.get(name, v);
        for (let i = 0; i < refs.length; i++) {
          const s = this.byRef[refs[i]!];
          if (s !== undefined && !s.empty && s.maxTime >= start && s.minTime <= end) {
            values.add(v);
            break;
          }
        }
      }
    } else {
      for (const { labels } of this.matching(matchers, start, end)) {
        for (const l of labels) if (l.name === name) values.add(l.value);
      }
    }
    return sortAndLimit(values, limit);
  }

  exemplars(matchers: readonly Matcher[], start: number, end: number): ExemplarSeries[] {
    const refs = this.postings.forMatchers(matchers);
    const out: ExemplarSeries[] = [];
    for (let i = 0; i < refs.length; i++) {
      const s = this.byRef[refs[i]!];
      if (s === undefined || s.exemplars === null) continue;
      const ex = s.exemplars.range(start, end);
      if (ex.length > 0) out.push({ seriesLabels: this.labelsOf(s), exemplars: ex });
    }
    out.sort((a, b) => compareLabels(a.seriesLabels, b.seriesLabels));
    return out;
  }

  /**
   * Drops every chunk (the open one included) whose samples are all before
   * `mint`, removes series left without data, and refuses samples before
   * `mint` from then on. For after those samples were written to a block;
   * the caller then drops their checkpoint rows (WalStore.dropChunksBefore) so a
   * replay does not bring them back. Returns the number of series removed.
   */
  truncateBefore(mint: number): number {
    const removed = new Set<number>();
    this.forEachSeries((s) => {
      if (s.chunks !== null) {
        const keep = s.chunks.filter((c) => c.maxTime >= mint);
        s.chunks = keep.length > 0 ? keep : null;
      }
      if (s.head !== null && s.head.lastTimestamp < mint) s.dropHead();
      if (s.empty) removed.add(s.ref);
    });
    if (removed.size > 0) {
      for (const ref of removed) {
        const s = this.byRef[ref]!;
        this.byRef[ref] = undefined;
        this.dirty.delete(s);
        const hash = hashLabels(this.labelsOf(s));
        const found = this.byHash.get(hash);
        if (found === s) this.byHash.delete(hash);
        else if (Array.isArray(found)) {
          const rest = found.filter((x) => x !== s);
          this.byHash.set(hash, rest.length === 1 ? rest[0]! : rest);
        }
        this.seriesCount--;
      }
      this.postings.retain((ref) => !removed.has(ref));
    }
    this.minValidTime = Math.max(this.minValidTime, mint);
    return removed.size;
  }

  forEachSeries(fn: (s: MemSeries) => void): void {
    for (const s of this.byRef) if (s !== undefined) fn(s);
  }

  /** Oldest and newest sample time at or after `from` in the head, or null when there is none. */
  timeRange(from = -Infinity): { minTime: number; maxTime: number } | null {
    let minTime = Infinity;
    let maxTime = -Infinity;
    this.forEachSeries((s) => {
      if (s.empty || s.maxTime < from) return;
      let first = s.minTime;
      if (first < from) {
        // Chunks below `from` were cut already and wait for truncation.
        first = s.head !== null ? s.headMinTime : Infinity;
        for (const c of s.chunks ?? []) {
          if (c.maxTime >= from) {
            first = c.minTime;
            break;
          }
        }
        first = Math.max(first, from);
      }
      if (first < minTime) minTime = first;
      if (s.maxTime > maxTime) maxTime = s.maxTime;
    });
    return minTime === Infinity ? null : { minTime, maxTime };
  }

  /** Series, chunks, time range and label pair counts, for TSDB status. */
  status(): HeadStatus {
    let chunks = 0;
    this.forEachSeries((s) => (chunks += (s.chunks?.length ?? 0) + (s.head !== null ? 1 : 0)));
    const range = this.timeRange();
    return {
      numSeries: this.seriesCount,
      chunkCount: chunks,
      minTime: range?.minTime ?? null,
      maxTime: range?.maxTime ?? null,
      labels: this.postings.pairCounts(),
    };
  }

  stats(): HeadStats {
    let chunks = 0;
    let inMemory = 0;
    this.forEachSeries((s) => {
      for (const c of s.chunks ?? []) {
        chunks++;
        if (c.disk === null) inMemory++;
      }
    });
    return { series: this.seriesCount, completedChunks: chunks, chunksInMemory: inMemory, symbols: this.symbols.size, labelArenaBytes: this.arena.bytes };
  }
}

/** Chunks on disk whose room in a SelectionWriter is reserved, and where their bytes go. */
interface DeferredChunks {
  readonly chunks: HeadChunk[];
  readonly at: number[];
}

/**
 * The completed chunks and the open one of `s` that overlap [start, end],
 * oldest first: written to `w` when given (room only for chunks on disk,
 * noted in `later`), and their answer bytes returned either way (the sizing
 * pass calls it without a writer).
 */
function chunksInRange(s: MemSeries, start: number, end: number, w: SelectionWriter | null, later: DeferredChunks | null): number {
  let bytes = 0;
  const chunks = s.chunks;
  if (chunks !== null) {
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c.maxTime < start || c.minTime > end) continue;
      bytes += chunkBytes(c.byteLength);
      if (w === null) continue;
      if (c.disk === null) w.chunk(c.minTime, c.maxTime, c.data);
      else {
        later!.chunks.push(c);
        later!.at.push(w.chunkRoom(c.minTime, c.maxTime, c.byteLength));
      }
    }
  }
  const head = s.head;
  if (head !== null && head.lastTimestamp >= start && s.headMinTime <= end) {
    bytes += chunkBytes(head.byteLength);
    // The open chunk's view is made only when it is written.
    if (w !== null) w.chunk(s.headMinTime, head.lastTimestamp, head.bytes());
  }
  return bytes;
}

function sortAndLimit(set: Set<string>, limit: number): string[] {
  const out = [...set].sort();
  return limit > 0 && out.length > limit ? out.slice(0, limit) : out;
}
