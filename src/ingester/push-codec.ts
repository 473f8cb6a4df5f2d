/**
 * The packed form of a shard's series in a push: one byte array instead of
 * an object graph, because structured-cloning thousands of label objects
 * across the Durable Object stub cost more CPU than everything else on the
 * write path together.
 *
 *   header   = version u32, series u32, samples u32, 0 u32   (little-endian)
 *   samples  = timestamps f64×samples, values f64×samples    (little-endian)
 *   series*  = samples uvarint, hash u32 (LE), labels, exemplars uvarint,
 *              (timestamp f64, value f64, labels)×exemplars
 *   labels   = n uvarint, (len uvarint, UTF-8 name, len uvarint, UTF-8 value)×n
 *
 * The sample columns sit at an 8-byte aligned offset so the receiver reads
 * them as Float64Array views without copying; values move as raw bits, so
 * staleness-marker NaNs arrive unchanged. `hash` is the sender's
 * `hashLabels` of the series (it computed it to pick the shard): the
 * receiver finds a known series by it and checks the label bytes in place,
 * decoding strings only for series it does not know. A wrong hash only
 * costs that fast path, never a wrong series.
 */
import type { Label } from "../model/labels";
import { shardOfHash } from "./client";
import type { Exemplar } from "../write/request";

const VERSION = 2;
const HEADER_BYTES = 16;

/** What the encoder needs of one series: labels valid and sorted, samples in shared columns. */
export interface PackableSeries {
  readonly labels: readonly Label[];
  /** This series' samples are timestamps/values[sampleStart, sampleEnd) of the columns passed along. */
  readonly sampleStart: number;
  readonly sampleEnd: number;
  readonly exemplars: readonly Exemplar[];
}

/** Series sections are built here first, then copied once into an exactly sized result. */
let scratch = new Uint8Array(64 * 1024);

function ensureScratch(pos: number, extra: number): void {
  if (pos + extra <= scratch.length) return;
  let cap = scratch.length * 2;
  while (cap < pos + extra) cap *= 2;
  const next = new Uint8Array(cap);
  next.set(scratch.subarray(0, pos));
  scratch = next;
}

/** Where pass one left each series' entry in `scratch`, and its hash. */
let entryStart = new Int32Array(1024);
let entryHash = new Uint32Array(1024);

/**
 * Splits series by shard and packs each shard's share: one result per
 * shard, null where a shard gets nothing. Every series' entry is written
 * once, hashing its labels (`hashLabels`, which also picks the shard) in
 * the same pass over the characters; the shards' buffers are then copied
 * together. Each result owns its whole buffer, so a clone copies no more
 * than it needs.
 */
