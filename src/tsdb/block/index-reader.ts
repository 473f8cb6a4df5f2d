/**
 * Reads an index file (format v2) through range reads: the TOC from the end,
 * then the symbol table and postings offset table, which stay in memory.
 * Postings lists and series entries are fetched on demand, with neighbouring
 * ranges merged into single reads.
 */
import type { Label, Labels } from "../../model/labels";
import type { Matcher } from "../../model/matchers";
import { crc32c } from "./crc32";
import { CorruptionError, Decbuf, readUvarint } from "./decbuf";
import {
  type ChunkMeta,
  type IndexTOC,
  INDEX_FORMAT_V2,
  INDEX_HEADER_LEN,
  INDEX_MAGIC,
  INDEX_TOC_LEN,
  SERIES_ALIGN,
} from "./index-format";
import { compareUtf8 } from "./order";
import { EMPTY_POSTINGS, intersectPostings, subtractPostings, unionPostings } from "./postings";
import { type RangeReader, coalesceRanges } from "./range-reader";

export interface IndexSeries {
  readonly ref: number;
  readonly labels: Labels;
  readonly chunks: readonly ChunkMeta[];
}

export interface IndexReaderOptions {
  /** Bytes read from each end of the file when opening, hoping to catch the tables in one request. */
  readonly prefetchBytes?: number;
  /** Ranges closer than this are fetched in one request. */
  readonly maxGapBytes?: number;
  /** First guess at a series entry's size; a longer entry costs one more read. */
  readonly seriesSizeHint?: number;
}

/** Postings list locations of one label name, in value order. */
interface NameEntry {
  readonly values: string[];
  readonly starts: number[];
  readonly ends: number[];
}

export class IndexReader {
  private constructor(
    private readonly src: RangeReader,
    readonly toc: IndexTOC,
    private readonly symbols: readonly string[],
    private readonly names: ReadonlyMap<string, NameEntry>,
    private readonly seriesEnd: number,
    private readonly maxGap: number,
    private readonly seriesHint: number,
  ) {}

  static async open(src: RangeReader, opts: IndexReaderOptions = {}): Promise<IndexReader> {
    const prefetch = opts.prefetchBytes ?? 64 * 1024;
    const size = src.size;
    if (size < INDEX_HEADER_LEN + INDEX_TOC_LEN) throw new CorruptionError(`index: file too small (${size} bytes)`);

    // A small index is read whole; otherwise its tail holds the TOC and,
    // usually, the postings offset table.
    const cache = new ByteCache(src);
    if (size <= 2 * prefetch) await cache.load(0, size);
    else await cache.load(size - prefetch, prefetch);

    const toc = parseTOC(await cache.get(size - INDEX_TOC_LEN, INDEX_TOC_LEN));
    for (const [k, v] of Object.entries(toc)) {
      if (v >= size) throw new CorruptionError(`index: TOC entry ${k} = ${v} beyond file size ${size}`);
    }
    const head = await cache.get(0, Math.max(toc.series, INDEX_HEADER_LEN));
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (dv.getUint32(0) !== INDEX_MAGIC) throw new CorruptionError(`index: invalid magic number ${dv.getUint32(0).toString(16)}`);
    if (head[4] !== INDEX_FORMAT_V2) throw new CorruptionError(`index: unsupported format version ${head[4]}`);

    const symbols = parseSymbols(head, toc.symbols);
    const tableLen = size - INDEX_TOC_LEN - toc.postingsTable;
    const table = await cache.get(toc.postingsTable, tableLen);
    const postingsEnd = firstAbove(toc, toc.postings, size - INDEX_TOC_LEN);
    const names = parsePostingsTable(table, toc.postingsTable, postingsEnd);
    const seriesEnd = firstAbove(toc, toc.series, size - INDEX_TOC_LEN);
    return new IndexReader(src, toc, symbols, names, seriesEnd, opts.maxGapBytes ?? 16 * 1024, opts.seriesSizeHint ?? 512);
  }

