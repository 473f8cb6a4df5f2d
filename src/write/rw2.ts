/**
 * Decoder for remote_write 2.0 bodies (`io.prometheus.write.v2.Request`,
 * after snappy). Strings arrive once in the symbols table and are referenced
 * by index, so each distinct string is decoded once per request.
 */
import { METRIC_NAME, type Label } from "../model/labels";
import { ProtoReader, ProtobufError, StringInterner, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from "../proto/reader";
import { DecodeError } from "./decode-error";
import { decodeSample } from "./decode-sample";
import { metricTypeFromEnum } from "./metric-type";
import type { DecodedSeries, DecodedWriteRequest, Exemplar, MetricMetadata } from "./request";
import { SampleBuffer } from "./sample-buffer";
import { takeRefColumn } from "./scratch";
import { LabelRefBuffer, RequestSymbols } from "./symbols";

const MSG = "io.prometheus.write.v2.Request";
const TS = "io.prometheus.write.v2.TimeSeries";

/** Decodes an uncompressed `io.prometheus.write.v2.Request`; throws `DecodeError`. */
export function decodeWriteRequestV2(buf: Uint8Array): DecodedWriteRequest {
  try {
    return decode(new ProtoReader(buf));
  } catch (e) {
    if (e instanceof ProtobufError) throw new DecodeError(`invalid ${MSG}: ${e.message}`);
    if (e instanceof RefError) throw new DecodeError(`invalid ${MSG}: ${e.message}`);
    throw e;
  }
}

/** A semantic error (bad symbol reference) found after the wire format parsed fine. */
class RefError extends Error {}

interface SeriesState {
  readonly symbols: readonly string[];
  readonly samples: SampleBuffer;
  /** Every series' labels_refs, one after another. */
  readonly refs: LabelRefBuffer;
  readonly metadata: Map<string, MetricMetadata>;
  /** The previous series' metric name reference, metadata type, help and unit references. */
  readonly lastMetadata: Int32Array;
}

function decode(r: ProtoReader): DecodedWriteRequest {
  // The schema does not force symbols to precede timeseries on the wire, so
  // the first pass collects symbols and only notes where each series lies.
  const symbols: string[] = [];
  const spans: number[] = [];
  while (r.pos < r.end) {
    const k = r.key();
    switch (k >>> 3) {
      case 4:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "symbols", MSG);
        symbols.push(r.internedString(symbolInterner));
        break;
      case 5: {
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "timeseries", MSG);
        const end = r.messageEnd();
        spans.push(r.pos, end);
        r.pos = end;
        break;
      }
      default:
        r.skip(k & 7);
    }
  }
  if (symbols.length > 0 && symbols[0] !== "") {
    throw new RefError(`symbols[0] must be the empty string, got ${JSON.stringify(symbols[0])}`);
  }

  const state: SeriesState = {
    symbols,
    // Samples are ~20 bytes each on the wire, labels refs a few bytes more.
    samples: new SampleBuffer(r.end >>> 5),
    refs: new LabelRefBuffer(r.end >>> 1, takeRefColumn),
    metadata: new Map(),
    lastMetadata: Int32Array.of(-1, 0, 0, 0),
  };
  const series: DecodedSeries[] = new Array(spans.length >>> 1);
  for (let i = 0; i < spans.length; i += 2) {
    r.pos = spans[i]!;
    series[i >>> 1] = decodeSeries(r, spans[i + 1]!, i >>> 1, state);
  }
  return {
    protocol: "v2",
    symbols: new RequestSymbols(symbols),
    labelRefs: state.refs.column,
    series,
    timestamps: state.samples.timestampsView(),
    values: state.samples.valuesView(),
    metadata: [...state.metadata.values()],
  };
}

function decodeSeries(r: ProtoReader, end: number, index: number, st: SeriesState): DecodedSeries {
  const refStart = st.refs.length;
  const sampleStart = st.samples.length;
  let maxRef = -1;
  let exemplars: Exemplar[] | undefined;
  let histogramCount = 0;
  let createdTimestamp = 0;
  let metaType = 0;
  let helpRef = 0;
  let unitRef = 0;
  while (r.pos < end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        maxRef = Math.max(maxRef, readRefs(r, k, st.refs, "labels_refs", TS));
        break;
      case 2: {
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "samples", TS);
        // A per-sample start (created) timestamp; the series keeps the first one sent.
        const start = decodeSample(r, r.messageEnd(), st.samples, "io.prometheus.write.v2.Sample", true);
        if (createdTimestamp === 0) createdTimestamp = start;
        break;
      }
      case 3:
        // Native histograms are counted, not stored yet.
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "histograms", TS);
        r.pos = r.messageEnd();
        histogramCount++;
        break;
      case 4:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "exemplars", TS);
        (exemplars ??= []).push(decodeExemplar(r, r.messageEnd(), index, st.symbols));
        break;
      case 5: {
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "metadata", TS);
        const mEnd = r.messageEnd();
        while (r.pos < mEnd) {
          const mk = r.key();
          const f = mk >>> 3;
          if (f === 1 || f === 3 || f === 4) {
            const name = f === 1 ? "type" : f === 3 ? "help_ref" : "unit_ref";
            if ((mk & 7) !== WIRE_VARINT) r.wrongWireType(mk, WIRE_VARINT, name, "io.prometheus.write.v2.Metadata");
            const v = r.uint32();
            if (f === 1) metaType = v;
            else if (f === 3) helpRef = v;
            else unitRef = v;
          } else {
            r.skip(mk & 7);
          }
        }
        r.finish(mEnd);
        break;
      }
      case 6:
        // created_timestamp of pre-release 2.0 senders (now reserved); still
        // sent by Prometheus versions that predate Sample.start_timestamp.
        if ((k & 7) !== WIRE_VARINT) r.wrongWireType(k, WIRE_VARINT, "created_timestamp", TS);
        createdTimestamp = r.int64();
        break;
      default:
        r.skip(k & 7);
    }
  }
  r.finish(end);

  const refEnd = st.refs.length;
  // One comparison for the series; the exact problem is looked for only when there is one.
  if (maxRef >= st.symbols.length || (refEnd - refStart) % 2 !== 0) {
    checkRefs(st.refs.from(refStart), st.symbols, `series ${index}`, "labels_refs");
  }
  if (metaType !== 0 || helpRef !== 0 || unitRef !== 0) {
    const nameRef = metricNameRef(st.refs.column, refStart, refEnd, st.symbols);
    const last = st.lastMetadata;
    // Series of a family arrive together, each with the family's metadata: most repeat the previous.
    const same = last[0] === nameRef && last[1] === metaType && last[2] === helpRef && last[3] === unitRef;
    last[0] = nameRef;
    last[1] = metaType;
    last[2] = helpRef;
    last[3] = unitRef;
    const name = nameRef < 0 ? "" : st.symbols[nameRef]!;
    if (!same && name !== "") {
      const type = metricTypeFromEnum(metaType);
      const help = symbol(st.symbols, helpRef, `series ${index}`, "metadata.help_ref");
      const unit = symbol(st.symbols, unitRef, `series ${index}`, "metadata.unit_ref");
      // Every series of a family repeats its metadata: keep the entry unless it changed.
      const known = st.metadata.get(name);
      if (known === undefined || known.type !== type || known.help !== help || known.unit !== unit) {
        st.metadata.set(name, { metricFamilyName: name, type, help, unit });
      }
    }
  }
  return {
    refsStart: refStart,
    refsEnd: refEnd,
    sampleStart,
    sampleEnd: st.samples.length,
    exemplars: exemplars ?? NO_EXEMPLARS,
    histogramCount,
    createdTimestamp,
  };
}