export function packShards(
  series: readonly PackableSeries[],
  timestamps: Float64Array,
  values: Float64Array,
  shards: number,
): (Uint8Array | null)[] {
  const n = series.length;
  if (entryStart.length < n + 1) {
    entryStart = new Int32Array(2 * n + 1);
    entryHash = new Uint32Array(2 * n + 1);
  }
  let pos = 0;
  for (let k = 0; k < n; k++) {
    const s = series[k]!;
    entryStart[k] = pos;
    ensureScratch(pos, 14 + labelsSizeBound(s.labels));
    pos = writeUvarint(scratch, pos, s.sampleEnd - s.sampleStart);
    const hashAt = pos;
    pos = writeLabelsHashed(scratch, pos + 4, s.labels);
    const h = labelsHash;
    scratch[hashAt] = h & 0xff;
    scratch[hashAt + 1] = (h >>> 8) & 0xff;
    scratch[hashAt + 2] = (h >>> 16) & 0xff;
    scratch[hashAt + 3] = h >>> 24;
    entryHash[k] = h;
    pos = writeUvarint(scratch, pos, s.exemplars.length);
    for (const e of s.exemplars) {
      ensureScratch(pos, 16 + labelsSizeBound(e.labels));
      const view = new DataView(scratch.buffer);
      view.setFloat64(pos, e.timestamp, true);
      view.setFloat64(pos + 8, e.value, true);
      pos = writeLabels(scratch, pos + 16, e.labels);
    }
  }
  entryStart[n] = pos;

  const count = new Int32Array(shards);
  const samples = new Int32Array(shards);
  const entryBytes = new Int32Array(shards);
  for (let k = 0; k < n; k++) {
    const sh = shardOfHash(entryHash[k]!, shards);
    count[sh]!++;
    samples[sh]! += series[k]!.sampleEnd - series[k]!.sampleStart;
    entryBytes[sh]! += entryStart[k + 1]! - entryStart[k]!;
  }
  const outs: (Uint8Array | null)[] = [];
  const ts: Float64Array[] = [];
  const vsBits: Uint32Array[] = [];
  const sampleAt = new Int32Array(shards);
  const entryAt = new Int32Array(shards);
  for (let sh = 0; sh < shards; sh++) {
    const m = samples[sh]!;
    const out = count[sh]! > 0 ? new Uint8Array(HEADER_BYTES + m * 16 + entryBytes[sh]!) : new Uint8Array(HEADER_BYTES);
    const header = new Uint32Array(out.buffer, 0, 4);
    header[0] = VERSION;
    header[1] = count[sh]!;
    header[2] = m;
    outs.push(count[sh]! > 0 ? out : null);
    ts.push(new Float64Array(out.buffer, HEADER_BYTES, m));
    // Values move as two 32-bit halves: a NaN's payload (staleness markers) must survive.
    vsBits.push(new Uint32Array(out.buffer, HEADER_BYTES + m * 8, m * 2));
    entryAt[sh] = HEADER_BYTES + m * 16;
  }
  const srcBits = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let k = 0; k < n; k++) {
    const sh = shardOfHash(entryHash[k]!, shards);
    const out = outs[sh]!;
    const s = series[k]!;
    const shardTs = ts[sh]!;
    const shardBits = vsBits[sh]!;
    let at = sampleAt[sh]!;
    for (let i = s.sampleStart; i < s.sampleEnd; i++, at++) {
      shardTs[at] = timestamps[i]!;
      shardBits[2 * at] = srcBits[2 * i]!;
      shardBits[2 * at + 1] = srcBits[2 * i + 1]!;
    }
    sampleAt[sh] = at;
    const to = entryAt[sh]!;
    const from = entryStart[k]!;
    const end = entryStart[k + 1]!;
    out.set(scratch.subarray(from, end), to);
    entryAt[sh] = to + end - from;
  }
  return outs;
}

/** At most the bytes `writeLabels` needs: UTF-8 takes ≤ 3 bytes per UTF-16 unit. */
function labelsSizeBound(labels: readonly Label[]): number {
  let n = 5;
  for (const l of labels) n += 10 + 3 * (l.name.length + l.value.length);
  return n;
}

function writeUvarint(out: Uint8Array, pos: number, x: number): number {
  while (x >= 0x80) {
    out[pos++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  out[pos++] = x;
  return pos;
}

const utf8 = new TextEncoder();

function writeLabels(out: Uint8Array, pos: number, labels: readonly Label[]): number {
  pos = writeUvarint(out, pos, labels.length);
  for (const l of labels) {
    pos = writeString(out, pos, l.name);
    pos = writeString(out, pos, l.value);
  }
  return pos;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** The hash of the labels `writeLabelsHashed` wrote last (a second return value). */
let labelsHash = 0;

/** Writes labels like `writeLabels` and leaves their `hashLabels` value in `labelsHash`. */
function writeLabelsHashed(out: Uint8Array, pos: number, labels: readonly Label[]): number {
  pos = writeUvarint(out, pos, labels.length);
  let h = FNV_OFFSET;
  for (const l of labels) {
    pos = writeStringHashed(out, pos, l.name, h);
    h = Math.imul(stringHash ^ 0xff, FNV_PRIME);
    pos = writeStringHashed(out, pos, l.value, h);
    h = Math.imul(stringHash ^ 0xff, FNV_PRIME);
  }
  labelsHash = h >>> 0;
  return pos;
}

let stringHash = 0;

/** `writeString`, folding the string into FNV state `h` as `hashLabels` does; the result goes to `stringHash`. */
function writeStringHashed(out: Uint8Array, pos: number, s: string, h: number): number {
  const n = s.length;
  if (n < 0x80) {
    let x = h;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[pos + 1 + i] = c;
      x = Math.imul(x ^ c, FNV_PRIME);
    }
    if (i === n) {
      out[pos] = n;
      stringHash = x;
      return pos + 1 + n;
    }
  }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), FNV_PRIME);
    if (c > 0xff) h = Math.imul(h ^ (c >>> 8), FNV_PRIME);
  }
  stringHash = h;
  return writeString(out, pos, s);
}

