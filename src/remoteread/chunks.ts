/**
 * Between samples and the XOR chunks a streamed remote-read response
 * carries: cutting series into chunks for a response, and decoding a
 * received series back into sorted samples.
 */
import type { Series } from "../storage/storage";
import { ENCODING_XOR, XORIterator, decodeXOR, encodeXOR, xorNumSamples } from "../tsdb/chunkenc/xor";
import { encodeChunkedReadResponse, encodeFrame } from "./stream";
import { type Chunk, type ChunkedSeries, RemoteReadError } from "./types";

/** Prometheus's target samples per chunk. */
export const SAMPLES_PER_CHUNK = 120;

/** Prometheus's default `--storage.remote.read-max-bytes-in-frame`. */
export const DEFAULT_BYTES_PER_FRAME = 1 << 20;

/** Cuts a series' samples into XOR chunks of up to `samplesPerChunk`. */
export function seriesToChunkedSeries(series: Series, samplesPerChunk = SAMPLES_PER_CHUNK): ChunkedSeries {
  const ts = series.timestamps;
  const chunks: Chunk[] = [];
  for (let from = 0; from < ts.length; from += samplesPerChunk) {
    const to = Math.min(from + samplesPerChunk, ts.length);
    chunks.push({
      minTimeMs: ts[from]!,
      maxTimeMs: ts[to - 1]!,
      type: ENCODING_XOR,
      data: encodeXOR(ts, series.values, from, to),
    });
  }
  return { labels: series.labels, chunks };
}

/**
 * Decodes a received series. Chunks may overlap; the result is sorted by
 * time with one sample per timestamp (the earlier chunk wins, as in
 * Prometheus's chunk merging). Non-XOR chunks are refused.
 */
export function chunkedSeriesToSeries(cs: ChunkedSeries): Series {
  let total = 0;
  for (const c of cs.chunks) {
    if (c.type !== ENCODING_XOR) {
      throw new RemoteReadError(`remote read: unsupported chunk encoding ${c.type} (only XOR float chunks are read)`);
    }
    total += xorNumSamples(c.data);
  }
  let ts: Float64Array = new Float64Array(total);
  let vs: Float64Array = new Float64Array(total);
  const it = new XORIterator();
  let n = 0;
  for (const c of cs.chunks) n += decodeXOR(c.data, ts, vs, n, it);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (ts[i]! <= ts[i - 1]!) sorted = false;
  if (!sorted) [ts, vs, n] = sortUnique(ts, vs, n);
  return n === total
    ? { labels: cs.labels, timestamps: ts, values: vs }
    : { labels: cs.labels, timestamps: ts.slice(0, n), values: vs.slice(0, n) };
}

/** Stable sort by time keeping the first sample of equal timestamps. */
function sortUnique(ts: Float64Array, vs: Float64Array, n: number): [Float64Array, Float64Array, number] {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
  const ots = new Float64Array(n);
  const ovs = new Float64Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (m > 0 && ots[m - 1] === ts[i]) continue;
    ots[m] = ts[i]!;
    ovs[m] = vs[i]!;
    m++;
  }
  return [ots, ovs, m];
}

/**
 * Frames answering one query: one series per frame, a series split over
 * several frames when its chunks exceed `bytesPerFrame` (never splitting a
 * chunk), as Prometheus's server does.
 */
export function* chunkedResponseFrames(
  queryIndex: number,
  series: Iterable<ChunkedSeries>,
  bytesPerFrame = DEFAULT_BYTES_PER_FRAME,
): Generator<Uint8Array> {
  for (const s of series) {
    let batch: Chunk[] = [];
    let bytes = 0;
    for (const c of s.chunks) {
      if (batch.length > 0 && bytes + c.data.length > bytesPerFrame) {
        yield encodeFrame(encodeChunkedReadResponse({ chunkedSeries: [{ labels: s.labels, chunks: batch }], queryIndex }));
        batch = [];
        bytes = 0;
      }
      batch.push(c);
      bytes += c.data.length;
    }
    yield encodeFrame(encodeChunkedReadResponse({ chunkedSeries: [{ labels: s.labels, chunks: batch }], queryIndex }));
  }
}