  /** Label names present in the block, sorted. */
  labelNames(): string[] {
    const out: string[] = [];
    for (const name of this.names.keys()) if (name !== "") out.push(name);
    return out;
  }

  /** Values of a label name, sorted (bytewise). */
  labelValues(name: string): string[] {
    if (name === "") return [];
    return this.names.get(name)?.values.slice() ?? [];
  }

  /** Every symbol of the block, sorted. */
  symbolTable(): readonly string[] {
    return this.symbols;
  }

  /** Series references with the label pair, sorted. */
  async postings(name: string, value: string): Promise<Uint32Array> {
    const e = this.names.get(name);
    if (e === undefined) return EMPTY_POSTINGS;
    const i = binarySearch(e.values, value);
    if (i < 0) return EMPTY_POSTINGS;
    return (await this.readPostings(e, [i]))[0]!;
  }

  /** Every series of the block. */
  allPostings(): Promise<Uint32Array> {
    return this.postings("", "");
  }

  /** Union of the postings of the values of `name` that `pred` accepts. */
  async postingsForValues(name: string, pred: (value: string) => boolean): Promise<Uint32Array> {
    const e = this.names.get(name);
    if (e === undefined || name === "") return EMPTY_POSTINGS;
    const picked: number[] = [];
    for (let i = 0; i < e.values.length; i++) if (pred(e.values[i]!)) picked.push(i);
    if (picked.length === 0) return EMPTY_POSTINGS;
    return unionPostings(await this.readPostings(e, picked));
  }

  /**
   * Series matching all matchers, with Prometheus semantics: a matcher that
   * accepts the empty string also selects series without the label.
   */
  async postingsForMatchers(matchers: readonly Matcher[]): Promise<Uint32Array> {
    const intersect: Matcher[] = [];
    const subtract: Matcher[] = [];
    for (const m of matchers) (m.matchesEmpty() ? subtract : intersect).push(m);

    // Each list is a separate range read, so they are fetched concurrently:
    // on R2, latency matters more than the odd list read in vain.
    const [pos, neg] = await Promise.all([
      Promise.all(intersect.map((m) => this.positivePostings(m))),
      // Series whose value for the label does not match are out; series
      // without the label have the empty value, which matches.
      Promise.all(subtract.map((m) => this.postingsForValues(m.name, (v) => !m.matches(v)))),
    ]);
    let result: Uint32Array;
    if (pos.length > 0) {
      pos.sort((a, b) => a.length - b.length);
      result = pos[0]!;
      for (let i = 1; i < pos.length && result.length > 0; i++) result = intersectPostings(result, pos[i]!);
    } else {
      result = await this.allPostings();
    }
    for (const n of neg) {
      if (result.length === 0) break;
      result = subtractPostings(result, n);
    }
    return result;
  }

  private positivePostings(m: Matcher): Promise<Uint32Array> {
    if (m.type === "=") return this.postings(m.name, m.value);
    return this.postingsForValues(m.name, (v) => m.matches(v));
  }

  private async readPostings(e: NameEntry, picked: number[]): Promise<Uint32Array[]> {
    const starts = picked.map((i) => e.starts[i]!);
    const ends = picked.map((i) => e.ends[i]!);
    const out: Uint32Array[] = new Array<Uint32Array>(picked.length);
    await Promise.all(
      coalesceRanges(starts, ends, this.maxGap).map(async (r) => {
        const bytes = await this.src.read(r.start, r.end - r.start);
        for (const k of r.items) out[k] = decodePostings(bytes, starts[k]! - r.start, starts[k]!);
      }),
    );
    return out;
  }

  /** One series entry. */
  async series(ref: number): Promise<IndexSeries> {
    return (await this.seriesMany(Uint32Array.of(ref)))[0]!;
  }

