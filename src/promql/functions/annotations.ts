/**
 * Warnings and infos attached to a query result, with the exact wording
 * Prometheus uses (clients and the conformance scripts match on the text).
 *
 * Message constructors take an optional position string ("line:col", see
 * {@link formatPosition}); when given, it is appended as Prometheus does for
 * API responses (`… (1:10)`). Without it the bare text is returned, which is
 * what the conformance scripts compare against.
 */
import { formatG } from "./goformat";

const WARNING = "PromQL warning";
const INFO = "PromQL info";

/** Data behind the mergeable histogram_quantile monotonicity info. */
interface MonotonicityEntry {
  readonly base: string;
  readonly pos: string | undefined;
  minTs: number;
  maxTs: number;
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
  /** Number of (series, step) occurrences merged into this entry. */
  count: number;
}

type InfoEntry = string | MonotonicityEntry;

/** Deduplicated warnings and infos, in first-seen order. */
export class Annotations {
  private readonly warningList: string[] = [];
  private readonly warningSeen = new Set<string>();
  private readonly infoList: InfoEntry[] = [];
  private readonly infoSeen = new Set<string>();
  private readonly monotonicity = new Map<string, MonotonicityEntry>();

  warn(msg: string): void {
    if (this.warningSeen.has(msg)) return;
    this.warningSeen.add(msg);
    this.warningList.push(msg);
  }

  info(msg: string): void {
    if (this.infoSeen.has(msg)) return;
    this.infoSeen.add(msg);
    this.infoList.push(msg);
  }

  get warnings(): string[] {
    return this.warningList.slice();
  }

  get infos(): string[] {
    return this.infoList.map((e) => (typeof e === "string" ? e : renderMonotonicity(e)));
  }

  get empty(): boolean {
    return this.warningList.length === 0 && this.infoList.length === 0;
  }

  /**
   * Records that histogram_quantile had to force a classic histogram's
   * buckets to be monotonic. Prometheus merges all such events for the same
   * metric into one info that reports the bucket range, the largest
   * correction and the time span, so this is not a plain string.
   * `ts` is the evaluation time in ms.
   */
  forcedMonotonicity(
    metricName: string,
    pos: string | undefined,
    ts: number,
    minBucket: number,
    maxBucket: number,
    maxDiff: number,
  ): void {
    const base = histogramQuantileForcedMonotonicityInfo(metricName);
    const existing = this.monotonicity.get(base);
    if (existing === undefined) {
      const entry: MonotonicityEntry = { base, pos, minTs: ts, maxTs: ts, minBucket, maxBucket, maxDiff, count: 1 };
      this.monotonicity.set(base, entry);
      this.infoList.push(entry);
      return;
    }
    existing.minTs = Math.min(existing.minTs, ts);
    existing.maxTs = Math.max(existing.maxTs, ts);
    existing.minBucket = Math.min(existing.minBucket, minBucket);
    existing.maxBucket = Math.max(existing.maxBucket, maxBucket);
    existing.maxDiff = Math.max(existing.maxDiff, maxDiff);
    existing.count++;
  }

  /** Adds everything from `other`, keeping this set's order first. */
  merge(other: Annotations): void {
    for (const w of other.warningList) this.warn(w);
    for (const e of other.infoList) {
      if (typeof e === "string") {
        this.info(e);
        continue;
      }
      const mine = this.monotonicity.get(e.base);
      if (mine === undefined) {
        const copy = { ...e };
        this.monotonicity.set(e.base, copy);
        this.infoList.push(copy);
        continue;
      }
      mine.minTs = Math.min(mine.minTs, e.minTs);
      mine.maxTs = Math.max(mine.maxTs, e.maxTs);
      mine.minBucket = Math.min(mine.minBucket, e.minBucket);
      mine.maxBucket = Math.max(mine.maxBucket, e.maxBucket);
      mine.maxDiff = Math.max(mine.maxDiff, e.maxDiff);
      mine.count += e.count;
    }
  }
}

function renderMonotonicity(e: MonotonicityEntry): string {
  if (e.pos === undefined) return e.base;
  return (
    `${e.base}, from buckets ${formatG(e.minBucket)} to ${formatG(e.maxBucket)}, ` +
    `with a max diff of ${formatG(e.maxDiff, 2)}, over ${e.count} samples ` +
    `from ${rfc3339Seconds(e.minTs)} to ${rfc3339Seconds(e.maxTs)} (${e.pos})`
  );
}