// Shared by every series without exemplars; callers treat it as read-only.
const NO_EXEMPLARS: Exemplar[] = [];

function decodeExemplar(r: ProtoReader, end: number, index: number, symbols: readonly string[]): Exemplar {
  const E = "io.prometheus.write.v2.Exemplar";
  const refs = new LabelRefBuffer(8);
  let value = 0;
  let timestamp = 0;
  while (r.pos < end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        readRefs(r, k, refs, "labels_refs", E);
        break;
      case 2:
        if ((k & 7) !== WIRE_FIXED64) r.wrongWireType(k, WIRE_FIXED64, "value", E);
        value = r.double();
        break;
      case 3:
        if ((k & 7) !== WIRE_VARINT) r.wrongWireType(k, WIRE_VARINT, "timestamp", E);
        timestamp = r.int64();
        break;
      default:
        r.skip(k & 7);
    }
  }
  r.finish(end);
  return { labels: resolveLabels(refs.from(0), symbols, `series ${index} exemplar`, "labels_refs"), value, timestamp };
}

/**
 * Appends a repeated uint32, accepting both packed and unpacked encodings
 * as parsers must, and returns the largest value read (-1 for none).
 */
function readRefs(r: ProtoReader, k: number, out: LabelRefBuffer, field: string, msg: string): number {
  let max = -1;
  if ((k & 7) === WIRE_LEN) {
    const end = r.messageEnd();
    // Every reference takes at least a byte; one-byte ones are read here, the rest by uint32().
    const refs = out.reserve(end - r.pos);
    let n = out.length;
    const buf = r.buf;
    while (r.pos < end) {
      const b = buf[r.pos]!;
      const ref = b < 0x80 ? (r.pos++, b) : r.uint32();
      refs[n++] = ref;
      if (ref > max) max = ref;
    }
    out.length = n;
    r.finish(end);
  } else if ((k & 7) === WIRE_VARINT) {
    max = r.uint32();
    out.push(max);
  } else {
    r.wrongWireType(k, WIRE_LEN, field, msg);
  }
  return max;
}

// Shared across requests: a sender's symbol tables repeat the same strings,
// and equal strings as one object make every later comparison cheaper.
const symbolInterner = new StringInterner();

/** Throws unless `refs` are (name, value) pairs of references within `symbols`. */
function checkRefs(refs: ArrayLike<number>, symbols: readonly string[], where: string, field: string): void {
  if (refs.length % 2 !== 0) throw new RefError(`${where}: ${field} has odd length ${refs.length}`);
  for (let i = 0; i < refs.length; i++) if (refs[i]! >= symbols.length) symbol(symbols, refs[i]!, where, field);
}

function resolveLabels(refs: ArrayLike<number>, symbols: readonly string[], where: string, field: string): Label[] {
  checkRefs(refs, symbols, where, field);
  const labels: Label[] = new Array(refs.length >>> 1);
  for (let i = 0; i < refs.length; i += 2) {
    labels[i >>> 1] = {
      name: symbol(symbols, refs[i]!, where, field),
      value: symbol(symbols, refs[i + 1]!, where, field),
    };
  }
  return labels;
}

function symbol(symbols: readonly string[], ref: number, where: string, field: string): string {
  if (ref >= symbols.length) {
    throw new RefError(
      `${where}: ${field} reference ${ref} is out of range for a symbols table of ${symbols.length} entries`,
    );
  }
  return symbols[ref]!;
}

/** The reference of the metric name among the pairs refs[start, end), -1 without one. */
function metricNameRef(refs: Uint32Array, start: number, end: number, symbols: readonly string[]): number {
  for (let i = start; i < end; i += 2) if (symbols[refs[i]!] === METRIC_NAME) return refs[i + 1]!;
  return -1;
}
