/**
 * From chunk series to samples. Sources hand over their XOR chunks
 * undecoded; series that several sources (or blocks) hold are joined chunk
 * list to chunk list, and each series decodes its chunks in time order when
 * read. Merging decoded arrays instead would copy each sample once per
 * source, and decoding a whole select up front would hold 16 bytes per
 * sample at once.
 */
import { compareLabels, type Labels } from "../model/labels";
import type { ChunkRef, ChunkSeries, SelectHints, Series } from "../storage/storage";
import { type DecodableSeries, SampleBuffers, type SampleViews } from "../storage/samples";
import { decodeXORRange, xorSamplesAt } from "./xor-decode";

/** The sorted union of sorted lists; a series in several lists gets all their chunks. */
export function mergeChunkSeries(lists: readonly (readonly ChunkSeries[])[]): ChunkSeries[] {
  let work = lists.filter((l) => l.length > 0) as (readonly ChunkSeries[])[];
  if (work.length === 0) return [];
  // Pairwise rounds keep list order: the earlier list's chunks come first.
  while (work.length > 1) {
    const next: (readonly ChunkSeries[])[] = [];
    for (let i = 0; i + 1 < work.length; i += 2) next.push(mergeTwo(work[i]!, work[i + 1]!));
    if (work.length % 2 === 1) next.push(work[work.length - 1]!);
    work = next;
  }
  return work[0]!.slice();
}

