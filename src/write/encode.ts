/**
 * Encoders for remote_write 1.0 and 2.0 bodies (uncompressed protobuf), for
 * tests, benchmarks and forwarding. Not on the ingest hot path.
 */
import type { Label } from "../model/labels";
import { SymbolTable } from "../model/symbol-table";
import { WIRE_LEN } from "../proto/reader";
import { ProtoWriter } from "../proto/writer";
import { metricTypeToEnum } from "./metric-type";
import type { Exemplar, MetricMetadata, MetricType } from "./request";

export interface SampleInput {
  readonly timestamp: number;
  readonly value: number;
}

export interface SeriesInput {
  /** Written in the order given (senders should sort them; tests may not). */
  readonly labels: readonly Label[];
  readonly samples?: readonly SampleInput[];
  readonly exemplars?: readonly Exemplar[];
  /** Number of (minimal) native histogram samples to include. */
  readonly histograms?: number;
  /** 2.0 only: written as the first sample's start_timestamp. */
  readonly createdTimestamp?: number;
  /** 2.0 only: the series' metadata. */
  readonly metadata?: { readonly type: MetricType; readonly help: string; readonly unit: string };
}

export interface WriteInput {
  readonly series: readonly SeriesInput[];
  /** 1.0 only: per-family metadata. */
  readonly metadata?: readonly MetricMetadata[];
}

/** Encodes a `prometheus.WriteRequest`. */
export function encodeWriteRequestV1(input: WriteInput): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const s of input.series) {
    w.messageField(1);
    for (const l of s.labels) w.messageField(1).stringField(1, l.name).stringField(2, l.value).join();
    for (const p of s.samples ?? []) w.messageField(2).doubleField(1, p.value).int64Field(2, p.timestamp).join();
    for (const e of s.exemplars ?? []) {
      w.messageField(3);
      for (const l of e.labels) w.messageField(1).stringField(1, l.name).stringField(2, l.value).join();
      w.doubleField(2, e.value).int64Field(3, e.timestamp).join();
    }
    for (let i = 0; i < (s.histograms ?? 0); i++) w.messageField(4).uint64Field(1, 1).join();
    w.join();
  }
  for (const m of input.metadata ?? []) {
    w.messageField(3)
      .uint64Field(1, metricTypeToEnum(m.type))
      .stringField(2, m.metricFamilyName)
      .stringField(4, m.help)
      .stringField(5, m.unit)
      .join();
  }
  return w.finish();
}

/** Encodes an `io.prometheus.write.v2.Request`, interning every string. */
export function encodeWriteRequestV2(input: WriteInput): Uint8Array {
  const table = rw2Symbols();
  const body = new ProtoWriter(4096);
  for (const s of input.series) {
    body.messageField(5);
    body.packedUint64Field(1, labelRefs(table, s.labels));
    const samples = s.samples ?? [];
    for (let i = 0; i < samples.length; i++) {
      const p = samples[i]!;
      body.messageField(2).doubleField(1, p.value).int64Field(2, p.timestamp);
      if (i === 0) body.int64Field(3, s.createdTimestamp ?? 0);
      body.join();
    }
    for (let i = 0; i < (s.histograms ?? 0); i++) body.messageField(3).uint64Field(1, 1).join();
    for (const e of s.exemplars ?? []) {
      body.messageField(4).packedUint64Field(1, labelRefs(table, e.labels)).doubleField(2, e.value).int64Field(3, e.timestamp).join();
    }
    if (s.metadata) {
      body
        .messageField(5)
        .uint64Field(1, metricTypeToEnum(s.metadata.type))
        .uint64Field(3, table.intern(s.metadata.help))
        .uint64Field(4, table.intern(s.metadata.unit))
        .join();
    }
    body.join();
  }
  // Symbols go first, as Prometheus writes them (field order 4 before 5).
  const w = new ProtoWriter(body.length + 1024);
  for (const sym of table.strings) w.key(4, WIRE_LEN).string(sym);
  const head = w.finish();
  const tail = body.finish();
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** RW 2.0 symbols: the empty string first, as the format requires. */
function rw2Symbols(): SymbolTable {
  const table = new SymbolTable();
  table.intern("");
  return table;
}

function labelRefs(table: SymbolTable, labels: readonly Label[]): number[] {
  const out: number[] = [];
  for (const l of labels) out.push(table.intern(l.name), table.intern(l.value));
  return out;
}
