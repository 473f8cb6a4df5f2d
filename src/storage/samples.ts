/**
 * Reading series one at a time without keeping their samples. Decoded
 * samples cost 16 bytes each against about 1.5 in XOR chunks, so a reader
 * that handles series one after another (the PromQL engine's selectors)
 * has lazily decoded series write into buffers it owns and reuses.
 */
import type { Labels } from "../model/labels";
import type { Series } from "./storage";
import { float64Bits } from "../tsdb/chunkenc/xor";

/** A series' samples; from `samplesOf`, valid until the same buffers are reused. */
export interface SampleViews {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/** Growable buffers a reader decodes series into. */
export class SampleBuffers {
  timestamps: Float64Array;
  values: Float64Array;
  /** The 32-bit halves of `values`: samples move as bits to keep NaN payloads. */
  bits: Uint32Array;

  constructor(size = 1024) {
    this.timestamps = new Float64Array(size);
    this.values = new Float64Array(size);
    this.bits = float64Bits(this.values);
  }

  ensure(n: number): void {
    if (this.timestamps.length >= n) return;
    const size = Math.max(n, 2 * this.timestamps.length);
    this.timestamps = new Float64Array(size);
    this.values = new Float64Array(size);
    this.bits = float64Bits(this.values);
  }
}

/** A series that can decode into a reader's buffers instead of keeping its samples. */
export interface DecodableSeries extends Series {
  samplesInto(buf: SampleBuffers): SampleViews;
  /** The same samples under other labels, still undecoded. */
  withLabels(labels: Labels): DecodableSeries;
}

function isDecodable(s: Series): s is DecodableSeries {
  return typeof (s as Partial<DecodableSeries>).samplesInto === "function";
}

/** `s` under other labels, without decoding it. */
export function relabeled(s: Series, labels: Labels): Series {
  return isDecodable(s) ? s.withLabels(labels) : { labels, timestamps: s.timestamps, values: s.values };
}

/** The samples of `s`: decoded into `buf` when it is lazily decoded, else its own arrays. */
export function samplesOf(s: Series, buf: SampleBuffers): SampleViews {
  return isDecodable(s) ? s.samplesInto(buf) : s;
}

/** First index whose timestamp is >= t, in ascending timestamps. */
export function lowerBound(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
