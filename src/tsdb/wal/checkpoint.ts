/**
 * Checkpoint encodings. A head snapshot holds every series' labels, its
 * open head chunk, chunk ids and exemplars; chunk batches hold completed
 * chunks, written once when cut (again if an out-of-order sample rewrites
 * one). Snapshot + chunk batches + later WAL records rebuild the head.
 *
 *   snapshot = version, symbols: n uvarint + string×n,
 *              series: n uvarint + (ref, nLabels, (nameSym, valueSym)×nLabels,
 *                      nextChunkId, headId, head chunk bytes, exemplars)×n
 *   batch    = version, (ref, chunkId, minTime varint, maxTime varint, bytes)*
 */
import type { Exemplar } from "../../write/request";
import type { Head } from "../head/head";
import type { MemSeries } from "../head/series";
import type { HeadChunk } from "../head/slab";
import { ByteReader, ByteWriter } from "./bytes";
import { readLabels, writeLabels } from "./record";

const VERSION = 1;

export function encodeSnapshot(head: Head): Uint8Array {
  const w = new ByteWriter(64 * 1024);
  w.byte(VERSION);
  // Only the symbols live series use, renumbered densely.
  const symIds = new Map<number, number>();
  const symbols: string[] = [];
  const live: MemSeries[] = [];
  head.forEachSeries((s) => {
    if (s.empty) return;
    live.push(s);
  });
  const sym = (id: number): number => {
    let out = symIds.get(id);
    if (out === undefined) {
      out = symbols.length;
      symbols.push(head.symbols.get(id));
      symIds.set(id, out);
    }
    return out;
  };
  const labelSyms: number[][] = live.map((s) => {
    const ids: number[] = [];
    for (const l of head.labelsOf(s)) ids.push(sym(head.symbols.lookup(l.name)), sym(head.symbols.lookup(l.value)));
    return ids;
  });
  w.uvarint(symbols.length);
  for (const s of symbols) w.string(s);
  w.uvarint(live.length);
  live.forEach((s, i) => {
    w.uvarint(s.ref);
    const ids = labelSyms[i]!;
    w.uvarint(ids.length / 2);
    for (const id of ids) w.uvarint(id);
    w.uvarint(s.nextChunkId);
    w.uvarint(s.headId);
    w.bytes(s.head !== null ? s.head.bytes() : new Uint8Array(0));
    const ex = s.exemplars?.range(-Infinity, Infinity) ?? [];
    w.uvarint(ex.length);
    for (const e of ex) {
      w.varint(e.timestamp);
      w.float64(e.value);
      writeLabels(w, e.labels);
    }
  });
  return w.finish();
}

/** Rebuilds series from a snapshot into an empty head. */
export function loadSnapshot(head: Head, data: Uint8Array): number {
  const r = new ByteReader(data);
  const version = r.byte();
  if (version !== VERSION) throw new Error(`unknown snapshot version ${version}`);
  const symbols = new Array<string>(r.uvarint());
  for (let i = 0; i < symbols.length; i++) symbols[i] = r.string();
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const ref = r.uvarint();
    const nl = r.uvarint();
    const labels = new Array<{ name: string; value: string }>(nl);
    for (let j = 0; j < nl; j++) labels[j] = { name: symbols[r.uvarint()]!, value: symbols[r.uvarint()]! };
    const s = head.createWithRef(ref, labels);
    s.logged = true;
    s.nextChunkId = r.uvarint();
    const headId = r.uvarint();
    const chunk = r.bytes();
    if (chunk.length > 2) head.restoreHead(s, headId, chunk);
    const ne = r.uvarint();
    for (let j = 0; j < ne; j++) {
      const timestamp = r.varint();
      const value = r.float64();
      const e: Exemplar = { timestamp, value, labels: readLabels(r) };
      head.appendExemplar(s, e);
    }
  }
  return n;
}

/** One row of the chunk checkpoint: encoded chunks and the newest sample time among them. */
export interface ChunkBatch {
  readonly data: Uint8Array;
  readonly maxTime: number;
}

/**
 * Encodes completed chunks into batches of at most about `maxBytes` each,
 * and remembers where each chunk's bytes landed so that the head can read
 * them back from the stored row instead of keeping them.
 */
export class ChunkBatchWriter {
  private readonly w = new ByteWriter(64 * 1024);
  private readonly out: ChunkBatch[] = [];
  private readonly maxBytes: number;
  private maxTime = -Infinity;
  private readonly added: HeadChunk[] = [];
  /** Per added chunk: its batch index and the offset of its bytes in that batch. */
  private readonly batchOf: number[] = [];
  private readonly offsetOf: number[] = [];

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.w.byte(VERSION);
  }

  add(ref: number, c: HeadChunk): void {
    const w = this.w;
    const data = c.data;
    w.uvarint(ref);
    w.uvarint(c.id);
    w.varint(c.minTime);
    w.varint(c.maxTime);
    w.uvarint(data.length);
    this.added.push(c);
    this.batchOf.push(this.out.length);
    this.offsetOf.push(w.length);
    w.raw(data);
    if (c.maxTime > this.maxTime) this.maxTime = c.maxTime;
    if (w.length >= this.maxBytes) this.flush();
  }

  private flush(): void {
    if (this.w.length <= 1) return;
    this.out.push({ data: this.w.finish(), maxTime: this.maxTime });
    this.w.reset();
    this.w.byte(VERSION);
    this.maxTime = -Infinity;
  }

  finish(): ChunkBatch[] {
    this.flush();
    return this.out;
  }

  /** Calls `fn` for every added chunk with its batch index and the offset of its bytes in that batch (after finish). */
  forEachPlaced(fn: (c: HeadChunk, batch: number, offset: number) => void): void {
    for (let i = 0; i < this.added.length; i++) fn(this.added[i]!, this.batchOf[i]!, this.offsetOf[i]!);
  }
}

/**
 * Restores completed chunks from one batch, stored as row `row` (0 when it
 * is not a stored row: the bytes are then copied into the head). Chunks of
 * unknown series, and chunks wholly before `droppedBefore` (the head let
 * them go once a block held them), are skipped. Returns the chunks restored
 * and the newest sample time in the batch.
 */
export function loadChunkBatch(head: Head, data: Uint8Array, row = 0, droppedBefore = -Infinity): { chunks: number; maxTime: number } {
  const r = new ByteReader(data);
  const version = r.byte();
  if (version !== VERSION) throw new Error(`unknown chunk batch version ${version}`);
  let n = 0;
  let newest = -Infinity;
  while (!r.done) {
    const ref = r.uvarint();
    const id = r.uvarint();
    const minTime = r.varint();
    const maxTime = r.varint();
    const bytes = r.bytes();
    const offset = r.pos - bytes.length;
    if (maxTime > newest) newest = maxTime;
    const s = head.get(ref);
    if (s === undefined || maxTime < droppedBefore) continue;
    head.restoreChunk(s, id, minTime, maxTime, bytes, row, offset);
    n++;
  }
  return { chunks: n, maxTime: newest };
}
