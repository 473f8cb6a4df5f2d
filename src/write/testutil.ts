/**
 * Helpers for the remote-write tests: the stale marker, built and checked
 * through its bits independently of the code under test, and decoded
 * requests built from label objects.
 */
import type { Label } from "../model/labels";
import type { DecodedSeries, DecodedWriteRequest, Exemplar } from "./request";
import { LabelRefBuffer, RequestSymbols } from "./symbols";

/** Prometheus's stale marker: a NaN with the payload 2 (value.StaleNaN). */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

export function staleNaN(): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, STALE_NAN_BITS);
  return v.getFloat64(0);
}

export function bitsOf(x: number): bigint {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0);
}

export const L = (name: string, value: string): Label => ({ name, value });

/** A series for `decodedRequest`: its labels and its part of the sample columns. */
export interface SeriesSpec {
  readonly labels: readonly Label[];
  readonly sampleStart: number;
  readonly sampleEnd: number;
  readonly exemplars?: readonly Exemplar[];
}

/** A request laid out as the decoders lay one out: symbols, one label-reference column, sample columns. */
export function decodedRequest(
  series: readonly SeriesSpec[],
  timestamps: Float64Array,
  values: Float64Array,
  protocol: "v1" | "v2" = "v1",
): DecodedWriteRequest {
  const symbols = new RequestSymbols();
  const refs = new LabelRefBuffer(16);
  const decoded: DecodedSeries[] = series.map((s) => {
    const refsStart = refs.length;
    for (const l of s.labels) {
      refs.push(symbols.refOf(l.name));
      refs.push(symbols.refOf(l.value));
    }
    return {
      refsStart,
      refsEnd: refs.length,
      sampleStart: s.sampleStart,
      sampleEnd: s.sampleEnd,
      exemplars: [...(s.exemplars ?? [])],
      histogramCount: 0,
      createdTimestamp: 0,
    };
  });
  return { protocol, symbols, labelRefs: refs.column, series: decoded, timestamps, values, metadata: [] };
}
