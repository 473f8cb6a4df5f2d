/**
 * Turns the XOR chunks of one series into typed arrays of the samples inside
 * a time range. One pass sizes the output from chunk headers, one decodes;
 * nothing is allocated per sample or per chunk.
 */
import type { ChunkData, SelectResult } from "../ingester/protocol";
import { SelectionReader } from "../ingester/select-codec";
import type { Labels } from "../model/labels";
import type { Series } from "../storage/storage";
import { float64Bits } from "../tsdb/chunkenc/xor";
import { decodeXORRange, xorSamplesAt } from "./xor-decode";

export interface DecodedSamples {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export function decodeChunksInRange(chunks: readonly ChunkData[], start: number, end: number): DecodedSamples {
  let total = 0;
  for (const c of chunks) if (c.maxTime >= start && c.minTime <= end) total += xorSamplesAt(c.data, 0);
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  const bits = float64Bits(vs);
  let n = 0;
  for (const c of chunks) {
    if (c.maxTime < start || c.minTime > end) continue;
    // Overlapping chunks at a boundary must not repeat a sample: times stay strictly increasing.
    n = decodeXORRange(c.data, 0, c.data.length, start, end, n > 0 ? ts[n - 1]! : -Infinity, ts, bits, n);
  }
  return trimmed(ts, vs, n, total);
}

/**
 * Every series of packed select answers with its samples in [start, end].
 * All series share one timestamp buffer and one value buffer (each gets a
 * view of its part): two allocations per select instead of two per series,
 * which matters when a range query decodes millions of samples.
 */
export function decodeSelections(answers: readonly SelectResult[], start: number, end: number): Series[] {
  // Room from chunk headers; chunks overlapping the range may hold samples outside it.
  let room = 0;
  for (const a of answers) {
    const r = new SelectionReader(a);
    while (r.next(false)) room += samplesInRange(r, start, end);
  }
  let ts = new Float64Array(room);
  let vs = new Float64Array(room);
  const bits = float64Bits(vs);
  const labels: Labels[] = [];
  const bounds: number[] = [0];
  let n = 0;
  for (const a of answers) {
    const r = new SelectionReader(a);
    while (r.next()) {
      const first = n;
      for (let i = 0; i < r.chunks; i++) {
        if (r.maxTimes[i]! < start || r.minTimes[i]! > end) continue;
        const from = r.offsets[i]!;
        // Overlapping chunks at a boundary must not repeat a sample: times stay strictly increasing.
        n = decodeXORRange(r.data, from, from + r.lengths[i]!, start, end, n > first ? ts[n - 1]! : -Infinity, ts, bits, n);
      }
      labels.push(r.labels);
      bounds.push(n);
    }
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

function samplesInRange(r: SelectionReader, start: number, end: number): number {
  let total = 0;
  for (let i = 0; i < r.chunks; i++) if (r.maxTimes[i]! >= start && r.minTimes[i]! <= end) total += xorSamplesAt(r.data, r.offsets[i]!);
  return total;
}

/**
 * Views of the first `n` samples; copies when most of the room went unused
 * (an instant query reads a few samples out of whole chunks) so that the
 * result does not pin the oversized buffers for the rest of the query.
 */
export function trimmed(ts: Float64Array, vs: Float64Array, n: number, room: number): DecodedSamples {
  if (n * 2 < room) return { timestamps: ts.slice(0, n), values: vs.slice(0, n) };
  return { timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}
