/**
 * One in-memory series: its completed XOR chunks and the open head chunk.
 *
 * Chunks are kept time-ordered and non-overlapping at all times, so a query
 * can ship them as they are. A chunk is cut after `samplesPerChunk` samples
 * or when a sample falls into the next chunk range (2h by default), so no
 * chunk straddles a block boundary and a block cutter can take whole chunks.
 *
 * Out-of-order samples accepted by the caller's window are placed by
 * re-encoding the one chunk they belong to (decode, insert, encode): rare,
 * at most one chunk's work, and readers never need to merge anything.
 */
import { MAX_XOR_SAMPLES, XORAppender, XORIterator, encodeXOR, float64Bits, floatHi, floatLo } from "../chunkenc/xor";
import type { ExemplarRing } from "./exemplars";
import type { ChunkSlab, HeadChunk } from "./slab";
import type { SlotAllocator } from "../chunkenc/slots";

/** Head-wide settings and storage a series needs when it appends. */
export interface ChunkContext {
  readonly samplesPerChunk: number;
  /** Chunks never straddle a multiple of this (the block range). */
  readonly chunkRangeMs: number;
  readonly slab: ChunkSlab;
  /** Where open chunks keep their bytes. */
  readonly openChunks: SlotAllocator;
}

export const SAMPLES_PER_CHUNK = 120;
export const DEFAULT_CHUNK_RANGE_MS = 2 * 60 * 60 * 1000;

/** What happened to one appended sample. */
export const Append = {
  /** Stored. */
  Appended: 0,
  /** The same timestamp and value bits were already stored: nothing to do. */
  Exists: 1,
  /** Older than the newest sample and no out-of-order window covers it. */
  OutOfOrder: 2,
  /** Older than the newest sample by more than the out-of-order window. */
  TooOld: 3,
  /** A different value is already stored at this timestamp. */
  Duplicate: 4,
  /** The chunk it belongs to is full. */
  ChunkFull: 5,
} as const;
export type Append = (typeof Append)[keyof typeof Append];

const it = new XORIterator();

export class MemSeries {
  readonly ref: number;
  /** Offset and pair count of this series' labels in the head's label arena. */
  readonly labelsOffset: number;
  readonly labelsCount: number;
  /** Completed chunks, oldest first, all before the head chunk. */
  chunks: HeadChunk[] | null = null;
  head: XORAppender | null = null;
  headMinTime = 0;
  headId = 0;
  nextChunkId = 0;
  exemplars: ExemplarRing | null = null;
  /** True once the labels are durable (WAL or checkpoint). */
  logged = false;
  /** Set when a completed chunk is added or rewritten; a checkpoint clears it. */
  hasUnpersistedChunks = false;

  // No label hash is kept: as a number of up to 2^32 it would cost a heap
  // number besides its field; removal, the only user, recomputes it.
  constructor(ref: number, labelsOffset: number, labelsCount: number) {
    this.ref = ref;
    this.labelsOffset = labelsOffset;
    this.labelsCount = labelsCount;
  }

  get empty(): boolean {
    return this.head === null && (this.chunks === null || this.chunks.length === 0);
  }

  get minTime(): number {
    if (this.chunks !== null && this.chunks.length > 0) return this.chunks[0]!.minTime;
    return this.head !== null ? this.headMinTime : Infinity;
  }

  get maxTime(): number {
    if (this.head !== null) return this.head.lastTimestamp;
    if (this.chunks !== null && this.chunks.length > 0) return this.chunks[this.chunks.length - 1]!.maxTime;
    return -Infinity;
  }

