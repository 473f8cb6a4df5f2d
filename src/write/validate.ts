/**
 * Per-series validation of decoded remote_write data, following Grafana
 * Mimir's distributor: the same checks, in the same order, with the same
 * `err-mimir-*` ids and default limits, so operators can look the ids up in
 * Mimir's runbooks.
 *
 * Before checking, labels are normalised as Mimir's distributor does:
 * labels with an empty value are removed (Prometheus never stores them) and
 * the rest are sorted by name (senders must sort them, but Mimir sorts
 * rather than rejects). Duplicates are then adjacent and get rejected.
 *
 * Names follow Mimir's default "legacy" scheme: metric names match
 * `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.
 * Mimir's label-value-invalid check (bad UTF-8) never fires here, because
 * the decoder already rejects invalid UTF-8 in any protobuf string.
 *
 * One deviation: a series with no labels left is rejected as having no metric
 * name, where Mimir drops it silently; remote_write 2.0 forbids a 2xx for
 * data that was not written.
 */
import { formatLabels, METRIC_NAME, sortLabels, type Label } from "../model/labels";
import { seriesLabels, type DecodedSeries, type DecodedWriteRequest, type Exemplar, type MetricMetadata } from "./request";
import { utf8Length } from "../encoding/utf8";

/** Mimir's per-tenant limits that validation uses (Mimir's names, camelCase). */
export interface ValidationLimits {
  /** Bytes in a label name. */
  readonly maxLabelNameLength: number;
  /** Bytes (UTF-8) in a label value, the metric name included. */
  readonly maxLabelValueLength: number;
  readonly maxLabelNamesPerSeries: number;
  /** Applies to metric names ending in `_info` when above maxLabelNamesPerSeries. */
  readonly maxLabelNamesPerInfoSeries: number;
  /** How far ahead of now a sample may be. */
  readonly creationGracePeriodMs: number;
  /** How far behind now a sample may be; 0 disables the check (Mimir's default). */
  readonly pastGracePeriodMs: number;
  /** Widens the past grace period when out-of-order ingestion is on. */
  readonly outOfOrderTimeWindowMs: number;
  /** Bytes in metadata metric names, units and help (help is truncated, not rejected). */
  readonly maxMetadataLength: number;
  /** Reject metadata without a metric family name. */
  readonly enforceMetadataMetricName: boolean;
}

export const DEFAULT_LIMITS: ValidationLimits = Object.freeze({
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxLabelNamesPerSeries: 30,
  maxLabelNamesPerInfoSeries: 80,
  creationGracePeriodMs: 10 * 60 * 1000,
  pastGracePeriodMs: 0,
  outOfOrderTimeWindowMs: 0,
  maxMetadataLength: 1024,
  enforceMetadataMetricName: true,
});

export type ValidationErrorId =
  | "err-mimir-missing-metric-name"
  | "err-mimir-metric-name-invalid"
  | "err-mimir-max-label-names-per-series"
  | "err-mimir-max-label-names-per-info-series"
  | "err-mimir-label-invalid"
  | "err-mimir-label-name-too-long"
  | "err-mimir-label-value-too-long"
  | "err-mimir-duplicate-label-names"
  | "err-mimir-too-far-in-future"
  | "err-mimir-too-far-in-past"
  | "err-mimir-exemplar-labels-missing"
  | "err-mimir-exemplar-labels-too-long"
  | "err-mimir-exemplar-timestamp-invalid"
  | "err-mimir-metadata-missing-metric-name"
  | "err-mimir-metric-name-too-long"
  | "err-mimir-unit-too-long";

export interface Rejection {
  readonly id: ValidationErrorId;
  /** One line, ending with the id in parentheses. */
  readonly message: string;
}

/**
 * The series was accepted and rewritten in place: its labels are sorted,
 * unique and without empty values, and its valid samples are now
 * timestamps/values[sampleStart, sampleEnd), rejected ones squeezed out.
 */
export interface SeriesAccepted {
  readonly ok: true;
  /** Samples dropped for their timestamp. */
  readonly droppedSamples: number;
  /** Why the first dropped sample was dropped, null when none was. */
  readonly sampleRejection: Rejection | null;
}

export interface SeriesRejected extends Rejection {
  readonly ok: false;
}

export type SeriesValidation = SeriesAccepted | SeriesRejected;

/** The answer for a valid series that kept every sample: shared, so the common case allocates nothing. */
const ALL_KEPT: SeriesAccepted = { ok: true, droppedSamples: 0, sampleRejection: null };

