/**
 * WAL records: what one push added to the head, in a compact binary form.
 *
 *   record  = version(1 byte) base varint entry*
 *   entry   = ref uvarint, (samples·4 | flags) uvarint,
 *             [labels: n uvarint, (name string, value string)×n]   flags&1
 *             samples: t0 - base varint, (t_i - t_{i-1}) varint×(samples-1), value f64×samples
 *             [exemplars: n uvarint, (t varint, value f64, labels)×n] flags&2
 *
 * `base` is the record's first sample timestamp. Most entries hold one
 * sample of a recent scrape: ref, one byte for count and flags, a byte or
 * two of timestamp and the value, about 12 bytes where version 1 (flags
 * byte, then count, and t0 absolute) took 18. Version 1 records are still
 * read.
 *
 * Like Prometheus's series records, a series' labels are written only in
 * the first record that mentions it; later records refer to it by ref.
 * A push larger than one SQLite row allows is split into several records at
 * entry boundaries, each readable on its own.
 */
import type { Label, Labels } from "../../model/labels";
import type { Exemplar } from "../../write/request";
import { float64Bits } from "../chunkenc/xor";
import { ByteReader, ByteWriter } from "./bytes";
import type { IngestSink } from "../head/ingest";

const VERSION = 2;
/** Records written before timestamps were relative to a base. */
const VERSION_ABSOLUTE = 1;
const HAS_LABELS = 1;
const HAS_EXEMPLARS = 2;
/** Stay well under DO SQLite's 2 MB per row. */
export const MAX_RECORD_BYTES = 1_500_000;
/** Bounds one entry so any entry fits a record. */
const MAX_SAMPLES_PER_ENTRY = 32_768;

export class WalRecordBuilder implements IngestSink {
  private readonly w = new ByteWriter(16 * 1024);
  private parts: Uint8Array[] = [];
  private readonly maxBytes: number;
  /** The current record's base timestamp, written after its version byte by its first entry. */
  private base = 0;

  constructor(maxBytes = MAX_RECORD_BYTES) {
    this.maxBytes = maxBytes;
  }

  /**
   * Adds the accepted samples of one series: timestamps and value bits at
   * the positions idx[0..n). `labels` only for series not logged before.
   */
  add(
    ref: number,
    labels: Labels | null,
    timestamps: Float64Array,
    valueBits: Uint32Array,
    idx: Uint32Array,
    n: number,
    exemplars: readonly Exemplar[],
  ): void {
    let from = 0;
    do {
      const to = Math.min(n, from + MAX_SAMPLES_PER_ENTRY);
      const last = to === n;
      const w = this.w;
      if (w.length === 0) {
        this.base = to > from ? timestamps[idx[from]!]! : 0;
        w.byte(VERSION);
        w.varint(this.base);
      }
      w.uvarint(ref);
      const withLabels = from === 0 && labels !== null;
      const withExemplars = last && exemplars.length > 0;
      w.uvarint((to - from) * 4 + (withLabels ? HAS_LABELS : 0) + (withExemplars ? HAS_EXEMPLARS : 0));
      if (withLabels) writeLabels(w, labels);
      let prev = this.base;
      for (let k = from; k < to; k++) {
        const t = timestamps[idx[k]!]!;
        w.varint(t - prev);
        prev = t;
      }
      for (let k = from; k < to; k++) {
        const i = idx[k]!;
        w.float64Bits(valueBits[2 * i + 1]!, valueBits[2 * i]!);
      }
      if (withExemplars) {
        w.uvarint(exemplars.length);
        for (const e of exemplars) {
          w.varint(e.timestamp);
          w.float64(e.value);
          writeLabels(w, e.labels);
        }
      }
      if (w.length >= this.maxBytes) this.cut();
      from = to;
    } while (from < n);
  }

  /** Nothing added since construction. */
  get empty(): boolean {
    return this.w.length === 0 && this.parts.length === 0;
  }

  private cut(): void {
    if (this.w.length === 0) return;
    this.parts.push(this.w.finish());
    this.w.reset();
  }

  /**
   * The records to write, in order; empty when nothing was accepted. The
   * builder starts over, empty, keeping its buffer for the next records.
   */
  finish(): Uint8Array[] {
    this.cut();
    const parts = this.parts;
    this.parts = [];
    return parts;
  }
}

function writeLabels(w: ByteWriter, labels: readonly Label[]): void {
  w.uvarint(labels.length);
  for (const l of labels) {
    w.string(l.name);
    w.string(l.value);
  }
}

function readLabels(r: ByteReader): Label[] {
  const n = r.uvarint();
  const out = new Array<Label>(n);
  for (let i = 0; i < n; i++) out[i] = { name: r.string(), value: r.string() };
  return out;
}

/** Receives a decoded record's entries. Sample arrays are reused between calls. */
export interface WalRecordVisitor {
  entry(ref: number, labels: Label[] | null, timestamps: Float64Array, values: Float64Array, n: number, exemplars: Exemplar[]): void;
}

export class WalRecordReader {
  private ts = new Float64Array(1024);
  private vs = new Float64Array(1024);

  read(rec: Uint8Array, visitor: WalRecordVisitor): void {
    const r = new ByteReader(rec);
    const version = r.byte();
    if (version !== VERSION && version !== VERSION_ABSOLUTE) throw new Error(`unknown WAL record version ${version}`);
    const base = version === VERSION ? r.varint() : 0;
    const absolute = version === VERSION_ABSOLUTE;
    while (!r.done) {
      const ref = r.uvarint();
      let flags: number;
      let n = 0;
      if (absolute) flags = r.byte();
      else {
        const head = r.uvarint();
        flags = head & 3;
        n = (head - flags) / 4;
      }
      const labels = flags & HAS_LABELS ? readLabels(r) : null;
      if (absolute) n = r.uvarint();
      if (n > this.ts.length) {
        this.ts = new Float64Array(n);
        this.vs = new Float64Array(n);
      }
      let t = base;
      for (let i = 0; i < n; i++) {
        t += r.varint();
        this.ts[i] = t;
      }
      const bits = float64Bits(this.vs);
      for (let i = 0; i < n; i++) r.float64BitsInto(bits, i);
      const exemplars: Exemplar[] = [];
      if (flags & HAS_EXEMPLARS) {
        const m = r.uvarint();
        for (let i = 0; i < m; i++) {
          const timestamp = r.varint();
          const value = r.float64();
          exemplars.push({ timestamp, value, labels: readLabels(r) });
        }
      }
      visitor.entry(ref, labels, this.ts, this.vs, n, exemplars);
    }
  }
}

export { writeLabels, readLabels };
