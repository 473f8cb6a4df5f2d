/**
 * The packed form of an ingester's select answer. Structured clone costs per
 * object, so a shard answers with one string array and one byte array
 * instead of an object per series, per label and per chunk: strings are
 * cloned once each however many series share them, and all chunk bytes
 * cross in a single copy.
 *
 * `data` is a sequence of series, little-endian:
 *
 *   u32 label count L, then 2·L u32 indexes into `symbols` (name, value, …)
 *   u32 chunk count C, then C times: f64 minTime, f64 maxTime, u32 byte
 *   length N, N bytes of XOR chunk
 */
import type { Label } from "../model/labels";
import { SymbolTable } from "../model/symbol-table";
import type { ChunkData, SelectedSeries, SelectResult } from "./protocol";

const INITIAL_BYTES = 1 << 16;

/** Bytes a series takes in `data` before its chunks. */
export function seriesHeaderBytes(labelCount: number): number {
  return 8 + 8 * labelCount;
}

/** Bytes a chunk of `length` bytes takes in `data`. */
export function chunkBytes(length: number): number {
  return 20 + length;
}

/** Builds a SelectResult series by series (what an ingester's head writes into). */
export class SelectionWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  private readonly symbols = new SymbolTable();
  private open = false;
  private chunkCountAt = -1;
  private chunkCount = 0;

  /**
   * `expectedBytes`: the size of `data` when known in advance (see
   * seriesHeaderBytes and chunkBytes); exact sizing spares both the growth
   * copies and the final trim.
   */
  constructor(expectedBytes = INITIAL_BYTES) {
    this.buf = new Uint8Array(Math.max(expectedBytes, 8));
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts a series; `labelCount` calls to label() must follow, then its chunks. */
  startSeries(labelCount: number): void {
    this.endSeries();
    this.reserve(4 + 8 * labelCount);
    this.view.setUint32(this.len, labelCount, true);
    this.len += 4;
    this.open = true;
  }

  label(name: string, value: string): void {
    this.view.setUint32(this.len, this.symbols.intern(name), true);
    this.view.setUint32(this.len + 4, this.symbols.intern(value), true);
    this.len += 8;
  }

  /** Appends a chunk to the current series (after its labels). */
  chunk(minTime: number, maxTime: number, data: Uint8Array): void {
    // Room first: it may move `buf`.
    const at = this.chunkRoom(minTime, maxTime, data.length);
    this.buf.set(data, at);
  }

  /**
   * Appends a chunk of `length` bytes whose bytes come later: returns where
   * they go, for `fill` before `finish`.
   */
  chunkRoom(minTime: number, maxTime: number, length: number): number {
    if (this.chunkCountAt < 0) {
      this.reserve(4);
      this.chunkCountAt = this.len;
      this.len += 4;
    }
    this.reserve(20 + length);
    const v = this.view;
    v.setFloat64(this.len, minTime, true);
    v.setFloat64(this.len + 8, maxTime, true);
    v.setUint32(this.len + 16, length, true);
    const at = this.len + 20;
    this.len = at + length;
    this.chunkCount++;
    return at;
  }

  /** Writes bytes whose room chunkRoom reserved at `at`. */
  fill(at: number, data: Uint8Array): void {
    this.buf.set(data, at);
  }

  finish(): SelectResult {
    this.endSeries();
    // A view would clone its whole backing buffer; send exactly the bytes written.
    const data = this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
    return { symbols: this.symbols.strings, data };
  }

  private endSeries(): void {
    if (!this.open) return;
    this.open = false;
    if (this.chunkCountAt < 0) {
      // A series without chunks (labels only).
      this.reserve(4);
      this.view.setUint32(this.len, 0, true);
      this.len += 4;
    } else {
      this.view.setUint32(this.chunkCountAt, this.chunkCount, true);
    }
    this.chunkCountAt = -1;
    this.chunkCount = 0;
  }

  private reserve(bytes: number): void {
    const need = this.len + bytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/**
 * Walks a SelectResult series by series without allocating per chunk: the
 * current series' chunks are described by parallel arrays of offsets into
 * `data`, reused from one series to the next.
 */
export class SelectionReader {
  readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly symbols: readonly string[];
  private pos = 0;
  /** Labels of the current series. */
  labels: Label[] = [];
  /** Chunks of the current series. */
  chunks = 0;
  minTimes = new Float64Array(16);
  maxTimes = new Float64Array(16);
  /** Byte range [offsets[i], offsets[i] + lengths[i]) of chunk i in `data`. */
  offsets = new Uint32Array(16);
  lengths = new Uint32Array(16);

  constructor(res: SelectResult) {
    this.data = res.data;
    this.view = new DataView(res.data.buffer, res.data.byteOffset, res.data.byteLength);
    this.symbols = res.symbols;
  }

  /**
   * Moves to the next series; false at the end. `withLabels` false leaves
   * `labels` empty (a sizing pass that only needs the chunks).
   */
  next(withLabels = true): boolean {
    const v = this.view;
    let p = this.pos;
    if (p >= v.byteLength) return false;
    const nLabels = v.getUint32(p, true);
    p += 4;
    if (withLabels) {
      const labels = new Array<Label>(nLabels);
      for (let i = 0; i < nLabels; i++) {
        labels[i] = { name: this.symbol(v.getUint32(p, true)), value: this.symbol(v.getUint32(p + 4, true)) };
        p += 8;
      }
      this.labels = labels;
    } else {
      p += 8 * nLabels;
      this.labels = [];
    }
    const nChunks = v.getUint32(p, true);
    p += 4;
    if (nChunks > this.offsets.length) this.grow(nChunks);
    for (let i = 0; i < nChunks; i++) {
      this.minTimes[i] = v.getFloat64(p, true);
      this.maxTimes[i] = v.getFloat64(p + 8, true);
      const len = v.getUint32(p + 16, true);
      this.offsets[i] = p + 20;
      this.lengths[i] = len;
      p += 20 + len;
    }
    if (p > v.byteLength) throw new RangeError("select answer ended early");
    this.chunks = nChunks;
    this.pos = p;
    return true;
  }

  private symbol(i: number): string {
    const s = this.symbols[i];
    if (s === undefined) throw new RangeError(`select answer: no symbol ${i}`);
    return s;
  }

  private grow(n: number): void {
    this.minTimes = new Float64Array(n);
    this.maxTimes = new Float64Array(n);
    this.offsets = new Uint32Array(n);
    this.lengths = new Uint32Array(n);
  }
}

/** Unpacks a SelectResult into one object per series and chunk (tests, tools). */
export function unpackSelection(res: SelectResult): SelectedSeries[] {
  const r = new SelectionReader(res);
  const out: SelectedSeries[] = [];
  while (r.next()) {
    const chunks: ChunkData[] = [];
    for (let i = 0; i < r.chunks; i++) {
      chunks.push({ minTime: r.minTimes[i]!, maxTime: r.maxTimes[i]!, data: r.data.subarray(r.offsets[i]!, r.offsets[i]! + r.lengths[i]!) });
    }
    out.push({ labels: r.labels, chunks });
  }
  return out;
}