/**
 * Validates one decoded series of `req` at time `nowMs`, normalising its
 * labels and compacting its samples in place; nothing is allocated for a
 * valid series. `checker` (one per request, made with the same limits)
 * remembers what it learnt of the request's strings.
 */
export function validateSeries(
  req: DecodedWriteRequest,
  series: DecodedSeries,
  limits: ValidationLimits,
  nowMs: number,
  checker: LabelChecker,
): SeriesValidation {
  const refs = req.labelRefs;
  if (!checker.passes(refs, series.refsStart, series.refsEnd)) {
    // The slow path decides, and words the problem, on label objects.
    const labels = normaliseLabels(seriesLabels(req, series));
    const bad = validateLabels(labels, limits);
    if (bad !== null) return { ok: false, ...bad };
    // Normalising only drops and reorders labels, so they fit where they were.
    series.refsEnd = req.symbols.writeRefs(labels, refs, series.refsStart);
  }

  const { timestamps, values } = req;
  const start = series.sampleStart;
  const end = series.sampleEnd;
  const maxTs = nowMs + limits.creationGracePeriodMs;
  const minTs = limits.pastGracePeriodMs > 0 ? nowMs - limits.pastGracePeriodMs - limits.outOfOrderTimeWindowMs : -Infinity;
  let out = start;
  // Values move as bits when samples are squeezed out: see ProtoReader.doubleBits.
  let bits: Uint32Array | null = null;
  let anyBad = false;
  let firstBad = 0;
  let badId: ValidationErrorId = "err-mimir-too-far-in-future";
  for (let i = start; i < end; i++) {
    const t = timestamps[i]!;
    if (t > maxTs || t < minTs) {
      if (!anyBad) {
        anyBad = true;
        firstBad = t;
        badId = t > maxTs ? "err-mimir-too-far-in-future" : "err-mimir-too-far-in-past";
      }
      continue;
    }
    if (out !== i) {
      timestamps[out] = t;
      bits ??= new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
      bits[2 * out] = bits[2 * i]!;
      bits[2 * out + 1] = bits[2 * i + 1]!;
    }
    out++;
  }
  series.sampleEnd = out;
  const dropped = end - out;
  if (dropped === 0) return ALL_KEPT;
  return { ok: true, droppedSamples: dropped, sampleRejection: sampleRejection(badId, firstBad, seriesLabels(req, series)) };
}

/**
 * A fast yes to "are these labels normalised and valid?" for the series of
 * one request. Series of a metric family arrive one after another with the
 * same label names, so names are checked (valid, within limits, sorted,
 * unique, `__name__` among them) only when they differ from the previous
 * series', and each metric name once per request. A false answer means
 * "ask `validateLabels`", which decides and words the problem.
 */
export class LabelChecker {
  private readonly strings: readonly string[];
  private readonly limits: ValidationLimits;
  private names = new Uint32Array(32);
  /** Pairs in the last series whose names passed; -1 before any. */
  private namesCount = -1;
  /** Where `__name__` is among those names. */
  private metricAt = 0;
  /** Per symbol as a metric name: 0 not yet checked, 1 valid, 2 invalid. */
  private readonly metricNameState: Uint8Array;
  /** Per symbol as a label value, the same way: a request's series share most values. */
  private readonly valueState: Uint8Array;
  /**
   * Per symbol as a label name (valid, within the length limit), the same
   * way: senders interleave metric families, so the names of consecutive
   * series often differ and are checked again.
   */
  private readonly nameState: Uint8Array;

  constructor(strings: readonly string[], limits: ValidationLimits) {
    this.strings = strings;
    this.limits = limits;
    this.metricNameState = new Uint8Array(strings.length);
    this.valueState = new Uint8Array(strings.length);
    this.nameState = new Uint8Array(strings.length);
  }

  /** For the label pairs refs[start, end). */
  passes(refs: Uint32Array, start: number, end: number): boolean {
    const n = (end - start) >>> 1;
    if (n !== this.namesCount || !this.sameNames(refs, start, n)) {
      if (!this.namesPass(refs, start, n)) return false;
    }
    const valueState = this.valueState;
    for (let i = start + 1; i < end; i += 2) {
      const ref = refs[i]!;
      const state = valueState[ref] ?? 0;
      if (state === 0 ? !this.checkValue(ref) : state !== 1) return false;
    }
    const metric = refs[start + 2 * this.metricAt + 1]!;
    const state = this.metricNameState[metric] ?? 0;
    return state === 0 ? remember(this.metricNameState, metric, isValidMetricName(this.strings[metric]!)) : state === 1;
  }