  /**
   * Appends with Prometheus's rules. `oooWindow` > 0 accepts samples older
   * than the newest by at most that many ms; an exact repeat of a stored
   * sample is always accepted as a no-op so that retried pushes succeed.
   */
  append(t: number, hi: number, lo: number, oooWindow: number, ctx: ChunkContext): Append {
    const chunkRange = ctx.chunkRangeMs;
    // `empty` and `maxTime` written out: this runs for every sample.
    const head = this.head;
    const chunks = this.chunks;
    if (head === null && (chunks === null || chunks.length === 0)) {
      this.openHead(t, hi, lo, ctx.openChunks);
      return Append.Appended;
    }
    const last = head !== null ? head.lastTimestamp : chunks![chunks!.length - 1]!.maxTime;
    if (t > last) {
      if (head === null) {
        this.openHead(t, hi, lo, ctx.openChunks);
      } else if (head.numSamples >= ctx.samplesPerChunk || Math.floor(t / chunkRange) !== Math.floor(this.headMinTime / chunkRange)) {
        this.completeHead(head, ctx.slab);
        // The next chunk starts in this one's room, which fits it about right
        // (one that outgrew the largest slot comes back to a slot of its size).
        head.restart(t, hi, lo, ctx.openChunks);
        this.startHead(t);
      } else {
        head.appendBits(t, hi, lo);
      }
      return Append.Appended;
    }
    if (t === last && head !== null) {
      return head.lastValueHi === hi && head.lastValueLo === lo ? Append.Exists : Append.Duplicate;
    }
    const found = this.findSample(t);
    if (found !== null) {
      if (found.hi === hi && found.lo === lo) return Append.Exists;
      return t === last || t >= last - oooWindow ? Append.Duplicate : oooWindow > 0 ? Append.TooOld : Append.OutOfOrder;
    }
    if (oooWindow <= 0) return Append.OutOfOrder;
    if (t < last - oooWindow) return Append.TooOld;
    return this.insert(t, hi, lo, ctx);
  }

  /** Adds a copy of the open chunk to the completed list; the caller restarts or drops the open one. */
  private completeHead(head: XORAppender, slab: ChunkSlab): void {
    (this.chunks ??= []).push(slab.store(this.headId, this.headMinTime, head.lastTimestamp, head.bytes()));
    this.hasUnpersistedChunks = true;
  }

  private openHead(t: number, hi: number, lo: number, slots: SlotAllocator): void {
    const app = new XORAppender(48, slots);
    app.appendBits(t, hi, lo);
    this.head = app;
    this.startHead(t);
  }

  private startHead(t: number): void {
    this.headMinTime = t;
    this.headId = this.nextChunkId++;
  }

  /** Drops the open chunk and gives its room back (e.g. once a block holds its samples). */
  dropHead(): void {
    if (this.head === null) return;
    this.head.release();
    this.head = null;
  }

  /** The stored value bits at exactly `t`, if any. */
  private findSample(t: number): { hi: number; lo: number } | null {
    let data: Uint8Array | null = null;
    if (this.head !== null && t >= this.headMinTime) data = this.head.bytes();
    else if (this.chunks !== null) {
      const c = this.chunks[chunkIndexAtOrBefore(this.chunks, t)];
      if (c !== undefined && t <= c.maxTime) data = c.data;
    }
    if (data === null) return null;
    it.reset(data);
    while (it.next()) {
      if (it.t === t) return { hi: it.valueHi, lo: it.valueLo };
      if (it.t > t) break;
    }
    return null;
  }

  /**
   * Places an older sample in the chunk of its own chunk range: the one
   * starting at or before it, else the one after it, else a new chunk.
   */
  private insert(t: number, hi: number, lo: number, ctx: ChunkContext): Append {
    const chunkRange = ctx.chunkRangeMs;
    if (this.head !== null && t >= this.headMinTime) return this.rewriteHead(t, hi, lo, ctx.openChunks);
    const range = Math.floor(t / chunkRange);
    const chunks = (this.chunks ??= []);
    const i = chunkIndexAtOrBefore(chunks, t);
    if (i >= 0 && Math.floor(chunks[i]!.minTime / chunkRange) === range) return this.rewriteChunk(i, t, hi, lo, ctx.slab);
    // Everything after chunk i starts after t; join the next chunk if it shares t's range.
    const next = chunks[i + 1];
    if (next !== undefined) {
      if (Math.floor(next.minTime / chunkRange) === range) return this.rewriteChunk(i + 1, t, hi, lo, ctx.slab);
    } else if (this.head !== null && Math.floor(this.headMinTime / chunkRange) === range) {
      return this.rewriteHead(t, hi, lo, ctx.openChunks);
    }
    chunks.splice(i + 1, 0, ctx.slab.store(this.nextChunkId++, t, t, singleSample(t, hi, lo)));
    this.hasUnpersistedChunks = true;
    return Append.Appended;
  }