  /** Series entries for sorted references, reading neighbours together. */
  async seriesMany(refs: Uint32Array): Promise<IndexSeries[]> {
    const n = refs.length;
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      starts[i] = refs[i]! * SERIES_ALIGN;
      if (i > 0 && starts[i]! <= starts[i - 1]!) throw new Error("seriesMany: references must be sorted and unique");
      if (starts[i]! < this.toc.series || starts[i]! >= this.seriesEnd) {
        throw new RangeError(`series reference ${refs[i]} outside the series section`);
      }
      ends[i] = Math.min(starts[i]! + this.seriesHint, this.seriesEnd);
    }
    const out: IndexSeries[] = new Array<IndexSeries>(n);
    await Promise.all(
      coalesceRanges(starts, ends, this.maxGap).map(async (r) => {
        const bytes = await this.src.read(r.start, r.end - r.start);
        for (const k of r.items) {
          const at = starts[k]! - r.start;
          out[k] = this.decodeSeriesAt(bytes, at, refs[k]!) ?? (await this.readLongSeries(refs[k]!));
        }
      }),
    );
    return out;
  }

  private async readLongSeries(ref: number): Promise<IndexSeries> {
    const start = ref * SERIES_ALIGN;
    const head = await this.src.read(start, Math.min(10, this.seriesEnd - start));
    const lv = readUvarint(head, 0);
    if (lv === null) throw new CorruptionError(`index: series ${ref}: bad length`);
    const total = lv[1] + lv[0] + 4;
    if (start + total > this.seriesEnd) throw new CorruptionError(`index: series ${ref} runs past the series section`);
    const bytes = await this.src.read(start, total);
    const s = this.decodeSeriesAt(bytes, 0, ref);
    if (s === null) throw new CorruptionError(`index: series ${ref} truncated`);
    return s;
  }

  /** Decodes the series entry at `at`, or null when `bytes` ends before it does. */
  private decodeSeriesAt(bytes: Uint8Array, at: number, ref: number): IndexSeries | null {
    const lv = readUvarint(bytes, at);
    if (lv === null) return null;
    const bodyStart = at + lv[1];
    const bodyEnd = bodyStart + lv[0];
    if (bodyEnd + 4 > bytes.length) return null;
    const want = new DataView(bytes.buffer, bytes.byteOffset + bodyEnd, 4).getUint32(0);
    if (crc32c(bytes, bodyStart, bodyEnd) !== want) {
      throw new CorruptionError(`index: series ${ref}: checksum mismatch`);
    }
    const what = `index: series ${ref}`;
    const d = new Decbuf(bytes, bodyStart, bodyEnd, what);
    const nLabels = d.uvarint();
    const labels: Label[] = new Array<Label>(nLabels);
    for (let i = 0; i < nLabels; i++) {
      labels[i] = { name: this.symbol(d.uvarint(), what), value: this.symbol(d.uvarint(), what) };
    }
    const nChunks = d.uvarint();
    const chunks: ChunkMeta[] = new Array<ChunkMeta>(nChunks);
    let maxT = 0;
    let cref = 0;
    for (let i = 0; i < nChunks; i++) {
      let minT: number;
      if (i === 0) {
        minT = d.varint();
        maxT = minT + d.uvarint();
        cref = d.uvarint();
      } else {
        minT = maxT + d.uvarint();
        maxT = minT + d.uvarint();
        cref += d.varint();
      }
      chunks[i] = { ref: cref, minTime: minT, maxTime: maxT };
    }
    return { ref, labels, chunks };
  }

  private symbol(id: number, what: string): string {
    const s = this.symbols[id];
    if (s === undefined) throw new CorruptionError(`${what}: unknown symbol ${id}`);
    return s;
  }
}

/** Serves reads from bytes already fetched when it can, else reads the source. */
class ByteCache {
  private at = 0;
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(private readonly src: RangeReader) {}

