/**
 * Turns the XOR chunks of one series into typed arrays of the samples inside
 * a time range. One pass sizes the output from chunk headers, one decodes;
 * nothing is allocated per sample or per chunk.
 */
import type { ChunkData } from "../ingester/protocol";
import type { SelectionReader } from "../ingester/select-codec";
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

/** The same for the current series of a packed select answer, decoded in place. */
export function decodeSelectedChunks(r: SelectionReader, start: number, end: number): DecodedSamples {
  const data = r.data;
  let total = 0;
  for (let i = 0; i < r.chunks; i++) if (r.maxTimes[i]! >= start && r.minTimes[i]! <= end) total += xorSamplesAt(data, r.offsets[i]!);
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  const bits = float64Bits(vs);
  let n = 0;
  for (let i = 0; i < r.chunks; i++) {
    if (r.maxTimes[i]! < start || r.minTimes[i]! > end) continue;
    const from = r.offsets[i]!;
    n = decodeXORRange(data, from, from + r.lengths[i]!, start, end, n > 0 ? ts[n - 1]! : -Infinity, ts, bits, n);
  }
  return trimmed(ts, vs, n, total);
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