  private rewriteChunk(i: number, t: number, hi: number, lo: number, slab: ChunkSlab): Append {
    const chunks = this.chunks!;
    const old = chunks[i]!;
    const merged = insertSample(old.data, t, hi, lo);
    if (merged === null) return Append.ChunkFull;
    chunks[i] = slab.store(old.id, Math.min(old.minTime, t), Math.max(old.maxTime, t), merged);
    this.hasUnpersistedChunks = true;
    return Append.Appended;
  }

  private rewriteHead(t: number, hi: number, lo: number, slots: SlotAllocator): Append {
    const merged = insertSample(this.head!.bytes(), t, hi, lo);
    if (merged === null) return Append.ChunkFull;
    this.head!.release();
    this.head = XORAppender.fromChunk(merged, slots);
    this.headMinTime = Math.min(this.headMinTime, t);
    return Append.Appended;
  }

  /** Copies of the chunks overlapping [start, end], oldest first. */
  chunksInRange(start: number, end: number): HeadChunkView[] {
    const out: HeadChunkView[] = [];
    if (this.chunks !== null) {
      for (const c of this.chunks) if (c.maxTime >= start && c.minTime <= end) out.push({ minTime: c.minTime, maxTime: c.maxTime, data: c.data.slice() });
    }
    if (this.head !== null && this.head.lastTimestamp >= start && this.headMinTime <= end) {
      out.push({ minTime: this.headMinTime, maxTime: this.head.lastTimestamp, data: this.head.copyBytes() });
    }
    return out;
  }

  /** Replaces or adds a completed chunk by id (checkpoint replay). */
  restoreChunk(chunk: HeadChunk): void {
    const chunks = (this.chunks ??= []);
    const at = chunks.findIndex((c) => c.id === chunk.id);
    if (at >= 0) chunks[at] = chunk;
    else {
      chunks.push(chunk);
      chunks.sort((a, b) => a.minTime - b.minTime);
    }
    if (chunk.id >= this.nextChunkId) this.nextChunkId = chunk.id + 1;
  }

  /** Re-opens a head chunk from its bytes (checkpoint replay). */
  restoreHead(id: number, data: Uint8Array, slots: SlotAllocator): void {
    const app = XORAppender.fromChunk(data, slots);
    if (app.numSamples === 0) {
      app.release();
      return;
    }
    it.reset(data);
    it.next();
    this.head?.release();
    this.head = app;
    this.headMinTime = it.t;
    this.headId = id;
    if (id >= this.nextChunkId) this.nextChunkId = id + 1;
  }
}

export interface HeadChunkView {
  readonly minTime: number;
  readonly maxTime: number;
  readonly data: Uint8Array;
}

function singleSample(t: number, hi: number, lo: number): Uint8Array {
  const app = new XORAppender(16);
  app.appendBits(t, hi, lo);
  return app.copyBytes();
}

/** Index of the last chunk with minTime ≤ t, or -1. */
function chunkIndexAtOrBefore(chunks: readonly HeadChunk[], t: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (chunks[mid]!.minTime <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** Re-encodes `data` with one more sample at its place in time; null when full. */
function insertSample(data: Uint8Array, t: number, hi: number, lo: number): Uint8Array | null {
  it.reset(data);
  const n = it.numSamples;
  if (n + 1 > MAX_XOR_SAMPLES) return null;
  const ts = new Float64Array(n + 1);
  const vs = new Float64Array(n + 1);
  const bits = float64Bits(vs);
  let k = 0;
  let placed = false;
  while (it.next()) {
    if (!placed && it.t > t) {
      ts[k] = t;
      bits[2 * k] = lo;
      bits[2 * k + 1] = hi;
      k++;
      placed = true;
    }
    ts[k] = it.t;
    bits[2 * k] = it.valueLo;
    bits[2 * k + 1] = it.valueHi;
    k++;
  }
  if (!placed) {
    ts[k] = t;
    bits[2 * k] = lo;
    bits[2 * k + 1] = hi;
  }
  return encodeXOR(ts, vs);
}