/** Label strings are nearly always short ASCII: copy those by hand, encode the rest. */
function writeString(out: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  if (n < 0x80) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[pos + 1 + i] = c;
    }
    if (i === n) {
      out[pos] = n;
      return pos + 1 + n;
    }
  }
  const bytes = utf8.encode(s);
  pos = writeUvarint(out, pos, bytes.length);
  out.set(bytes, pos);
  return pos + bytes.length;
}

/**
 * One series of a packed push, as the reader walks it: its hash and where
 * its labels are, decoded to strings only when asked. The reader reuses one
 * instance for every series; do not keep it.
 */
export class PackedSeries {
  hash = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private labelsAt = 0;
  private decoded: Label[] | null = null;
  private readonly strings: LabelStrings;

  constructor(strings: LabelStrings) {
    this.strings = strings;
  }

  reset(buf: Uint8Array, hash: number, labelsAt: number): void {
    this.buf = buf;
    this.hash = hash;
    this.labelsAt = labelsAt;
    this.decoded = null;
  }

  labels(): Label[] {
    if (this.decoded === null) this.decoded = new Cursor(this.buf, this.labelsAt).labels(this.strings);
    return this.decoded;
  }

  /**
   * Whether the labels are exactly `count` pairs spelling text(owner, 0..2·count)
   * (names at even k, values at odd k), compared byte by byte without
   * decoding. Non-ASCII text is never claimed equal: the caller then falls
   * back to decoded labels.
   */
  sameLabels<T>(owner: T, count: number, text: (owner: T, k: number) => string): boolean {
    const buf = this.buf;
    let pos = this.labelsAt;
    if (buf[pos++] !== count || count >= 0x80) return false;
    for (let k = 0; k < 2 * count; k++) {
      const len = buf[pos++]!;
      if (len >= 0x80) return false;
      const s = text(owner, k);
      if (s.length !== len) return false;
      for (let i = 0; i < len; i++) {
        // A UTF-8 byte ≥ 0x80 is never a whole character, even when it equals a char code.
        const c = buf[pos + i]!;
        if (c >= 0x80 || s.charCodeAt(i) !== c) return false;
      }
      pos += len;
    }
    return true;
  }
}

/** Receives each packed series; arrays are shared, this series' samples are [start, end). */
export type PackedSeriesVisitor = (
  series: PackedSeries,
  timestamps: Float64Array,
  values: Float64Array,
  start: number,
  end: number,
  exemplars: readonly Exemplar[],
) => void;

const NO_EXEMPLARS: readonly Exemplar[] = [];

export class PushDecodeError extends Error {}