/** RFC 3339 in UTC at whole seconds, e.g. 2024-01-02T03:04:05Z. */
function rfc3339Seconds(ms: number): string {
  const seconds = ms < 0 ? -Math.floor(-ms / 1000) : Math.floor(ms / 1000); // Go truncates toward zero
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * "line:col" (both 1-based) of offset `start` in `query`, the form
 * Prometheus appends to annotations and errors.
 */
export function formatPosition(query: string, start: number): string {
  if (query === "") return "unknown position";
  if (start < 0 || start > query.length) return "invalid position";
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < start; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${start - lastBreak}`;
}

/** Go's `%q` for a string: double-quoted with Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case "\\":
        out += "\\\\";
        continue;
      case '"':
        out += '\\"';
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c >= 0x80 && c < 0xa0) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

function at(msg: string, pos: string | undefined): string {
  return pos === undefined ? msg : `${msg} (${pos})`;
}

function forMetric(msg: string, metricName: string): string {
  return metricName === "" ? msg : `${msg} for metric name ${goQuote(metricName)}`;
}

/** The histogram operation named in reconciliation/collision messages. */
export type HistogramOperation = "addition" | "subtraction" | "aggregation";

export function invalidQuantileWarning(q: number, pos?: string): string {
  return at(`${WARNING}: quantile value should be between 0 and 1, got ${formatG(q)}`, pos);
}

export function invalidRatioWarning(ratio: number, cappedTo: number, pos?: string): string {
  return at(
    `${WARNING}: ratio value should be between -1 and 1, got ${formatG(ratio)}, capping to ${formatG(cappedTo)}`,
    pos,
  );
}

export function badBucketLabelWarning(metricName: string, label: string, pos?: string): string {
  return at(
    forMetric(`${WARNING}: bucket label "le" is missing or has a malformed value of ${goQuote(label)}`, metricName),
    pos,
  );
}

export function mixedFloatsHistogramsWarning(metricName: string, pos?: string): string {
  return at(`${WARNING}: encountered a mix of histograms and floats for metric name ${goQuote(metricName)}`, pos);
}

export function mixedFloatsHistogramsAggWarning(pos?: string): string {
  return at(`${WARNING}: encountered a mix of histograms and floats for aggregation`, pos);
}

export function mixedClassicNativeHistogramsWarning(metricName: string, pos?: string): string {
  return at(forMetric(`${WARNING}: vector contains a mix of classic and native histograms`, metricName), pos);
}

export function nativeHistogramNotCounterWarning(metricName: string, pos?: string): string {
  return at(`${WARNING}: this native histogram metric is not a counter: ${goQuote(metricName)}`, pos);
}

export function nativeHistogramNotGaugeWarning(metricName: string, pos?: string): string {
  return at(`${WARNING}: this native histogram metric is not a gauge: ${goQuote(metricName)}`, pos);
}

export function mixedExponentialCustomHistogramsWarning(metricName: string, pos?: string): string {
  return at(
    `${WARNING}: vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${goQuote(metricName)}`,
    pos,
  );
}

export function incompatibleBucketLayoutInBinOpWarning(operator: string, pos?: string): string {
  return at(`${WARNING}: incompatible bucket layout encountered for binary operator ${operator}`, pos);
}

export function sortInRangeQueryWarning(pos?: string): string {
  return at(`${WARNING}: sort is ineffective for range queries since results are always ordered by labels`, pos);
}

export function histogramCounterResetCollisionWarning(op: HistogramOperation, pos?: string): string {
  return at(`${WARNING}: conflicting counter resets during histogram ${op}`, pos);
}

export function possibleNonCounterInfo(metricName: string, pos?: string): string {
  return at(
    `${INFO}: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(metricName)}`,
    pos,
  );
}

export function possibleNonCounterLabelInfo(metricName: string, typeLabel: string, pos?: string): string {
  return at(
    `${INFO}: metric might not be a counter, __type__ label is not set to "counter" or "histogram", got ${goQuote(typeLabel)}: ${goQuote(metricName)}`,
    pos,
  );
}

/**
 * The bare monotonicity info. Prefer {@link Annotations.forcedMonotonicity},
 * which merges occurrences and adds the details Prometheus reports.
 */
export function histogramQuantileForcedMonotonicityInfo(metricName: string): string {
  return forMetric(
    `${INFO}: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)`,
    metricName,
  );
}

export function incompatibleTypesInBinOpInfo(lhsType: string, operator: string, rhsType: string, pos?: string): string {
  return at(
    `${INFO}: incompatible sample types encountered for binary operator ${goQuote(operator)}: ${lhsType} ${operator} ${rhsType}`,
    pos,
  );
}

export function histogramIgnoredInAggregationInfo(aggregation: string, pos?: string): string {
  return at(`${INFO}: ignored histogram in ${aggregation} aggregation`, pos);
}

export function histogramIgnoredInMixedRangeInfo(metricName: string, pos?: string): string {
  return at(
    `${INFO}: ignored histograms in a range containing both floats and histograms for metric name ${goQuote(metricName)}`,
    pos,
  );
}

export function nativeHistogramQuantileNaNResultInfo(metricName: string, pos?: string): string {
  return at(forMetric(`${INFO}: input to histogram_quantile has NaN observations, result is NaN`, metricName), pos);
}

export function nativeHistogramQuantileNaNSkewInfo(metricName: string, pos?: string): string {
  return at(
    forMetric(`${INFO}: input to histogram_quantile has NaN observations, result is skewed higher`, metricName),
    pos,
  );
}

export function nativeHistogramFractionNaNsInfo(metricName: string, pos?: string): string {
  return at(
    forMetric(
      `${INFO}: input to histogram_fraction has NaN observations, which are excluded from all fractions`,
      metricName,
    ),
    pos,
  );
}

export function mismatchedCustomBucketsHistogramsInfo(op: HistogramOperation, pos?: string): string {
  return at(`${INFO}: mismatched custom buckets were reconciled during ${op}`, pos);
}
