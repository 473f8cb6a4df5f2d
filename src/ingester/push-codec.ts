/**
 * The packed form of a shard's series in a push: one byte array instead of
 * an object graph, because structured-cloning thousands of label objects
 * across the Durable Object stub cost more CPU than everything else on the
 * write path together.
 *
 *   header   = version u32, series u32, samples u32, symbols offset u32  (little-endian)
 *   samples  = timestamps f64×samples, values f64×samples                (little-endian)
 *   series*  = samples uvarint, hash u32 (LE), n uvarint, (name ref, value ref)×n,
 *              exemplars uvarint, (timestamp f64, value f64, labels)×exemplars
 *   ref      = u16 or u32 (LE), as the symbol table says
 *   symbols  = ref width u8 (2 or 4), count uvarint, (len uvarint, UTF-8)×count
 *   labels   = n uvarint, (len uvarint, UTF-8 name, len uvarint, UTF-8 value)×n
 *
 * Series name their label strings by reference into the shard's symbol
 * table, each string sent once, as remote_write 2.0 does; the sender takes
 * references and string hashes from the request's own symbols, so packing
 * a series costs one step per label string, not per character. References
 * have a fixed width so the reader steps over a series' labels at once.
 * The sample columns sit at an 8-byte aligned offset so the receiver reads
 * them as Float64Array views without copying; values move as raw bits, so
 * staleness-marker NaNs arrive unchanged. `hash` is the series'
 * `hashLabels` (the sender computed it to pick the shard): the receiver
 * finds a known series by it and compares symbol ids, decoding strings only
 * for series it does not know. A wrong hash only costs that fast path,
 * never a wrong series.
 */
import { FOLD_MULTIPLIER, hashString, LABELS_HASH_SEED, type Label } from "../model/labels";
import type { SymbolTable } from "../model/symbol-table";
import { writeShortAscii } from "../encoding/ascii";
import { grown } from "../encoding/grow";
import { shardOfHash } from "./client";
import type { Exemplar } from "../write/request";

const VERSION = 4;
const HEADER_BYTES = 16;

/** What the encoder needs of one series: labels valid and sorted, samples in shared columns. */
export interface PackableSeries {
  /** The labels are labelRefs[refsStart, refsEnd) of the column passed along: (name, value) references into its symbols. */
  readonly refsStart: number;
  readonly refsEnd: number;
  /** This series' samples are timestamps/values[sampleStart, sampleEnd) of the columns passed along. */
  readonly sampleStart: number;
  readonly sampleEnd: number;
  readonly exemplars: readonly Exemplar[];
}

/** A growable byte buffer per shard, kept across pushes: series entries, then the symbol table. */
class ShardScratch {
  buf = new Uint8Array(16 * 1024);
  pos = 0;
  series = 0;
  samples = 0;
  /** Request symbol references in the order of this shard's symbol ids. */
  symbols: number[] = [];

  reset(): void {
    this.pos = 0;
    this.series = 0;
    this.samples = 0;
    this.symbols.length = 0;
  }

  /** Room for `extra` more bytes at `pos`. */
  ensure(extra: number): Uint8Array {
    if (this.pos + extra > this.buf.length) this.buf = grown(this.buf, this.pos, this.pos + extra);
    return this.buf;
  }
}

const scratches: ShardScratch[] = [];
/** Per request symbol: its `hashString`, and per shard its id there (-1: none yet), reused across pushes. */
let symbolHash = new Int32Array(1024);
let shardSymbolId = new Int32Array(4096);
let seriesShard = new Int32Array(1024);

/**
 * Splits series by shard and packs each shard's share: one result per
 * shard, null where a shard gets nothing. Each series is hashed from the
 * string hashes of its symbols (each string hashed once per push) and
 * written straight into its shard's scratch; each result then owns its
 * whole, exactly sized buffer, so a clone copies no more than it needs.
 */
