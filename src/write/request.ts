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

export interface DecodedSeries {
  /**
   * Labels as (name, value) references into the request's symbols
   * (`symbols.labelsOf` makes objects of them): as sent, not yet validated,
   * possibly unsorted or duplicated. The HA tracker replaces them when it
   * drops the replica label.
   */
  labelRefs: Uint32Array;
  /** This series' samples are timestamps/values[sampleStart, sampleEnd). */
  readonly sampleStart: number;
  readonly sampleEnd: number;
  readonly exemplars: Exemplar[];
  /** Native histogram samples sent for the series (not stored yet). */
  readonly histogramCount: number;
  /** RW 2.0 created/start timestamp in ms, 0 when not sent. */
  readonly createdTimestamp: number;
}

export interface DecodedWriteRequest {
  readonly protocol: "v1" | "v2";
  /** Every label string of the series. */
  readonly symbols: RequestSymbols;
  readonly series: DecodedSeries[];
  /** Unix ms of every sample, series after series. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly metadata: MetricMetadata[];
}