function mergeTwo(a: readonly ChunkSeries[], b: readonly ChunkSeries[]): ChunkSeries[] {
  const out: ChunkSeries[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = compareLabels(a[i]!.labels, b[j]!.labels);
    if (c < 0) out.push(a[i++]!);
    else if (c > 0) out.push(b[j++]!);
    else out.push({ labels: a[i]!.labels, chunks: a[i++]!.chunks.concat(b[j++]!.chunks) });
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/**
 * `series` sorted by compareLabels. Sources sort bytewise (index order),
 * which differs only for rare code points: check before paying for a sort.
 */
export function sortedByLabels<T extends { readonly labels: Labels }>(series: T[]): T[] {
  for (let i = 1; i < series.length; i++) {
    if (compareLabels(series[i - 1]!.labels, series[i]!.labels) > 0) return series.sort((a, b) => compareLabels(a.labels, b.labels));
  }
  return series;
}

/**
 * Every series with its samples in [start, end], decoded when read.
 * Holding decoded samples costs 16 bytes each against about 1.5 for XOR
 * chunks, so a select of ten million samples would not fit a Worker's
 * 128 MB decoded all at once: the engine decodes one series at a time
 * into buffers it reuses (see storage/samples.ts), and any other reader
 * decodes a series' own arrays on first access.
 */
export function decodeChunkSeries(series: readonly ChunkSeries[], start: number, end: number, keepEmpty = false): Series[] {
  const out: Series[] = [];
  for (const s of series) {
    const chunks = s.chunks.filter((c) => inRange(c, start, end));
    if (chunks.length === 0 && !keepEmpty) continue;
    out.push(new LazySeries(s.labels, chunks, start, end));
  }
  return out;
}

/** A select's answer from sources' chunk lists: joined, cut at the limit, decoded when read. */
export function selectedSeries(lists: readonly (readonly ChunkSeries[])[], hints: SelectHints): Series[] {
  const merged = mergeChunkSeries(lists);
  return decodeChunkSeries(hints.limit ? merged.slice(0, hints.limit) : merged, hints.start, hints.end, hints.seriesOnly === true);
}

/** A series whose chunks are decoded when its samples are read. */
export class LazySeries implements DecodableSeries {
  private decoded: SampleViews | null = null;

  constructor(
    readonly labels: Labels,
    private readonly chunks: ChunkRef[],
    private readonly start: number,
    private readonly end: number,
  ) {}

  get timestamps(): Float64Array {
    return this.own().timestamps;
  }

  /** Whether the series holds decoded samples of its own (a reader used the getters). */
  get retainsSamples(): boolean {
    return this.decoded !== null;
  }

  get values(): Float64Array {
    return this.own().values;
  }

  withLabels(labels: Labels): LazySeries {
    return new LazySeries(labels, this.chunks, this.start, this.end);
  }

  /** Decodes into `buf` (not kept by the series); the views are valid until `buf` is reused. */
  samplesInto(buf: SampleBuffers): SampleViews {
    if (this.decoded !== null) return this.decoded;
    buf.ensure(this.room());
    const n = decodeSeriesChunks(this.chunks, this.start, this.end, buf.timestamps, buf.bits, 0);
    return { timestamps: buf.timestamps.subarray(0, n), values: buf.values.subarray(0, n) };
  }

  private own(): SampleViews {
    if (this.decoded === null) {
      const room = this.room();
      const buf = new SampleBuffers(room);
      const n = decodeSeriesChunks(this.chunks, this.start, this.end, buf.timestamps, buf.bits, 0);
      // An instant query reads a few samples out of whole chunks: do not pin the rest.
      this.decoded =
        n * 2 < room
          ? { timestamps: buf.timestamps.slice(0, n), values: buf.values.slice(0, n) }
          : { timestamps: buf.timestamps.subarray(0, n), values: buf.values.subarray(0, n) };
    }
    return this.decoded;
  }

  private room(): number {
    let room = 0;
    for (const c of this.chunks) room += xorSamplesAt(c.data, c.from);
    return room;
  }
}

function inRange(c: ChunkRef, start: number, end: number): boolean {
  return c.maxTime >= start && c.minTime <= end;
}

/**
 * Decodes a series' chunks in time order after `n` and returns the new
 * count. Chunks usually follow each other (or touch, sharing one sample).
 * Where one starts before the samples so far end, as a head chunk does
 * that a block cut split in two, its samples are merged into that tail;
 * on a timestamp held twice, the sample already decoded stays.
 */
function decodeSeriesChunks(chunks: ChunkRef[], start: number, end: number, ts: Float64Array, bits: Uint32Array, n: number): number {
  if (chunks.length > 1) chunks.sort((a, b) => a.minTime - b.minTime);
  const first = n;
  for (const c of chunks) {
    if (n === first || c.minTime > ts[n - 1]!) {
      n = decodeXORRange(c.data, c.from, c.to, start, end, n > first ? ts[n - 1]! : -Infinity, ts, bits, n);
    } else {
      n = mergeChunkIntoTail(c, start, end, ts, bits, first, n);
    }
  }
  return n;
}

let scratchTs = new Float64Array(256);
let scratchBits = new Uint32Array(512);
let tailTs = new Float64Array(256);
let tailBits = new Uint32Array(512);

function mergeChunkIntoTail(c: ChunkRef, start: number, end: number, ts: Float64Array, bits: Uint32Array, first: number, n: number): number {
  const size = xorSamplesAt(c.data, c.from);
  if (scratchTs.length < size) {
    scratchTs = new Float64Array(size);
    scratchBits = new Uint32Array(2 * size);
  }
  const m = decodeXORRange(c.data, c.from, c.to, start, end, -Infinity, scratchTs, scratchBits, 0);
  if (m === 0) return n;
  // The tail the chunk overlaps: samples at or after its first one.
  let p = n;
  while (p > first && ts[p - 1]! >= scratchTs[0]!) p--;
  const tail = n - p;
  if (tailTs.length < tail) {
    tailTs = new Float64Array(tail);
    tailBits = new Uint32Array(2 * tail);
  }
  tailTs.set(ts.subarray(p, n));
  tailBits.set(bits.subarray(2 * p, 2 * n));
  let i = 0;
  let j = 0;
  let o = p;
  while (i < tail || j < m) {
    const fromTail = j === m || (i < tail && tailTs[i]! <= scratchTs[j]!);
    if (fromTail) {
      if (j < m && tailTs[i] === scratchTs[j]) j++;
      ts[o] = tailTs[i]!;
      bits[2 * o] = tailBits[2 * i]!;
      bits[2 * o + 1] = tailBits[2 * i + 1]!;
      i++;
    } else {
      ts[o] = scratchTs[j]!;
      bits[2 * o] = scratchBits[2 * j]!;
      bits[2 * o + 1] = scratchBits[2 * j + 1]!;
      j++;
    }
    o++;
  }
  return o;
}
