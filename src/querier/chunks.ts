/**
 * From chunk series to sample arrays. Sources hand over their XOR chunks
 * undecoded; series that several sources (or blocks) hold are joined chunk
 * list to chunk list, and every sample is then decoded exactly once, into
 * one timestamp and one value buffer shared by all series of the select.
 * Merging decoded arrays instead would copy each sample once per source.
 */
import { compareLabels, type Labels } from "../model/labels";
import type { ChunkRef, ChunkSeries, Series } from "../storage/storage";
import { float64Bits } from "../tsdb/chunkenc/xor";
import { decodeXORRange, xorSamplesAt } from "./xor-decode";

/**
 * The sorted union of sorted lists; a series in several lists gets their
 * chunks in list order (which decides ties between sources, see below).
 */
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
 * Every series with its samples in [start, end], views into two shared
 * buffers. Series left without samples are dropped unless `keepEmpty`
 * (label-only selects). A timestamp held by more than one chunk is kept
 * once, from the chunk that starts first.
 */
export function decodeChunkSeries(series: readonly ChunkSeries[], start: number, end: number, keepEmpty = false): Series[] {
  let room = 0;
  for (const s of series) for (const c of s.chunks) if (inRange(c, start, end)) room += xorSamplesAt(c.data, c.from);
  let ts = new Float64Array(room);
  let vs = new Float64Array(room);
  const bits = float64Bits(vs);
  const labels: Labels[] = [];
  const bounds: number[] = [0];
  const scratch: ChunkRef[] = [];
  let n = 0;
  for (const s of series) {
    const first = n;
    scratch.length = 0;
    for (const c of s.chunks) if (inRange(c, start, end)) scratch.push(c);
    if (scratch.length > 0) n = decodeSeriesChunks(scratch, start, end, ts, bits, n);
    if (n === first && !keepEmpty) continue;
    labels.push(s.labels);
    bounds.push(n);
  }
  if (n * 2 < room) {
    // An instant query keeps a few samples of whole chunks: do not pin the rest.
    ts = ts.slice(0, n);
    vs = vs.slice(0, n);
  }
  const out = new Array<Series>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    out[i] = { labels: labels[i]!, timestamps: ts.subarray(bounds[i]!, bounds[i + 1]!), values: vs.subarray(bounds[i]!, bounds[i + 1]!) };
  }
  return out;
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
