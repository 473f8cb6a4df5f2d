/**
 * Decoder for remote_write 1.0 bodies (`prometheus.WriteRequest`, after
 * snappy), straight from the wire into the columnar `DecodedWriteRequest`.
 */
import type { Label } from "../model/labels";
import { ProtoReader, ProtobufError, StringInterner, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from "../proto/reader";
import { DecodeError } from "./decode-error";
import { decodeSample } from "./decode-sample";
import { metricTypeFromEnum } from "./metric-type";
import type { DecodedSeries, DecodedWriteRequest, Exemplar, MetricMetadata } from "./request";
import { SampleBuffer } from "./sample-buffer";
import { takeRefColumn } from "./scratch";
import { LabelRefBuffer, RequestSymbols } from "./symbols";

const MSG = "prometheus.WriteRequest";
const TS = "prometheus.TimeSeries";

/** Decodes an uncompressed `prometheus.WriteRequest`; throws `DecodeError`. */
export function decodeWriteRequestV1(buf: Uint8Array): DecodedWriteRequest {
  try {
    return decode(new ProtoReader(buf));
  } catch (e) {
    if (e instanceof ProtobufError) throw new DecodeError(`invalid ${MSG}: ${e.message}`);
    throw e;
  }
}

/** What the series of one request share while decoding. */
interface DecodeState {
  readonly samples: SampleBuffer;
  readonly symbols: RequestSymbols;
  readonly refs: LabelRefBuffer;
}

function decode(r: ProtoReader): DecodedWriteRequest {
  const st: DecodeState = {
    // A 1-sample series costs well over 64 bytes once labels are counted, so
    // this rarely over-allocates; the buffer doubles when it under-estimates.
    samples: new SampleBuffer(r.end >>> 6),
    symbols: new RequestSymbols(),
    // A label pair costs at least 6 bytes on the wire.
    refs: new LabelRefBuffer(r.end >>> 2, takeRefColumn),
  };
  const series: DecodedSeries[] = [];
  const metadata: MetricMetadata[] = [];
  while (r.pos < r.end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "timeseries", MSG);
        series.push(decodeSeries(r, r.messageEnd(), st));
        break;
      case 3:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "metadata", MSG);
        metadata.push(decodeMetadata(r, r.messageEnd()));
        break;
      default:
        r.skip(k & 7);
    }
  }
  return {
    protocol: "v1",
    symbols: st.symbols,
    labelRefs: st.refs.column,
    series,
    timestamps: st.samples.timestampsView(),
    values: st.samples.valuesView(),
    metadata,
  };
}

function decodeSeries(r: ProtoReader, end: number, st: DecodeState): DecodedSeries {
  const samples = st.samples;
  const sampleStart = samples.length;
  const refStart = st.refs.length;
  let exemplars: Exemplar[] | undefined;
  let histogramCount = 0;
  while (r.pos < end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "labels", TS);
        decodeLabel(r, r.messageEnd(), st.symbols);
        st.refs.push(labelName);
        st.refs.push(labelValue);
        break;
      case 2:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "samples", TS);
        decodeSample(r, r.messageEnd(), samples, "prometheus.Sample", false);
        break;
      case 3:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "exemplars", TS);
        (exemplars ??= []).push(decodeExemplar(r, r.messageEnd(), st.symbols));
        break;
      case 4:
        // Native histograms are counted, not stored yet.
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "histograms", TS);
        r.pos = r.messageEnd();
        histogramCount++;
        break;
      default:
        r.skip(k & 7);
    }
  }
  r.finish(end);
  return {
    refsStart: refStart,
    refsEnd: st.refs.length,
    sampleStart,
    sampleEnd: samples.length,
    exemplars: exemplars ?? NO_EXEMPLARS,
    histogramCount,
    createdTimestamp: 0,
  };
}

// Shared by every series without exemplars; callers treat it as read-only.
const NO_EXEMPLARS: Exemplar[] = [];

// Shared across requests: label strings repeat from one request to the next too.
const interner = new StringInterner();

// decodeLabel's results: the label's name and value references (a second return value, without an object).
let labelName = 0;
let labelValue = 0;

/** Decodes a label into the request's symbols, leaving its references in labelName and labelValue. */
function decodeLabel(r: ProtoReader, end: number, symbols: RequestSymbols): void {
  let name = -1;
  let value = -1;
  while (r.pos < end) {
    const k = r.key();
    if (k === 0x0a) name = r.internedRef(interner, symbols);
    else if (k === 0x12) value = r.internedRef(interner, symbols);
    else if (k >>> 3 === 1 || k >>> 3 === 2) r.wrongWireType(k, WIRE_LEN, k >>> 3 === 1 ? "name" : "value", "prometheus.Label");
    else r.skip(k & 7);
  }
  r.finish(end);
  labelName = name < 0 ? interner.emptyIn(symbols) : name;
  labelValue = value < 0 ? interner.emptyIn(symbols) : value;
}

function decodeExemplar(r: ProtoReader, end: number, symbols: RequestSymbols): Exemplar {
  const labels: Label[] = [];
  let value = 0;
  let timestamp = 0;
  while (r.pos < end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "labels", "prometheus.Exemplar");
        decodeLabel(r, r.messageEnd(), symbols);
        labels.push({ name: symbols.strings[labelName]!, value: symbols.strings[labelValue]! });
        break;
      case 2:
        if ((k & 7) !== WIRE_FIXED64) r.wrongWireType(k, WIRE_FIXED64, "value", "prometheus.Exemplar");
        value = r.double();
        break;
      case 3:
        if ((k & 7) !== WIRE_VARINT) r.wrongWireType(k, WIRE_VARINT, "timestamp", "prometheus.Exemplar");
        timestamp = r.int64();
        break;
      default:
        r.skip(k & 7);
    }
  }
  r.finish(end);
  return { labels, value, timestamp };
}

function decodeMetadata(r: ProtoReader, end: number): MetricMetadata {
  const M = "prometheus.MetricMetadata";
  let type = 0;
  let metricFamilyName = "";
  let help = "";
  let unit = "";
  while (r.pos < end) {
    const k = r.key();
    const field = k >>> 3;
    if (field === 1) {
      if ((k & 7) !== WIRE_VARINT) r.wrongWireType(k, WIRE_VARINT, "type", M);
      type = r.uint32();
    } else if (field === 2 || field === 4 || field === 5) {
      const name = field === 2 ? "metric_family_name" : field === 4 ? "help" : "unit";
      if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, name, M);
      const s = r.string();
      if (field === 2) metricFamilyName = s;
      else if (field === 4) help = s;
      else unit = s;
    } else {
      r.skip(k & 7);
    }
  }
  r.finish(end);
  return { metricFamilyName, type: metricTypeFromEnum(type), help, unit };
}
