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

function decode(r: ProtoReader): DecodedWriteRequest {
  // A 1-sample series costs well over 64 bytes once labels are counted, so
  // this rarely over-allocates; the buffer doubles when it under-estimates.
  const samples = new SampleBuffer(r.end >>> 6);
  const series: DecodedSeries[] = [];
  const metadata: MetricMetadata[] = [];
  while (r.pos < r.end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "timeseries", MSG);
        series.push(decodeSeries(r, r.messageEnd(), samples));
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
    series,
    timestamps: samples.timestampsView(),
    values: samples.valuesView(),
    metadata,
  };
}

function decodeSeries(r: ProtoReader, end: number, samples: SampleBuffer): DecodedSeries {
  const labels: Label[] = [];
  const sampleStart = samples.length;
  let exemplars: Exemplar[] | undefined;
  let histogramCount = 0;
  while (r.pos < end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "labels", TS);
        labels.push(decodeLabel(r, r.messageEnd()));
        break;
      case 2:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "samples", TS);
        decodeSample(r, r.messageEnd(), samples, "prometheus.Sample", false);
        break;
      case 3:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "exemplars", TS);
        (exemplars ??= []).push(decodeExemplar(r, r.messageEnd()));
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
    labels,
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

function decodeLabel(r: ProtoReader, end: number): Label {
  let name = "";
  let value = "";
  while (r.pos < end) {
    const k = r.key();
    if (k === 0x0a) name = r.internedString(interner);
    else if (k === 0x12) value = r.internedString(interner);
    else if (k >>> 3 === 1 || k >>> 3 === 2) r.wrongWireType(k, WIRE_LEN, k >>> 3 === 1 ? "name" : "value", "prometheus.Label");
    else r.skip(k & 7);
  }
  r.finish(end);
  return { name, value };
}

function decodeExemplar(r: ProtoReader, end: number): Exemplar {
  const labels: Label[] = [];
  let value = 0;
  let timestamp = 0;
  while (r.pos < end) {
    const k = r.key();
    switch (k >>> 3) {
      case 1:
        if ((k & 7) !== WIRE_LEN) r.wrongWireType(k, WIRE_LEN, "labels", "prometheus.Exemplar");
        labels.push(decodeLabel(r, r.messageEnd()));
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