  /** Checks symbol `ref` as a label name and remembers the answer. */
  private checkName(ref: number): boolean {
    const name = this.strings[ref]!;
    return remember(this.nameState, ref, isValidLabelName(name) && name.length <= this.limits.maxLabelNameLength);
  }

  /** Checks symbol `ref` as a label value and remembers the answer. */
  private checkValue(ref: number): boolean {
    const v = this.strings[ref]!;
    const max = this.limits.maxLabelValueLength;
    return remember(this.valueState, ref, v.length > 0 && utf8Length(v, max) <= max);
  }

  private sameNames(refs: Uint32Array, start: number, n: number): boolean {
    for (let i = 0; i < n; i++) if (refs[start + 2 * i] !== this.names[i]) return false;
    return true;
  }

  private namesPass(refs: Uint32Array, start: number, n: number): boolean {
    this.namesCount = -1;
    if (n === 0 || n > this.limits.maxLabelNamesPerSeries) return false;
    let metricAt = -1;
    let prev = "";
    const nameState = this.nameState;
    for (let i = 0; i < n; i++) {
      const ref = refs[start + 2 * i]!;
      const name = this.strings[ref]!;
      if (i > 0 && name <= prev) return false;
      const state = nameState[ref] ?? 0;
      if (state === 0 ? !this.checkName(ref) : state !== 1) return false;
      if (name === METRIC_NAME) metricAt = i;
      prev = name;
    }
    if (metricAt < 0) return false;
    if (this.names.length < n) this.names = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) this.names[i] = refs[start + 2 * i]!;
    this.namesCount = n;
    this.metricAt = metricAt;
    return true;
  }
}

/**
 * Records a per-symbol answer (1 yes, 2 no) and returns it. Symbols added
 * after decoding (by a slow-path fix) fall outside the array and are checked
 * each time they come.
 */
function remember(state: Uint8Array, ref: number, ok: boolean): boolean {
  if (ref < state.length) state[ref] = ok ? 1 : 2;
  return ok;
}

/** Removes empty-valued labels and sorts by name, allocating only when something must change. */
export function normaliseLabels(labels: Label[]): Label[] {
  let out = labels;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]!.value === "") {
      out = labels.filter((l) => l.value !== "");
      break;
    }
  }
  for (let i = 1; i < out.length; i++) {
    if (out[i - 1]!.name > out[i]!.name) return sortLabels(out);
  }
  return out;
}

/** Mimir's validateLabels on normalised labels; null when valid. */
export function validateLabels(labels: readonly Label[], limits: ValidationLimits): Rejection | null {
  let metricName: string | undefined;
  for (const l of labels) {
    if (l.name === METRIC_NAME) {
      metricName = l.value;
      break;
    }
  }
  if (metricName === undefined) {
    return reject("err-mimir-missing-metric-name", `received a series without a metric name: ${series(labels)}`);
  }
  if (!isValidMetricName(metricName)) {
    return reject("err-mimir-metric-name-invalid", `received a series with an invalid metric name: ${quote(metricName)}`);
  }
  if (labels.length > limits.maxLabelNamesPerSeries) {
    if (!metricName.endsWith("_info")) {
      return reject(
        "err-mimir-max-label-names-per-series",
        `received a series with ${labels.length} labels, over the limit of ${limits.maxLabelNamesPerSeries}: ${series(labels)}`,
      );
    }
    if (labels.length > limits.maxLabelNamesPerInfoSeries) {
      return reject(
        "err-mimir-max-label-names-per-info-series",
        `received an info series with ${labels.length} labels, over the limit of ${limits.maxLabelNamesPerInfoSeries}: ${series(labels)}`,
      );
    }
  }
  let last = "";
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!isValidLabelName(l.name)) {
      return reject("err-mimir-label-invalid", `received a series with an invalid label name: ${quote(l.name)} series: ${series(labels)}`);
    }
    if (l.name.length > limits.maxLabelNameLength) {
      return reject(
        "err-mimir-label-name-too-long",
        `received a series with a label name longer than ${limits.maxLabelNameLength} bytes: ${quote(l.name)} series: ${series(labels)}`,
      );
    }
    if (utf8Length(l.value, limits.maxLabelValueLength) > limits.maxLabelValueLength) {
      return reject(
        "err-mimir-label-value-too-long",
        `received a series with a label value longer than ${limits.maxLabelValueLength} bytes: label ${quote(l.name)} value ${quote(l.value)} series: ${series(labels)}`,
      );
    }
    if (i > 0 && l.name === last) {
      return reject("err-mimir-duplicate-label-names", `received a series with a duplicate label name: ${quote(l.name)} series: ${series(labels)}`);
    }
    last = l.name;
  }
  return null;
}