export function packShards(
  series: readonly PackableSeries[],
  labelRefs: Uint32Array,
  symbols: readonly string[],
  timestamps: Float64Array,
  values: Float64Array,
  shards: number,
): (Uint8Array | null)[] {
  const n = series.length;
  const nsym = symbols.length;
  if (symbolHash.length < nsym) symbolHash = new Int32Array(2 * nsym);
  // Every string hashed once, even those no series uses (RW 2.0 help texts): cheaper than a check per label.
  for (let r = 0; r < nsym; r++) symbolHash[r] = hashString(symbols[r]!);
  if (shardSymbolId.length < nsym * shards) shardSymbolId = new Int32Array(2 * nsym * shards);
  shardSymbolId.fill(-1, 0, nsym * shards);
  if (seriesShard.length < n) seriesShard = new Int32Array(2 * n);
  // A shard numbers at most the request's symbols.
  const refBytes = nsym <= 0x10000 ? 2 : 4;
  while (scratches.length < shards) scratches.push(new ShardScratch());
  for (let sh = 0; sh < shards; sh++) scratches[sh]!.reset();

  for (let k = 0; k < n; k++) {
    const s = series[k]!;
    const end = s.refsEnd;
    let h = LABELS_HASH_SEED;
    // foldHash, written out: this loop runs for every label of every series.
    for (let i = s.refsStart; i < end; i++) {
      h = Math.imul(h ^ symbolHash[labelRefs[i]!]!, FOLD_MULTIPLIER);
      h ^= h >>> 15;
    }
    const hash = h >>> 0;
    const sh = shardOfHash(hash, shards);
    seriesShard[k] = sh;
    writeEntry(scratches[sh]!, s, labelRefs, hash, sh * nsym, refBytes);
  }

  const outs: (Uint8Array | null)[] = [];
  for (let sh = 0; sh < shards; sh++) outs.push(finishShard(scratches[sh]!, symbols, refBytes));
  copySamples(series, timestamps, values, outs);
  return outs;
}

/** Appends one series' entry to its shard's scratch, giving its symbols shard ids on first use. */
function writeEntry(sc: ShardScratch, s: PackableSeries, refs: Uint32Array, hash: number, idBase: number, refBytes: number): void {
  const start = s.refsStart;
  const end = s.refsEnd;
  const samples = s.sampleEnd - s.sampleStart;
  let out = sc.ensure(19 + 4 * (end - start));
  let pos = writeUvarint(out, sc.pos, samples);
  out[pos] = hash & 0xff;
  out[pos + 1] = (hash >>> 8) & 0xff;
  out[pos + 2] = (hash >>> 16) & 0xff;
  out[pos + 3] = hash >>> 24;
  pos = writeUvarint(out, pos + 4, (end - start) >>> 1);
  for (let i = start; i < end; i++) {
    const r = refs[i]!;
    let id = shardSymbolId[idBase + r]!;
    if (id < 0) {
      id = sc.symbols.length;
      sc.symbols.push(r);
      shardSymbolId[idBase + r] = id;
    }
    out[pos] = id & 0xff;
    out[pos + 1] = (id >>> 8) & 0xff;
    if (refBytes === 4) {
      out[pos + 2] = (id >>> 16) & 0xff;
      out[pos + 3] = id >>> 24;
    }
    pos += refBytes;
  }
  pos = writeUvarint(out, pos, s.exemplars.length);
  sc.pos = pos;
  for (const e of s.exemplars) {
    out = sc.ensure(16 + labelsSizeBound(e.labels));
    const view = new DataView(out.buffer);
    view.setFloat64(sc.pos, e.timestamp, true);
    view.setFloat64(sc.pos + 8, e.value, true);
    sc.pos = writeLabels(out, sc.pos + 16, e.labels);
  }
  sc.series++;
  sc.samples += samples;
}

/** The shard's packed push with its header, entries and symbol table; its sample columns are left to fill. */
function finishShard(sc: ShardScratch, symbols: readonly string[], refBytes: number): Uint8Array | null {
  if (sc.series === 0) return null;
  const entriesEnd = sc.pos;
  let out = sc.ensure(6);
  out[sc.pos++] = refBytes;
  sc.pos = writeUvarint(out, sc.pos, sc.symbols.length);
  for (const r of sc.symbols) {
    const s = symbols[r]!;
    out = sc.ensure(5 + 3 * s.length);
    sc.pos = writeString(out, sc.pos, s);
  }
  const columns = HEADER_BYTES + sc.samples * 16;
  const packed = new Uint8Array(columns + sc.pos);
  const header = new Uint32Array(packed.buffer, 0, 4);
  header[0] = VERSION;
  header[1] = sc.series;
  header[2] = sc.samples;
  header[3] = columns + entriesEnd;
  packed.set(sc.buf.subarray(0, sc.pos), columns);
  return packed;
}

