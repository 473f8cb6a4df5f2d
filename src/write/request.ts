/**
 * A decoded remote_write request, the same shape for protocol 1.0 and 2.0.
 * Samples of all series sit in two shared typed arrays (columnar), so decoding
 * allocates per series, never per sample.
 */
import type { Label } from "../model/labels";
import type { RequestSymbols } from "./symbols";

export type MetricType =
  | "unknown"
  | "counter"
  | "gauge"
  | "histogram"
  | "gaugehistogram"
  | "summary"
  | "info"
  | "stateset";

export interface MetricMetadata {
  /** The metric family name (v1: metric_family_name; v2: the series' __name__). */
  readonly metricFamilyName: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

export interface Exemplar {
  readonly labels: readonly Label[];
  readonly value: number;
  /** Unix ms. */
  readonly timestamp: number;
}

/**
 * One series of a request. It holds positions in the request's columns
 * rather than arrays of its own: a typed-array view per series was the
 * decoders' costliest allocation. The HA tracker and validation rewrite a
 * series' labels and samples in place, never making them longer.
 */
export interface DecodedSeries {
  /**
   * Labels are labelRefs[refsStart, refsEnd) of the request: (name, value)
   * references into its symbols (`seriesLabels` makes objects of them), as
   * sent until validated, possibly unsorted or duplicated.
   */
  readonly refsStart: number;
  refsEnd: number;
  /** This series' samples are timestamps/values[sampleStart, sampleEnd). */
  readonly sampleStart: number;
  sampleEnd: number;
  exemplars: Exemplar[];
  /** Native histogram samples sent for the series (not stored yet). */
  readonly histogramCount: number;
  /** RW 2.0 created/start timestamp in ms, 0 when not sent. */
  readonly createdTimestamp: number;
}

export interface DecodedWriteRequest {
  readonly protocol: "v1" | "v2";
  /** Every label string of the series. */
  readonly symbols: RequestSymbols;
  /** Every series' label references, series after series. */
  readonly labelRefs: Uint32Array;
  readonly series: DecodedSeries[];
  /** Unix ms of every sample, series after series. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly metadata: MetricMetadata[];
}

/** A series' label references, as a view (for the paths that are not per sample). */
export function seriesRefs(req: Pick<DecodedWriteRequest, "labelRefs">, s: Pick<DecodedSeries, "refsStart" | "refsEnd">): Uint32Array {
  return req.labelRefs.subarray(s.refsStart, s.refsEnd);
}

/** A series' labels as objects, for messages, HA and tests. */
export function seriesLabels(req: Pick<DecodedWriteRequest, "labelRefs" | "symbols">, s: Pick<DecodedSeries, "refsStart" | "refsEnd">): Label[] {
  return req.symbols.labelsOf(seriesRefs(req, s));
}
