/**
 * Builds an index file (format v2) from series added in label order.
 *
 * The symbol table comes first in the file but is only known once every
 * series has been seen, so series are kept until `finish()` in compact form:
 * label strings interned to ids and chunk metas in flat typed arrays. Memory
 * is thus proportional to series and chunks (what the index itself holds),
 * never to samples.
 */
import type { Labels } from "../../model/labels";
import { SymbolTable } from "../../model/symbol-table";
import { crc32c } from "./crc32";
import { Encbuf } from "./encbuf";
import {
  type ChunkMeta,
  type IndexTOC,
  INDEX_FORMAT_V2,
  INDEX_MAGIC,
  SERIES_ALIGN,
} from "./index-format";
import { compareLabelsUtf8, compareUtf8 } from "./order";

class GrowableF64 {
  a: Float64Array;
  len = 0;
  constructor(capacity = 1024) {
    this.a = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.len === this.a.length) {
      const next = new Float64Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    this.a[this.len++] = v;
  }
}

class GrowableU32 {
  a: Uint32Array;
  len = 0;
  constructor(capacity = 1024) {
    this.a = new Uint32Array(capacity);
  }
  push(v: number): void {
    if (this.len === this.a.length) {
      const next = new Uint32Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    this.a[this.len++] = v;
  }
}

export class IndexWriter {
  /** Label strings with provisional ids (order of first use). */
  private readonly symbols = new SymbolTable();
  /** Per series: label count, then provisional (name, value) id pairs. */
  private readonly seriesLabels = new GrowableU32();
  /** Per series: chunk count, then (minTime, maxTime, ref) per chunk. */
  private readonly seriesChunks = new GrowableF64();
  private numSeries = 0;
  private lastLabels: Labels | null = null;
  private lastChunkRef = -1;
  private finished = false;

  constructor() {
    // Prometheus's symbol tables always hold the empty string (the name and
    // value of the all-series postings key); keeping it makes our indexes
    // byte-identical to Prometheus's for the same series.
    this.symbols.intern("");
  }

  get seriesCount(): number {
    return this.numSeries;
  }

  /**
   * Adds the next series. Label sets must be strictly increasing; chunks must
   * be in time order without overlap and their references must increase
   * across the whole index (chunks are laid out in series order).
   */
  addSeries(labels: Labels, chunks: readonly ChunkMeta[]): void {
    if (this.finished) throw new Error("index writer is finished");
    if (this.lastLabels !== null && compareLabelsUtf8(labels, this.lastLabels) <= 0) {
      throw new Error("index: series added out of order or twice");
    }
    let lastMaxT = 0;
    let lastRef = this.lastChunkRef;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c.ref <= lastRef) throw new Error(`index: chunk reference ${c.ref} not above previous ${lastRef}`);
      if (c.maxTime < c.minTime) throw new Error(`index: chunk maxTime ${c.maxTime} below minTime ${c.minTime}`);
      if (i > 0 && c.minTime <= lastMaxT) {
        throw new Error(`index: chunk minTime ${c.minTime} not above previous chunk maxTime ${lastMaxT}`);
      }
      lastMaxT = c.maxTime;
      lastRef = c.ref;
    }