/** Copies each series' samples into its shard's columns, in series order. */
function copySamples(
  series: readonly PackableSeries[],
  timestamps: Float64Array,
  values: Float64Array,
  outs: readonly (Uint8Array | null)[],
): void {
  const ts: Float64Array[] = [];
  const vsBits: Uint32Array[] = [];
  for (const out of outs) {
    const m = out === null ? 0 : new Uint32Array(out.buffer, 0, 4)[2]!;
    const buffer = out === null ? new ArrayBuffer(0) : out.buffer;
    ts.push(new Float64Array(buffer, m > 0 ? HEADER_BYTES : 0, m));
    // Values move as two 32-bit halves: a NaN's payload (staleness markers) must survive.
    vsBits.push(new Uint32Array(buffer, m > 0 ? HEADER_BYTES + m * 8 : 0, m * 2));
  }
  const srcBits = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const sampleAt = new Int32Array(outs.length);
  for (let k = 0; k < series.length; k++) {
    const sh = seriesShard[k]!;
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
  }
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

/** A length-prefixed UTF-8 string; `out` has room for 5 + 3 × s.length bytes at `pos`. */
function writeString(out: Uint8Array, pos: number, s: string): number {
  const end = writeShortAscii(out, pos, s);
  if (end >= 0) return end;
  const bytes = utf8.encode(s);
  pos = writeUvarint(out, pos, bytes.length);
  out.set(bytes, pos);
  return pos + bytes.length;
}

/**
 * The symbol table of one packed push as the reader sees it: strings
 * decoded, and ids in a receiver's `SymbolTable` looked up, on first use.
 */
class PushSymbols {
  buf: Uint8Array = new Uint8Array(0);
  count = 0;
  /** Bytes per label reference in the series entries. */
  refBytes = 2;
  start = new Int32Array(256);
  len = new Int32Array(256);
  private decoded: (string | undefined)[] = [];
  /** Ids found by `idIn` so far, -1 where none yet; read directly by `PackedSeries.hasSymbolIds`. */
  ids = new Int32Array(256);
  private readonly strings: LabelStrings;

  constructor(strings: LabelStrings) {
    this.strings = strings;
  }

  /** Reads the table at `pos`, checking every entry's bounds. */
  read(buf: Uint8Array, pos: number): void {
    const r = new Cursor(buf, pos);
    r.need(1);
    const refBytes = buf[r.pos++]!;
    if (refBytes !== 2 && refBytes !== 4) throw new PushDecodeError(`packed push reference width ${refBytes}`);
    this.refBytes = refBytes;
    const count = r.uvarint();
    if (count > buf.length - pos) throw new PushDecodeError("packed push symbol count exceeds its size");
    if (this.start.length < count) {
      this.start = new Int32Array(2 * count);
      this.len = new Int32Array(2 * count);
      this.ids = new Int32Array(2 * count);
    }
    for (let i = 0; i < count; i++) {
      const len = r.uvarint();
      r.need(len);
      this.start[i] = r.pos;
      this.len[i] = len;
      r.pos += len;
    }
    this.buf = buf;
    this.count = count;
    this.decoded = new Array<string | undefined>(count);
    this.ids.fill(-1, 0, count);
  }

  string(ref: number): string {
    return (this.decoded[ref] ??= this.strings.get(this.buf, this.start[ref]!, this.len[ref]!));
  }

  /**
   * The id of symbol `ref` in `table`, -1 when the table does not have it.
   * Only hits are remembered: a series created later in the same push may
   * add the string.
   */
  idIn(ref: number, table: SymbolTable): number {
    let id = this.ids[ref]!;
    if (id < 0) {
      id = table.lookup(this.string(ref));
      if (id >= 0) this.ids[ref] = id;
    }
    return id;
  }
}

/**
 * One series of a packed push, as the reader walks it: its hash and its
 * label references, turned into strings only when asked. The reader reuses
 * one instance for every series; do not keep it.
 */
export class PackedSeries {
  hash = 0;
  /** Label pairs. */
  count = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private refsAt = 0;
  private decoded: Label[] | null = null;
  private readonly symbols: PushSymbols;

  constructor(symbols: PushSymbols) {
    this.symbols = symbols;
  }

  reset(buf: Uint8Array, hash: number, count: number, refsAt: number): void {
    this.buf = buf;
    this.hash = hash;
    this.count = count;
    this.refsAt = refsAt;
    this.decoded = null;
  }

  labels(): Label[] {
    if (this.decoded === null) {
      const out = new Array<Label>(this.count);
      for (let i = 0; i < this.count; i++) {
        out[i] = { name: this.symbols.string(this.ref(2 * i)), value: this.symbols.string(this.ref(2 * i + 1)) };
      }
      this.decoded = out;
    }
    return this.decoded;
  }

  /** The k-th label reference (names at even k), checked against the symbol table. */
  private ref(k: number): number {
    const buf = this.buf;
    const pos = this.refsAt + k * this.symbols.refBytes;
    let ref = buf[pos]! | (buf[pos + 1]! << 8);
    if (this.symbols.refBytes === 4) ref = (ref | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    if (ref >= this.symbols.count) throw new PushDecodeError("packed push label reference out of range");
    return ref;
  }

  /**
   * Whether the labels are exactly the `count` pairs of `table` ids in
   * stored[offset, offset + 2·count), names at even positions: a head's
   * labels, compared by id without decoding a string.
   */
  hasSymbolIds(stored: Uint32Array, offset: number, count: number, table: SymbolTable): boolean {
    if (count !== this.count) return false;
    const n = 2 * count;
    const symbols = this.symbols;
    if (symbols.refBytes !== 2) {
      for (let k = 0; k < n; k++) if (symbols.idIn(this.ref(k), table) !== stored[offset + k]) return false;
      return true;
    }
    const known = symbols.ids;
    const buf = this.buf;
    const total = symbols.count;
    let pos = this.refsAt;
    for (let k = 0; k < n; k++, pos += 2) {
      const ref = buf[pos]! | (buf[pos + 1]! << 8);
      if (ref >= total) throw new PushDecodeError("packed push label reference out of range");
      let id = known[ref]!;
      // A string the table lacks (-1) is in no stored label set.
      if (id < 0) id = symbols.idIn(ref, table);
      if (id !== stored[offset + k]) return false;
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
  const symbolsAt = header[3]!;
  const columns = HEADER_BYTES + samples * 16;
  if (columns > buf.length) throw new PushDecodeError("packed push too short for its samples");
  if (symbolsAt < columns || symbolsAt >= buf.length) throw new PushDecodeError("packed push symbol table out of bounds");
  const ts = new Float64Array(buf.buffer, buf.byteOffset + HEADER_BYTES, samples);
  const vs = new Float64Array(buf.buffer, buf.byteOffset + HEADER_BYTES + samples * 8, samples);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const symbols = new PushSymbols(strings);
  symbols.read(buf, symbolsAt);
  const entries = buf.subarray(0, symbolsAt);
  const r = new Cursor(entries, columns);
  const series = new PackedSeries(symbols);
  let at = 0;
  for (let k = 0; k < count; k++) {
    const n = r.uvarint();
    if (at + n > samples) throw new PushDecodeError("packed push has more samples than declared");
    r.need(4);
    const hash = view.getUint32(r.pos, true);
    r.pos += 4;
    const pairs = r.uvarint();
    series.reset(buf, hash, pairs, r.pos);
    // References are checked where they are read.
    const refBytes = 2 * pairs * symbols.refBytes;
    r.need(refBytes);
    r.pos += refBytes;
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
    // 30 bits: a small integer key; above that, Map keys are heap numbers, boxed on every lookup.
    h = (h ^ len) & 0x3fffffff;
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
