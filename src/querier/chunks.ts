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
import { mergeSamples } from "./merge";
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
 * once: from the earlier chunk when chunks merely touch, from the chunk
 * listed first when they overlap.
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
    if (scratch.length > 0) {
      const ordered = timeOrdered(scratch);
      n = ordered ? decodeInOrder(ordered, start, end, ts, bits, n) : decodeOverlapping(scratch, start, end, ts, bits, n);
    }
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
 * `chunks` by start time (sources list the head before the blocks), or null
 * when one begins before the one before it ends: then they cannot simply
 * decode one after the other.
 */
function timeOrdered(chunks: readonly ChunkRef[]): readonly ChunkRef[] | null {
  let sorted: readonly ChunkRef[] = chunks;
  for (let i = 1; i < chunks.length; i++) {
    if (chunks[i]!.minTime < chunks[i - 1]!.minTime) {
      sorted = chunks.slice().sort((a, b) => a.minTime - b.minTime);
      break;
    }
  }
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.minTime < sorted[i - 1]!.maxTime) return null;
  return sorted;
}

function decodeInOrder(chunks: readonly ChunkRef[], start: number, end: number, ts: Float64Array, bits: Uint32Array, n: number): number {
  const first = n;
  for (const c of chunks) {
    // Chunks that touch share their boundary sample: times stay strictly increasing.
    n = decodeXORRange(c.data, c.from, c.to, start, end, n > first ? ts[n - 1]! : -Infinity, ts, bits, n);
  }
  return n;
}

/** The rare case (out-of-order chunks, a head chunk also in a block): decode each, then merge. */
function decodeOverlapping(
  chunks: readonly ChunkRef[],
  start: number,
  end: number,
  ts: Float64Array,
  bits: Uint32Array,
  n: number,
): number {
  const parts: Series[] = chunks.map((c) => {
    const size = xorSamplesAt(c.data, c.from);
    const pts = new Float64Array(size);
    const pvs = new Float64Array(size);
    const m = decodeXORRange(c.data, c.from, c.to, start, end, -Infinity, pts, float64Bits(pvs), 0);
    return { labels: [], timestamps: pts.subarray(0, m), values: pvs.subarray(0, m) };
  });
  const merged = mergeSamples(parts);
  ts.set(merged.timestamps, n);
  bits.set(float64Bits(merged.values), 2 * n);
  return n + merged.timestamps.length;
}