  async load(offset: number, length: number): Promise<void> {
    this.bytes = await this.src.read(offset, length);
    this.at = offset;
  }

  async get(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.at && offset + length <= this.at + this.bytes.length) {
      return this.bytes.subarray(offset - this.at, offset - this.at + length);
    }
    return this.src.read(offset, length);
  }
}

function parseTOC(b: Uint8Array): IndexTOC {
  const want = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(48);
  if (crc32c(b, 0, 48) !== want) throw new CorruptionError("index: TOC checksum mismatch");
  const d = new Decbuf(b, 0, 48, "index: TOC");
  return {
    symbols: d.be64(),
    series: d.be64(),
    labelIndices: d.be64(),
    labelIndicesTable: d.be64(),
    postings: d.be64(),
    postingsTable: d.be64(),
  };
}

/** The smallest section start above `from`, i.e. where the section at `from` ends. */
function firstAbove(toc: IndexTOC, from: number, fallback: number): number {
  let end = fallback;
  for (const v of Object.values(toc)) if (v > from && v < end) end = v;
  return end;
}

/**
 * Checks a `len <4b> | body | CRC32C <4b>` section at `at` of `b` (whose
 * first byte is file offset `base`) and returns a cursor over its body.
 */
function section(b: Uint8Array, at: number, base: number, what: string): Decbuf {
  if (at + 4 > b.length) throw new CorruptionError(`index: ${what} at ${base + at}: truncated`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = dv.getUint32(at);
  const end = at + 4 + len;
  if (end + 4 > b.length) throw new CorruptionError(`index: ${what} at ${base + at}: length ${len} runs past its range`);
  if (crc32c(b, at + 4, end) !== dv.getUint32(end)) {
    throw new CorruptionError(`index: ${what} at ${base + at}: checksum mismatch`);
  }
  return new Decbuf(b, at + 4, end, `index: ${what}`);
}

function parseSymbols(b: Uint8Array, at: number): string[] {
  const d = section(b, at, 0, "symbol table");
  const n = d.be32();
  const out: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = d.uvarintStr();
  return out;
}

function parsePostingsTable(b: Uint8Array, base: number, postingsEnd: number): Map<string, NameEntry> {
  const d = section(b, 0, base, "postings offset table");
  const n = d.be32();
  const names = new Map<string, NameEntry>();
  let cur: NameEntry | null = null;
  let curName = "";
  let prevStart = -1;
  for (let i = 0; i < n; i++) {
    if (d.uvarint() !== 2) throw new CorruptionError("index: postings offset table: entry without 2 keys");
    const name = d.uvarintStr();
    const value = d.uvarintStr();
    const off = d.uvarint();
    if (off <= prevStart) throw new CorruptionError("index: postings offset table: offsets not increasing");
    if (cur === null || name !== curName) {
      cur = { values: [], starts: [], ends: [] };
      names.set(name, cur);
      curName = name;
    }
    cur.values.push(value);
    cur.starts.push(off);
    prevStart = off;
  }
  // Lists follow each other in table order, so each ends where the next starts.
  const all = Array.from(names.values());
  for (let k = 0; k < all.length; k++) {
    const e = all[k]!;
    for (let i = 0; i < e.starts.length; i++) {
      const next = i + 1 < e.starts.length ? e.starts[i + 1]! : k + 1 < all.length ? all[k + 1]!.starts[0]! : postingsEnd;
      e.ends.push(next);
    }
  }
  return names;
}

function decodePostings(b: Uint8Array, at: number, fileOffset: number): Uint32Array {
  const d = section(b, at, fileOffset - at, "postings list");
  const n = d.be32();
  if (d.remaining !== n * 4) throw new CorruptionError(`index: postings list at ${fileOffset}: ${n} entries do not fit its length`);
  const out = new Uint32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset + d.pos, n * 4);
  for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4);
  return out;
}

function binarySearch(values: readonly string[], v: string): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareUtf8(values[mid]!, v);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
