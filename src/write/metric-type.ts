import type { MetricType } from "./request";

// Both protocols number their metric type enums identically (1.0 UNKNOWN = 0,
// 2.0 METRIC_TYPE_UNSPECIFIED = 0, then counter, gauge, ... stateset).
const BY_ENUM: readonly MetricType[] = [
  "unknown",
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "summary",
  "info",
  "stateset",
];

/** Maps the wire enum to a `MetricType`; values from newer senders become "unknown". */
export function metricTypeFromEnum(n: number): MetricType {
  return BY_ENUM[n] ?? "unknown";
}

/** The wire enum value of a `MetricType` (for encoders). */
export function metricTypeToEnum(type: MetricType): number {
  return BY_ENUM.indexOf(type);
}
