/**
 * Warnings and infos attached to a query result, with the exact wording
 * Prometheus uses (clients and the conformance scripts match on the text).
 *
 * Each annotation remembers the position of the expression it refers to.
 * The plain texts ({@link Annotations.warnings}/{@link Annotations.infos})
 * are what the conformance scripts compare against; the HTTP API asks for
 * {@link Annotations.asStrings}, which appends ` (line:col)` as Prometheus's
 * API does.
 */
import type { PositionRange } from "../ast";
import { formatG } from "./goformat";

const WARNING = "PromQL warning";
const INFO = "PromQL info";

/** Data behind the mergeable histogram_quantile monotonicity info. */
interface MonotonicityEntry {
  readonly base: string;
  readonly pos: PositionRange | undefined;
  minTs: number;
  maxTs: number;
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
  /** Number of (series, step) occurrences merged into this entry. */
  count: number;
}

/** A plain annotation: its text and where in the query it arose. */
interface TextEntry {
  readonly text: string;
  pos: PositionRange | undefined;
}

type InfoEntry = TextEntry | MonotonicityEntry;

function isText(e: InfoEntry): e is TextEntry {
  return "text" in e;
}

/** Deduplicated warnings and infos, in first-seen order. */
export class Annotations {
  private readonly warningList: TextEntry[] = [];
  private readonly warningSeen = new Map<string, TextEntry>();
  private readonly infoList: InfoEntry[] = [];
  private readonly infoSeen = new Map<string, TextEntry>();
  private readonly monotonicity = new Map<string, MonotonicityEntry>();

  /**
   * Adds a warning. A repeated text is kept once; like Prometheus (whose
   * annotations are keyed by their plain text) the latest position wins.
   */
  warn(msg: string, pos?: PositionRange): void {
    addText(this.warningList, this.warningSeen, msg, pos);
  }

  info(msg: string, pos?: PositionRange): void {
    addText(this.infoList, this.infoSeen, msg, pos);
  }

  /** The warnings without positions. */
  get warnings(): string[] {
    return this.warningList.map((e) => e.text);
  }

  /** The infos without positions or merged details. */
  get infos(): string[] {
    return this.infoList.map((e) => (isText(e) ? e.text : e.base));
  }

  /**
   * The annotations as Prometheus's HTTP API reports them: each followed by
   * the line:col of its expression in `query`, and the monotonicity info
   * with the buckets, largest correction and time span it merged.
   */
  asStrings(query: string): { warnings: string[]; infos: string[] } {
    return {
      warnings: this.warningList.map((e) => withPosition(e.text, e.pos, query)),
      infos: this.infoList.map((e) => (isText(e) ? withPosition(e.text, e.pos, query) : renderMonotonicity(e, query))),
    };
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
    pos: PositionRange | undefined,
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
    for (const w of other.warningList) this.warn(w.text, w.pos);
    for (const e of other.infoList) {
      if (isText(e)) {
        this.info(e.text, e.pos);
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

function addText(list: InfoEntry[], seen: Map<string, TextEntry>, text: string, pos: PositionRange | undefined): void {
  const prev = seen.get(text);
  if (prev !== undefined) {
    if (pos !== undefined) prev.pos = pos;
    return;
  }
  const entry: TextEntry = { text, pos };
  seen.set(text, entry);
  list.push(entry);
}

function withPosition(text: string, pos: PositionRange | undefined, query: string): string {
  return pos === undefined ? text : `${text} (${formatPosition(query, pos.start)})`;
}

function renderMonotonicity(e: MonotonicityEntry, query: string): string {
  if (e.pos === undefined) return e.base;
  return (
    `${e.base}, from buckets ${formatG(e.minBucket)} to ${formatG(e.maxBucket)}, ` +
    `with a max diff of ${formatG(e.maxDiff, 2)}, over ${e.count} samples ` +
    `from ${rfc3339Seconds(e.minTs)} to ${rfc3339Seconds(e.maxTs)} (${formatPosition(query, e.pos.start)})`
  );
}

/** RFC 3339 in UTC at whole seconds, e.g. 2024-01-02T03:04:05Z. */
function rfc3339Seconds(ms: number): string {
  const seconds = ms < 0 ? -Math.floor(-ms / 1000) : Math.floor(ms / 1000); // Go truncates toward zero
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const utf8 = new TextEncoder();

/**
 * "line:col" (both 1-based) of UTF-8 byte offset `start` in `query` (AST
 * positions are byte offsets), the form Prometheus appends to annotations
 * and errors; like Prometheus's, the column counts bytes.
 */
export function formatPosition(query: string, start: number): string {
  if (query === "") return "unknown position";
  const bytes = utf8.encode(query);
  if (start < 0 || start > bytes.length) return "invalid position";
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < start; i++) {
    if (bytes[i] === 10) {
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
