/**
 * Turns the XOR chunks of one series into typed arrays of the samples inside
 * a time range. One pass sizes the output, one decodes; nothing is
 * allocated per sample.
 */
import type { ChunkData } from "../ingester/protocol";
import { decodeXOR, float64Bits, xorNumSamples, XORIterator } from "../tsdb/chunkenc/xor";

const iterator = new XORIterator();

export function decodeChunksInRange(
  chunks: readonly ChunkData[],
  start: number,
  end: number,
): { timestamps: Float64Array; values: Float64Array } {
  let total = 0;
  for (const c of chunks) if (c.maxTime >= start && c.minTime <= end) total += xorNumSamples(c.data);
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  // Values move as bits so that staleness markers keep their NaN payload.
  const bits = float64Bits(vs);
  let n = 0;
  let lastT = -Infinity;
  for (const c of chunks) {
    if (c.maxTime < start || c.minTime > end) continue;
    const from = n;
    const got = decodeXOR(c.data, ts, vs, n, iterator);
    // Keep [start, end] and strictly increasing times (overlapping chunks at
    // a boundary must not repeat a sample).
    for (let i = from; i < from + got; i++) {
      const t = ts[i]!;
      if (t < start || t > end || t <= lastT) continue;
      ts[n] = t;
      bits[2 * n] = bits[2 * i]!;
      bits[2 * n + 1] = bits[2 * i + 1]!;
      lastT = t;
      n++;
    }
  }
  return { timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}