/** Reads a packed push; `strings` turns label bytes into (shared) strings. */
export function forEachPackedSeries(packed: Uint8Array, strings: LabelStrings, visit: PackedSeriesVisitor): void {
  if (packed.length < HEADER_BYTES) throw new PushDecodeError("packed push too short");
  // Views need 8-byte alignment; a clone normally gives a fresh buffer, so this copy is rare.
  const buf = packed.byteOffset % 8 === 0 ? packed : packed.slice();
  const header = new Uint32Array(buf.buffer, buf.byteOffset, 4);
  if (header[0] !== VERSION) throw new PushDecodeError(`unknown packed push version ${header[0]}`);
  const count = header[1]!;
  const samples = header[2]!;
  const columns = HEADER_BYTES + samples * 16;
  if (columns > buf.length) throw new PushDecodeError("packed push too short for its samples");
  const ts = new Float64Array(buf.buffer, buf.byteOffset + HEADER_BYTES, samples);
  const vs = new Float64Array(buf.buffer, buf.byteOffset + HEADER_BYTES + samples * 8, samples);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = new Cursor(buf, columns);
  const series = new PackedSeries(strings);
  let at = 0;
  for (let k = 0; k < count; k++) {
    const n = r.uvarint();
    if (at + n > samples) throw new PushDecodeError("packed push has more samples than declared");
    r.need(4);
    const hash = view.getUint32(r.pos, true);
    r.pos += 4;
    series.reset(buf, hash, r.pos);
    r.skipLabels();
    const m = r.uvarint();
    let exemplars = NO_EXEMPLARS;
    if (m > 0) {
      const list: Exemplar[] = [];
      for (let i = 0; i < m; i++) {
        r.need(16);
        const timestamp = view.getFloat64(r.pos, true);
        const value = view.getFloat64(r.pos + 8, true);
        r.pos += 16;
        list.push({ timestamp, value, labels: r.labels(strings) });
      }
      exemplars = list;
    }
    visit(series, ts, vs, at, at + n, exemplars);
    at += n;
  }
}

class Cursor {
  pos: number;
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array, pos: number) {
    this.buf = buf;
    this.pos = pos;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new PushDecodeError("packed push ended early");
  }

  uvarint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
    throw new PushDecodeError("packed push varint too long");
  }

  /** Steps over a label block, checking its bounds, so it can be decoded later. */
  skipLabels(): void {
    const n = this.uvarint();
    for (let i = 0; i < 2 * n; i++) {
      const len = this.uvarint();
      this.need(len);
      this.pos += len;
    }
  }

  labels(strings: LabelStrings): Label[] {
    const n = this.uvarint();
    const out = new Array<Label>(n);
    for (let i = 0; i < n; i++) {
      const name = this.string(strings);
      out[i] = { name, value: this.string(strings) };
    }
    return out;
  }

  private string(strings: LabelStrings): string {
    const len = this.uvarint();
    this.need(len);
    const s = strings.get(this.buf, this.pos, len);
    this.pos += len;
    return s;
  }
}

const utf8Decoder = new TextDecoder();

/**
 * Label strings by their UTF-8 bytes. The same few thousand names and values
 * arrive in every push; looking them up by a hash of the bytes and checking
 * the hit in place avoids decoding (and allocating) them again. Bounded: it
 * starts over when full.
 */
export class LabelStrings {
  private readonly byHash = new Map<number, string>();
  private readonly maxEntries: number;

  constructor(maxEntries = 1 << 18) {
    this.maxEntries = maxEntries;
  }

  get(buf: Uint8Array, start: number, len: number): string {
    let h = 0x811c9dc5;
    const end = start + len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h = (h ^ len) >>> 0;
    const hit = this.byHash.get(h);
    if (hit !== undefined && sameAscii(hit, buf, start, len)) return hit;
    const s = utf8Decoder.decode(buf.subarray(start, end));
    // Only ASCII entries can be checked in place; others are decoded every time.
    if (s.length === len) {
      if (this.byHash.size >= this.maxEntries) this.byHash.clear();
      this.byHash.set(h, s);
    }
    return s;
  }
}

function sameAscii(s: string, buf: Uint8Array, start: number, len: number): boolean {
  if (s.length !== len) return false;
  for (let i = 0; i < len; i++) {
    const c = buf[start + i]!;
    if (c >= 0x80 || s.charCodeAt(i) !== c) return false;
  }
  return true;
}