    const sl = this.seriesLabels;
    sl.push(labels.length);
    for (const l of labels) {
      sl.push(this.symbols.intern(l.name));
      sl.push(this.symbols.intern(l.value));
    }
    const sc = this.seriesChunks;
    sc.push(chunks.length);
    for (const c of chunks) {
      sc.push(c.minTime);
      sc.push(c.maxTime);
      sc.push(c.ref);
    }
    this.lastChunkRef = lastRef;
    this.lastLabels = labels;
    this.numSeries++;
  }

  /** Lays out the whole index and returns its bytes. */
  finish(): Uint8Array {
    if (this.finished) throw new Error("index writer is finished");
    this.finished = true;

    // Final symbol ids are positions in the sorted table.
    const strings = this.symbols.strings;
    const order = strings.map((_, i) => i).sort((a, b) => compareUtf8(strings[a]!, strings[b]!));
    const finalId = new Uint32Array(strings.length);
    for (let i = 0; i < order.length; i++) finalId[order[i]!] = i;
    const sortedSymbols = order.map((i) => strings[i]!);

    const out = new Encbuf(1 << 16);
    out.putBE32(INDEX_MAGIC);
    out.putByte(INDEX_FORMAT_V2);

    const symbolsAt = out.len;
    writeSymbols(out, sortedSymbols);

    const seriesAt = out.len;
    const { postings, all } = this.writeSeries(out, finalId);
    const numSymbols = strings.length;
    // Postings keys in (name, value) order, as symbol ids are in string order.
    const keys = Array.from(postings.keys()).sort((a, b) => a - b);

    // Label indices (one per name: its values) and their offset table are
    // no longer read by Prometheus, but it wrote them up to 3.5 and old
    // tools may expect them; they cost about 1% of the index.
    const labelIndicesAt = out.len;
    const labelIndexOffsets: [string, number][] = [];
    for (let k = 0; k < keys.length; ) {
      const nameId = Math.floor(keys[k]! / numSymbols);
      const values: number[] = [];
      for (; k < keys.length && Math.floor(keys[k]! / numSymbols) === nameId; k++) values.push(keys[k]! % numSymbols);
      labelIndexOffsets.push([sortedSymbols[nameId]!, writeLabelIndex(out, values)]);
    }

    // The section reference is taken before aligning its first list, as Prometheus does.
    const postingsAt = out.len;
    const offsets: number[] = [];
    // The "all series" list has the empty name and value and so sorts first.
    offsets.push(writePostingsList(out, all.a.subarray(0, all.len)));
    for (const key of keys) {
      const list = postings.get(key)!;
      offsets.push(writePostingsList(out, list.a.subarray(0, list.len)));
    }

    const labelTableAt = out.len;
    writeLabelOffsetTable(out, labelIndexOffsets);

    const postingsTableAt = out.len;
    const entries: [string, string][] = [["", ""]];
    for (const key of keys) {
      entries.push([sortedSymbols[Math.floor(key / numSymbols)]!, sortedSymbols[key % numSymbols]!]);
    }
    writePostingsOffsetTable(out, entries, offsets);

    writeTOC(out, {
      symbols: symbolsAt,
      series: seriesAt,
      labelIndices: labelIndicesAt,
      labelIndicesTable: labelTableAt,
      postings: postingsAt,
      postingsTable: postingsTableAt,
    });
    return out.get();
  }

  private writeSeries(out: Encbuf, finalId: Uint32Array): { postings: Map<number, GrowableU32>; all: GrowableU32 } {
    const numSymbols = this.symbols.size;
    const postings = new Map<number, GrowableU32>();
    const all = new GrowableU32();
    const entry = new Encbuf(256);
    const sl = this.seriesLabels.a;
    const sc = this.seriesChunks.a;
    let li = 0;
    let ci = 0;
    for (let s = 0; s < this.numSeries; s++) {
      out.padTo(SERIES_ALIGN);
      const ref = out.len / SERIES_ALIGN;
      if (ref > 0xffffffff) throw new Error("index: series section exceeds 64 GiB");
      all.push(ref);

      entry.reset();
      const nLabels = sl[li++]!;
      entry.putUvarint(nLabels);
      for (let i = 0; i < nLabels; i++) {
        const name = finalId[sl[li++]!]!;
        const value = finalId[sl[li++]!]!;
        entry.putUvarint(name);
        entry.putUvarint(value);
        const key = name * numSymbols + value;
        let list = postings.get(key);
        if (list === undefined) {
          list = new GrowableU32(4);
          postings.set(key, list);
        }
        list.push(ref);
      }

      const nChunks = sc[ci++]!;
      entry.putUvarint(nChunks);
      let prevMaxT = 0;
      let prevRef = 0;
      for (let i = 0; i < nChunks; i++) {
        const minT = sc[ci++]!;
        const maxT = sc[ci++]!;
        const cref = sc[ci++]!;
        if (i === 0) {
          entry.putVarint(minT);
          entry.putUvarint(maxT - minT);
          entry.putUvarint(cref);
        } else {
          entry.putUvarint(minT - prevMaxT);
          entry.putUvarint(maxT - minT);
          entry.putVarint(cref - prevRef);
        }
        prevMaxT = maxT;
        prevRef = cref;
      }

      const body = entry.get();
      out.putUvarint(body.length);
      out.putBytes(body);
      out.putBE32(crc32c(body));
    }
    return { postings, all };
  }
}

/** A label index for one name: the symbol ids of its values, in order; returns its offset. */
function writeLabelIndex(out: Encbuf, valueIds: readonly number[]): number {
  out.padTo(4);
  const at = out.len;
  out.putBE32(4 + 4 + valueIds.length * 4);
  out.putBE32(1); // names in the tuple
  out.putBE32(valueIds.length);
  for (const v of valueIds) out.putBE32(v);
  out.putBE32(crc32c(out.get(), at + 4));
  return at;
}

function writeLabelOffsetTable(out: Encbuf, entries: readonly [string, number][]): void {
  const start = out.len;
  out.putBE32(0); // length, set below
  out.putBE32(entries.length);
  for (const [name, off] of entries) {
    out.putUvarint(1);
    out.putUvarintStr(name);
    out.putUvarint(off);
  }
  out.setBE32(start, out.len - start - 4);
  out.putBE32(crc32c(out.get(), start + 4));
}

function writeSymbols(out: Encbuf, sorted: readonly string[]): void {
  const start = out.len;
  out.putBE32(0); // length, set below
  out.putBE32(sorted.length);
  for (const s of sorted) out.putUvarintStr(s);
  const len = out.len - start - 4;
  if (len > 0xffffffff) throw new Error("index: symbol table exceeds 4 GiB");
  out.setBE32(start, len);
  out.putBE32(crc32c(out.get(), start + 4));
}

/** Writes one postings list at a 4-byte boundary; returns its offset. */
function writePostingsList(out: Encbuf, refs: Uint32Array): number {
  out.padTo(4);
  const at = out.len;
  out.putBE32(4 + refs.length * 4);
  out.putBE32(refs.length);
  for (let i = 0; i < refs.length; i++) out.putBE32(refs[i]!);
  out.putBE32(crc32c(out.get(), at + 4));
  return at;
}

function writePostingsOffsetTable(out: Encbuf, entries: readonly [string, string][], offsets: readonly number[]): void {
  const start = out.len;
  out.putBE32(0); // length, set below
  out.putBE32(entries.length);
  for (let i = 0; i < entries.length; i++) {
    out.putUvarint(2);
    out.putUvarintStr(entries[i]![0]);
    out.putUvarintStr(entries[i]![1]);
    out.putUvarint(offsets[i]!);
  }
  out.setBE32(start, out.len - start - 4);
  out.putBE32(crc32c(out.get(), start + 4));
}

function writeTOC(out: Encbuf, toc: IndexTOC): void {
  const start = out.len;
  out.putBE64(toc.symbols);
  out.putBE64(toc.series);
  out.putBE64(toc.labelIndices);
  out.putBE64(toc.labelIndicesTable);
  out.putBE64(toc.postings);
  out.putBE64(toc.postingsTable);
  out.putBE32(crc32c(out.get(), start));
}