/** Mimir's exemplar checks; null when valid. Exemplars failing them are dropped, not the series. */
export function validateExemplar(seriesLabels: readonly Label[], e: Exemplar): Rejection | null {
  if (e.labels.length === 0) {
    return reject("err-mimir-exemplar-labels-missing", `received an exemplar with no labels, timestamp: ${e.timestamp} series: ${series(seriesLabels)}`);
  }
  if (e.timestamp === 0) {
    return reject("err-mimir-exemplar-timestamp-invalid", `received an exemplar with no timestamp, series: ${series(seriesLabels)}`);
  }
  // OpenMetrics caps an exemplar's label set at 128 characters (code points), names and values together.
  let chars = 0;
  let anyComplete = false;
  for (const l of e.labels) {
    chars += codePoints(l.name) + codePoints(l.value);
    if (l.name !== "" && l.value !== "") anyComplete = true;
  }
  if (chars > 128) {
    return reject(
      "err-mimir-exemplar-labels-too-long",
      `received an exemplar whose labels exceed 128 characters together, timestamp: ${e.timestamp} series: ${series(seriesLabels)}`,
    );
  }
  if (!anyComplete) {
    return reject(
      "err-mimir-exemplar-labels-missing",
      `received an exemplar without a label that has both a name and a value, timestamp: ${e.timestamp} series: ${series(seriesLabels)}`,
    );
  }
  return null;
}

export type MetadataValidation = { readonly ok: true; readonly metadata: MetricMetadata } | ({ readonly ok: false } & Rejection);

/** Mimir's metadata checks: over-long help is truncated, over-long names and units rejected. */
export function validateMetadata(m: MetricMetadata, limits: ValidationLimits): MetadataValidation {
  if (limits.enforceMetadataMetricName && m.metricFamilyName === "") {
    return { ok: false, ...reject("err-mimir-metadata-missing-metric-name", "received metric metadata without a metric name") };
  }
  const max = limits.maxMetadataLength;
  if (utf8Length(m.metricFamilyName, max) > max) {
    return {
      ok: false,
      ...reject("err-mimir-metric-name-too-long", `received metric metadata whose metric name is longer than ${max} bytes: ${quote(m.metricFamilyName)}`),
    };
  }
  if (utf8Length(m.unit, max) > max) {
    return {
      ok: false,
      ...reject("err-mimir-unit-too-long", `received metric metadata whose unit is longer than ${max} bytes: ${quote(m.unit)} metric: ${quote(m.metricFamilyName)}`),
    };
  }
  if (utf8Length(m.help, max) > max) return { ok: true, metadata: { ...m, help: truncateUtf8(m.help, max) } };
  return { ok: true, metadata: m };
}

export function isValidMetricName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    if (letter || c === 0x5f || c === 0x3a) continue; // _ :
    if (i > 0 && c >= 0x30 && c <= 0x39) continue;
    return false;
  }
  return true;
}

export function isValidLabelName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    if (letter || c === 0x5f) continue;
    if (i > 0 && c >= 0x30 && c <= 0x39) continue;
    return false;
  }
  return true;
}

function sampleRejection(id: ValidationErrorId, timestamp: number, labels: readonly Label[]): Rejection {
  const name = labels.find((l) => l.name === METRIC_NAME)?.value ?? "";
  const when = id === "err-mimir-too-far-in-future" ? "future" : "past";
  return reject(id, `received a sample whose timestamp is too far in the ${when}, timestamp: ${timestamp} series: ${quote(name)}`);
}

function reject(id: ValidationErrorId, text: string): Rejection {
  return { id, message: `${text} (${id})` };
}

const MAX_SHOWN = 200;

/** The series in Prometheus's text form, shortened for messages. */
function series(labels: readonly Label[]): string {
  return clip(formatLabels(labels));
}

function quote(s: string): string {
  return JSON.stringify(clip(s));
}

function clip(s: string): string {
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s;
}

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(s: string, max: number): string {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (n + size > max) return s.slice(0, i);
    n += size;
    if (pair) i++;
  }
  return s;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // low surrogates complete a pair already counted
  }
  return n;
}
